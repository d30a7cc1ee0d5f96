"""Number formats shown on every page."""

import math

import pytest

from components import format as fmt


@pytest.mark.parametrize("value,expected", [
    (0, "$0"), (950, "$950"), (1_000, "$1k"), (845_300, "$845k"), (1_250_000, "$1.25M"),
    (2_034_900, "$2.03M"),   # was "$2M": three significant digits, so $34,900 of revenue is not lost
    (2_000_000, "$2M"), (2_500_000, "$2.5M"), (999_950, "$1M"), (99_960, "$100k"), (999_400, "$999k"),
    (12_500_000, "$12.5M"), (250_000_000, "$250M"), (-1_500, "−$1.5k"), (None, "—"), (math.nan, "—"),
])
def test_money_compact(value, expected):
    assert fmt.money(value) == expected


def test_money_full_and_other_currencies():
    assert fmt.money(1_234_567, compact=False) == "$1,234,567"
    assert fmt.money(2_000, "EUR") == "€2k"
    assert fmt.money(2_000, "SEK") == "SEK 2k"


@pytest.mark.parametrize("minutes,expected", [
    (0.5, "30 s"), (1, "1 min"), (45, "45 min"), (89, "89 min"), (90, "1.5 h"), (120, "2 h"),
    (47 * 60, "47 h"), (48 * 60, "2 days"), (3.25 * 1440, "3.2 days"), (543.8 * 1440, "544 days"),
    (1234.4 * 1440, "1,234 days"), (None, "—"),
])
def test_duration(minutes, expected):
    assert fmt.duration(minutes) == expected


def test_percent_ratio_number_days():
    assert fmt.pct(0.623) == "62%"
    assert fmt.pct(0.6234, 1) == "62.3%"
    assert fmt.pct(float("nan")) == "—"
    assert fmt.ratio(2.35) == "2.4×"
    assert fmt.number(12345) == "12,345"
    assert fmt.days(42) == "42 days" and fmt.days(3.25) == "3.2 days"


@pytest.mark.parametrize("current,previous,kind,expected", [
    (120, 100, "relative", "+20%"),
    (80, 100, "relative", "-20%"),
    (5, 0, "relative", "new"),
    (0, 0, "relative", None),
    (0.62, 0.58, "points", "+4.0 pts"),
    (0.50, 0.58, "points", "-8.0 pts"),
    (30, 45, "minutes", "-15 min"),
    (150, 90, "minutes", "+60 min"),
    (300, 90, "minutes", "+3.5 h"),
    (None, 5, "relative", None),
    (99.7, 100, "relative", "-0.3%"),       # a small fall keeps its sign and a decimal, never '-0%'
    (100.5, 100, "relative", "+0.5%"),
    (100.01, 100, "relative", "±0%"),
    (100, 100, "relative", "±0%"),
    (0.5804, 0.58, "points", "±0 pts"),     # would be '+0.0 pts'
    (0.5796, 0.58, "points", "±0 pts"),     # would be '-0.0 pts'
    (45.2, 45, "minutes", "±0 min"),
    (3.6, 3.3, "score", "+0.3"),            # a 1–5 rating moves by points of the scale, not by 9%
    (3.1, 3.3, "score", "-0.2"),
    (3.32, 3.3, "score", "±0.0"),
])
def test_change(current, previous, kind, expected):
    assert fmt.change(current, previous, kind) == expected


def test_no_change_is_told_apart_from_a_rise():
    assert fmt.is_no_change(fmt.change(100, 100)) and fmt.is_no_change(fmt.change(0.5, 0.5, "points"))
    assert not fmt.is_no_change(fmt.change(101, 100)) and not fmt.is_no_change(None)


def test_negative_changes_start_with_an_ascii_minus():
    """st.metric colours a delta by its first character: only '-' reads as a fall."""
    for kind in ("relative", "points", "minutes"):
        assert fmt.change(1, 2, kind).startswith("-")


def test_duration_short_band_edges_and_reason_labels():
    assert [fmt.duration_short(m) for m in (5, 60, 90, 1440, 4320)] == ["5m", "1h", "1.5h", "1d", "3d"]
    assert fmt.reason_label("no_budget") == "No budget"
    assert fmt.reason_label("made_up") == "Made up"


def test_clock_text_for_a_touch_before_the_business_clock_started(monkeypatch):
    from datetime import datetime, timezone

    from components import handoff_card
    from components.handoff_card import clock_text

    # local() shows times in the company time zone, a database setting; UTC will do here.
    monkeypatch.setattr(handoff_card, "local", lambda moment, pattern: moment.strftime(pattern))

    facts = {"sla_deadline_at": datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc),
             "first_touch_at": datetime(2026, 11, 20, 6, 10, tzinfo=timezone.utc), "minutes_to_first_touch": 0}
    value, caption, colour = clock_text(facts, datetime(2026, 11, 21, tzinfo=timezone.utc))
    assert (value, colour) == ("Touched in time", "green")
    assert caption.startswith("first touch before the SLA clock had started running")
    facts["minutes_to_first_touch"] = 42
    assert clock_text(facts, datetime(2026, 11, 21, tzinfo=timezone.utc))[1].startswith("first touch after 42 min")
    # under a business-hours window the minutes are business minutes, and the caption says so
    # (a Monday 09:15 call to a lead handed off on Sunday read 'after 15 min')
    facts["first_touch_business"] = True
    assert clock_text(facts, datetime(2026, 11, 21, tzinfo=timezone.utc))[1].startswith(
        "first touch after 42 min in business hours (deadline")


