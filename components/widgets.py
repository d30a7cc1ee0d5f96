"""Small renderers shared by every page: page header, KPI tile, empty state, record table."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import streamlit as st

from components import format as fmt
from components import theme
from components.kpi_tiles import Tile
from queries import settings, submissions


#: The dates every date field accepts. Streamlit's own limit is ten years either side of the field's
#: first value, and a date typed outside it turned the field red while the form saved the old date
#: without a word (a meeting planned for 2040 was saved for tomorrow). These bounds are wider than
#: any record's range (queries.periods.RECORD_EARLIEST..RECORD_LATEST and narrower domain rules), so
#: a date typed out of range reaches the save, which refuses it with a message naming it. (The
#: filters' custom period passes the wider bounds a Period may have.)
DATE_FIELD_MIN = date(1900, 1, 1)
DATE_FIELD_MAX = date(2199, 12, 31)


def date_field(where, label: str, *, min_value: date = DATE_FIELD_MIN, max_value: date = DATE_FIELD_MAX, **kwargs):
    """``where.date_input`` (``where``: ``st`` or a column) with explicit bounds (by default the ones
    above) and YYYY-MM-DD."""
    return where.date_input(label, min_value=min_value, max_value=max_value, format="YYYY-MM-DD", **kwargs)


def page_header(title: str, subtitle: str | None = None) -> None:
    """The page's one level-1 heading (screen readers list and jump to it), sized like Streamlit's
    level-2 heading by shell.CSS, and an optional caption under it."""
    st.markdown(f"# {title}")
    if subtitle:
        st.caption(subtitle)


def kpi(label: str, value: str, *, delta: str | None = None, good_when: str = "up", help: str | None = None,
        trend: list | None = None, caption: str | None = None, metric: str | None = None,
        key: str | None = None) -> None:
    """A bordered KPI tile. ``good_when`` 'up' (revenue), 'down' (time to touch) or 'neutral'.

    ``metric`` names the number (a key of theme.KPI_OWNERS, e.g. "acceptance"): the tile then sits
    in the container that gives it its owner's accent colour, the same on every page and slide (the
    page emits theme.kpi_accent_css() once). ``key`` tells two tiles of one metric on a page apart."""
    if metric is not None:
        with st.container(key=theme.kpi_key(metric, key), height="stretch"):
            _metric(label, value, delta, good_when, help, trend, caption)
        return
    _metric(label, value, delta, good_when, help, trend, caption)


def _metric(label, value, delta, good_when, help, trend, caption) -> None:
    color = {"up": "normal", "down": "inverse", "neutral": "off"}[good_when]
    flat = fmt.is_no_change(delta)
    st.metric(label, value, delta=delta, delta_color="off" if flat else color,
              delta_arrow="off" if flat else "auto", help=help, border=True,
              chart_data=trend if trend and len(trend) > 1 else None, chart_type="line",
              delta_description=caption, height="stretch")   # tiles in a row share one height


def tile(t: Tile) -> None:
    """A KPI tile drawn from its plain values (components.kpi_tiles, meeting_content), in the
    container that gives it its side's accent (the page emits theme.kpi_accent_css() once); tiles in
    one row of columns share a height."""
    with st.container(key=f"kpi-{t.side}-{t.key.replace('_', '-')}", height="stretch"):
        _metric(t.label, t.value, t.delta, t.good_when, t.help, None, t.caption)


#: The container key prefix of an icon-only button (see icon_button; shell.CSS hides its label).
ICON_ONLY = "icon_only_"


def icon_button(where, label: str, *, icon: str, key: str, help: str | None = None, **kwargs) -> bool:
    """A button that shows only its icon and is still named by ``label``: Streamlit names an
    icon-only button after its icon's ligature ("arrow_upward icon"), so a screen reader said
    nothing about what it does. The label stays in the button, hidden from sight only (shell.CSS),
    and is its tooltip unless ``help`` says more. ``where``: the column or container it goes in."""
    with where.container(key=f"{ICON_ONLY}{key}"):
        return st.button(label, key=key, icon=icon, help=help or label, **kwargs)


#: The container key prefix of a button repeated on each row of a list (see row_button; shell.CSS
#: hides the row's words from sight).
ROW_NAMED = "row_named_"
#: Words of a row kept in its buttons' names: enough to tell rows apart, short enough to listen to.
ROW_NAME_CHARS = 80


def row_name(label: str, about: str, detail: str | None = None) -> str:
    """The label of a button named for its row: ``label`` as shown, then the row's words (cut to
    ROW_NAME_CHARS) and ``detail`` (kept whole: an owner, a date) in emphasis, which shell.CSS hides
    from sight inside a row_button ("Done *— Send the deck (Ada, 3 Dec)*")."""
    words = " ".join(str(about).split())
    if len(words) > ROW_NAME_CHARS:
        words = words[:ROW_NAME_CHARS - 1].rstrip() + "…"
    if detail:
        words += f" ({' '.join(str(detail).split())})"
    return f"{label} *— {fmt.md_text(words)}*" if words else label


def row_button(where, label: str, *, about: str, key: str, detail: str | None = None, **kwargs) -> bool:
    """A button repeated on each row of a list ("Done", "Open", "Withdraw"), named for its row.
    Each row's button read the same ("Done, button" five times), so a screen-reader user could not
    tell which action it marks done, and a test could not pick one by its name. The name is
    ``label`` followed by ``about`` (the row's own words: an action's text, a meeting's title) and
    ``detail``, the added words hidden from sight only, so the screen looks as before and the
    visible label starts the name (voice control: "click Done"). ``where``: the column or container
    it goes in; a button of ``width="content"`` gets a container of that width (in a horizontal row)."""
    width = "content" if kwargs.get("width", "content") == "content" else "stretch"
    with where.container(key=f"{ROW_NAMED}{key}", width=width):
        return st.button(row_name(label, about, detail), key=key, **kwargs)


#: Charts on a page are read, not explored: no Plotly toolbar (zoom, pan, autoscale… were eight
#: tab stops per chart for a keyboard user, 32 before the first link on the scoreboard).
CHART_CONFIG = {"displayModeBar": False}


def chart(fig, *, key: str | None = None, **kwargs) -> None:
    """A Plotly figure across its column, without the toolbar (``config`` entries add to it)."""
    config = {**CHART_CONFIG, **kwargs.pop("config", {})}
    st.plotly_chart(fig, key=key, width=kwargs.pop("width", "stretch"), config=config, **kwargs)


def empty_state(message: str, hint: str | None = None) -> None:
    """Explain why there is nothing to show, instead of an empty chart."""
    st.info(message + (f"\n\n{hint}" if hint else ""), icon=":material/info:")


#: What a database without CRM data says on every page of numbers: nothing is wrong with the filters.
NO_DATA_YET = ("No data yet: Alignboard's numbers come from the leads, hand-offs and opportunities your "
               "CRM sync writes into its database.",
               "docs/data-model.md says which tables to fill; `python -m seeds` loads demo data into an "
               "empty database to try it first.")


def empty_period_text(what: str, period, filters, data_start) -> tuple[str, str]:
    """Message and hint for a page of numbers with nothing to show, fitting the reason: a database
    with no data at all (``data_start`` None: a new install), a period that ends before the data
    starts, or a period and filters that match nothing. ``what`` starts the sentence ("No hand-offs")."""
    if data_start is None:
        return NO_DATA_YET
    scope = "" if filters.is_empty else " with these filters"
    if period.end < data_start:
        hint = f"The data starts on {data_start:%d %b %Y}: choose a later period in the sidebar."
    elif filters.is_empty:
        hint = "Choose a longer period in the sidebar."
    else:
        hint = "Choose a longer period or clear some filters in the sidebar."
    return f"{what} in {period.describe()}{scope}.", hint


def nothing_in_period(what: str, period, filters, data_start) -> None:
    """The empty state of a page of numbers (:func:`empty_period_text`)."""
    empty_state(*empty_period_text(what, period, filters, data_start))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "export"


def table_height(rows: int, most: int | None = None) -> int:
    """A table's height for ``rows`` rows (a 38 px header and rows of 35 px), at most ``most``: a
    short list gets a table its size, not empty rows under it. (pure)"""
    whole = 38 + 35 * rows
    return whole if most is None else min(whole, most)


def data_table(data, **kwargs):
    """``st.dataframe`` as every table of the app draws it: without the index, across its column,
    and an empty cell of any type (a cost without SQLs, a missing date or name) as "—" instead of
    Streamlit's grey "None". The dash is the grid's own placeholder for missing values, so the
    cells keep their values: numbers still sort as numbers (the empty ones together at one end),
    and a selection's row numbers are unchanged. Returns what ``st.dataframe`` does (a selection
    event when selectable)."""
    kwargs.setdefault("hide_index", True)
    kwargs.setdefault("width", "stretch")
    return st.dataframe(data, placeholder=fmt.DASH, **kwargs)


def records_table(frame: pd.DataFrame, *, title: str, key: str, column_config: dict | None = None,
                  height: int | str = "auto", csv: pd.DataFrame | None = None, tz: str | None = None,
                  **table_kwargs) -> None:
    """The rows behind a number (:func:`data_table`: empty cells read "—"), with a CSV download (of
    ``csv`` when given: the same rows with times as instants rather than the screen's text, or with
    columns the screen leaves out), where empty cells stay empty and times are written in ``tz``
    (:func:`csv_download`). ``table_kwargs`` go to the table (``column_order``…)."""
    if frame.empty:
        empty_state("No records match.")
        return
    data_table(frame, column_config=column_config, height=height, **table_kwargs)
    csv_download(frame if csv is None else csv, title=title, key=f"csv_{key}", tz=tz)


def csv_download(frame: pd.DataFrame, *, title: str, key: str, tz: str | None = None) -> None:
    """A table's "Download CSV" button: ``frame`` as :func:`csv_bytes` writes it, times in ``tz`` (the
    page's time zone; the company's when not given) with the zone in their headers, in a file named
    after ``title``. Every CSV download of the app is this button."""
    st.download_button("Download CSV", csv_bytes(frame, tz or settings.company_timezone()),
                       file_name=f"{slug(title)}.csv", mime="text/csv", key=key, icon=":material/download:")


#: Text a spreadsheet would run as a formula when it starts a cell (lead names and titles come from
#: web forms: "=HYPERLINK(...)" typed as a name ran in Excel when a lead opened the export).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(value):
    """A text cell a spreadsheet shows as typed: one starting like a formula gets a leading apostrophe
    (the spreadsheets' own 'this is text' mark; OWASP's advice for CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_column(series: pd.Series, tz: str) -> tuple[pd.Series, bool]:
    """A column of a CSV as written by :func:`csv_bytes` and whether it holds times of day in ``tz``
    (its header then names the zone). Instants (tz-aware) are converted to ``tz``; naive times are
    taken as wall-clock times in ``tz`` already (a view's local times); both are written as
    'YYYY-MM-DD HH:MM', a DST change included (the offset is the one in force at each instant).
    Calendar days (``datetime.date``: a campaign's start, a deal's expected close) are the same day
    in every zone and are written as they are. (pure)"""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert(tz)
    elif not pd.api.types.is_datetime64_any_dtype(series):
        return series, False
    return series.dt.strftime("%Y-%m-%d %H:%M").astype("object").where(series.notna(), ""), True


def csv_bytes(frame: pd.DataFrame, tz: str) -> bytes:
    """A table as a spreadsheet reads it: times as 'YYYY-MM-DD HH:MM' in ``tz``, the page's time
    zone, with the zone in the column's header ("Handed off (Europe/Berlin)": "2026-11-20 09:14"
    alone could be UTC or the company's time; :func:`csv_column`), whole amounts without '.0', yes/no
    for flags, empty cells empty (not 'None'); UTF-8 with a byte-order mark, which Excel needs to read
    "Zoë" as Zoë, not "ZoÃ«"; text that starts like a formula kept as text. Every CSV download goes
    through it. (pure)"""
    out = frame.copy()
    headers = {}
    for col in out.columns:
        series = out[col]
        written, is_time = csv_column(series, tz)
        if is_time:
            out[col] = written
            headers[col] = f"{col} ({tz})"
        elif pd.api.types.is_bool_dtype(series):
            out[col] = series.map({True: "yes", False: "no"}).astype("object").where(series.notna(), "")
        elif pd.api.types.is_float_dtype(series):
            whole = series.dropna()
            if len(whole) and (whole == whole.round()).all() and whole.abs().max() < 2 ** 53:
                out[col] = series.astype("Int64")
        elif series.dtype == object or pd.api.types.is_string_dtype(series):
            out[col] = series.astype("object").where(series.notna(), "").map(_inert)
    return out.rename(columns=headers).to_csv(index=False).encode("utf-8-sig")


def selection_key(name: str) -> str:
    """The key of a selectable table (``st.dataframe(..., on_select=...)``), fresh after
    :func:`clear_selection`: Streamlit keeps a selection as row numbers, so once the chosen rows
    leave the table (decided, reassigned) they would point at other rows."""
    return f"{name}_{st.session_state.get(f'{name}_gen', 0)}"


def clear_selection(name: str) -> None:
    """Start the table ``name`` over with nothing selected (safe in a callback)."""
    st.session_state[f"{name}_gen"] = st.session_state.get(f"{name}_gen", 0) + 1


# --------------------------------------------------------------------------- forms that append a record


def form_generation(name: str) -> int:
    """Which instance of the form ``name`` is on screen: a new, empty one after each save. Put it in
    the form's key, so a double click's second submission names a form the next run no longer has."""
    return int(st.session_state.get(f"{name}__gen", 0))


def next_form(name: str, gen: int | None = None) -> None:
    """The form ``name`` (its instance ``gen``, when given) is saved: the next run draws a new one."""
    current = form_generation(name)
    if gen is None or gen == current:
        st.session_state[f"{name}__gen"] = current + 1


def submission_key(name: str, gen: int) -> str:
    """The submission key (queries.submissions) of the form ``name``'s instance ``gen``: its save
    claims it in PostgreSQL, so the instance is saved once, also when a double click's second
    submission arrives without the first one's session changes."""
    return st.session_state.setdefault(f"{name}__sub_{gen}", submissions.new_key())
