"""components/widgets.py: the pieces every page shares that can be checked without a browser."""

from datetime import date

from components.widgets import NO_DATA_YET, empty_period_text
from queries.filters import NO_FILTERS, Filters
from queries.periods import Period



def test_csv_is_what_a_spreadsheet_reads():
    """Amounts as '170200.0', flags as 'True', empty cells as 'None', and 'Sun 22 Nov, 20:17'
    (no year) made exported record lists hard to sort or sum."""
    import pandas as pd

    from components.widgets import csv_bytes
    frame = pd.DataFrame({
        "Amount": [170200.0, None], "Rate": [0.5, 0.25], "Marketing-sourced": [True, False],
        "Campaign": ["Webinar", None],
        "When": pd.to_datetime(["2026-11-22 20:17", None]).tz_localize("America/New_York"),
        "Due": pd.to_datetime(["2025-05-30 14:28", "2026-01-02 09:00"]),
    })
    lines = csv_bytes(frame, "America/New_York").decode("utf-8-sig").splitlines()
    assert lines == ["Amount,Rate,Marketing-sourced,Campaign,When (America/New_York),Due (America/New_York)",
                     "170200,0.5,yes,Webinar,2026-11-22 20:17,2025-05-30 14:28",
                     ",0.25,no,,,2026-01-02 09:00"]


def test_csv_times_are_in_the_pages_zone_and_their_headers_say_which():
    """Only Leads slipping through named the zone of its times: in the other CSVs "2026-11-20 09:14"
    could be UTC or the company's time. Instants are converted to the page's zone; naive times are
    a view's wall-clock times in it already; both headers name the zone."""
    import pandas as pd

    from components.widgets import csv_bytes
    frame = pd.DataFrame({
        "Handed off": pd.to_datetime(["2026-11-20 08:14", "2026-07-01 23:30"]).tz_localize("UTC"),
        "Decided": pd.to_datetime(["2026-11-20 10:00", "2026-07-02 09:05"]).tz_localize("America/New_York"),
        "Deadline": pd.to_datetime(["2026-11-20 13:14", None]),       # naive: already Berlin wall-clock
        "Lead": ["Aiko", "Ben"]})
    lines = csv_bytes(frame, "Europe/Berlin").decode("utf-8-sig").splitlines()
    assert lines == ["Handed off (Europe/Berlin),Decided (Europe/Berlin),Deadline (Europe/Berlin),Lead",
                     "2026-11-20 09:14,2026-11-20 16:00,2026-11-20 13:14,Aiko",   # CET: UTC+1
                     "2026-07-02 01:30,2026-07-02 15:05,,Ben"]                    # CEST: UTC+2, the next day
    assert list(frame.columns) == ["Handed off", "Decided", "Deadline", "Lead"]   # the caller's frame as it was


def test_csv_times_on_the_days_the_clocks_change():
    """Each instant gets the offset in force at it: on 29 Mar 2026 Berlin skips 02:00-03:00, on 25 Oct
    it lives 02:00-03:00 twice (the CSV's wall-clock times repeat that hour, as a clock on the wall
    does)."""
    import pandas as pd

    from components.widgets import csv_bytes
    frame = pd.DataFrame({"At": pd.to_datetime(["2026-03-29 00:30", "2026-03-29 01:30",
                                                "2026-10-25 00:30", "2026-10-25 01:30"]).tz_localize("UTC")})
    lines = csv_bytes(frame, "Europe/Berlin").decode("utf-8-sig").splitlines()
    assert lines == ["At (Europe/Berlin)", "2026-03-29 01:30", "2026-03-29 03:30", "2026-10-25 02:30",
                     "2026-10-25 02:30"]


def test_calendar_days_are_written_as_days_without_a_zone():
    """A campaign's start or a deal's expected close is the same day in every zone: no midnight time,
    no zone in the header."""
    from datetime import date

    import pandas as pd

    from components.widgets import csv_bytes
    frame = pd.DataFrame({"Expected close": [date(2026, 12, 1), None], "Amount": [1.0, 2.0]})
    assert csv_bytes(frame, "Asia/Tokyo").decode("utf-8-sig").splitlines() == [
        "Expected close,Amount", "2026-12-01,1", ",2"]


