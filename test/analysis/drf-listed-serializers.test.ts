import * as assert from 'node:assert';
import { listedIn } from '../../analysis/python/drf-listed-serializers';

describe('DRF serializers a module lists rows with', () => {
  it('takes list views, get_serializer_class returns (not a retrieve one) and Serializer(rows, many=True) calls', () => {
    const text = `
from rest_framework import generics, viewsets
from . import serializers
from .serializers import OrderSerializer, ItemSerializer, NoteSerializer, TagSerializer, CustomerSerializer


class OrderList(generics.ListAPIView):
    serializer_class = serializers.OrderSerializer


class ItemViewSet(viewsets.ModelViewSet):
    def get_serializer_class(self):
        if self.action == "list":
            return ItemSerializer
        if self.action == "retrieve":
            return ItemDetailSerializer
        return NoteSerializer


class CustomerDetail(generics.RetrieveAPIView):
    serializer_class = CustomerSerializer


def export(request):
    rows = Tag.objects.all()
    return Response(TagSerializer(rows, many=True).data)
`;
    assert.deepStrictEqual(new Set(listedIn(text)), new Set(['TagSerializer', 'OrderSerializer', 'ItemSerializer']));
  });

  it('keeps the fallback after the list action when a custom action lists through get_serializer(many=True)', () => {
    const text = `
from rest_framework import viewsets


class ItemViewSet(viewsets.ModelViewSet):
    def get_serializer_class(self):
        if self.action == "list":
            return ItemListSerializer
        return ItemSerializer

    @action(detail=False)
    def recent(self, request):
        return Response(self.get_serializer(self.get_queryset()[:50], many=True).data)
`;
    assert.deepStrictEqual(new Set(listedIn(text)), new Set(['ItemListSerializer', 'ItemSerializer']));
  });

  it('leaves out nested many=True fields and retrieve-only views', () => {
    const text = `
from rest_framework import generics, serializers


class QuestionSerializer(serializers.ModelSerializer):
    answers = AnswerSerializer(many=True, read_only=True)


class QuestionDetail(generics.RetrieveAPIView):
    serializer_class = QuestionSerializer
`;
    assert.deepStrictEqual(listedIn(text), []);
  });
});
