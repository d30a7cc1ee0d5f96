"""queries.metrics.typed builds result frames column by column; it must type exactly as the plain
pandas casts it replaced (kept here as the reference)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from queries import metrics


def reference(frame: pd.DataFrame, schema: dict[str, str]) -> pd.DataFrame:
    frame = frame.reindex(columns=list(schema))
    for col, dtype in schema.items():
        if dtype == "int64":
            frame[col] = pd.to_numeric(frame[col]).fillna(0).astype("int64")
        elif dtype == "float64":
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
        elif dtype == "datetime64[us]":
            frame[col] = pd.to_datetime(frame[col]).astype("datetime64[us]")
        else:
            frame[col] = frame[col].astype(dtype)
    return frame


SCHEMA = {"bucket": "datetime64[us]", "dim_key": "string", "n": "int64", "rate": "float64", "absent": "float64",
          "absent_n": "int64", "absent_label": "string"}

CASES = {
    "driver values": pd.DataFrame({"bucket": [date(2026, 1, 1), None, date(2026, 3, 1)],
                                   "dim_key": ["a", None, "c"], "n": [3, None, 0],
                                   "rate": [Decimal("0.25"), None, 1.5], "extra": [1, 2, 3]}, dtype=object),
    "datetimes and NaN": pd.DataFrame({"bucket": [datetime(2026, 1, 1, 5), datetime(2026, 2, 1)],
                                       "dim_key": ["x", "y"], "n": [np.nan, 7.0], "rate": [np.nan, 2]}),
    "one row": pd.DataFrame({"bucket": [None], "dim_key": ["total"], "n": [12], "rate": [None]}, dtype=object),
    "empty": pd.DataFrame(),
    "empty with columns": pd.DataFrame(columns=["bucket", "dim_key", "n", "rate"]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_typed_matches_the_plain_pandas_casts(name):
    frame = CASES[name]
    got, want = metrics.typed(frame, SCHEMA), reference(frame.copy(), SCHEMA)
    pd.testing.assert_frame_equal(got, want)
    assert list(got.dtypes.astype(str)) == ["datetime64[us]", "string", "int64", "float64", "float64", "int64",
                                           "string"]


def test_a_non_default_index_is_kept():
    frame = pd.DataFrame({"n": [1, 2]}, index=[10, 20])
    pd.testing.assert_frame_equal(metrics.typed(frame, {"n": "int64"}), reference(frame.copy(), {"n": "int64"}))
