/**
 * Class-based views whose rows are never listed (analysis/python/unrendered-views.ts): a Django view whose GET leaves
 * before rendering, and a DRF view whose overridden list() serialises rows of its own.
 */
import * as assert from 'node:assert/strict';
import { initParsers } from '../support/analyze';
import { parsePython } from '../../server/src/engine/parsers';
import { neverRendersTemplate, unrenderedViewPart } from '../../analysis/python/unrendered-views';

function cls(text: string) {
  const tree = parsePython(text);
  return tree.rootNode.namedChildren.find((c) => c?.type === 'class_definition')!;
}

function partUnrendered(text: string, marker: string): boolean {
  return unrenderedViewPart(cls(text), text.indexOf(marker));
}

describe('unrendered views', () => {
  before(async () => {
    await initParsers();
  });

  it('finds Django views whose GET never renders', () => {
    assert.equal(neverRendersTemplate(cls('class V(LoginRequiredMixin, ListView):\n    model = Book\n    def get(self, request, *a, **k):\n        return redirect("x")\n')), true);
    assert.equal(neverRendersTemplate(cls('class V(ListView):\n    model = Book\n    def get(self, request):\n        """Moved."""\n        raise Http404\n')), true);
    assert.equal(neverRendersTemplate(cls('class V(ListView):\n    model = Book\n    def dispatch(self, request, *a, **k):\n        return HttpResponseRedirect(reverse("x"))\n')), true);
    assert.equal(neverRendersTemplate(cls('class V(ListView):\n    model = Book\n    http_method_names = ["post"]\n')), true);
    assert.equal(neverRendersTemplate(cls('class V(RedirectView):\n    pattern_name = "books"\n')), true);
  });

  it('keeps views that may still render', () => {
    // A conditional redirect, a handler calling super, a form view re-rendering an invalid POST, a project base.
    assert.equal(neverRendersTemplate(cls('class V(ListView):\n    def get(self, request):\n        if not request.user.is_staff:\n            return redirect("x")\n        return super().get(request)\n')), false);
    assert.equal(neverRendersTemplate(cls('class V(ListView):\n    def get(self, request):\n        return self.render_to_response({})\n')), false);
    assert.equal(neverRendersTemplate(cls('class V(CreateView):\n    def get(self, request):\n        return redirect("x")\n')), false);
    assert.equal(neverRendersTemplate(cls('class V(ListView):\n    def get(self, request):\n        return redirect("x")\n    def post(self, request):\n        return super().get(request)\n')), false);
    assert.equal(neverRendersTemplate(cls('class V(BaseListPage):\n    def get(self, request):\n        return redirect("x")\n')), false);
    assert.equal(neverRendersTemplate(cls('class V(ListView):\n    def get(self, request):\n        return self.handle(request)\n')), false);
    assert.equal(neverRendersTemplate(cls('class V(ListView):\n    http_method_names = ["get", "post"]\n')), false);
  });

  it('drops only the class rows and the members that feed rendering', () => {
    const view = 'class V(ListView):\n    queryset = Book.objects.all()\n    def get_context_data(self, **k):\n        return {"x": Loan.objects.all()}\n    def get(self, request):\n        return redirect("x")\n';
    assert.equal(partUnrendered(view, 'Book'), true);
    assert.equal(partUnrendered(view, 'Loan'), true);
  });

  it('finds DRF list() overrides that serialise their own rows', () => {
    const own = 'class V(viewsets.ModelViewSet):\n    queryset = Order.objects.all()\n    def list(self, request):\n        rows = Order.objects.filter(user=request.user)\n        return Response(self.get_serializer(rows, many=True).data)\n';
    assert.equal(partUnrendered(own, 'queryset ='), true);
    // The override's own rows are judged where they are.
    assert.equal(partUnrendered(own, 'rows ='), false);
    assert.equal(partUnrendered(own.replace('Order.objects.filter(user=request.user)', 'self.get_queryset()'), 'queryset ='), false);
    assert.equal(partUnrendered(own.replace('rows = Order.objects.filter(user=request.user)', 'return super().list(request)'), 'queryset ='), false);
    const action = `${own}    @action(detail=False)\n    def all(self, request):\n        return Response(self.get_serializer(self.filter_queryset(self.get_queryset()), many=True).data)\n`;
    assert.equal(partUnrendered(action, 'queryset ='), false);
    assert.equal(partUnrendered('class V(viewsets.ModelViewSet):\n    queryset = Order.objects.all()\n    http_method_names = ["post"]\n', 'queryset ='), true);
    assert.equal(partUnrendered('class V(viewsets.ModelViewSet):\n    queryset = Order.objects.all()\n', 'queryset ='), false);
  });
});
