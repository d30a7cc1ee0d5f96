"""A save's message is drawn next to the button that was pressed (components.notices): inside the
form, after its submit button, not at the top of the page where a reader scrolled down to the
button on a laptop screen did not see it (the browser side: tests/browser/test_goals_browser.py)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from components import sla_views
from queries import sla
from tests.apptest import open_page
from tests.integration.test_sla_pages import create_wall_clock_policy, office  # noqa: F401

pytestmark = pytest.mark.one_backend  # page tests: see tests/conftest.py


def _walk(node, path=()):
    """Every node under ``node`` in drawing order, with the blocks that hold it."""
    for child in getattr(node, "children", {}).values():
        yield child, path
        yield from _walk(child, path + (child,))


def _form_of(at, text: str):
    """The form (its id) and the keyed container (its id) holding the alert whose text has ``text``,
    and whether the alert comes after the form's submit button."""
    seen_submit = {}
    for node, path in _walk(at._tree):
        forms = [b for b in path if getattr(b, "type", None) == "form"]
        if getattr(node, "type", None) == "button" and forms:
            seen_submit[forms[-1].proto.form.form_id] = True
        if getattr(node, "type", None) in ("error", "success", "warning") and text in node.value:
            notice = [b for b in path if "notice_" in (getattr(b.proto, "id", "") or "")]
            form_id = forms[-1].proto.form.form_id if forms else None
            return form_id, bool(notice), seen_submit.get(form_id, False)
    raise AssertionError(f"no message with {text!r}: {[e.value for e in at.error]} {[s.value for s in at.success]}")


def test_a_refused_policy_is_said_inside_its_form_under_the_button(office, app_db):
    at = open_page("sales_lead", "sla_policies")
    k = "slapol___new___0_"
    at.text_input(key=f"{k}name").input("No conditions")
    [b for b in at.button if b.label == "Create policy"][0].click().run()
    form, keyed, after_button = _form_of(at, "Say which leads this policy covers")
    assert form == f"{k}form_0" and keyed and after_button   # (_0: refused, the same form instance)
    assert at.text_input(key=f"{k}name").value == "No conditions"   # the input stays


def test_a_saved_policy_is_said_inside_its_form(office, app_db):
    at = open_page("sales_lead", "sla_policies")
    k = create_wall_clock_policy(at, "Tier 2 fast lane", tier=2, minutes=15, effective=date(2020, 1, 1))
    form, keyed, after_button = _form_of(at, "Saved Tier 2 fast lane version 1")
    assert form == f"{k}form_1" and keyed and after_button   # in the new form drawn after the save
    at.run()   # shown once
    assert not any("Saved Tier 2 fast lane" in s.value for s in at.success)


def test_bad_working_hours_are_said_inside_the_hours_form(office, app_db):
    at = open_page("sales_lead", "sla_policies")
    start = next(t for t in at.text_input if t.key and t.key.startswith("slapol_hours_") and t.key.endswith("start1"))
    start.input("25:00")
    [b for b in at.button if b.label == "Save working hours"][0].click().run()
    form, keyed, after_button = _form_of(at, "'25:00' is not a time of day")
    assert form.startswith("slapol_hours_") and keyed and after_button
    assert start.key in [t.key for t in at.text_input] and at.text_input(key=start.key).value == "25:00"


def test_a_refused_commitment_is_said_inside_its_form(office, app_db):
    at = open_page("sales_lead", "sla_policies")
    acc = next(n for n in at.number_input if n.key and n.key.startswith("slapol_com_") and n.key.endswith("_fu"))
    acc.set_value(150)
    [b for b in at.button if b.label == "Save commitment"][0].click().run()
    form, keyed, after_button = _form_of(at, "Rates are percentages between 0 and 100")
    assert form.startswith("slapol_com_") and keyed and after_button


def test_an_empty_criteria_title_is_said_inside_the_propose_form(office, app_db):
    at = open_page("sales_lead", "criteria")
    [b for b in at.button if b.label == "Propose for approval"][0].click().run()
    assert not at.exception, at.exception
    form, keyed, after_button = _form_of(at, "short title")
    assert form == "propose_0" and keyed and after_button


# --------------------------------------------------------------------------- the scorecard's windows


def test_the_scorecards_caption_names_the_windows_in_force(office, app_db):
    at = open_page("sales_lead", "sla_scorecard")
    before = [c.value for c in at.caption if "first-touch window" in c.value]
    assert before and "(1 hour)" in before[0], before
    assert "30 business minutes" not in before[0]
    # a stricter policy for tier 1 from the start of the data: the caption now names both windows
    policies = open_page("sales_lead", "sla_policies")
    create_wall_clock_policy(policies, "Strategic", tier=1, minutes=15, effective=date(2020, 1, 1))
    assert any("Saved Strategic" in s.value for s in policies.success)
    at = open_page("sales_lead", "sla_scorecard")
    after = [c.value for c in at.caption if "first-touch window" in c.value]
    assert after and "from 15 minutes to 1 hour" in after[0], after


def test_the_windows_read_agrees_with_the_policy_versions_list(office, app_db):
    """sla.first_touch_windows reads the policy table itself (the versions list also counts hand-offs,
    ~0.1 s at 1M leads); the same rule applied in pandas to that list must give the same windows."""
    import pandas as pd
    from datetime import datetime, timedelta, timezone

    policies = open_page("sales_lead", "sla_policies")
    next_year = date.today().replace(month=1, day=1) + timedelta(days=400)
    create_wall_clock_policy(policies, "Strategic later", tier=1, minutes=15, effective=next_year)
    assert any("Saved Strategic later" in s.value for s in policies.success)
    sla.metrics.clear_caches()
    versions = sla.policy_versions()

    def by_pandas(start, end):
        v = versions[(versions["effective_at"] < pd.Timestamp(end)) & ~versions["retired"]
                     & (versions["superseded_at"].isna() | (versions["superseded_at"] > pd.Timestamp(start)))
                     & (versions["superseded_at"].isna() | (versions["superseded_at"] > versions["effective_at"]))]
        return sorted({(int(m), bool(b)) for m, b in zip(v["first_touch_minutes"], v["first_touch_business"])})

    now = datetime.now(timezone.utc)
    spans = [(now, now + timedelta(microseconds=1)), (now - timedelta(days=90), now),
             (now, now + timedelta(days=800)), (datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2001, 1, 1, tzinfo=timezone.utc))]
    got = [sla.first_touch_windows(start, end) for start, end in spans]
    assert got == [by_pandas(start, end) for start, end in spans]
    assert got[0] == [(60, False)] and got[2] == [(15, False), (60, False)], got


def test_windows_caption_words():
    assert "from 30 business minutes to 4 business hours" in sla_views.windows_caption(
        [(30, True), (240, True)], 240, "this quarter")
    assert "(4 business hours)" in sla_views.windows_caption([(240, True)], 60, "this quarter")
    assert "(4 hours (the company default))" in sla_views.windows_caption([], 240, "this quarter")
    assert sla.windows_text([(15, False), (60, False)], 240) == "from 15 minutes to 1 hour"
