/**
 * A function view rendering the queryset a service module's function returns is judged by that function's text:
 * the language server's cached list-view findings follow it. When the service (an open document elsewhere) starts
 * slicing its rows, or stops returning a queryset, the next keystroke in the view module drops the finding, as a
 * fresh analysis does, and reports it again when the service is restored.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Workspace } from '../../server/src/engine/workspace';
import { TrackedDocument } from '../../server/src/lsp/documents';
import { analyseKeystroke } from './keystroke-analysis';
import type { Finding } from '../../server/src/engine/types';

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

const write = (dir: string, rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
};

const listFindings = (findings: readonly Finding[]) =>
  findings.filter((f) => f.ruleId === 'unbounded-queryset').map((f) => `${f.range.start.line}:${f.range.start.character} ${f.message}`);

describe('a function view rendering a service module\'s queryset', function () {
  this.timeout(300000);
  let dir: string;
  let ws: Workspace;
  let doc: TrackedDocument;
  let version = 1;
  const overrides = new Map<string, string>();

  const analyse = () => analyseKeystroke(ws, doc, listFindings, `after edit ${version}:\n${doc.text}`);
  const append = (text: string) => {
    const end = doc.doc.positionAt(doc.text.length);
    doc.update([{ range: { start: end, end }, text }], ++version);
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-service-view-'));
    write(dir, 'manage.py', 'import django\n');
    write(dir, 'requirements.txt', 'django\n');
    write(dir, 'blog/__init__.py', '');
    write(dir, 'blog/models.py', MODELS);
    write(dir, 'blog/services.py', SERVICES);
    write(dir, 'blog/urls.py', URLS);
    write(dir, 'blog/settings.py', 'SECRET_KEY = "x"\nINSTALLED_APPS = ["blog"]\nROOT_URLCONF = "blog.urls"\n');
    write(dir, 'blog/views.py', VIEWS);
    write(dir, 'blog/templates/blog/posts.html', '<ul>{% for post in posts %}<li>{{ post.title }}</li>{% endfor %}</ul>\n');
    overrides.clear();
    ws = await Workspace.open({ root: dir, readOverride: (abs) => overrides.get(abs.split(path.sep).join('/')) });
    ws.discover();
    const file = path.join(dir, 'blog/views.py').split(path.sep).join('/');
    doc = new TrackedDocument(`file://${file}`, file, 'python', 1, VIEWS, undefined);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('follows edits of the service function', () => {
    const services = path.join(dir, 'blog/services.py').split(path.sep).join('/');
    const whole = listFindings(analyse());
    assert.equal(whole.length, 1, whole.join('\n'));
    assert.match(whole[0], /^6:12 Renders every Post row into one page: post_list\(\) has no Paginator/);
    for (const edited of [SERVICES.replace('.all()', '.all()[:5]'), SERVICES.replace('return Post.objects.all()', 'return [1, 2]')]) {
      overrides.set(services, edited);
      ws.invalidate(services);
      append('\n# a keystroke\n');
      assert.deepEqual(listFindings(analyse()), []);
      overrides.delete(services);
      ws.invalidate(services);
      append('#');
      assert.equal(listFindings(analyse()).length, 1);
    }
  });

  it('follows a module-level name shadowing the imported module, and a syntax error elsewhere in the module', () => {
    assert.equal(listFindings(analyse()).length, 1);
    const replace = (from: string, to: string) => {
      const at = doc.text.lastIndexOf(from);
      doc.update([{ range: { start: doc.doc.positionAt(at), end: doc.doc.positionAt(at + from.length) }, text: to }], ++version);
    };
    // The view's statement is unchanged throughout: its kept answer must follow what it read outside itself.
    append('\nservices = None\n');
    analyse();
    replace('services = None\n', '');
    assert.equal(listFindings(analyse()).length, 1);
    append('\ndef services():\n    return []\n');
    analyse();
    replace('def services():\n    return []\n', '');
    assert.equal(listFindings(analyse()).length, 1);
    // Typing a line of another function: that statement has a syntax error while the view's answer is reused.
    append('\ndef other(request):\n    x = posts o');
    assert.equal(listFindings(analyse()).length, 1);
    append('r 0\n');
    assert.equal(listFindings(analyse()).length, 1);
    replace('from . import services', 'from . import models as services');
    assert.deepEqual(listFindings(analyse()), []);
    replace('from . import models as services', 'from . import services');
    assert.equal(listFindings(analyse()).length, 1);
  });
});
