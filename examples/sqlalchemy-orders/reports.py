"""Sales reports: each function takes a Session and returns rows ready for JSON."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from models import Customer, Order


def order_totals(session):
    """Every order with its customer and total, for the finance export."""
    rows = []
    for order in session.scalars(select(Order).order_by(Order.id)):
        total = sum(item.quantity * item.unit_price_cents for item in order.items)
        rows.append({"number": order.number, "customer": order.customer.name, "lines": len(order.items), "total_cents": total})
    return rows


def customer_order_counts(session):
    """How many orders each customer placed."""
    customers = session.query(Customer).order_by(Customer.id).all()
    return [{"customer": c.email, "orders": len(c.orders)} for c in customers]


def pick_list(session):
    """What the warehouse picks: every line of every order, customer and lines loaded with the orders."""
    stmt = select(Order).options(joinedload(Order.customer), selectinload(Order.items)).order_by(Order.id)
    rows = []
    for order in session.scalars(stmt):
        for item in order.items:
            rows.append({"order": order.number, "ship_to": order.customer.name, "sku": item.sku, "quantity": item.quantity})
    return rows
