/**
 * Keystrokes in a module of DRF list views that derive from the module's own classes give exactly the findings of a
 * fresh analysis (unbounded-queryset's list views read each statement's class header from a per-statement cache and
 * look up the local base classes a view names): a base's pagination switched off and on, the base renamed away and
 * back, a second class of the base's name added after the view, a function turned into a list view.
 */
import * as assert from 'node:assert/strict';
import { KeystrokeProject } from './keystroke-project';
import type { Finding } from '../../server/src/engine/types';

const MODELS = `from django.db import models


class Order(models.Model):
    status = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)
`;

const SERIALIZERS = `from rest_framework import serializers

from .models import Order


class OrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ["id", "status"]
`;

const VIEWS = `from rest_framework import generics
from rest_framework.pagination import PageNumberPagination

from .models import Order
from .serializers import OrderSerializer


class Paged:
    pagination_class = PageNumberPagination


class OrderList(Paged, generics.ListAPIView):
    queryset = Order.objects.all()
    serializer_class = OrderSerializer


class OtherList(generics.ListAPIView):
    queryset = Order.objects.filter(status="paid")
    serializer_class = OrderSerializer


def helper():
    return 1
`;

const view = (findings: readonly Finding[]) => findings.map((f) => `${f.ruleId} ${f.range.start.line}:${f.range.start.character} ${f.message}`);

describe('keystrokes in a module of DRF list views with local base classes', function () {
  this.timeout(300000);
  let project: KeystrokeProject;
  afterEach(() => project.close());

  it('give the fresh findings as the bases and views change', async () => {
    project = await KeystrokeProject.open('list-keys', {
      'manage.py': 'import django\n',
      'requirements.txt': 'django\ndjangorestframework\n',
      'shop/__init__.py': '',
      'shop/models.py': MODELS,
      'shop/serializers.py': SERIALIZERS,
      'shop/views.py': VIEWS,
    }, 'shop/views.py');
    const listFindings: number[] = [];
    const analyse = () => {
      const findings = project.findings(view);
      listFindings.push(findings.filter((f) => f.ruleId === 'unbounded-queryset' && f.range.start.line >= 11 && f.range.start.line <= 14).length);
    };
    const edit = (from: string, to: string) => {
      project.replace(from, to);
      analyse();
    };
    analyse();
    edit('    pagination_class = PageNumberPagination\n', '    pagination_class = None\n');
    edit('    pagination_class = None\n', '    pagination_class = PageNumberPagination\n');
    edit('class Paged:', 'class Paged2:');
    edit('class Paged2:', 'class Paged:');
    edit('def helper():\n    return 1\n', 'class Paged:\n    pagination_class = None\n\n\ndef helper():\n    return 1\n');
    edit('class Paged:\n    pagination_class = None\n\n\ndef helper():', 'def helper():');
    edit('def helper():\n    return 1\n', 'class helper(Paged, generics.ListAPIView):\n    queryset = Order.objects.all()\n');
    // OrderList is reported while its base turns pagination off, and not while it pages.
    assert.ok(listFindings.some((n) => n > 0) && listFindings.some((n) => n === 0), `OrderList findings per step: ${listFindings}`);
  });
});
