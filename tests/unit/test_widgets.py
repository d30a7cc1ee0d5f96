"""components/widgets.py: the pieces every page shares that can be checked without a browser."""



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
    lines = csv_bytes(frame).decode().splitlines()
    assert lines == ["Amount,Rate,Marketing-sourced,Campaign,When,Due",
                     "170200,0.5,yes,Webinar,2026-11-22 20:17,2025-05-30 14:28",
                     ",0.25,no,,,2026-01-02 09:00"]
