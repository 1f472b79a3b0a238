/**
 * Keystrokes inside one method of a big DRF view class (one top-level statement of many methods) give exactly the
 * findings of a fresh analysis: n-plus-one (loops and serializers), unbounded-queryset (calls, exports, list views),
 * with their fixes, also while the method has a syntax error (findings elsewhere are then replayed without fixes),
 * when a method is added or removed, the serializer renamed, the queryset changed, and when another module of the
 * project (the serializers) changes between keystrokes.
 */
import * as assert from 'node:assert/strict';
import { KeystrokeProject } from './keystroke-project';
import { statementSlotStats } from '../../analysis/cache';
import type { Finding } from '../../server/src/engine/types';

const MODELS = `from django.conf import settings
from django.db import models


class Company(models.Model):
    name = models.CharField(max_length=100)


class Customer(models.Model):
    name = models.CharField(max_length=100)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="customers")
    created_at = models.DateTimeField(auto_now_add=True)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    status = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    quantity = models.IntegerField()
`;

const SERIALIZERS = `from rest_framework import serializers

from .models import Customer, Order


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "name", "company"]


class OrderSerializer(serializers.ModelSerializer):
    customer = CustomerSerializer(read_only=True)

    class Meta:
        model = Order
        fields = ["id", "status", "customer"]


class PlainOrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ["id", "status"]
`;

/** The same serializers, the plain one now nesting the customer too. */
const SERIALIZERS_NESTED = SERIALIZERS.replace('class PlainOrderSerializer(serializers.ModelSerializer):\n', 'class PlainOrderSerializer(serializers.ModelSerializer):\n    customer = CustomerSerializer(read_only=True)\n\n');

const SETTINGS = `SECRET_KEY = "x"
INSTALLED_APPS = ["rest_framework", "shop"]
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": []}
`;

/** A view class of many methods (one top-level statement), with findings in several of them, and a second view. */
function viewsModule(methods: number): string {
  const out = [
    'from django.http import HttpResponse, JsonResponse',
    'from rest_framework import viewsets',
    'from rest_framework.response import Response',
    '',
    'from .models import Customer, Order',
    'from .serializers import OrderSerializer, PlainOrderSerializer',
    '',
    '',
    '@extend_schema_view(list=extend_schema(description="Orders for the shop", tags=[t for t in ("a", "b")]))',
    'class OrderViewSet(viewsets.ModelViewSet):',
    '    queryset = Order.objects.filter(status="paid")',
    '    serializer_class = OrderSerializer',
    '    STATUSES = [s.upper() for s in ("paid", "open")]',
    '',
    '    def paid_orders(self):',
    '        return Order.objects.filter(status="paid")',
    '',
    '    def report_helper(self, request):',
    '        return JsonResponse({"names": [o.customer.name for o in self.paid_orders()]})',
    '',
  ];
  for (let i = 0; i < methods; i++) {
    out.push(
      `    def report_${i}(self, request):`,
      `        rows = []`,
      `        for order in Order.objects.filter(status="s${i}"):`,
      `            rows.append(order.customer.name)`,
      `        count = len(Order.objects.all())`,
      `        return JsonResponse({"rows": rows, "n": count})`,
      '',
    );
  }
  out.push(
    '',
    'class PlainOrderViewSet(viewsets.ReadOnlyModelViewSet):',
    '    queryset = Order.objects.filter(status="open")',
    '    serializer_class = PlainOrderSerializer',
    '',
    '',
    'def export(request):',
    '    lines = [f"{o.id},{o.customer.name}" for o in Order.objects.all()]',
    '    return HttpResponse("\\n".join(lines))',
    '',
  );
  for (let i = 0; i < 15; i++) {
    out.push('', '', `def customer_names_${i}(request):`, `    return JsonResponse({"names": [o.customer.name for o in Order.objects.filter(status="v${i}")]})`);
  }
  return out.join('\n');
}

/** What a user sees of the findings: rule, message, place and the fixes' edits. */
const view = (findings: readonly Finding[]) =>
  findings.map((f) => `${f.ruleId} ${f.range.start.line}:${f.range.start.character} ${f.message} fixes=${JSON.stringify(f.fixes.map((x) => x.edits.map((e) => [e.start, e.end, e.newText])))}`);

