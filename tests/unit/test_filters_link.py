"""Reading a shared link's ids into a page's own pickers (components.filters.ids_among)."""

import pytest

from components.filters import ids_among


@pytest.mark.parametrize("text, options, expected", [
    ("", {1, 2}, ([], [])),
    ("3", {3}, ([3], [])),
    ("3,03,3", {3}, ([3], [])),                  # each once; 03 is 3
    ("4,3", {3, 4}, ([4, 3], [])),               # the link's order
    ("3,x,9", {3}, ([3], ["x", "9"])),           # not an id; an id not offered
    ("0,-1,²,1.5", {1}, ([], ["0", "-1", "²", "1.5"])),
    ("x,x,,", set(), ([], ["x"])),               # empty parts skipped, repeats named once
])
def test_ids_among(text, options, expected):
    assert ids_among(text, options) == expected


# --------------------------------------------------------------------------- long lists, capped


from components.filters import NOTICE_VALUES, SUMMARY_NAMES, _clip_values, summary_names  # noqa: E402


def test_a_filter_summary_names_a_few_then_counts_the_rest():
    """/scoreboard?campaign=1,…,299 listed 105 campaign names under the page's title (~20 lines)."""
    names = [f"Campaign {i}" for i in range(1, 106)]
    assert summary_names(names, "campaign") == "Campaign 1, Campaign 2, Campaign 3 and 102 more campaigns"
    assert summary_names(names[:3], "campaign") == "Campaign 1, Campaign 2, Campaign 3"   # all of them: no count
    assert summary_names(names[:4], "campaign") == "Campaign 1, Campaign 2, Campaign 3 and 1 more campaign"
    assert summary_names(["Tier 1"], "tier") == "Tier 1"
    assert summary_names(["A", "B", "C", "D", "E"], "industry") == "A, B, C and 2 more industries"
    assert summary_names(["A", "B", "C", "D", "E"], "country") == "A, B, C and 2 more countries"
    assert SUMMARY_NAMES == 3


def test_long_names_in_a_filter_summary_stop_sooner_but_one_is_always_named():
    long = ["Webinar - From MQL to revenue - 2026-10-02", "Webinar - Pipeline coverage explained - 2026-09-04",
            "Webinar - Running a weekly funnel review - 2026-08-14", "Paid search - Brand - Q3"]
    assert summary_names(long, "campaign") == (
        "Webinar - From MQL to revenue - 2026-10-02, Webinar - Pipeline coverage explained - 2026-09-04 "
        "and 2 more campaigns")
    assert summary_names(["x" * 200, "y"], "campaign") == "x" * 200 + " and 1 more campaign"


def test_a_link_notice_names_a_few_values_then_counts_the_rest():
    ids = [str(i) for i in range(106, 300)]
    assert _clip_values(ids) == "106, 107, 108, 109, 110 … and 189 more"
    assert _clip_values(ids[:NOTICE_VALUES]) == "106, 107, 108, 109, 110"
    assert _clip_values(["x", "y"], ",") == "x,y"
    assert _clip_values(["[a](b)"]) == "\\[a\\]\\(b\\)"          # as typed, never a link
    assert _clip_values(["z" * 60]) == "z" * 39 + "…"              # each value cut
