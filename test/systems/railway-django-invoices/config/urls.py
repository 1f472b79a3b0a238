from django.urls import path

from invoices import views

urlpatterns = [
    path("invoices/export.xlsx", views.export_invoices),
]
