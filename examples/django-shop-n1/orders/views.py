import csv

from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.views.generic import ListView
from rest_framework import generics, viewsets

from .models import Customer, Order
from .serializers import CustomerOrdersSerializer, CustomerStatsSerializer, OrderSerializer, OrderSummarySerializer


class OrderListAPIView(generics.ListAPIView):
    """The storefront's order history: each order with its customer, lines and tags."""

    queryset = Order.objects.all()
    serializer_class = OrderSerializer


class OrderSummaryAPIView(generics.ListAPIView):
    """One line per open order for the support dashboard."""

    queryset = Order.objects.exclude(status=Order.Status.CANCELLED)
    serializer_class = OrderSummarySerializer


class OrderFeedAPIView(generics.ListAPIView):
    """The same orders for the warehouse feed, loaded with their relations up front."""

    queryset = Order.objects.select_related("customer").prefetch_related("items__product", "tags")
    serializer_class = OrderSerializer


class CustomerStatsAPIView(generics.ListAPIView):
    queryset = Customer.objects.annotate(order_count=Count("orders"))
    serializer_class = CustomerStatsSerializer


class CustomerViewSet(viewsets.ReadOnlyModelViewSet):
    """Customers with their order history, for the CRM sync."""

    queryset = Customer.objects.all()
    serializer_class = CustomerOrdersSerializer


class OrderPageView(ListView):
    """Staff page listing every order (template orders/order_list.html)."""

    model = Order


class PackingBoardView(ListView):
    """What to pack today, with the relations the template reads selected up front."""

    queryset = Order.objects.filter(status=Order.Status.PLACED).select_related("customer").prefetch_related("items__product")
    template_name = "orders/packing_board.html"
    context_object_name = "orders"


def customer_directory(request):
    customers = Customer.objects.all()
    return render(request, "orders/customer_directory.html", {"customers": customers})


def shipped_orders_csv(request):
    response = HttpResponse(content_type="text/csv")
    writer = csv.writer(response)
    writer.writerow(["number", "customer_email", "placed_at"])
    for order in Order.objects.filter(status=Order.Status.SHIPPED):
        writer.writerow([order.number, order.customer.email, order.placed_at.isoformat()])
    return response
