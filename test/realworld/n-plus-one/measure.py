"""Counts the SQL queries and peak Python memory of every endpoint of examples/django-shop-n1 and every report of
examples/sqlalchemy-orders, on a fresh SQLite database seeded with --rows orders.

Prints one JSON object: for each endpoint its query count, peak traced memory, response body and the source ranges
that serve it (view, serializers, templates rendered, report function), so that a finding can be mapped to it.
Endpoints are discovered, not listed: every URL pattern without parameters, every public function of reports.py.

Usage: python3 measure.py --root DIR --django DIR --sqlalchemy DIR --rows N [--memory]
Needs Django, Django REST framework and SQLAlchemy (Debian: python3-django python3-djangorestframework
python3-sqlalchemy).
"""
import argparse
import datetime
import decimal
import importlib
import importlib.util
import inspect
import json
import os
import sys
import tempfile
import traceback
import tracemalloc


def source_range(obj, root):
    """(file relative to root, first line, last line) of a class or function, 1-based."""
    file = inspect.getsourcefile(obj)
    lines, start = inspect.getsourcelines(obj)
    return {"file": os.path.relpath(file, root).replace(os.sep, "/"), "startLine": start, "endLine": start + len(lines) - 1}


def whole_file(path, root):
    with open(path, encoding="utf-8") as f:
        count = len(f.read().splitlines()) or 1
    return {"file": os.path.relpath(path, root).replace(os.sep, "/"), "startLine": 1, "endLine": count}


def measure(call):
    """(result, queries, peak traced bytes) of one call(); `call` returns (result, queries). tracemalloc slows the
    call down about twice: without --memory the peak is None."""
    if not MEMORY:
        return (*call(), None)
    tracemalloc.start()
    tracemalloc.reset_peak()
    result, queries = call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, queries, peak


# Every endpoint is first called on a database with one order (WARM_ROWS), which fills the caches a first request
# fills (URL resolution, template loading and compilation, SQL compilation) without running the per-row queries
# twice; the other orders are added after that, and a second call is measured.
WARM_ROWS = 1


