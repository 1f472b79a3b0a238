import * as assert from 'node:assert';
import { customMethodKind, managerClasses } from '../../analysis/python/custom-querysets';
import { classesOfText } from '../../analysis/python/project-classes';

const MODULE = `
from django.db import models
from django.db.models import Q


class OrderQuerySet(models.QuerySet):
    def search(self, query=None):
        if not query:
            return self.all()
        lookups = (
            Q(number__icontains=query)
            | Q(id__exact=query)
        )
        return self.filter(lookups).distinct()

    def with_status(self, status=None):
        if status is None:
            return self
        return self.filter(status=status)

    def paid(self):
        return self.filter(paid=True)

    def by_request(self, request):
        profile = request.user.profile
        return self.filter(profile=profile)

    def mine(self, user):
        return self.filter(owner=user).order_by("-created")

    def one(self, pk):
        return self.filter(pk=pk)

    def newest(self):
        return self.order_by("-created")[:5]

    def stats(self):
        return self.aggregate(total=models.Sum("amount"))

    def paid_search(self, query):
        return self.paid().search(query)

    def upcoming(self):
        return self.filter(starts__gte=timezone.now()).order_by("starts")

    def before_2016(self):
        return self.filter(starts__lt="2016-01-01")

    def past(self):
        return self.filter(starts__lt=timezone.now()).order_by("-starts")

    def title_search(self, query):
        return self.filter(title__icontains=query)

    def paid_title_search(self, query):
        return self.paid().title_search(query)


class OrderManager(models.Manager):
    def get_queryset(self):
        return OrderQuerySet(self.model, using=self._db)

    def search(self, query=None):
        return self.get_queryset().search(query=query)

    def by_request(self, request):
        return self.get_queryset().by_request(request)
`;

describe('analysis/python/custom-querysets', () => {
  const classes = classesOfText(MODULE);
  const text = (name: string) => classes.get(name);
  const kind = (method: string) => customMethodKind(managerClasses('OrderManager', text), method, text);

  it('finds the QuerySet class a manager builds in get_queryset()', () => {
    assert.deepStrictEqual(managerClasses('OrderManager', text), ['OrderManager', 'OrderQuerySet']);
    assert.deepStrictEqual(managerClasses('OrderQuerySet', text), ['OrderQuerySet']);
    assert.deepStrictEqual(managerClasses('Missing', text), []);
  });

  it('reads optional filters as keeping every row, and text searches as searches', () => {
    assert.strictEqual(kind('with_status'), 'whole');
    assert.strictEqual(kind('search'), 'whole');
    // An optional search over a fixed filter keeps the filter's rows; a plain search over it is still a search.
    assert.strictEqual(kind('paid_search'), 'filtered');
    assert.strictEqual(kind('title_search'), 'search');
    assert.strictEqual(kind('paid_title_search'), 'search');
    assert.strictEqual(kind('paid'), 'filtered');
  });

  it('reads owner filters as scoped and pk filters or slices as bounded or unknown', () => {
    assert.strictEqual(kind('by_request'), 'scoped');
    assert.strictEqual(kind('mine'), 'scoped');
    assert.strictEqual(kind('one'), 'bounded');
    assert.strictEqual(kind('upcoming'), 'bounded');
    assert.strictEqual(kind('before_2016'), 'bounded');
    assert.strictEqual(kind('past'), 'filtered');
    assert.strictEqual(kind('newest'), 'unknown');
    assert.strictEqual(kind('stats'), 'unknown');
    assert.strictEqual(kind('missing'), 'unknown');
  });
});