def test_coverage_gap_names_what_is_needed():
    # the delta stays short enough for a 1280 px tile; the caption says how much is needed
    assert fmt.coverage_gap(1.9, 4.0) == "-2.1× vs needed"
    assert fmt.coverage_gap(4.5, 4.0) == "+0.5× vs needed"
    # the difference of the numbers as shown: 2.1× beside 4.0× needed is -1.9×, not 2.06 − 4.04 = -2.0×
    assert (fmt.ratio(2.06), fmt.ratio(4.04), fmt.coverage_gap(2.06, 4.04)) == ("2.1×", "4.0×", "-1.9× vs needed")
    assert fmt.coverage_needed(4.0) == "4.0× needed" and fmt.coverage_needed(None) == "no win rate yet"
    assert fmt.coverage_gap(1.9, None) is None and fmt.coverage_gap(None, 4.0) is None


def test_user_text_in_markdown_shows_as_typed():
    text = "# Big ![t](http://h/p.png) [click](http://x) $x^2$ **b** <b>x</b> :red[y] \\ ~z~ > q"
    safe = fmt.md_text(text)
    import html
    import re

    # no Markdown, LaTeX or directive character stands unescaped, and no tag
    assert re.search(r"(?<!\\)[#!\[\]()$*:~]", safe) is None and "<" not in safe and ">" not in safe
    # every character still there, behind a backslash or as an HTML entity
    assert html.unescape(re.sub(r"\\(.)", r"\1", safe)) == text
    assert fmt.md_text(None) == "" and fmt.md_text("Plain words") == "Plain words"


def test_user_text_keeps_its_line_breaks():
    """A check-in typed as lines ("- call Acme" / "- fix routing") showed as one run-on line."""
    lines = "Two wins:\n- Acme signed\n\n# next"
    assert fmt.md_lines(lines) == "  \n".join(fmt.md_text(line) for line in lines.split("\n"))
    assert fmt.md_lines(lines).count("  \n") == 3 and "\\- Acme" in fmt.md_lines(lines)   # breaks kept, still escaped
    assert fmt.md_lines("one line") == "one line" and fmt.md_lines(None) == ""
    assert fmt.md_lines("a\r\nb") == "a  \nb"


def test_stored_instants_are_dated_in_the_company_time_zone():
    """A check-in posted at 19:39 in New York (00:39 UTC the next day) showed tomorrow's date."""
    from datetime import datetime, timezone

    evening = datetime(2026, 11, 24, 0, 39, tzinfo=timezone.utc)          # 23 Nov, 19:39 in New York
    assert fmt.local_date(evening, "America/New_York") == "23 Nov 2026"
    assert fmt.local_date(evening, "Europe/Berlin") == "24 Nov 2026"
    assert fmt.local_date(None, "UTC") == fmt.DASH
    # 'ago' counts calendar days where the company is, not 24-hour spans
    morning = datetime(2026, 11, 24, 13, 0, tzinfo=timezone.utc)           # 24 Nov, 08:00 in New York
    late = datetime(2026, 11, 23, 4, 0, tzinfo=timezone.utc)               # 22 Nov, 23:00 in New York
    assert fmt.ago(late, "America/New_York", now=morning) == "2 days ago"  # 33 h: was "yesterday"
    assert fmt.ago(evening, "America/New_York", now=morning) == "yesterday"  # 12 h: was "today"
    assert fmt.ago(morning, "America/New_York", now=morning) == "today"
    assert fmt.ago(datetime(2026, 1, 2, 3, 0, tzinfo=timezone.utc), "America/New_York", now=morning) == "on 01 Jan 2026"
    assert fmt.ago(None, "UTC") == ""


def test_attainment_never_rounds_up_onto_a_status_line_it_missed():
    """'95% of target' beside 'At risk' (27.5% of a 29% target is 94.8%; on track needs 95%)."""
    assert fmt.attainment(0.275 / 0.29) == "94%"
    assert fmt.attainment(0.997) == "99%" and fmt.attainment(1.0) == "100%"
    assert fmt.attainment(0.796) == "79%" and fmt.attainment(0.8) == "80%"      # at risk from 80%
    assert fmt.attainment(0.29 / 1.0) == "29%"        # 28.999999999999996 in floating point
    assert fmt.attainment(0.95) == "95%" and fmt.attainment(None) == fmt.DASH


