import csv
import hashlib

from django.core.files.storage import default_storage
from django.http import HttpResponse, JsonResponse
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination

from .models import Document, Order


class ExportPagination(PageNumberPagination):
    page_size = 10000


class OrderSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name")

    class Meta:
        model = Order
        fields = ["number", "total", "created_at", "customer_name"]


class OrderExportView(generics.ListAPIView):
    queryset = Order.objects.order_by("-created_at")
    serializer_class = OrderSerializer
    pagination_class = ExportPagination


def export_orders_csv(request):
    response = HttpResponse(content_type="text/csv")
    writer = csv.writer(response)
    orders = Order.objects.filter(total__gt=0)
    for order in orders:
        writer.writerow([order.number, order.total, order.customer.name])
    return response


def upload_document(request):
    upload = request.FILES["file"]
    digest = hashlib.sha256(upload.read()).hexdigest()
    upload.seek(0)
    size = len(upload.read())
    upload.seek(0)
    default_storage.save(f"documents/{digest}", upload)
    Document.objects.create(name=upload.name, sha256=digest, size=size)
    return JsonResponse({"sha256": digest, "size": size})
