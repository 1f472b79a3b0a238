/**
 * The call graph's per-request reach in the editor: a helper's load is reported while a view of another module calls
 * it, and the answer follows edits of that other module (issue 11: updated per changed module, not rebuilt per
 * keystroke, and never stale).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initParsers } from '../support/analyze';
import { openTempWorkspace } from '../support/scans';

const HELPER = 'import joblib\n\n\ndef get_model():\n    return joblib.load("models/clf.joblib")\n\n\ndef predict(x):\n    return get_model().predict([x])\n';
const VIEW_CALLING = 'from django.http import JsonResponse\n\nfrom shop.ml import predict\n\n\ndef score(request):\n    return JsonResponse({"y": predict(request.GET["x"])})\n';
const VIEW_NOT_CALLING = 'from django.http import JsonResponse\n\nfrom shop.ml import predict\n\nWARM = predict(0)\n\n\ndef score(request):\n    return JsonResponse({"y": 1})\n';

describe('call graph: per-request reach across modules', () => {
  before(() => initParsers());

  it('reports a load in a helper while a view of another module calls it, and follows edits of that view', async () => {
    const ws = await openTempWorkspace({ 'requirements.txt': 'django\njoblib\n', 'shop/__init__.py': '', 'shop/ml.py': HELPER, 'shop/views.py': VIEW_CALLING });
    const helper = path.join(ws.root, 'shop/ml.py');
    const view = path.join(ws.root, 'shop/views.py');
    const loads = (text = HELPER) => ws.analyzeText(helper, text).findings.filter((f) => f.ruleId === 'model-load-per-request');

    const first = loads();
    assert.equal(first.length, 1);
    assert.match(first[0].detail ?? '', /called from the view score\(\) \(shop\/views\.py:7\)/);
    // A keystroke in the helper that changes no call keeps the finding.
    assert.equal(loads(HELPER.replace('predict([x])', 'predict([x]) ')).length, 1);

    // The view stops calling it per request (only at import): the load runs once per process.
    fs.writeFileSync(view, VIEW_NOT_CALLING);
    ws.invalidate(view);
    assert.deepEqual(loads(), []);

    fs.writeFileSync(view, VIEW_CALLING);
    ws.invalidate(view);
    assert.equal(loads().length, 1);
  });
});

const SELECTORS = 'from shop.models import Order\n\n\ndef list_orders():\n    return Order.objects.all()\n';
const MODELS = 'from django.db import models\n\n\nclass Order(models.Model):\n    total = models.IntegerField()\n    created = models.DateTimeField(auto_now_add=True)\n';
const API = 'from rest_framework.response import Response\nfrom rest_framework.views import APIView\n\nfrom shop.selectors import list_orders\nfrom shop.serializers import OrderSerializer\n\n\nclass OrderList(APIView):\n    def get(self, request):\n        return Response(OrderSerializer(list_orders(), many=True).data)\n';

describe('call graph: a queryset returned from another module', () => {
  before(() => initParsers());

  it('reports a view serializing a selector\'s whole queryset, and follows edits of the selector', async () => {
    const ws = await openTempWorkspace({ 'requirements.txt': 'django\ndjangorestframework\n', 'shop/__init__.py': '', 'shop/models.py': MODELS, 'shop/selectors.py': SELECTORS, 'shop/apis.py': API });
    const api = path.join(ws.root, 'shop/apis.py');
    const selectors = path.join(ws.root, 'shop/selectors.py');
    const lists = () => ws.analyzeText(api, API).findings.filter((f) => f.ruleId === 'unbounded-queryset');

    const first = lists();
    assert.equal(first.length, 1);
    assert.match(first[0].detail ?? '', /list_orders\(\) in shop\/selectors\.py/);

    // The selector now slices its rows: nothing to report in the view.
    fs.writeFileSync(selectors, SELECTORS.replace('.all()', '.all()[:50]'));
    ws.invalidate(selectors);
    assert.deepEqual(lists(), []);
  });
});