describe('keystrokes in a big DRF view class', function () {
  this.timeout(300000);
  let project: KeystrokeProject;

  const analyse = () => project.findings(view);
  const edit = (from: string, to: string) => project.replace(from, to);
  const typeAt = (after: string, typed: string) => {
    for (const ch of typed) {
      edit(after, after + ch);
      after += ch;
      analyse();
    }
    for (let k = typed.length; k > 0; k--) {
      edit(after, after.slice(0, -1));
      after = after.slice(0, -1);
      analyse();
    }
  };

  beforeEach(async () => {
    project = await KeystrokeProject.open('drf-keys', {
      'manage.py': 'import django\n',
      'requirements.txt': 'django\ndjangorestframework\n',
      'shop/__init__.py': '',
      'shop/models.py': MODELS,
      'shop/serializers.py': SERIALIZERS,
      'shop/settings.py': SETTINGS,
      'shop/views.py': viewsModule(20),
    }, 'shop/views.py');
  });
  afterEach(() => project.close());

  it('has the findings the edits below change', () => {
    const findings = analyse();
    const rules = new Set(findings.map((f) => f.ruleId));
    assert.ok(rules.has('n-plus-one') && rules.has('unbounded-queryset'), view(findings).join('\n'));
    // A loop finding with a fix in every method, and the serializer's customer on the view's queryset.
    assert.ok(findings.filter((f) => f.ruleId === 'n-plus-one' && f.fixes.length > 0).length >= 20, view(findings).join('\n'));
  });

  it('typing inside one method, a syntax error on the way, replays the other statements', () => {
    analyse();
    const before = statementSlotStats()['n-plus-one: loop findings'];
    // `x = y o` ... `x = y or 0`: three keystrokes leave the file with a syntax error.
    typeAt('        count = len(Order.objects.all())', ' or 0');
    const after = statementSlotStats()['n-plus-one: loop findings'];
    // Only the edited class is analysed again, at most once per text it takes without an error; the 16 functions'
    // loops are replayed (their fixes dropped while the file does not parse, and back once it does).
    assert.ok(after.misses - before.misses <= 6, `misses ${after.misses - before.misses}`);
    assert.ok(after.hits - before.hits >= 16 * 10, `hits ${after.hits - before.hits}`);
  });

  it('a line inserted in a method, a method added and removed, the serializer renamed, the queryset changed', () => {
    const start = analyse();
    edit('        count = len(Order.objects.all())\n', '        count = len(Order.objects.all())\n        checked = True\n');
    analyse();
    edit('    def report_3(self, request):\n', '    def extra(self, request):\n        for c in Customer.objects.all():\n            print(c.company.name)\n\n    def report_3(self, request):\n');
    const added = analyse();
    assert.equal(added.filter((f) => f.ruleId === 'n-plus-one').length, start.filter((f) => f.ruleId === 'n-plus-one').length + 1);
    edit('    def report_5(self, request):', '    def report_5_renamed(self, request):');
    analyse();
    edit('    def extra(self, request):\n        for c in Customer.objects.all():\n            print(c.company.name)\n\n', '');
    analyse();
    edit('    serializer_class = OrderSerializer\n', '    serializer_class = PlainOrderSerializer\n');
    const renamed = analyse();
    assert.notDeepEqual(view(renamed), view(start));
    edit('    serializer_class = PlainOrderSerializer\n', '    serializer_class = OrderSerializer\n');
    analyse();
    edit('    queryset = Order.objects.filter(status="paid")', '    queryset = Order.objects.select_related("customer__company").filter(status="paid")');
    const selected = analyse();
    assert.ok(selected.filter((f) => f.message.includes('customer')).length < start.filter((f) => f.message.includes('customer')).length);
    edit('        for order in Order.objects.filter(status="s7"):', '        for order in Order.objects.select_related("customer").filter(status="s7"):');
    analyse();
    // Methods split by a half-typed one, then mended.
    edit('    def report_9(self, request):', '    def report_9(self, request:');
    analyse();
    edit('    def report_9(self, request:', '    def report_9(self, request):');
    analyse();
  });

  it('re-checks only the edited method of the class, and a method whose helper method changed', () => {
    const start = analyse();
    const helperFinding = (findings: readonly Finding[]) => findings.filter((f) => f.ruleId === 'n-plus-one' && f.range.start.line === 18);
    assert.equal(helperFinding(start).length, 1, view(start).join('\n'));
    const before = statementSlotStats()['n-plus-one: loop findings per method'];
    typeAt('        for order in Order.objects.filter(status="s4"):', ' #x');
    const after = statementSlotStats()['n-plus-one: loop findings per method'];
    // Three new texts of the class (the way back repeats them, replayed whole): report_4 is checked once per text,
    // the other 20 methods with loops are replayed each time.
    assert.ok(after.misses - before.misses <= 3, `misses ${after.misses - before.misses}`);
    assert.ok(after.hits - before.hits >= 20 * 3, `hits ${after.hits - before.hits}`);
    // The helper report_helper loops over now selects the customer: its finding goes, the others stay.
    edit('        return Order.objects.filter(status="paid")', '        return Order.objects.select_related("customer").filter(status="paid")');
    const selected = analyse();
    assert.equal(helperFinding(selected).length, 0, view(selected).join('\n'));
    assert.equal(selected.filter((f) => f.ruleId === 'n-plus-one').length, start.filter((f) => f.ruleId === 'n-plus-one').length - 1);
    edit('        return Order.objects.select_related("customer").filter(status="paid")', '        return Order.objects.filter(status="paid")');
    assert.deepEqual(view(analyse()), view(start));
    // The helper renamed away (self.paid_orders() is no longer a queryset of this class), then back.
    edit('    def paid_orders(self):', '    def paid_orders_old(self):');
    assert.equal(helperFinding(analyse()).length, 0);
    edit('    def paid_orders_old(self):', '    def paid_orders(self):');
    assert.deepEqual(view(analyse()), view(start));
    // A method added before the helper, and the class's header and attributes changed.
    edit('    def paid_orders(self):', '    def first(self, request):\n        for c in Customer.objects.all():\n            print(c.company.name)\n\n    def paid_orders(self):');
    analyse();
    edit('class OrderViewSet(viewsets.ModelViewSet):', 'class OrderViewSet(viewsets.ReadOnlyModelViewSet):');
    analyse();
    edit('tags=[t for t in ("a", "b")]', 'tags=[o.customer.name for o in Order.objects.all()]');
    analyse();
    edit('    STATUSES = [s.upper() for s in ("paid", "open")]', '    STATUSES = [s.upper() for s in Order.objects.all()]');
    analyse();
  });

  it('unbounded-queryset: re-checks only the edited method, and an export over the class queryset when get_queryset comes and goes', () => {
    // An action exporting the viewset's own rows (`self.filter_queryset(self.get_queryset())` over the class's
    // `queryset`): reported while the class has no get_queryset of its own, which another method may add.
    const action = [
      '    def export_rows(self, request):',
      '        rows = self.filter_queryset(self.get_queryset())',
      '        response = HttpResponse(content_type="text/csv")',
      '        writer = csv.writer(response)',
      '        for row in rows:',
      '            writer.writerow([row.id, row.status])',
      '        return response',
      '',
      '',
    ].join('\n');
    edit('    def report_3(self, request):\n', `${action}    def report_3(self, request):\n`);
    const exports = (findings: readonly Finding[]) => findings.filter((f) => f.ruleId === 'unbounded-queryset' && f.message.toLowerCase().includes('export'));
    const start = analyse();
    assert.equal(exports(start).length, 1, view(start).join('\n'));
    const before = statementSlotStats()['unbounded-queryset: findings per method'];
    typeAt('        for order in Order.objects.filter(status="s4"):', ' #x');
    const after = statementSlotStats()['unbounded-queryset: findings per method'];
    // Three new texts of the class: the edited method is checked once per text, the other 20 replayed each time.
    assert.ok(after.misses - before.misses <= 3, `misses ${after.misses - before.misses}`);
    assert.ok(after.hits - before.hits >= 20 * 3, `hits ${after.hits - before.hits}`);
    // A get_queryset added further down the class: the action's rows are no longer the class attribute's.
    edit('    def report_9(self, request):\n', '    def get_queryset(self):\n        return Order.objects.filter(created_by=self.request.user)\n\n    def report_9(self, request):\n');
    assert.equal(exports(analyse()).length, 0);
    edit('    def get_queryset(self):\n        return Order.objects.filter(created_by=self.request.user)\n\n', '');
    assert.deepEqual(view(analyse()), view(start));
  });

  it("keeps the class view's finding while methods before its get_queryset() are edited, and re-checks it when get_queryset() changes", () => {
    const classView = (findings: readonly Finding[]) => findings.filter((f) => f.ruleId === 'n-plus-one' && f.message.includes('OrderViewSet') && f.message.includes('customer'));
    // The rows now come from a get_queryset() after every report method: the finding sits there.
    edit('\n\nclass PlainOrderViewSet', '    def get_queryset(self):\n        return Order.objects.filter(status=self.request.GET.get("s", "paid"))\n\n\nclass PlainOrderViewSet');
    const start = classView(analyse());
    assert.equal(start.length, 1, view(start).join('\n'));
    const before = statementSlotStats()['n-plus-one: DRF class view findings'];
    // Lines added to and typed into an earlier method move the finding; the class view's answer is replayed.
    edit('        count = len(Order.objects.all())\n', '        count = len(Order.objects.all())\n        checked = True\n        seen = 0\n');
    const moved = classView(analyse());
    assert.equal(moved[0].range.start.line, start[0].range.start.line + 2);
    typeAt('        checked = True', ' or False');
    const after = statementSlotStats()['n-plus-one: DRF class view findings'];
    assert.ok(after.hits - before.hits >= 10, `hits ${after.hits - before.hits}`);
    // get_queryset() loading the customer: the class view is judged again and its finding goes.
    edit('return Order.objects.filter(status=self.request.GET', 'return Order.objects.select_related("customer").filter(status=self.request.GET');
    assert.equal(classView(analyse()).length, 0);
  });

  it('sees another module change between keystrokes (the serializers, as an open document)', () => {
    const start = analyse();
    project.setOpenText('shop/serializers.py', SERIALIZERS_NESTED);
    edit('        count = len(Order.objects.all())\n', '        count = len(Order.objects.all())\n        checked = True\n');
    const nested = analyse();
    // PlainOrderViewSet's serializer now reads each row's customer.
    assert.ok(nested.filter((f) => f.ruleId === 'n-plus-one').length > start.filter((f) => f.ruleId === 'n-plus-one').length, view(nested).join('\n'));
    project.setOpenText('shop/serializers.py', undefined);
    edit('        checked = True\n', '');
    assert.deepEqual(view(analyse()), view(start));
  });
});
