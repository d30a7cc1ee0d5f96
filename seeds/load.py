"""Bulk-load a generated :class:`~seeds.generate.Dataset` with PostgreSQL binary COPY.

Everything happens in ONE transaction on one psycopg 3 connection, so a failure leaves the
database as it was:

1. lock the data tables, refuse if they hold data (unless ``reset``: truncate them);
2. drop the foreign keys touching them, their primary keys and secondary indexes (definitions captured from
   the catalog, recreated verbatim with the same names at the end, which also re-validates every
   reference), and disable the insert triggers whose work the load does set-based
   (:data:`REPRODUCED_TRIGGERS`); every other trigger stays on;
3. COPY every table with explicit ids. ``handoff`` is written here, as the projection the
   ``lead_event`` trigger would have produced (the integration tests prove it);
4. derive columns with the schema's own SQL functions: ``refresh_handoff_sla(null)`` where
   migration 0005 provides it (policy, deadlines, minutes; set-based), else ``handoff_sla_deadline``
   / ``handoff_decision_due`` / ``handoff_elapsed_minutes`` per row; then
   ``refresh_handoff_touch(null)``, which confirms the generated ``first_touch_at`` (and fixes
   any that differ);
5. recreate indexes, re-enable triggers, move identity sequences past max(id), write the
   settings, ANALYZE, run the ``before_commit`` hook (demo extras), recreate the foreign keys
   (last: the extras' updates would otherwise check every key of every row they touch), commit.

The COPY payload is built with numpy, not row by row: each table is encoded in chunks as the
binary COPY format (fixed-width fields as one structured array, variable-width fields scattered
in with vectorised index arithmetic), while a psycopg writer thread streams the previous chunk.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
import psycopg
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter

from seeds.generate import TABLES, Dataset, generate

#: table -> [(column, postgres type)] in the order the generator emits them.
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "team": [("id", "int2"), ("code", "text"), ("name", "text"), ("function", "text")],
    "rep": [("id", "int4"), ("full_name", "text"), ("email", "text"), ("team_id", "int2"), ("title", "text"),
            ("active", "bool"), ("created_at", "timestamptz")],
    "account": [("id", "int4"), ("name", "text"), ("domain", "text"), ("industry", "text"), ("country", "text"),
                ("region", "text"), ("employee_band", "text"), ("tier", "int2"), ("owner_id", "int4"),
                ("created_at", "timestamptz")],
    "campaign": [("id", "int4"), ("name", "text"), ("channel_code", "text"), ("start_date", "date"),
                 ("end_date", "date"), ("spend", "numeric"), ("owner_id", "int4")],
    "lead": [("id", "int8"), ("account_id", "int4"), ("first_name", "text"), ("last_name", "text"), ("email", "text"),
             ("job_title", "text"), ("job_function", "text"), ("seniority", "text"), ("source", "text"),
             ("campaign_id", "int4"), ("marketer_id", "int4"), ("score", "int2"), ("priority", "text"),
             ("created_at", "timestamptz"), ("mql_at", "timestamptz"),
             # stage projections (migrations 0009, 0012), written here with their triggers off
             ("sal_at", "timestamptz"), ("sql_at", "timestamptz"), ("won_at", "timestamptz"),
             ("handed_off_at", "timestamptz"), ("rejected_at", "timestamptz")],
    "handoff": [("id", "int8"), ("lead_id", "int8"), ("owner_id", "int4"), ("handed_off_at", "timestamptz"),
                ("sla_deadline_at", "timestamptz"), ("decision_due_at", "timestamptz"), ("decision", "text"),
                ("decided_at", "timestamptz"), ("decided_by_rep_id", "int4"), ("rejection_reason", "text"),
                ("rejection_comment", "text"), ("recycled_at", "timestamptz"), ("first_touch_at", "timestamptz"),
                ("minutes_to_first_touch", "numeric"),
                # who answers for the SLA and the decision (migration 0019): the owner here, the
                # owner at the time for reassigned hand-offs by refresh_handoff_owners at the end
                ("sla_owner_id", "int4"), ("decision_owner_id", "int4"),
                # copies of the lead's columns (migration 0008), written here with the trigger off
                ("source", "text"), ("campaign_id", "int4"), ("account_id", "int4")],
    "lead_event": [("id", "int8"), ("lead_id", "int8"), ("event_type", "text"), ("occurred_at", "timestamptz"),
                   ("owner_id", "int4"), ("actor_rep_id", "int4"), ("rejection_reason", "text"), ("comment", "text"),
                   ("handoff_id", "int8"), ("recorded_at", "timestamptz")],
    "activity": [("id", "int8"), ("lead_id", "int8"), ("account_id", "int4"), ("rep_id", "int4"),
                 ("activity_type", "text"), ("is_automated", "bool"), ("occurred_at", "timestamptz"),
                 ("subject", "text")],
    "opportunity": [("id", "int8"), ("account_id", "int4"), ("lead_id", "int8"), ("owner_id", "int4"),
                    ("name", "text"), ("amount", "numeric"), ("created_at", "timestamptz"),
                    ("expected_close_date", "date"), ("stage", "text"), ("closed_at", "timestamptz"),
                    ("lost_reason", "text"),
                    # copies of the lead's columns (migration 0010), written here with the trigger off
                    ("source", "text"), ("campaign_id", "int4")],
    "opportunity_stage_change": [("id", "int8"), ("opportunity_id", "int8"), ("stage", "text"), ("amount", "numeric"),
                                 ("changed_at", "timestamptz"), ("changed_by_rep_id", "int4")],
}
#: what ``--reset`` empties (``channel`` keeps the rows the migration created).
DATA_TABLES = ("lead_event", "handoff", "activity", "opportunity_stage_change", "opportunity", "lead",
               "campaign", "account", "rep", "team")
#: Insert triggers whose effect the load reproduces set-based; they are disabled during the COPY
#: (every other trigger stays on). lead_event_project: the hand-off projection and lead.mql_at are
#: written by the loader; activity_touch_insert: refresh_handoff_touch(null) at the end;
#: handoff_set_sla_policy (migration 0005): refresh_handoff_sla(null) at the end;
#: handoff_lead_attributes (migration 0008): the loader writes the lead's source, campaign and
#: account into the hand-off rows itself (row by row, with the lead keys not built yet during the
#: load, the trigger would scan every lead for every hand-off).
#: handoff_stages_* and opportunity_stages_insert (migrations 0009, 0012): the loader writes
#: lead.handed_off_at, sal_at, rejected_at, sql_at and won_at itself; the update trigger would recompute them for every hand-off the
#: set-based deadline and touch refreshes rewrite.
#: opportunity_lead_attributes (migration 0010): as handoff_lead_attributes, for opportunities.
#: handoff_accountable_insert, handoff_owners_update and lead_event_reassigned_owners (migration 0019): the loader writes the
#: owner as sla_owner_id and decision_owner_id, then refresh_handoff_owners(null) re-derives those
#: of reassigned hand-offs (row by row, each reassignment would update a hand-off without its key).
#: All of them are switched back on at the end of the load, in the same transaction.
REPRODUCED_TRIGGERS = {("lead_event", "lead_event_project"), ("activity", "activity_touch_insert"),
                       ("handoff", "handoff_set_sla_policy"), ("handoff", "handoff_lead_attributes"),
                       ("handoff", "handoff_stages_insert"), ("handoff", "handoff_stages_update"),
                       ("opportunity", "opportunity_stages_insert"), ("opportunity", "opportunity_lead_attributes"),
                       ("handoff", "handoff_accountable_insert"), ("handoff", "handoff_owners_update"),
                       ("lead_event", "lead_event_reassigned_owners")}
CHUNK_ROWS = 200_000
COMPANY_TIMEZONE = "America/New_York"


class DataExistsError(RuntimeError):
    """The target database already holds data and ``reset`` was not asked for."""


@dataclass
class LoadStats:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


# --------------------------------------------------------------------------- progress


class Progress:
    """A one-line progress bar on stderr (no dependency). ``None``-safe: use :func:`_noop`."""

    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last = 0.0
        self._last_pct = -1
        self.t0 = time.monotonic()

    def update(self, fraction: float, label: str, force: bool = False) -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        now = time.monotonic()
        pct = int(fraction * 100)
        if self.tty:
            if not force and now - self._last < 0.1:
                return
        elif not force and pct // 10 == self._last_pct // 10:
            return  # not a terminal: one line per 10 %
        self._last, self._last_pct = now, pct
        filled = int(round(fraction * self.width))
        bar = "#" * filled + "-" * (self.width - filled)
        line = f"[{bar}] {pct:3d}% {now - self.t0:6.1f}s  {label}"
        if self.tty:
            self.stream.write("\r" + line[:120].ljust(120))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def done(self, label: str = "done") -> None:
        self.update(1.0, label, force=True)
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


class _Tracker:
    """Maps load work (rows copied, then the finishing steps) onto one 0..1 bar."""

    STEPS = ("derive hand-off deadlines", "first touches", "indexes", "analyze", "demo extras", "foreign keys")

    def __init__(self, progress: Progress | None, total_rows: int, start: float = 0.0):
        self.p = progress
        self.total = max(total_rows, 1)
        self.start = start
        self.copied = 0

    def _frac(self, x: float) -> float:
        return self.start + (1 - self.start) * x

    def rows(self, k: int, label: str) -> None:
        self.copied += k
        if self.p:
            self.p.update(self._frac(0.75 * self.copied / self.total), label)

    def step(self, name: str) -> None:
        if self.p:
            i = self.STEPS.index(name)
            self.p.update(self._frac(0.75 + 0.25 * i / len(self.STEPS)), name, force=True)


# --------------------------------------------------------------------------- binary COPY encoding

_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
_TRAILER = b"\xff\xff"
_PG_EPOCH_S = 946684800  # 2000-01-01 in Unix seconds
_PG_EPOCH_DAYS = 10957
_FIXED = {"int2": ">i2", "int4": ">i4", "int8": ">i8", "bool": "u1", "timestamptz": ">i8", "date": ">i4",
          "numeric": (">i2", (8,))}


def _int_values(s: pd.Series):
    """(values, null mask) of an integer column (numpy or masked extension)."""
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "iu":
        return s.to_numpy(), None
    na = s.isna().to_numpy()
    return s.to_numpy(dtype=np.int64, na_value=0), (na if na.any() else None)


def _ts_values(s: pd.Series):
    """Microseconds since 2000-01-01 UTC, and the NaT mask."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    a = s.to_numpy()
    if a.dtype.kind != "M":
        a = pd.to_datetime(s, utc=True).dt.tz_localize(None).to_numpy()
    na = np.isnat(a)
    us = a.astype("datetime64[us]").view(np.int64) - _PG_EPOCH_S * 1_000_000
    return us, (na if na.any() else None)


