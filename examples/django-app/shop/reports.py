"""Monthly sales reports: pandas over the order export, cached per month."""
import functools
import os
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

EXPORT_DIR = os.environ.get("EXPORT_DIR", "exports")


@functools.lru_cache(maxsize=None)
def monthly_totals(month):
    orders = pd.read_csv(os.path.join(EXPORT_DIR, f"orders-{month}.csv"))
    return orders.groupby("customer")["total"].sum().to_dict()


def all_reports(months):
    with ThreadPoolExecutor(max_workers=os.cpu_count() * 4) as pool:
        return list(pool.map(monthly_totals, months))
