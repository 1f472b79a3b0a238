import io

import pandas as pd


def load_master(data: bytes) -> dict[str, pd.DataFrame]:
    # ruleid: dataframe-full-load
    return pd.read_excel(io.BytesIO(data), sheet_name=None)