def _date_values(s: pd.Series):
    a = s.to_numpy()
    if a.dtype.kind != "M":
        a = pd.to_datetime(s).to_numpy()
    na = np.isnat(a)
    days = a.astype("datetime64[D]").view(np.int64) - _PG_EPOCH_DAYS
    return days, (na if na.any() else None)


def _numeric_values(s: pd.Series):
    """numeric(…, 2) as PostgreSQL's binary numeric: 4 base-10000 digits, weight 2, dscale 2."""
    v = s.to_numpy(dtype=float, na_value=np.nan)
    na = np.isnan(v)
    cents = np.round(np.where(na, 0, v) * 100).astype(np.int64)
    if (cents < 0).any() or (cents >= 10**14).any():
        raise ValueError(f"numeric column {s.name!r} out of the supported range (0 .. 1e12)")
    whole, frac = np.divmod(cents, 100)
    out = np.empty((len(v), 8), dtype=np.int64)
    out[:, 0] = 4      # ndigits
    out[:, 1] = 2      # weight: first digit × 10000^2
    out[:, 2] = 0      # sign: positive
    out[:, 3] = 2      # dscale
    out[:, 4] = whole // 10**8
    out[:, 5] = (whole // 10**4) % 10**4
    out[:, 6] = whole % 10**4
    out[:, 7] = frac * 100
    return out, (na if na.any() else None)


class _Piece:
    """Variable-width bytes per row: row i is ``flat[start[i] : start[i] + lens[i]]``."""

    __slots__ = ("flat", "start", "lens", "const")

    def __init__(self, flat, start, lens, const=None):
        self.flat, self.start, self.lens, self.const = flat, start, lens, const


class _Column:
    def __init__(self, name: str, pgtype: str, s: pd.Series):
        self.name, self.pgtype = name, pgtype
        self.mask = None
        self.kind = None
        if pgtype == "text":
            self._prepare_text(s)
        else:
            if pgtype in ("int2", "int4", "int8"):
                self.values, self.mask = _int_values(s)
            elif pgtype == "bool":
                self.values = s.to_numpy(dtype=bool).astype(np.uint8)
            elif pgtype == "timestamptz":
                self.values, self.mask = _ts_values(s)
            elif pgtype == "date":
                self.values, self.mask = _date_values(s)
            elif pgtype == "numeric":
                self.values, self.mask = _numeric_values(s)
            else:
                raise ValueError(f"unsupported column type {pgtype}")
            self.kind = "fixed" if self.mask is None else "nullable"
            dt_ = np.dtype(_FIXED[pgtype])
            self.width = dt_.itemsize
            self.dtype = dt_

    # -- text: a lookup table for categoricals; otherwise arrow's offsets and UTF-8 bytes
    def _prepare_text(self, s: pd.Series):
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = [str(c).encode("utf-8") for c in s.cat.categories]
            _check_text(cats, self.name)
            entries = [len(c).to_bytes(4, "big", signed=True) + c for c in cats] + [b"\xff\xff\xff\xff"]
            self.cat_flat = np.frombuffer(b"".join(entries), dtype=np.uint8)
            lens = np.array([len(e) for e in entries], dtype=np.int64)
            self.cat_start = np.cumsum(lens) - lens
            self.cat_lens = lens
            codes = s.cat.codes.to_numpy().astype(np.int64)
            self.codes = np.where(codes < 0, len(cats), codes)
            self.kind = "category"
            return
        import pyarrow as pa

        arr = pa.array(s, type=pa.large_string(), from_pandas=True)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        _, offsets, data = arr.buffers()
        off = np.frombuffer(offsets, dtype=np.int64)[arr.offset: arr.offset + len(arr) + 1]
        self.data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
        if not self.data[off[0]:off[-1]].all():
            raise ValueError(f"text column {self.name!r} contains NUL bytes")
        self.offsets = off
        self.nulls = arr.is_null().to_numpy(zero_copy_only=False)
        self.kind = "string"

    def fixed_fields(self):
        return [(f"{self.name}__len", ">i4"), (f"{self.name}__val", self.dtype)]

    def fill_fixed(self, rec, sl):
        rec[f"{self.name}__len"] = self.width
        rec[f"{self.name}__val"] = self.values[sl]

    def pieces(self, sl) -> list[_Piece]:
        n = sl.stop - sl.start
        if self.kind == "nullable":
            rec = np.empty(n, dtype=[("l", ">i4"), ("v", self.dtype)])
            m = self.mask[sl]
            rec["l"] = np.where(m, -1, self.width)
            rec["v"] = self.values[sl]
            w = 4 + self.width
            flat = rec.view(np.uint8)
            return [_Piece(flat, np.arange(n, dtype=np.int64) * w, np.where(m, 4, w).astype(np.int64))]
        if self.kind == "category":
            c = self.codes[sl]
            return [_Piece(self.cat_flat, self.cat_start[c], self.cat_lens[c])]
        # string: a 4-byte length header, then the bytes
        off = self.offsets[sl.start: sl.stop + 1]
        lens = np.diff(off)
        nul = self.nulls[sl]
        hdr = np.where(nul, -1, lens).astype(">i4").view(np.uint8)
        return [_Piece(hdr, np.arange(n, dtype=np.int64) * 4, np.full(n, 4, dtype=np.int64), const=4),
                _Piece(self.data, off[:-1].astype(np.int64), np.where(nul, 0, lens).astype(np.int64))]


def _check_text(values: list[bytes], name: str) -> None:
    for v in values:
        if b"\x00" in v:
            raise ValueError(f"text column {name!r} contains NUL bytes")


class BinaryCopyEncoder:
    """Encodes a DataFrame as PostgreSQL binary COPY data, chunk by chunk."""

    def __init__(self, df: pd.DataFrame, columns: list[tuple[str, str]]):
        self.n = len(df)
        cols = [_Column(name, pgtype, df[name]) for name, pgtype in columns]
        # fixed-width non-null fields first (one structured array), variable-width after
        self.fixed = [c for c in cols if c.kind == "fixed"]
        self.var = [c for c in cols if c.kind != "fixed"]
        self.columns = [c.name for c in self.fixed + self.var]
        fields = [("nfields", ">i2")]
        for c in self.fixed:
            fields += c.fixed_fields()
        self.rec_dtype = np.dtype(fields)
        self.nfields = len(cols)

    def chunks(self, rows: int = CHUNK_ROWS):
        for lo in range(0, self.n, rows):
            sl = slice(lo, min(lo + rows, self.n))
            yield sl.stop - sl.start, self._encode(sl)

    def _encode(self, sl: slice) -> bytes:
        n = sl.stop - sl.start
        rec = np.empty(n, dtype=self.rec_dtype)
        rec["nfields"] = self.nfields
        for c in self.fixed:
            c.fill_fixed(rec, sl)
        wf = self.rec_dtype.itemsize
        fixed = rec.view(np.uint8).reshape(n, wf)
        pieces = [p for c in self.var for p in c.pieces(sl)]
        if not pieces:
            return fixed.tobytes()
        rowlen = np.full(n, wf, dtype=np.int64)
        for p in pieces:
            rowlen += p.lens
        ends = np.cumsum(rowlen)
        rowstart = ends - rowlen
        buf = np.empty(int(ends[-1]), dtype=np.uint8)
        buf[rowstart[:, None] + np.arange(wf)] = fixed
        pos = rowstart + wf
        for p in pieces:
            if p.const is not None:
                ar = np.arange(p.const)
                buf[pos[:, None] + ar] = p.flat[p.start[:, None] + ar]
            else:
                total = int(p.lens.sum())
                if total:
                    excl = np.cumsum(p.lens) - p.lens
                    seq = np.arange(total, dtype=np.int64)
                    buf[np.repeat(pos - excl, p.lens) + seq] = p.flat[np.repeat(p.start - excl, p.lens) + seq]
            pos = pos + p.lens
        return buf.tobytes()


def copy_frame(conn: psycopg.Connection, table: str, df: pd.DataFrame,
               columns: list[tuple[str, str]] | None = None, on_rows: Callable[[int], None] | None = None) -> int:
    """COPY a DataFrame into ``table`` (binary format, explicit column list). Returns rows written."""
    columns = columns or COLUMNS[table]
    enc = BinaryCopyEncoder(df, columns)
    stmt = sql.SQL("copy {} ({}) from stdin (format binary)").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in enc.columns))
    with conn.cursor() as cur:
        writer = QueuedLibpqWriter(cur)
        with cur.copy(stmt, writer=writer) as cp:
            cp.write(_SIGNATURE)
            for k, data in enc.chunks():
                cp.write(data)
                if on_rows:
                    on_rows(k)
            cp.write(_TRAILER)
    return enc.n


