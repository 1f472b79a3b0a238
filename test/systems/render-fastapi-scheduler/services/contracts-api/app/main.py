from fastapi import FastAPI
from fastapi.responses import FileResponse

from app.core import scheduler  # noqa: F401  (starts the jobs)
from app.services.contracts import render_contract

app = FastAPI()


@app.post("/contracts")
def create_contract(customer: str, amount: float):
    path = render_contract(customer, amount)
    return FileResponse(path, media_type="application/pdf")
