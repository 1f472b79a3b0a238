/**
 * A Django ListView whose template never reads the list is not reported (its lazy queryset is never evaluated); the
 * language server's cached list-view findings follow the template: when the template (an open document) starts
 * reading `object_list`, the next keystroke in the view module reports the view, as a fresh analysis does, and
 * stops again when the template is restored.
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

const HOME = `{% extends "blog/base.html" %}
{% block content %}{% for post in latest %}{{ post.title }}{% endfor %}{% endblock %}
`;

const write = (dir: string, rel: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
};

const listViewFindings = (findings: readonly Finding[]) =>
  findings.filter((f) => f.ruleId === 'unbounded-queryset').map((f) => `${f.range.start.line}:${f.range.start.character} ${f.message}`);

describe('a ListView whose template never reads the list', function () {
  this.timeout(300000);
  let dir: string;
  let ws: Workspace;
  let doc: TrackedDocument;
  let version = 1;
  const overrides = new Map<string, string>();

  const analyse = () => analyseKeystroke(ws, doc, listViewFindings, `after edit ${version}:\n${doc.text}`);
  const append = (text: string) => {
    const end = doc.doc.positionAt(doc.text.length);
    doc.update([{ range: { start: end, end }, text }], ++version);
  };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memlint-listview-template-'));
    write(dir, 'manage.py', 'import django\n');
    write(dir, 'requirements.txt', 'django\n');
    write(dir, 'blog/__init__.py', '');
    write(dir, 'blog/models.py', MODELS);
    write(dir, 'blog/settings.py', 'SECRET_KEY = "x"\nINSTALLED_APPS = ["blog"]\n');
    write(dir, 'blog/views.py', VIEWS);
    write(dir, 'blog/templates/blog/base.html', '<html>{% block content %}{% endblock %}</html>\n');
    write(dir, 'blog/templates/blog/home.html', HOME);
    overrides.clear();
    ws = await Workspace.open({ root: dir, readOverride: (abs) => overrides.get(abs.split(path.sep).join('/')) });
    ws.discover();
    const file = path.join(dir, 'blog/views.py').split(path.sep).join('/');
    doc = new TrackedDocument(`file://${file}`, file, 'python', 1, VIEWS, undefined);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is reported only while its template (or one it extends) reads the list', () => {
    assert.deepEqual(listViewFindings(analyse()), []);
    const base = path.join(dir, 'blog/templates/blog/base.html').split(path.sep).join('/');
    overrides.set(base, '<html>{% block content %}{% endblock %}{{ object_list|length }}</html>\n');
    ws.invalidate(base);
    append('\n# a keystroke\n');
    const reading = listViewFindings(analyse());
    assert.equal(reading.length, 1, reading.join('\n'));
    assert.match(reading[0], /^14:15 Renders every Post row into one page: HomeView has no paginate_by/);
    overrides.delete(base);
    ws.invalidate(base);
    append('#');
    assert.deepEqual(listViewFindings(analyse()), []);
  });
});
