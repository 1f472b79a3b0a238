import os
import tempfile
import uuid

from reportlab.pdfgen import canvas


def render_contract(customer: str, amount: float) -> str:
    out_dir = os.path.join(tempfile.gettempdir(), "contracts")
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{uuid.uuid4()}.pdf")
    # ruleid: temp-file-leak
    pdf = canvas.Canvas(path)
    pdf.drawString(72, 720, f"Contract for {customer}: {amount:.2f} EUR")
    pdf.save()
    return path


def expire_drafts() -> None:
    pass