# --------------------------------------------------------------------------- the load


def _capture_constraints(cur, tables) -> tuple[list, list, list]:
    """Foreign keys touching ``tables``, their primary keys and plain secondary indexes, as SQL to
    recreate them."""
    cur.execute(
        """
        select conrelid::regclass::text, conname, pg_get_constraintdef(oid)
          from pg_constraint
         where contype = 'f'
           and (conrelid = any(%(t)s::regclass[]) or confrelid = any(%(t)s::regclass[]))
         order by conrelid::regclass::text, conname
        """, {"t": list(tables)})
    fks = cur.fetchall()
    cur.execute(
        """
        select c.relname, ic.relname, pg_get_indexdef(i.indexrelid)
          from pg_index i
          join pg_class c on c.oid = i.indrelid
          join pg_class ic on ic.oid = i.indexrelid
         where i.indrelid = any(%(t)s::regclass[])
           and not i.indisprimary
           and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
         order by c.relname, ic.relname
        """, {"t": list(tables)})
    indexes = cur.fetchall()
    cur.execute(
        """
        select conrelid::regclass::text, conname, pg_get_constraintdef(oid)
          from pg_constraint
         where contype = 'p' and conrelid = any(%(t)s::regclass[])
         order by conrelid::regclass::text
        """, {"t": list(tables)})
    pkeys = cur.fetchall()
    return fks, pkeys, indexes