def test_attainment_rounds_to_the_nearest_percent_elsewhere():
    """'4 of 6 case studies · 66%' and '85% of the commitment' for 1,074 of 1,250 (85.9%) read as
    arithmetic slips in a meeting."""
    assert fmt.attainment(4 / 6) == "67%"
    assert fmt.attainment(1074 / 1250) == "86%"
    assert fmt.attainment(1074 / 1200) == "90%"        # 89.5%: 90 is no status line
    assert fmt.attainment(1.004) == "100%" and fmt.attainment(1.236) == "124%"
    assert fmt.attainment(0.004) == "0%" and fmt.attainment(0.0) == "0%"


def test_a_unit_label_agrees_with_its_number():
    """ "1 case studies" read on a check-in; people type the plural."""
    assert fmt.unit_label(1, "case studies") == "case study"
    assert fmt.unit_label(4, "case studies") == "case studies"
    assert fmt.unit_label(1.0, "demos") == "demo" and fmt.unit_label(1, "joint webinars") == "joint webinar"
    assert fmt.unit_label(1, "business") == "business" and fmt.unit_label(1, "status") == "status"
    assert fmt.unit_label(None, "demos") == "demos" and fmt.unit_label(1, "") == ""


def test_sourced_share_and_p90_captions_name_what_is_missing():
    assert fmt.sourced_share(0.456, "no deals won") == "46% mkt-sourced"
    assert fmt.sourced_share(0.0, "no deals won") == "0% mkt-sourced"      # deals won, none sourced
    assert fmt.sourced_share(None, "no deals won") == "no deals won"
    assert fmt.sourced_share(math.nan, "no pipeline created") == "no pipeline created"
    assert fmt.within_p90(300.0) == "90% within 5 h"
    assert fmt.within_p90(None) == "no hand-off touched"


@pytest.mark.parametrize("code,expected", [
    ("DE", "Germany"), ("NZ", "New Zealand"), ("GB", "United Kingdom"), ("US", "United States"),
    ("AE", "United Arab Emirates"),
    # pycountry's common names, not ISO's index forms ("Taiwan, Province of China", "Korea, Republic of")
    ("TW", "Taiwan"), ("KR", "South Korea"), ("KP", "North Korea"), ("BO", "Bolivia"), ("IR", "Iran"),
    ("VN", "Vietnam"), ("VE", "Venezuela"), ("TZ", "Tanzania"), ("SY", "Syria"), ("LA", "Laos"),
    # ours, where pycountry has no common name
    ("RU", "Russia"), ("CD", "Democratic Republic of the Congo"), ("PS", "Palestine"), ("XK", "Kosovo"),
    ("de", "Germany"), (" DE ", "Germany"),   # as a sync might have written it
])
def test_country_names(code, expected):
    assert fmt.country(code) == expected


@pytest.mark.parametrize("code", ["UK", "XX", "EU", "Germany", "D", "DEU", "1A", "ÄÖ"])
def test_country_unknown_or_legacy_code_shows_as_typed(code):
    assert fmt.country(code) == code


@pytest.mark.parametrize("code", [None, "", "  ", math.nan])
def test_country_missing_is_a_dash(code):
    assert fmt.country(code) == "—"


def test_no_country_name_is_an_inverted_index_form():
    """Every name shown reads as a name: no 'Korea, Republic of', 'Congo, The Democratic Republic of
    the', 'Virgin Islands, U.S.' (a pycountry upgrade that adds one fails here)."""
    import pycountry

    inverted = [(c.alpha_2, fmt.country(c.alpha_2)) for c in pycountry.countries
                if ", " in fmt.country(c.alpha_2)
                and fmt.country(c.alpha_2) not in ("Bonaire, Sint Eustatius and Saba",
                                                   "Saint Helena, Ascension and Tristan da Cunha")]
    assert inverted == []
    assert all(fmt.country(c.alpha_2) != c.alpha_2 for c in pycountry.countries)


def test_countries_sorted_by_name_accents_aside():
    assert fmt.countries(["US", "DE", "AT"]) == "Austria, Germany, United States"
    codes = ["UG", "TR", "AX", "AU", "CI", "CL"]
    assert sorted(codes, key=fmt.country_sort_key) == ["AX", "AU", "CL", "CI", "TR", "UG"]
    assert fmt.countries(["US", "DE", "AT", "FR"], limit=2) == "Austria, France and 2 more"
    assert fmt.countries([]) == ""


def test_counted_agrees_with_its_number():
    """QA: the campaign page's Spend tile said "1 campaigns"."""
    assert fmt.counted(1, "campaign") == "1 campaign"
    assert fmt.counted(0, "campaign") == "0 campaigns"
    assert fmt.counted(1204, "lead") == "1,204 leads"
    assert fmt.counted(1, "country", "countries") == "1 country"
    assert fmt.counted(2, "country", "countries") == "2 countries"
    assert fmt.counted(None, "owner") == "— owners"
