/**
 * A Django ListView whose template never reads the list is not reported (its lazy queryset is never evaluated); the
 * language server's cached list-view findings follow the template: when the template (an open document) starts
 * reading `object_list`, the next keystroke in the view module reports the view, as a fresh analysis does, and
 * stops again when the template is restored.
 */
import * as assert from 'node:assert/strict';
import { KeystrokeProject, findingsOf } from './keystroke-project';

const MODELS = `from django.db import models


class Post(models.Model):
    title = models.CharField(max_length=200)
    created = models.DateTimeField(auto_now_add=True)
`;

const VIEWS = `from django.views.generic import ListView

from .models import Post


class HomeView(ListView):
    template_name = "blog/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["latest"] = Post.objects.all()[:5]
        return context

    def get_queryset(self):
        return Post.objects.all()
`;

const BASE = '<html>{% block content %}{% endblock %}</html>\n';

const HOME = `{% extends "blog/base.html" %}
{% block content %}{% for post in latest %}{{ post.title }}{% endfor %}{% endblock %}
`;

const listViewFindings = findingsOf('unbounded-queryset');

describe('a ListView whose template never reads the list', function () {
  this.timeout(300000);
  let project: KeystrokeProject;

  beforeEach(async () => {
    project = await KeystrokeProject.open('listview-template', {
      'manage.py': 'import django\n',
      'requirements.txt': 'django\n',
      'blog/__init__.py': '',
      'blog/models.py': MODELS,
      'blog/settings.py': 'SECRET_KEY = "x"\nINSTALLED_APPS = ["blog"]\n',
      'blog/views.py': VIEWS,
      'blog/templates/blog/base.html': BASE,
      'blog/templates/blog/home.html': HOME,
    }, 'blog/views.py');
  });
  afterEach(() => project.close());

  it('is reported only while its template (or one it extends) reads the list', () => {
    assert.deepEqual(project.analyse(listViewFindings), []);
    project.setOpenText('blog/templates/blog/base.html', '<html>{% block content %}{% endblock %}{{ object_list|length }}</html>\n');
    project.append('\n# a keystroke\n');
    const reading = project.analyse(listViewFindings);
    assert.equal(reading.length, 1, reading.join('\n'));
    assert.match(reading[0], /^14:15 Renders every Post row into one page: HomeView has no paginate_by/);
    project.setOpenText('blog/templates/blog/base.html', undefined);
    project.append('#');
    assert.deepEqual(project.analyse(listViewFindings), []);
  });
});