def _table_counts(cur, tables) -> dict[str, int]:
    out = {}
    for t in tables:
        cur.execute(sql.SQL("select exists (select 1 from {})").format(sql.Identifier(t)))
        out[t] = bool(cur.fetchone()[0])
    return out


def _handoff_head_start(cur, df: pd.DataFrame, leads: pd.DataFrame) -> pd.DataFrame:
    """Derived hand-off columns as the company defaults give them (wall-clock windows), so the
    schema's own functions, which recompute them right after the COPY and have the last word,
    normally find nothing to change. With SLA policies in force they change what differs.
    Also the copies of the lead's source, campaign and account (what handoff_lead_attributes
    would write)."""
    df = _lead_copies(df, leads, ("source", "campaign_id", "account_id"))
    if df["source"].isna().any():
        raise ValueError("a generated hand-off refers to a lead that was not generated")
    cur.execute("select app_setting_int('sla_first_touch_minutes', 240), app_setting_int('sla_decision_hours', 48)")
    touch_min, decision_h = cur.fetchone()
    h = df["handed_off_at"]
    minutes = ((df["first_touch_at"] - h).dt.total_seconds() / 60).round(2)
    return df.assign(sla_deadline_at=h + pd.Timedelta(minutes=touch_min),
                     decision_due_at=h + pd.Timedelta(hours=decision_h),
                     minutes_to_first_touch=minutes,
                     sla_owner_id=df["owner_id"], decision_owner_id=df["owner_id"])


