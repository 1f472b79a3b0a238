/**
 * The DRF serializer N+1 across modules: a view's findings follow edits of the serializer and model modules it
 * depends on (the project facts and the per-statement findings are cached, so a stale answer would show here),
 * and editing the view module elsewhere keeps them.
 */
import * as assert from 'node:assert/strict';
import type { ProjectInfo } from '../../rules/api';
import { Analyzer } from '../../server/src/engine/analyzer';
import { defaultConfig } from '../../server/src/engine/config';
import { initParsers, rulesWithId } from '../support/analyze';

const MODELS = `from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=100)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    status = models.CharField(max_length=20)
`;

const SERIALIZERS = `from rest_framework import serializers

from .models import Order


class OrderSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name")

    class Meta:
        model = Order
        fields = ["id", "status", "customer_name"]
`;

const VIEWS = `from rest_framework import generics

from .models import Order
from .serializers import OrderSerializer


class OrderList(generics.ListAPIView):
    queryset = Order.objects.filter(status="paid")
    serializer_class = OrderSerializer
`;

function workspace(files: Record<string, string>) {
  const texts = new Map(Object.entries(files));
  const project: ProjectInfo = { files: () => [...texts.keys()], readFile: (rel) => texts.get(rel) };
  const analyzer = new Analyzer(rulesWithId('n-plus-one'), defaultConfig(), project);
  const messages = (rel: string, text = texts.get(rel)!) =>
    analyzer.analyzeText(`/ws/${rel}`, rel, text).findings.map((f) => `${f.range.start.line + 1}: ${f.message}`);
  return { texts, messages };
}

describe('n-plus-one: DRF serializers across modules', () => {
  before(() => initParsers());

  it('reports on the view queryset, with the fix there, when the serializer lives in another module', () => {
    const { messages } = workspace({ 'shop/__init__.py': '', 'shop/models.py': MODELS, 'shop/serializers.py': SERIALIZERS, 'shop/views.py': VIEWS });
    assert.deepEqual(messages('shop/views.py'), ['8: Each row of OrderList queries customer separately: add select_related("customer")']);
    assert.deepEqual(messages('shop/serializers.py'), []);
  });

  it('follows edits of the serializer and model modules, and keeps findings while the view module is edited elsewhere', () => {
    const { texts, messages } = workspace({ 'shop/__init__.py': '', 'shop/models.py': MODELS, 'shop/serializers.py': SERIALIZERS, 'shop/views.py': VIEWS });
    assert.equal(messages('shop/views.py').length, 1);
    // The serializer stops reading the customer: the finding goes.
    texts.set('shop/serializers.py', SERIALIZERS.replace('source="customer.name"', 'source="status"'));
    assert.deepEqual(messages('shop/views.py'), []);
    texts.set('shop/serializers.py', SERIALIZERS);
    assert.equal(messages('shop/views.py').length, 1);
    // The relation becomes a plain column: nothing to select.
    texts.set('shop/models.py', MODELS.replace('customer = models.ForeignKey(Customer, on_delete=models.CASCADE)', 'customer = models.JSONField()'));
    assert.deepEqual(messages('shop/views.py'), []);
    texts.set('shop/models.py', MODELS);
    // A keystroke in the view module above the view moves the finding with it.
    const edited = VIEWS.replace('from .models import Order\n', 'from .models import Order\n# a note\n');
    assert.deepEqual(messages('shop/views.py', edited), ['9: Each row of OrderList queries customer separately: add select_related("customer")']);
    // The view module's queryset already selects it.
    assert.deepEqual(messages('shop/views.py', VIEWS.replace('Order.objects.filter', 'Order.objects.select_related("customer").filter')), []);
  });
});