def test_an_empty_csv_still_names_the_zone_of_its_time_columns():
    import pandas as pd

    from components.widgets import csv_bytes
    frame = pd.DataFrame({"Lead": pd.Series([], dtype="str"),
                          "Handed off": pd.Series([], dtype="datetime64[us, UTC]"),
                          "Due": pd.Series([], dtype="datetime64[us]")})
    data = csv_bytes(frame, "Europe/Berlin")
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == ["Lead,Handed off (Europe/Berlin),Due (Europe/Berlin)"]


def test_csv_opens_in_excel_with_names_intact_and_no_formulas():
    """Excel read the UTF-8 export as "ZoÃ« Diaz", and a lead named '=HYPERLINK("http://x","Call me")'
    (names come from web forms) became a live formula in the lead's spreadsheet."""
    import pandas as pd

    from components.widgets import csv_bytes
    frame = pd.DataFrame({"Lead": ["Zoë Diaz", '=HYPERLINK("http://x","Call me")', "+1 555", "@sum", "-2+3", None],
                          "Overdue (days)": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0]}).astype({"Lead": "str"})
    data = csv_bytes(frame, "UTC")
    assert data.startswith(b"\xef\xbb\xbf")                      # the byte-order mark Excel looks for
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[1] == "Zoë Diaz,-1.5"                            # numbers stay numbers, negative too
    assert lines[2] == "\"'=HYPERLINK(\"\"http://x\"\",\"\"Call me\"\")\",2.0"
    assert [line.split(",")[0] for line in lines[3:6]] == ["'+1 555", "'@sum", "'-2+3"]
    assert lines[6] == ",6.0"


# --------------------------------------------------------------------------- empty pages of numbers

Q4 = Period(date(2026, 10, 1), date(2026, 12, 31), "UTC")


def test_an_empty_database_says_no_data_yet_whatever_the_filters():
    assert empty_period_text("No hand-offs", Q4, NO_FILTERS, None) == NO_DATA_YET
    assert empty_period_text("No hand-offs", Q4, Filters(tiers=(1,)), None) == NO_DATA_YET


def test_a_period_before_the_data_names_where_the_data_starts():
    message, hint = empty_period_text("No hand-offs", Q4, NO_FILTERS, date(2027, 2, 1))
    assert message == f"No hand-offs in {Q4.describe()}."
    assert hint == "The data starts on 01 Feb 2027: choose a later period in the sidebar."


def test_filters_are_mentioned_only_when_some_are_set():
    message, hint = empty_period_text("No hand-offs", Q4, NO_FILTERS, date(2025, 1, 1))
    assert "filters" not in message and "filters" not in hint
    message, hint = empty_period_text("No hand-offs", Q4, Filters(tiers=(1,)), date(2025, 1, 1))
    assert message.endswith("with these filters.") and "clear some filters" in hint


def test_a_breach_csv_has_local_times_with_the_year():
    """My SLA's breaches CSV wrote the screen's "Thu 31 Dec, 23:30" (no year, not sortable); it
    writes the instant in the company zone: a hand-off at 11:30 UTC on 31 Dec is 00:30 on 1 Jan in Auckland (UTC+13)."""
    import pandas as pd

    from components import sla_views
    from components.widgets import csv_bytes

    frame = pd.DataFrame({
        "lead_name": ["Aiko"], "account": ["Truemark"],
        "handed_off_at": [pd.Timestamp("2025-12-31 11:30", tz="UTC")],
        "sla_deadline_at": [pd.Timestamp("2025-12-31 13:30", tz="UTC")],
        "breach": ["untouched"], "over_minutes": [600.0], "window_minutes": [120], "business": [False],
        "status": ["accepted"], "source": ["Webinar"], "policy": ["Standard"], "email": ["a@x.example"]})
    data = csv_bytes(sla_views.breaches_view(frame, "Pacific/Auckland", for_csv=True), "Pacific/Auckland")
    head, row = data.decode("utf-8-sig").splitlines()
    assert "2026-01-01 00:30" in row and "2026-01-01 02:30" in row
    assert "Handed off (Pacific/Auckland)" in head and "Deadline (Pacific/Auckland)" in head
    shown = sla_views.breaches_view(frame, "Pacific/Auckland")
    assert "01 Jan" in shown.loc[0, "Handed off"] and shown.loc[0, "Handed off"].endswith("00:30")   # the screen: local
    assert list(shown.columns) == list(sla_views.breaches_view(frame, "Pacific/Auckland", for_csv=True).columns)


