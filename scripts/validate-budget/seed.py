"""Seeds the example shop's SQLite database (already migrated) with customers and orders, deterministically.

    /usr/bin/python3 seed.py <db.sqlite3> [orders] [customers]

Used by scripts/validate-budget.mjs on a temporary copy of examples/django-app, never on the repository.
"""
import datetime
import random
import sqlite3
import sys


def main() -> None:
    db = sys.argv[1]
    orders = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    customers = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
    rnd = random.Random(1234)
    con = sqlite3.connect(db)
    con.execute("DELETE FROM shop_order")
    con.execute("DELETE FROM shop_customer")
    con.executemany(
        "INSERT INTO shop_customer (id, name, email) VALUES (?, ?, ?)",
        ((i, f"Customer {i:05d} {rnd.choice(['Ltd', 'GmbH', 'SARL', 'Inc'])}", f"customer{i}@example.com") for i in range(1, customers + 1)),
    )
    start = datetime.datetime(2024, 1, 1)
    con.executemany(
        "INSERT INTO shop_order (id, customer_id, number, total, created_at) VALUES (?, ?, ?, ?, ?)",
        (
            (
                i,
                rnd.randint(1, customers),
                f"SO-{i:08d}",
                f"{rnd.randint(1, 500000) / 100:.2f}",
                # Django's SQLite format for a naive UTC datetime (USE_TZ = True)
                (start + datetime.timedelta(minutes=7 * i)).strftime("%Y-%m-%d %H:%M:%S.%f"),
            )
            for i in range(1, orders + 1)
        ),
    )
    con.commit()
    n_orders = con.execute("SELECT COUNT(*) FROM shop_order").fetchone()[0]
    n_customers = con.execute("SELECT COUNT(*) FROM shop_customer").fetchone()[0]
    con.close()
    print(f"seeded {n_orders} orders, {n_customers} customers")


if __name__ == "__main__":
    main()