def _lead_stages(leads: pd.DataFrame, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The lead's stage projections as refresh_lead_stages (migrations 0009, 0012) computes them:
    the first hand-off, the first accepted and the first rejected hand-off's decision time, the
    first opportunity's creation, the first win."""
    h, o = frames["handoff"], frames["opportunity"]
    o = o[o["lead_id"].notna()]
    handed = h.groupby("lead_id")["handed_off_at"].min()
    sal = h[h["decision"] == "accepted"].groupby("lead_id")["decided_at"].min()
    rejected = h[h["decision"] == "rejected"].groupby("lead_id")["decided_at"].min()
    sql_at = o.groupby("lead_id")["created_at"].min()
    won = o[o["stage"] == "closed_won"].groupby("lead_id")["closed_at"].min()
    ids = leads["id"]

    def on_leads(first: pd.Series) -> pd.Series:
        # an empty series (a small seed with no win, say) can't be mapped onto datetimes: all NaT
        if first.empty:
            return pd.Series(pd.NaT, index=ids.index, dtype=h["handed_off_at"].dtype)
        return ids.map(first)

    return leads.assign(sal_at=on_leads(sal), sql_at=on_leads(sql_at), won_at=on_leads(won),
                        handed_off_at=on_leads(handed), rejected_at=on_leads(rejected))


def _lead_copies(df: pd.DataFrame, leads: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``df`` with copies of its lead's ``columns`` (by ``df.lead_id``; null where there is no lead):
    what the *_lead_attributes triggers (migrations 0008, 0010) would write."""
    copied = leads.set_index("id")[list(columns)].reindex(df["lead_id"])
    return df.assign(**{c: copied[c].to_numpy() for c in columns})


def demo_settings(ds: Dataset) -> dict:
    return {
        "company_timezone": COMPANY_TIMEZONE,
        "demo_data": True,
        "demo_seed": {"leads": ds.leads, "seed": ds.seed, "anchor": ds.anchor.isoformat()},
    }


def load_dataset(conn: psycopg.Connection, ds: Dataset, *, reset: bool = False, progress: Progress | None = None,
                 progress_start: float = 0.0, settings: dict | None = None,
                 before_commit: Callable[[psycopg.Connection], None] | None = None) -> LoadStats:
    """Load ``ds`` in one transaction on ``conn`` (a psycopg 3 connection, not in autocommit).

    Raises :class:`DataExistsError` (nothing changed) when the data tables hold rows and
    ``reset`` is false. ``before_commit(conn)`` runs inside the transaction, after the data.
    """
    t0 = time.monotonic()
    stats = LoadStats()
    frames = ds.frames
    total = sum(len(frames[t]) for t in TABLES)
    track = _Tracker(progress, total, progress_start)
    phase_t = time.monotonic()

    def phase(name):
        nonlocal phase_t
        now = time.monotonic()
        stats.phases[name] = stats.phases.get(name, 0.0) + now - phase_t
        phase_t = now

    if conn.autocommit or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise ValueError("load_dataset needs an idle connection in transaction mode (autocommit off)")
    with conn.transaction():
        with conn.cursor() as cur:
            cur.execute("set local statement_timeout = 0")
            cur.execute("set local lock_timeout = '60s'")
            cur.execute("set local maintenance_work_mem = '256MB'")
            cur.execute("set local work_mem = '128MB'")
            cur.execute("set local jit = off")  # compile time outweighs the gain for these one-off statements
            cur.execute(sql.SQL("lock table {} in access exclusive mode").format(
                sql.SQL(", ").join(sql.Identifier(t) for t in DATA_TABLES)))
            present = [t for t, has in _table_counts(cur, DATA_TABLES).items() if has]
            if present and not reset:
                cur.execute("select count(*) from lead")
                n_leads = cur.fetchone()[0]
                what = f"{n_leads:,} leads" if n_leads else "rows in " + ", ".join(sorted(present))
                raise DataExistsError(f"the database already has data ({what})")
            if reset:
                cur.execute(sql.SQL("truncate {} restart identity cascade").format(
                    sql.SQL(", ").join(sql.Identifier(t) for t in DATA_TABLES)))
            fks, pkeys, indexes = _capture_constraints(cur, DATA_TABLES)
            for rel, name, _ in fks:
                cur.execute(sql.SQL("alter table {} drop constraint {}").format(
                    sql.SQL(rel), sql.Identifier(name)))
            for _, name, _ in indexes:
                cur.execute(sql.SQL("drop index {}").format(sql.Identifier(name)))
            # Primary keys too: building them afterwards is cheaper than maintaining them row by
            # row. One that something else depends on (a view grouping by it) simply stays.
            dropped_pkeys = []
            for pk in pkeys:
                try:
                    with conn.transaction():
                        cur.execute(sql.SQL("alter table {} drop constraint {}").format(
                            sql.SQL(pk[0]), sql.Identifier(pk[1])))
                    dropped_pkeys.append(pk)
                except psycopg.errors.DependentObjectsStillExist:
                    pass
            cur.execute("select to_regprocedure('refresh_handoff_sla(bigint[], timestamptz)') is not null")
            set_based_sla = cur.fetchone()[0]
            cur.execute("""
                select c.relname, t.tgname from pg_trigger t join pg_class c on c.oid = t.tgrelid
                 where t.tgrelid = any(%s::regclass[]) and not t.tgisinternal and t.tgenabled <> 'D'
            """, (sorted({rel for rel, _ in REPRODUCED_TRIGGERS}),))
            found = cur.fetchall()
            disabled = [(rel, name) for rel, name in found if (rel, name) in REPRODUCED_TRIGGERS
                        and (name != "handoff_set_sla_policy" or set_based_sla)]
            if ("lead_event", "lead_event_criteria_stamp") in found:
                # migration 0004 stamps MQL events with the criteria version in force at
                # occurred_at; when none is in force by the anchor it would stamp null on every row
                cur.execute("select to_regprocedure('criteria_version_at(timestamptz)') is not null "
                            "and criteria_version_at(%s) is null", (ds.anchor_moment.to_pydatetime(),))
                if cur.fetchone()[0]:
                    disabled.append(("lead_event", "lead_event_criteria_stamp"))
            for rel, name in disabled:
                cur.execute(sql.SQL("alter table {} disable trigger {}").format(sql.Identifier(rel), sql.Identifier(name)))
            phase("prepare")

            for t in TABLES:
                df = frames[t]
                if t == "handoff":
                    df = _handoff_head_start(cur, df, frames["lead"])
                elif t == "lead":
                    df = _lead_stages(df, frames)
                elif t == "opportunity":
                    df = _lead_copies(df, frames["lead"], ("source", "campaign_id"))
                stats.rows[t] = copy_frame(conn, t, df, on_rows=lambda k, t=t: track.rows(k, f"copy {t}"))
            phase("copy")
            track.step("derive hand-off deadlines")

            def add_pkeys(which):
                for rel, name, ddl in [pk for pk in dropped_pkeys if which(pk[0])]:
                    cur.execute(sql.SQL("alter table {} add constraint {} ").format(
                        sql.SQL(rel), sql.Identifier(name)) + sql.SQL(ddl))

            joined = ("handoff", "lead", "account")
            add_pkeys(lambda rel: rel not in joined)
            # fresh tables have no statistics: let the planner see real ones
            cur.execute("analyze handoff, activity, lead, account")
            if set_based_sla:
                # migration 0005: policy, deadlines and minutes to first touch, set-based (the
                # same results as handoff_sla_policy / _sla_deadline / _decision_due / _elapsed_minutes).
                # Its plan is generic (a SQL function: ~600 rows expected); with the keys of the
                # joined tables not rebuilt yet it hash-joins instead of 3 index probes per hand-off.
                cur.execute("select refresh_handoff_sla(null::bigint[])")
                add_pkeys(lambda rel: rel in joined)  # per-row functions below look hand-offs up by id
            else:
                add_pkeys(lambda rel: rel in joined)
                cur.execute("""
                    update handoff
                       set sla_deadline_at = handoff_sla_deadline(lead_id, handed_off_at),
                           decision_due_at = handoff_decision_due(lead_id, handed_off_at),
                           minutes_to_first_touch = case when first_touch_at is not null then
                               handoff_elapsed_minutes(id, handed_off_at, first_touch_at) end
                """)
            phase("deadlines")
            track.step("first touches")
            touch_idx = [ix for ix in indexes if ix[0] == "activity"]
            for _, _, ddl in touch_idx:
                cur.execute(ddl)
            # The schema's definition of the first touch has the last word: it rewrites (with
            # minutes) every hand-off whose generated first_touch_at differs -- normally none.
            cur.execute("select refresh_handoff_touch(null)")
            phase("first touches")
            track.step("indexes")
            for ix in indexes:
                if ix not in touch_idx:
                    cur.execute(ix[2])
            phase("indexes")
            # Who held each reassigned hand-off at its first touch or deadline, and at its decision
            # (reads their events through lead_event's indexes, built just now).
            cur.execute("select refresh_handoff_owners(null)")
            phase("accountable owners")
            for rel, name in disabled:
                cur.execute(sql.SQL("alter table {} enable trigger {}").format(sql.Identifier(rel), sql.Identifier(name)))
            for t in DATA_TABLES:
                cur.execute(sql.SQL(
                    "select setval(pg_get_serial_sequence({lit}, 'id'), coalesce(max(id), 0) + 1, false) from {tbl}"
                ).format(lit=sql.Literal(t), tbl=sql.Identifier(t)))
            for key, value in (settings or {}).items():
                cur.execute(
                    "insert into app_setting (key, value) values (%s, %s::jsonb) "
                    "on conflict (key) do update set value = excluded.value, updated_at = now()",
                    (key, json.dumps(value)))
            track.step("analyze")
            # (activity, lead and account were analysed before the derive step and have not changed)
            rest = [t for t in DATA_TABLES if t not in ("activity", "lead", "account")]
            cur.execute(sql.SQL("analyze {}").format(sql.SQL(", ").join(sql.Identifier(t) for t in rest)))
            phase("analyze")
            if before_commit:  # demo extras: they query the data, so after the statistics
                track.step("demo extras")
                before_commit(conn)
                phase("demo extras")
            # The foreign keys last, after the demo extras: each is added and checked over every row
            # in one pass. An update of a row inserted in the same transaction fires the row-by-row
            # check of every foreign key on the row, changed or not (PostgreSQL's RI triggers), and
            # the extras update every hand-off (SLA policies re-measure them) and every MQL event
            # (criteria stamps): with the keys in place that was ~2.6M lookups, half the extras' time.
            track.step("foreign keys")
            # the extras' deferred checks (a goal's two-team rule) run now: a table with pending
            # trigger events cannot be altered
            cur.execute("set constraints all immediate")
            for rel, name, ddl in fks:
                cur.execute(sql.SQL("alter table {} add constraint {} ").format(sql.SQL(rel), sql.Identifier(name))
                            + sql.SQL(ddl))
            phase("foreign keys")
    phase("commit")
    stats.seconds = time.monotonic() - t0
    return stats


def load_demo(engine, leads: int, seed: int = 42, anchor: str | dt.date | None = None, *, reset: bool = False,
              progress: bool | Progress = False, after_load: Callable | None | str = "default",
              extra_settings: dict | None = None) -> LoadStats:
    """Generate and load demo data through ``engine`` (SQLAlchemy + psycopg 3), in one transaction.

    ``after_load(conn)`` gets a SQLAlchemy ``Connection`` inside the load transaction (default:
    ``seeds.bootstrap._after_load``); it must not commit. Raises :class:`DataExistsError` when
    the database already holds data and ``reset`` is false (nothing is changed then).
    """
    if after_load == "default":
        from seeds.bootstrap import _after_load as after_load
    bar = Progress() if progress is True else (progress or None)
    t0 = time.monotonic()
    if bar:
        bar.update(0.0, "generating", force=True)
    ds = generate(leads, seed, anchor)
    gen_s = time.monotonic() - t0
    settings = {**demo_settings(ds), **(extra_settings or {})}
    with engine.connect() as sa_conn:
        conn = sa_conn.connection.driver_connection
        conn.rollback()  # start from a clean slate: the load is one transaction of its own
        hook = (lambda _pg: after_load(sa_conn)) if after_load else None
        stats = load_dataset(conn, ds, reset=reset, progress=bar, progress_start=0.1 if bar else 0.0,
                             settings=settings, before_commit=hook)
    # Mark the freshly written pages all-visible, so the covering indexes answer from the index
    # alone straight away instead of after autovacuum's next pass (VACUUM cannot run in a transaction).
    t_vac = time.monotonic()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as vac:
        vac.exec_driver_sql("vacuum lead, lead_event, handoff, opportunity")
    stats.phases = {"generate": gen_s, **stats.phases, "vacuum": time.monotonic() - t_vac}
    stats.seconds = time.monotonic() - t0
    if bar:
        bar.done(f"loaded {stats.total_rows:,} rows")
    return stats
