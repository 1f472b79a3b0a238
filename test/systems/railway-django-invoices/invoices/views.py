import io

from django.http import HttpResponse
from openpyxl import Workbook

from .models import Invoice


def export_invoices(request):
    invoices = Invoice.objects.all()
    status = request.GET.get("status")
    if status:
        invoices = invoices.filter(status=status)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Number", "Customer", "Total", "Issued"])
    # ruleid: unbounded-queryset
    for invoice in invoices:
        # ruleid: n-plus-one
        sheet.append([invoice.number, invoice.customer.name, float(invoice.total), invoice.issued_at.isoformat()])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="invoices.xlsx"'
    return response