def customer_count(rows):
    return max(2, rows // 5)


# --- Django -----------------------------------------------------------------------------------------------------


def seed_django_catalogue(rows):
    """Customers, products and tags. Primary keys are given: Django 3.2's bulk_create does not read them back on
    SQLite."""
    from orders.models import Customer, Product, Tag

    Customer.objects.bulk_create(
        Customer(id=i + 1, name=f"Customer {i:04d}", email=f"customer{i}@example.com") for i in range(customer_count(rows))
    )
    Product.objects.bulk_create(Product(id=i + 1, sku=f"SKU-{i:03d}", name=f"Product {i}") for i in range(20))
    Tag.objects.bulk_create(Tag(id=i + 1, name=name) for i, name in enumerate(["gift", "express", "fragile", "bulk", "priority"]))


def seed_django_orders(rows, indexes):
    """Orders number `indexes` with three lines and two tags each."""
    from orders.models import Order, OrderItem

    statuses = [Order.Status.PLACED, Order.Status.SHIPPED, Order.Status.CANCELLED]
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    Order.objects.bulk_create(
        Order(
            id=i + 1,
            customer_id=i % customer_count(rows) + 1,
            number=f"SO-{i:06d}",
            status=statuses[i % 3],
            placed_at=start + datetime.timedelta(minutes=i),
        )
        for i in indexes
    )
    OrderItem.objects.bulk_create(
        OrderItem(
            id=i * 3 + k + 1,
            order_id=i + 1,
            product_id=(i + k) % 20 + 1,
            quantity=1 + (i + k) % 4,
            unit_price=decimal.Decimal(5 + (i * 7 + k) % 40) + decimal.Decimal("0.99"),
        )
        for i in indexes
        for k in range(3)
    )
    Order.tags.through.objects.bulk_create(
        Order.tags.through(id=i * 2 + k + 1, order_id=i + 1, tag_id=(i + k) % 5 + 1) for i in indexes for k in range(2)
    )


def url_patterns(patterns, prefix=""):
    """(url, callback) of every pattern without parameters: path() routes and plain regex routes (a router's)."""
    from django.urls import URLPattern, URLResolver

    for p in patterns:
        part = str(p.pattern)
        if part.startswith("^") or part.endswith("$"):  # re_path / router regexes: keep only literal ones
            part = part.lstrip("^").rstrip("$")
            if any(c in part for c in "\\()[]?*+{}|"):
                continue
        if "<" in part:
            continue
        if isinstance(p, URLResolver):
            yield from url_patterns(p.url_patterns, prefix + part)
        elif isinstance(p, URLPattern):
            yield "/" + prefix + part, p.callback


def serializer_classes(serializer_class, seen):
    """The serializer class and every serializer nested in it (many=True or not), depth first."""
    from rest_framework import serializers

    if serializer_class in seen:
        return
    seen.append(serializer_class)
    for field in serializer_class().fields.values():
        nested = field.child if isinstance(field, serializers.ListSerializer) else field
        if isinstance(nested, serializers.BaseSerializer):
            serializer_classes(type(nested), seen)


def django_endpoints(app_dir, root):
    sys.path.insert(0, app_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shopsite.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import get_resolver

    setup_test_environment()  # records the templates each response renders
    call_command("migrate", verbosity=0, interactive=False)
    seed_django_catalogue(ROWS)
    seed_django_orders(ROWS, range(WARM_ROWS))
    client = Client(raise_request_exception=False)  # a view that raises (a broken fix) answers 500 with its error
    routes = list(url_patterns(get_resolver().url_patterns))
    for url, _ in routes:
        client.get(url)
    seed_django_orders(ROWS, range(WARM_ROWS, ROWS))
    results = []
    for url, callback in routes:
        view = getattr(callback, "view_class", None) or getattr(callback, "cls", None) or callback  # DRF viewsets: cls
        code = [source_range(view, root)]  # a view of the framework itself (the router's API root) is outside root
        serializer_class = getattr(view, "serializer_class", None)
        if serializer_class is not None:
            found = []
            serializer_classes(serializer_class, found)
            code += [source_range(s, root) for s in found]
        code = [c for c in code if not c["file"].startswith("../")]

        def call():
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            return response, len(ctx.captured_queries)

        response, queries, peak = measure(call)
        templates = sorted({t.origin.name for t in getattr(response, "templates", []) if t.origin and t.origin.name})
        code += [whole_file(t, root) for t in templates if os.path.abspath(t).startswith(os.path.abspath(app_dir) + os.sep)]
        results.append(
            {
                "name": f"GET {url}",
                "kind": "django",
                "status": response.status_code,
                "error": "".join(traceback.format_exception(*response.exc_info)[-3:]) if getattr(response, "exc_info", None) else None,
                "queries": queries,
                "peakBytes": peak,
                "body": response.content.decode("utf-8"),
                "code": code,
            }
        )
    return results


# --- SQLAlchemy -------------------------------------------------------------------------------------------------


def seed_sqlalchemy(session, models, rows, indexes):
    """The customers (first call) and orders number `indexes` with three lines each."""
    if not session.query(models.Customer).count():
        session.add_all(
            models.Customer(id=i + 1, name=f"Customer {i:04d}", email=f"customer{i}@example.com") for i in range(customer_count(rows))
        )
    start = datetime.datetime(2026, 1, 1)
    for i in indexes:
        order = models.Order(id=i + 1, number=f"SO-{i:06d}", placed_at=start + datetime.timedelta(minutes=i), customer_id=i % customer_count(rows) + 1)
        order.items = [
            models.OrderItem(id=i * 3 + k + 1, sku=f"SKU-{(i + k) % 20:03d}", quantity=1 + (i + k) % 4, unit_price_cents=599 + (i * 7 + k) % 40 * 100)
            for k in range(3)
        ]
        session.add(order)
    session.commit()


def sqlalchemy_endpoints(app_dir, root):
    sys.path.insert(0, app_dir)
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")  # 1.4's note about 2.0, once per process
    from sqlalchemy import create_engine, event
    from sqlalchemy.orm import Session

    models = importlib.import_module("models")
    reports = importlib.import_module("reports")
    engine = create_engine("sqlite://")
    models.Base.metadata.create_all(engine)
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    functions = [
        (name, function)
        for name, function in inspect.getmembers(reports, inspect.isfunction)
        if function.__module__ == reports.__name__ and not name.startswith("_")
    ]

    def runner(function):
        def call():
            statements.clear()
            with Session(engine) as session:  # a fresh identity map, as a request gets
                try:
                    rows = function(session)
                except Exception:  # a broken fix: reported for this report, the others still run
                    rows = {"error": traceback.format_exc(limit=-2)}
            return rows, len(statements)

        return call

    with Session(engine) as session:
        seed_sqlalchemy(session, models, ROWS, range(WARM_ROWS))
    for _, function in functions:
        runner(function)()
    with Session(engine) as session:
        seed_sqlalchemy(session, models, ROWS, range(WARM_ROWS, ROWS))
    results = []
    for name, function in functions:
        rows, queries, peak = measure(runner(function))
        error = rows["error"] if isinstance(rows, dict) and set(rows) == {"error"} else None
        results.append(
            {
                "name": f"reports.{name}()",
                "kind": "sqlalchemy",
                "status": 500 if error else None,
                "error": error,
                "queries": queries,
                "peakBytes": peak,
                "body": json.dumps(rows, sort_keys=True, default=str),
                "code": [source_range(function, root)],
            }
        )
    return results


def versions():
    out = {"python": sys.version.split()[0]}
    for module, key in [("django", "django"), ("rest_framework", "djangorestframework"), ("sqlalchemy", "sqlalchemy")]:
        out[key] = importlib.import_module(module).__version__
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True, help="paths in the output are relative to this directory")
    parser.add_argument("--django", required=True, help="the Django project (the directory of manage.py)")
    parser.add_argument("--sqlalchemy", required=True, help="the directory of models.py and reports.py")
    parser.add_argument("--rows", type=int, required=True, help="orders to create")
    parser.add_argument("--memory", action="store_true", help="also measure each call's peak memory (tracemalloc)")
    args = parser.parse_args()
    ROWS = args.rows
    MEMORY = args.memory
    missing = [m for m in ("django", "rest_framework", "sqlalchemy") if importlib.util.find_spec(m) is None]
    if missing:
        sys.stderr.write(
            f"cannot import {', '.join(missing)}: install Debian's packages "
            "(sudo apt-get install python3-django python3-djangorestframework python3-sqlalchemy)\n"
        )
        sys.exit(3)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SHOP_DB_PATH"] = os.path.join(tmp, "shop.sqlite3")
        endpoints = django_endpoints(os.path.abspath(args.django), os.path.abspath(args.root))
        endpoints += sqlalchemy_endpoints(os.path.abspath(args.sqlalchemy), os.path.abspath(args.root))
    json.dump({"rows": ROWS, "versions": versions(), "endpoints": endpoints}, sys.stdout)
