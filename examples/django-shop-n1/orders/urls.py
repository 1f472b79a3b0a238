from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("customers", views.CustomerViewSet)

urlpatterns = [
    path("api/orders/", views.OrderListAPIView.as_view(), name="api-orders"),
    path("api/orders/summary/", views.OrderSummaryAPIView.as_view(), name="api-order-summary"),
    path("api/orders/feed/", views.OrderFeedAPIView.as_view(), name="api-order-feed"),
    path("api/customers/stats/", views.CustomerStatsAPIView.as_view(), name="api-customer-stats"),
    path("orders/", views.OrderPageView.as_view(), name="order-list"),
    path("orders/packing/", views.PackingBoardView.as_view(), name="packing-board"),
    path("customers/", views.customer_directory, name="customer-directory"),
    path("orders/shipped.csv", views.shipped_orders_csv, name="shipped-orders-csv"),
    path("api/", include(router.urls)),
]
