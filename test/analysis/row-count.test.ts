/**
 * analysis/python/row-count.ts: which loops walk one record's few children (a release's files, the signed-in user's
 * memberships) and which walk rows that grow (a post's comments, a user's order history, a whole table).
 */
import * as assert from 'node:assert/strict';
import { initParsers } from '../support/analyze';
import { parsePython } from '../../server/src/engine/parsers';
import { iterationsIn, querysetOf, unparenthesize } from '../../analysis/python/django-querysets';
import { ModelIndex, modelClassesIn } from '../../analysis/python/django-models';
import { childScope, fewChildRows } from '../../analysis/python/row-count';

const MODELS = `
from django.conf import settings
from django.db import models


class Release(models.Model):
    name = models.CharField(max_length=50)

    def os_names(self):
        return [f.os.name for f in self.files.all()]

    def authors(self):
        return [c.author.username for c in self.comments.all()]


class ReleaseFile(models.Model):
    release = models.ForeignKey(Release, related_name="files", on_delete=models.CASCADE)
    os = models.ForeignKey("OS", on_delete=models.CASCADE)


class Comment(models.Model):
    release = models.ForeignKey(Release, related_name="comments", on_delete=models.CASCADE)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created = models.DateTimeField(auto_now_add=True)


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="memberships", on_delete=models.CASCADE)
    team = models.ForeignKey("Team", on_delete=models.CASCADE)

    class Meta:
        unique_together = ("user", "team")


class Order(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="orders", on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
`;

const VIEWS = `
def views(request, releases, pk):
    a = [m.team for m in request.user.memberships.all()]
    b = [m.team for m in Membership.objects.filter(user=request.user)]
    c = [o.user for o in request.user.orders.all()]
    d = [o.user for o in Order.objects.filter(user=request.user)]
    e = [m.team for m in Membership.objects.filter(user__in=request.GET.getlist("u"))]
    f = [m.team for m in Membership.objects.all()]
    release = Release.objects.get(pk=pk)
    g = [x.os for x in release.files.all()]
    for r in releases:
        h = [x.os for x in r.files.all()]
`;

describe('row-count: one record few children', () => {
  before(async () => {
    await initParsers();
  });

  function judge(text: string, models: ModelIndex): Map<string, boolean> {
    const tree = parsePython(text);
    const out = new Map<string, boolean>();
    for (const it of iterationsIn(tree, text, 0)) {
      const info = querysetOf(unparenthesize(it.iterable));
      if (info) out.set(unparenthesize(it.iterable).text, fewChildRows(info, it.node, models));
    }
    return out;
  }

  it('tells few children from growing ones', () => {
    const modelsTree = parsePython(MODELS);
    const models = new ModelIndex(modelClassesIn(modelsTree));
    const own = judge(MODELS, models);
    assert.equal(own.get('self.files.all()'), false, "a record's own parts no unique constraint caps (a cart's items)");
    assert.equal(own.get('self.comments.all()'), false, "a shared parent's stamped comments grow");
    const views = judge(VIEWS, models);
    assert.equal(views.get('request.user.memberships.all()'), true);
    assert.equal(views.get('Membership.objects.filter(user=request.user)'), true);
    assert.equal(views.get('request.user.orders.all()'), false, "a user's order history read newest first");
    assert.equal(views.get('Order.objects.filter(user=request.user)'), false);
    assert.equal(views.get('Membership.objects.filter(user__in=request.GET.getlist("u"))'), false, 'a batch of owners');
    assert.equal(views.get('Membership.objects.all()'), false, 'the whole table');
    assert.equal(views.get('release.files.all()'), false, 'an object the code fetched says nothing of how many children it has');
    assert.equal(views.get('r.files.all()'), false, 'a row of an outer loop');
  });

  it('keeps the scope as plain data for per-file facts', () => {
    const tree = parsePython('def f(request):\n    return request.user.memberships.filter(team__name="x")\n');
    const ret = tree.rootNode.descendantsOfType('return_statement')[0]!.namedChildren[0]!;
    const scope = childScope(querysetOf(ret)!);
    assert.deepEqual(JSON.parse(JSON.stringify(scope)), scope);
    assert.equal(scope?.related?.[0].owner, 'user');
  });
});
