from django.urls import path

from shop import views

urlpatterns = [
    path("orders/export/", views.OrderExportView.as_view()),
    path("orders/export.csv", views.export_orders_csv),
    path("documents/upload/", views.upload_document),
]
