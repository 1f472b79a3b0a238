/**
 * A function view rendering the queryset a service module's function returns is judged by that function's text:
 * the language server's cached list-view findings follow it. When the service (an open document elsewhere) starts
 * slicing its rows, or stops returning a queryset, the next keystroke in the view module drops the finding, as a
 * fresh analysis does, and reports it again when the service is restored.
 */
import * as assert from 'node:assert/strict';
import { KeystrokeProject, findingsOf } from './keystroke-project';

const MODELS = `from django.db import models


class Post(models.Model):
    title = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)
`;

const SERVICES = `from .models import Post


def all_posts():
    return Post.objects.all()
`;

const VIEWS = `from django.shortcuts import render

from . import services


def post_list(request):
    posts = services.all_posts()
    return render(request, "blog/posts.html", {"posts": posts})
`;

const URLS = `from django.urls import path

from . import views

urlpatterns = [path("", views.post_list)]
`;

const listFindings = findingsOf('unbounded-queryset');

describe('a function view rendering a service module\'s queryset', function () {
  this.timeout(300000);
  let project: KeystrokeProject;

  beforeEach(async () => {
    project = await KeystrokeProject.open('service-view', {
      'manage.py': 'import django\n',
      'requirements.txt': 'django\n',
      'blog/__init__.py': '',
      'blog/models.py': MODELS,
      'blog/services.py': SERVICES,
      'blog/urls.py': URLS,
      'blog/settings.py': 'SECRET_KEY = "x"\nINSTALLED_APPS = ["blog"]\nROOT_URLCONF = "blog.urls"\n',
      'blog/views.py': VIEWS,
      'blog/templates/blog/posts.html': '<ul>{% for post in posts %}<li>{{ post.title }}</li>{% endfor %}</ul>\n',
    }, 'blog/views.py');
  });
  afterEach(() => project.close());

  it('follows edits of the service function', () => {
    const whole = project.analyse(listFindings);
    assert.equal(whole.length, 1, whole.join('\n'));
    assert.match(whole[0], /^6:12 Renders every Post row into one page: post_list\(\) has no Paginator/);
    for (const edited of [SERVICES.replace('.all()', '.all()[:5]'), SERVICES.replace('return Post.objects.all()', 'return [1, 2]')]) {
      project.setOpenText('blog/services.py', edited);
      project.append('\n# a keystroke\n');
      assert.deepEqual(project.analyse(listFindings), []);
      project.setOpenText('blog/services.py', undefined);
      project.append('#');
      assert.equal(project.analyse(listFindings).length, 1);
    }
  });

  it('follows a module-level name shadowing the imported module, and a syntax error elsewhere in the module', () => {
    assert.equal(project.analyse(listFindings).length, 1);
    // The view's statement is unchanged throughout: its kept answer must follow what it read outside itself.
    project.append('\nservices = None\n');
    project.analyse(listFindings);
    project.replace('services = None\n', '');
    assert.equal(project.analyse(listFindings).length, 1);
    project.append('\ndef services():\n    return []\n');
    project.analyse(listFindings);
    project.replace('def services():\n    return []\n', '');
    assert.equal(project.analyse(listFindings).length, 1);
    // Typing a line of another function: that statement has a syntax error while the view's answer is reused.
    project.append('\ndef other(request):\n    x = posts o');
    assert.equal(project.analyse(listFindings).length, 1);
    project.append('r 0\n');
    assert.equal(project.analyse(listFindings).length, 1);
    project.replace('from . import services', 'from . import models as services');
    assert.deepEqual(project.analyse(listFindings), []);
    project.replace('from . import models as services', 'from . import services');
    assert.equal(project.analyse(listFindings).length, 1);
  });
});
