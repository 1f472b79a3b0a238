/**
 * model-writers.ts: who adds rows to each Django model, and whether that is request, event or curated code.
 */
import * as assert from 'node:assert/strict';
import { modelAliases, onlyCuratorsWrite, projectWriters, scanModule, type WriterKind } from '../../analysis/python/model-writers';
import type { ProjectInfo } from '../../rules/api';

function projectOf(files: Record<string, string>): { project: ProjectInfo; current: { relPath: string; text: string } } {
  const project = { files: () => Object.keys(files), readFile: (rel: string) => files[rel] } as unknown as ProjectInfo;
  const first = Object.keys(files)[0];
  return { project, current: { relPath: first, text: files[first] } };
}

function kinds(rel: string, text: string, model: string): WriterKind[] {
  return scanModule(rel, text).sites.filter((s) => s.model === model).map((s) => s.kind);
}

function curatedOnly(files: Record<string, string>, model: string, accessors: string[] = []): boolean {
  const { project, current } = projectOf(files);
  return onlyCuratorsWrite(project, current, projectWriters(project, current), model, accessors);
}

describe('model-writers', () => {
  it('reads every manager way of adding rows, in request code', () => {
    for (const call of ['Plan.objects.create(name=n)', 'Plan.objects.get_or_create(name=n)', 'Plan.objects.update_or_create(name=n)', 'Plan.objects.bulk_create([Plan(name=n)])']) {
      assert.deepEqual([...new Set(kinds('shop/views.py', `def add(request, n):\n    ${call}\n`, 'Plan'))], ['request'], call);
    }
  });

  it('reads Model(...) followed by save() as a write, not a bare construction', () => {
    assert.deepEqual(kinds('shop/views.py', 'def add(request):\n    plan = Plan(name="x")\n    plan.save()\n', 'Plan'), ['request']);
    assert.deepEqual(kinds('shop/views.py', 'def show(request):\n    plan = Plan(name="x")\n    return str(plan)\n', 'Plan'), []);
  });

  it('classifies management commands, migrations, tests, admin modules and module level as curated', () => {
    const create = 'def handle(self, *a):\n    Plan.objects.create(name="x")\n';
    for (const rel of ['shop/management/commands/load.py', 'shop/migrations/0002_plans.py', 'shop/tests/test_plans.py', 'shop/admin.py', 'scripts/seed.py']) {
      assert.deepEqual(kinds(rel, create, 'Plan'), ['curated'], rel);
    }
    assert.deepEqual(kinds('shop/views.py', 'Plan.objects.get_or_create(name="free")\n', 'Plan'), ['curated']);
  });

  it('classifies admin-gated views as curated: decorators, DRF permissions, mixins, staff checks', () => {
    const gated = [
      '@staff_member_required\ndef add(request):\n    Plan.objects.create(name="x")\n',
      '@user_passes_test(lambda u: u.is_superuser)\ndef add(request):\n    Plan.objects.create(name="x")\n',
      '@permission_required("shop.add_plan")\ndef add(request):\n    Plan.objects.create(name="x")\n',
      'class Add(APIView):\n    permission_classes = [IsAdminUser]\n\n    def post(self, request):\n        Plan.objects.create(name="x")\n',
      'class Add(PermissionRequiredMixin, View):\n    permission_required = "shop.add_plan"\n\n    def post(self, request):\n        Plan.objects.create(name="x")\n',
      'class Add(UserPassesTestMixin, View):\n    def test_func(self):\n        return self.request.user.is_staff\n\n    def post(self, request):\n        Plan.objects.create(name="x")\n',
      'def add(request):\n    if not request.user.is_staff:\n        raise PermissionDenied\n    Plan.objects.create(name="x")\n',
    ];
    for (const text of gated) assert.deepEqual(kinds('shop/views.py', text, 'Plan'), ['curated'], text);
  });

  it('classifies tasks and signal receivers as event code', () => {
    assert.deepEqual(kinds('shop/work.py', '@shared_task\ndef tick():\n    Ping.objects.create()\n', 'Ping'), ['event']);
    assert.deepEqual(kinds('shop/work.py', '@receiver(post_save, sender=User)\ndef made(sender, instance, **kw):\n    Badge.objects.create(holder=instance)\n', 'Badge'), ['event']);
    assert.deepEqual(kinds('shop/signals.py', 'def made(sender, instance, **kw):\n    Badge.objects.create(holder=instance)\n', 'Badge'), ['event']);
  });

  it('follows ModelForms and ModelSerializers to the views that create with them', () => {
    const forms = 'class PlanForm(forms.ModelForm):\n    class Meta:\n        model = Plan\n        fields = "__all__"\n';
    const serializers = 'class PlanSerializer(serializers.ModelSerializer):\n    class Meta:\n        model = Plan\n';
    assert.equal(curatedOnly({ 'shop/forms.py': forms, 'shop/views.py': 'class Add(LoginRequiredMixin, CreateView):\n    form_class = PlanForm\n' }, 'Plan'), false);
    assert.equal(curatedOnly({ 'shop/forms.py': forms, 'shop/views.py': 'def add(request):\n    form = PlanForm(request.POST)\n    form.save()\n' }, 'Plan'), false);
    assert.equal(curatedOnly({ 'shop/serializers.py': serializers, 'shop/views.py': 'class Plans(ModelViewSet):\n    serializer_class = PlanSerializer\n' }, 'Plan'), false);
    assert.equal(curatedOnly({ 'shop/serializers.py': serializers, 'shop/views.py': 'class Plans(ListCreateAPIView):\n    serializer_class = PlanSerializer\n' }, 'Plan'), false);
    // A read-only list view's serializer, an admin-only viewset's: no request code adds rows.
    assert.equal(curatedOnly({ 'shop/serializers.py': serializers, 'shop/admin.py': 'admin.site.register(Plan)\n', 'shop/views.py': 'class Plans(ListAPIView):\n    serializer_class = PlanSerializer\n' }, 'Plan'), true);
    assert.equal(curatedOnly({ 'shop/serializers.py': serializers, 'shop/admin.py': 'admin.site.register(Plan)\n', 'shop/views.py': 'class Plans(ReadOnlyModelViewSet):\n    serializer_class = PlanSerializer\n\n    @action(detail=False)\n    def mine(self, request):\n        return Response(PlanSerializer(self.get_queryset(), many=True).data)\n' }, 'Plan'), true);
    assert.equal(curatedOnly({ 'shop/serializers.py': serializers, 'shop/views.py': 'class Plans(ModelViewSet):\n    permission_classes = [IsAdminUser]\n    serializer_class = PlanSerializer\n' }, 'Plan'), true);
  });

  it('follows a serializer named through its module, and a subclass that keeps its base\'s Meta.model', () => {
    const serializers =
      'class PlanSerializer(serializers.ModelSerializer):\n    class Meta:\n        model = Plan\n\n\n' +
      'class PlanDetailSerializer(PlanSerializer):\n    class Meta(PlanSerializer.Meta):\n        fields = ["id"]\n';
    const admin = { 'shop/admin.py': 'admin.site.register(Plan)\n' };
    assert.equal(curatedOnly({ ...admin, 'shop/serializers.py': serializers, 'shop/views.py': 'from shop import serializers\n\nclass Plans(ModelViewSet):\n    serializer_class = serializers.PlanSerializer\n' }, 'Plan'), false);
    assert.equal(curatedOnly({ ...admin, 'shop/serializers.py': serializers, 'shop/views.py': 'class Plans(ModelViewSet):\n    serializer_class = PlanDetailSerializer\n' }, 'Plan'), false);
    // Read-only uses of the same classes add no rows.
    assert.equal(curatedOnly({ ...admin, 'shop/serializers.py': serializers, 'shop/views.py': 'class Plans(ListAPIView):\n    serializer_class = serializers.PlanDetailSerializer\n' }, 'Plan'), true);
  });

  it('counts admin registrations and fixtures as curated writers, and no writer as unknown', () => {
    assert.equal(curatedOnly({ 'shop/admin.py': '@admin.register(Plan)\nclass PlanAdmin(admin.ModelAdmin):\n    pass\n' }, 'Plan'), true);
    assert.equal(curatedOnly({ 'shop/fixtures/plans.json': '[{"model": "shop.plan", "pk": 1, "fields": {}}]' , 'shop/views.py': 'x = 1\n' }, 'Plan'), true);
    assert.equal(curatedOnly({ 'shop/views.py': 'def show(request):\n    return Plan.objects.all()\n' }, 'Plan'), false);
  });

  it('reads related managers and variable models', () => {
    const files = { 'shop/admin.py': 'admin.site.register(Track)\n', 'shop/views.py': 'def add(request, c):\n    c.tracks.create(name="x")\n' };
    assert.equal(curatedOnly(files, 'Track', ['track_set']), true);
    assert.equal(curatedOnly(files, 'Track', ['track_set', 'tracks']), false);
    assert.equal(curatedOnly({ 'shop/admin.py': 'admin.site.register(Plan)\n', 'shop/views.py': 'def add(request, model):\n    model.objects.create(name="x")\n' }, 'Plan'), false);
  });

  it('treats a helper only admin-gated views call as curated', () => {
    const files = {
      'shop/services.py': 'def make_plan(name):\n    return Plan.objects.create(name=name)\n',
      'shop/views.py': '@staff_member_required\ndef add(request):\n    make_plan(request.POST["name"])\n',
    };
    assert.equal(curatedOnly(files, 'Plan'), true);
    assert.equal(curatedOnly({ ...files, 'shop/api.py': 'def add(request):\n    make_plan(request.POST["name"])\n' }, 'Plan'), false);
  });

  it('reads seeds that generate many rows as volume, not curation', () => {
    assert.deepEqual(kinds('shop/management/commands/seed.py', 'def handle(self, *a):\n    fake = Faker()\n    for _ in range(5000):\n        Clinic.objects.create(name=fake.company())\n', 'Clinic'), ['volume']);
    assert.deepEqual(kinds('shop/management/commands/seed.py', 'def handle(self, *a):\n    for name in ("a", "b"):\n        Clinic.objects.create(name=name)\n', 'Clinic'), ['curated']);
    assert.deepEqual(kinds('shop/tests/test_x.py', 'def test_many(self):\n    for _ in range(500):\n        Clinic.objects.create(name="x")\n', 'Clinic'), ['curated']);
  });

  it('reads cls.objects in a classmethod as the enclosing model, and a manager\'s self.model as no unknown write', () => {
    assert.deepEqual(scanModule('shop/models.py', 'class Invite(models.Model):\n    @classmethod\n    def make(cls, user):\n        return cls.objects.create(user=user)\n').sites.map((s) => s.model), ['Invite']);
    assert.equal(scanModule('shop/models.py', 'class PlanManager(models.Manager):\n    def make(self, name):\n        return self.model.objects.create(name=name)\n').opaque, false);
    assert.equal(scanModule('shop/views.py', 'class Generic(View):\n    def post(self, request):\n        return self.model.objects.create(**request.POST)\n').opaque, true);
  });

  it('reads an aliased import as the model, and a staff branch that does not turn others away as request code', () => {
    assert.deepEqual(kinds('shop/views.py', 'from .models import Plan as P\n\ndef add(request):\n    P.objects.create(name="x")\n', 'Plan'), ['request']);
    assert.deepEqual(kinds('shop/views.py', 'def add(request):\n    if request.user.is_staff:\n        notify()\n    Plan.objects.create(name="x")\n', 'Plan'), ['request']);
  });

  it("reads Django's default test modules (tests.py, tests_*.py) as curated, like tests/ and test_*.py", () => {
    const create = 'class T(TestCase):\n    def test_two(self):\n        Plan.objects.create(name="x")\n';
    for (const rel of ['shop/tests.py', 'shop/test.py', 'shop/tests_views.py']) assert.deepEqual(kinds(rel, create, 'Plan'), ['curated'], rel);
    assert.deepEqual(kinds('shop/contests.py', create, 'Plan'), ['request']);
  });

  it('classifies views gated on a privileged role as curated: role checks, role decorators, test_func', () => {
    const gated = [
      'def add(request):\n    if request.user.role != "Owner":\n        return JsonResponse({}, status=403)\n    Plan.objects.create(name="x")\n',
      'def add(request):\n    if request.user.user_type not in ("admin", "manager"):\n        raise PermissionDenied\n    Plan.objects.create(name="x")\n',
      'def add(request):\n    if not request.user.is_superuser:\n        messages.error(request, "Only admins")\n        return redirect("home")\n    Plan.objects.create(name="x")\n',
      'def add(request):\n    if request.user.role.lower() != "admin": return redirect("home")\n    Plan.objects.create(name="x")\n',
      '@owner_required\ndef add(request):\n    Plan.objects.create(name="x")\n',
      '@role_required("admin")\ndef add(request):\n    Plan.objects.create(name="x")\n',
      '@user_passes_test(lambda u: u.role == "owner")\ndef add(request):\n    Plan.objects.create(name="x")\n',
      'class Add(UserPassesTestMixin, View):\n    def test_func(self):\n        return self.request.user.role in ("owner", "manager")\n\n    def post(self, request):\n        Plan.objects.create(name="x")\n',
      'class Add(View):\n    def dispatch(self, request, *args, **kwargs):\n        if not request.user.is_superuser:\n            return redirect("home")\n        return super().dispatch(request, *args, **kwargs)\n\n    def post(self, request):\n        Plan.objects.create(name="x")\n',
    ];
    for (const text of gated) assert.deepEqual(kinds('shop/views.py', text, 'Plan'), ['curated'], text);
    // Gates that let the site's users in: their writes are request code.
    const open = [
      'def add(request):\n    if request.user.role != "customer":\n        return redirect("home")\n    Plan.objects.create(name="x")\n',
      '@role_required("student")\ndef add(request):\n    Plan.objects.create(name="x")\n',
      'def add(request):\n    if not post.is_owner(request.user):\n        return redirect("home")\n    Plan.objects.create(name="x")\n',
      'def add(request):\n    if request.user.role == "admin":\n        notify()\n    Plan.objects.create(name="x")\n',
    ];
    for (const text of open) assert.deepEqual(kinds('shop/views.py', text, 'Plan'), ['request'], text);
  });

  it('reads the edited module block by block and a class method by method, as the module read whole', () => {
    const key = (share: ReturnType<typeof scanModule>) => JSON.stringify([share.sites, [...share.formModels], share.formUses, share.opaque]);
    const texts = [
      // A decorator whose arguments close on a line of their own, at column 0.
      '@manager.command(name="list")\n@option(\n    "--org",\n)\ndef list_command(org=None):\n    Plan.objects.create(org=org)\n',
      // A comment at column 0 inside a class body.
      'class Message(db.Model):\n    id = 1\n#    user = relationship("User")\n    Plan.objects.create()\n\n    def __init__(self):\n        self.x = 1\n',
      // A view class: gates, handlers and serializers read from the whole class, writes in its methods.
      'class Plans(ModelViewSet):\n    serializer_class = PlanSerializer\n\n    @action(\n        detail=True,\n    )\n    def mine(self, request):\n        Note.objects.create(x=1)\n\n    # staff only below\n    def test_func(self):\n        return self.request.user.is_staff\n\n    def post(self, request): return Plan.objects.create(x=2)\n    def later(self,\n              a):\n        form = PlanForm(request.POST)\n        form.save()\n\n\nclass PlanSerializer(serializers.ModelSerializer):\n    class Meta:\n        model = Plan\n\n    def create(self, data):\n        model = Other\n        return Plan.objects.create(**data)\n',
    ];
    const edits = ['        Plan.objects.create()', '    permission_classes = [IsAdminUser]', '    def create(self, request):', '#', ')', '    @staff_member_required'];
    for (const text of texts) {
      const lines = text.split('\n');
      let previous = scanModule('shop/views.py', text, undefined, true);
      assert.equal(key(previous), key(scanModule('shop/views.py', text, undefined, false)), text);
      for (let at = 0; at < lines.length; at++) {
        for (const edit of edits) {
          const edited = [...lines.slice(0, at), edit, ...lines.slice(at)].join('\n');
          const incremental = scanModule('shop/views.py', edited, previous, true);
          assert.equal(key(incremental), key(scanModule('shop/views.py', edited, undefined, false)), edited);
          previous = incremental;
        }
      }
    }
  });

  it('finds the `X as Y` pairs the pattern finds, in the same order', () => {
    const pattern = (text: string) => [...text.matchAll(/\b([A-Z]\w*)\s+as\s+(\w+)/g)].map((m) => [m[2], m[1]]);
    const texts = [
      'from .models import Plan as P, Order as O\nimport x as y\n',
      'A as as b', 'A  as\n\tb', 'Aas b', 'A as', 'A as ', 'x.A as b', 'a A as b as c D as e', '_A as b', '\u00e9a A as b',
      'A\u00a0as\u2028b', 'A as bA as c', 'as A as b', 'with Foo() as f, Bar as g:\n    pass', 'except ValueError as error:',
    ];
    for (const text of texts) assert.deepEqual(modelAliases(text), pattern(text), JSON.stringify(text));
  });
});