def test_breaches_say_who_holds_a_reassigned_lead_now_only_when_one_was():
    """A breach stays with the rep who held the lead at its deadline; My SLA says where it went."""
    import pandas as pd

    from components import sla_views

    base = {"lead_name": ["Aiko", "Ben"], "account": ["Truemark", "Oakline"],
            "handed_off_at": [pd.Timestamp("2026-11-16 14:00", tz="UTC")] * 2,
            "sla_deadline_at": [pd.Timestamp("2026-11-16 18:00", tz="UTC")] * 2,
            "breach": ["untouched", "late"], "over_minutes": [600.0, 30.0], "window_minutes": [240, 240],
            "business": [False, False], "status": ["accepted", "awaiting"], "source": ["Webinar"] * 2,
            "policy": ["Standard"] * 2, "email": ["a@x.example", "b@x.example"]}
    moved = sla_views.breaches_view(pd.DataFrame({**base, "now_with": ["Sid SDR", None]}), "UTC")
    assert list(moved["Now with"]) == ["Sid SDR", ""]
    assert list(moved.columns[:5]) == ["Lead", "Account", "Handed off", "What happened", "Now with"]
    assert "Now with" not in sla_views.breaches_view(pd.DataFrame({**base, "now_with": [None, None]}), "UTC")


def _records_table_script():
    import pandas as pd
    import streamlit as st

    from components.widgets import records_table

    frame = pd.DataFrame({"campaign": ["Webinar", "Fair", None], "cost_per_sql": [120.5, None, 80.0],
                          "sqls": [2, 0, 3]})
    records_table(frame, title="campaigns", key="t", tz="UTC", column_order=["campaign", "cost_per_sql"],
                  column_config={"cost_per_sql": st.column_config.NumberColumn("Per SQL", format="$%,.0f")})


def test_a_table_draws_an_empty_number_as_a_dash_and_keeps_it_a_number():
    """A number column drew an empty cell as a grey "None" whatever its format (Campaign returns
    filled them with infinity and a Styler to hide it). Every table now passes the grid a "—" for
    missing values: the numbers stay numbers (sorted as such, empty last), the CSV keeps the cell
    empty, and the table's own options (column_order) still reach it."""
    import numpy as np
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_records_table_script, default_timeout=30).run()
    assert not at.exception, at.exception
    [table] = at.dataframe
    assert table.proto.placeholder == "—"
    assert table.value["cost_per_sql"].dtype == "float64"
    assert np.isnan(table.value["cost_per_sql"][1]) and table.value["campaign"].isna()[2]   # values as they are
    assert list(table.proto.column_order) == ["campaign", "cost_per_sql"]
    assert len(at.get("download_button")) == 1   # its CSV: csv_bytes, empty cells empty (tests above)


def test_every_csv_download_goes_through_the_one_that_names_the_time_zone():
    """Each page wrote its own download button, and only one named the zone of its times: every CSV
    is now widgets.csv_download (records_table's too), which writes them through csv_bytes. The
    meeting export's download is a slide deck, not a CSV."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    direct = [f"{path.relative_to(root)}:{n}" for folder in ("pages", "components") for path in (root / folder).glob("*.py")
              if path.name not in ("widgets.py", "meeting_export.py")
              for n, line in enumerate(path.read_text().splitlines(), 1)
              if "download_button(" in line or "csv_bytes(" in line or "to_csv(" in line]
    assert "download_button(" not in (root / "app.py").read_text()
    assert direct == [], direct


def test_every_table_goes_through_the_one_that_draws_empty_cells_as_a_dash():
    """A table drawn with st.dataframe directly would show "None" again in its empty number cells."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    direct = [f"{path.relative_to(root)}:{n}" for folder in ("pages", "components") for path in (root / folder).glob("*.py")
              if path.name != "widgets.py"
              for n, line in enumerate(path.read_text().splitlines(), 1) if "st.dataframe(" in line]
    assert "st.dataframe(" not in (root / "app.py").read_text()
    assert direct == [], direct
