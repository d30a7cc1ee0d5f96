"""Criteria rules: evaluation (matched / failed / any), validation, readable diffs."""

from __future__ import annotations

import pytest

from queries.criteria_rules import (FAILURE_LABELS, RULES, Criteria, CriteriaError, LeadProfile, describe, diff,
                                    evaluate, failed_rules, failure_label, validate)

LEAD = LeadProfile(industry="Software", country="DE", region="EMEA", employee_band="200-999",
                   job_function="Marketing", seniority="director", tier=2, score=64, source="webinar")

ICP = Criteria(industries=("Software", "Financial services"), countries=("US",), regions=("EMEA",),
               employee_bands=("200-999", "1000-4999"), job_functions=("Marketing", "Sales"),
               seniorities=("director", "vp"), tiers=(1, 2), min_score=60, excluded_sources=("partner",))


def status(evaluation, key):
    return next(r.status for r in evaluation.results if r.key == key)


def test_a_lead_matching_every_rule_qualifies():
    ev = evaluate(ICP, LEAD)
    assert ev.qualified
    assert [r.key for r in ev.results] == list(RULES)
    assert all(r.status == "matched" for r in ev.results)
    assert ev.failure_bits == 0


@pytest.mark.parametrize("change, key", [
    ({"industry": "Retail"}, "industry"),
    ({"country": "FR", "region": "LATAM"}, "geography"),
    ({"employee_band": "1-49"}, "employee_band"),
    ({"job_function": "HR"}, "job_function"),
    ({"seniority": "entry"}, "seniority"),
    ({"tier": 3}, "tier"),
    ({"score": 59}, "score"),
    ({"source": "partner"}, "source"),
])
def test_each_rule_fails_alone(change, key):
    lead = LeadProfile(**{**LEAD.__dict__, **change})
    ev = evaluate(ICP, lead)
    assert not ev.qualified
    assert [r.key for r in ev.failed] == [key]
    assert ev.failure_bits == RULES[key][0]
    assert failed_rules(ev.failure_bits) == [FAILURE_LABELS[key]]


def test_the_replays_failure_labels_say_why_a_lead_was_turned_away():
    """The replay labelled the leads turned away because their source IS excluded "Source not
    excluded" (the rule's name, which reads as the rule passing)."""
    assert set(FAILURE_LABELS) == set(RULES)
    assert failure_label("source") == failure_label("Source not excluded") == "Source excluded"
    assert failure_label(RULES["score"][1]) == "Score below the minimum"
    for key, (_, name) in RULES.items():
        label = failure_label(name)
        assert label != name and " not excluded" not in label, label
    assert len(set(FAILURE_LABELS.values())) == len(FAILURE_LABELS)
    assert failed_rules(RULES["source"][0] | RULES["industry"][0]) == ["Industry outside the ICP", "Source excluded"]


def test_the_replay_chart_labels_each_bar_with_why():
    import pandas as pd

    from components.qualification_charts import rule_failures_chart

    failures = pd.DataFrame([{"rule": name, "leads": n} for n, (_, (_, name)) in enumerate(RULES.items(), start=1)])
    bars = rule_failures_chart(failures, 100).data[0]
    assert list(bars.y) == [FAILURE_LABELS[key] for key in RULES]
    assert "Source not excluded" not in list(bars.y) and "Source excluded" in list(bars.y)


def test_geography_passes_on_country_or_region():
    by_country = LeadProfile(**{**LEAD.__dict__, "country": "US", "region": "NA"})
    by_region = LeadProfile(**{**LEAD.__dict__, "country": "FR", "region": "EMEA"})
    assert status(evaluate(ICP, by_country), "geography") == "matched"
    assert status(evaluate(ICP, by_region), "geography") == "matched"
    only_countries = Criteria(countries=("US",))
    assert status(evaluate(only_countries, by_region), "geography") == "failed"


def test_score_boundary_is_inclusive():
    at_minimum = LeadProfile(**{**LEAD.__dict__, "score": 60})
    assert status(evaluate(ICP, at_minimum), "score") == "matched"


def test_empty_lists_do_not_restrict_and_show_any():
    only_score = Criteria(min_score=50)
    ev = evaluate(only_score, LeadProfile(**{**LEAD.__dict__, "industry": "Anything", "tier": 3}))
    assert ev.qualified
    assert [r.key for r in ev.results if r.status == "any"] == [k for k in RULES if k != "score"]
    assert next(r for r in ev.results if r.key == "industry").expected == "any"


def test_results_say_what_was_expected_and_what_the_lead_has():
    lead = LeadProfile(**{**LEAD.__dict__, "seniority": "entry", "score": 12})
    ev = evaluate(ICP, lead, source_labels={"partner": "Partner", "webinar": "Webinar"})
    seniority = next(r for r in ev.results if r.key == "seniority")
    assert (seniority.expected, seniority.actual) == ("Director, VP", "Entry level")
    score = next(r for r in ev.results if r.key == "score")
    assert (score.expected, score.actual) == ("at least 60", "12")
    source = next(r for r in ev.results if r.key == "source")
    assert (source.expected, source.actual, source.status) == ("not Partner", "Webinar", "matched")


def test_criteria_are_canonical_and_hashable():
    a = Criteria(industries=["Retail", "Software", "Retail", " "], tiers=[2, 1, "1"])
    b = Criteria(industries=("Software", "Retail"), tiers=(1, 2))
    assert a == b and hash(a) == hash(b)
    assert a.industries == ("Retail", "Software") and a.tiers == (1, 2)
    assert a.params("p_")["p_industries"] == ["Retail", "Software"]


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("criteria, message", [
    (Criteria(), "restrict nothing"),
    (Criteria(min_score=101), "between 0 and 100"),
    (Criteria(employee_bands=("10-20",)), "Unknown company size"),
    (Criteria(seniorities=("intern",)), "Unknown seniority"),
    (Criteria(regions=("EU",)), "Unknown region"),
    (Criteria(tiers=(4,)), "Tiers are 1, 2 or 3"),
])
def test_invalid_drafts_are_refused_with_a_reason(criteria, message):
    with pytest.raises(CriteriaError, match=message):
        validate(criteria)


def test_values_not_in_the_data_are_refused():
    with pytest.raises(CriteriaError, match="Softwre is not in the data"):
        validate(Criteria(industries=("Softwre",)), known={"industries": {"Software"}})
    assert validate(ICP, known={"industries": {"Software", "Financial services"}}) == ICP


# --------------------------------------------------------------------------- diff


def test_diff_lists_each_changed_rule_readably():
    new = Criteria(industries=("Software", "Healthcare"), countries=("US",), regions=("EMEA", "APAC"),
                   employee_bands=("200-999", "1000-4999"), job_functions=(), seniorities=("director", "vp"),
                   tiers=(1, 2), min_score=70, excluded_sources=("partner", "paid_social"))
    lines = [c.text for c in diff(ICP, new, source_labels={"paid_social": "Paid social", "partner": "Partner"})]
    assert lines == [
        "Industries: added Healthcare; removed Financial services",
        "Regions: added APAC",
        "Job functions: now any (was only Marketing, Sales)",
        "Minimum score raised from 60 to 70",
        "Excluded sources: added Paid social",
    ]


def test_diff_from_nothing_and_to_identical():
    assert diff(ICP, ICP) == []
    lines = [c.text for c in diff(None, Criteria(tiers=(1,), min_score=40))]
    assert lines == ["Target-account tiers: now only Tier 1 (strategic) (was any)",
                     "Minimum score raised from none to 40"]
    lowered = diff(Criteria(min_score=40), Criteria(min_score=0, tiers=(1,)))
    assert lowered[-1].text == "Minimum score lowered from 40 to none"


def test_diff_of_the_exclusion_list_says_none_as_describe_does():
    labels = {"paid_social": "Paid social"}
    assert dict(describe(Criteria(), source_labels=labels))["Excluded sources"] == "none"
    [added] = diff(Criteria(), Criteria(excluded_sources=("paid_social",)), source_labels=labels)
    assert added.text == "Excluded sources: now Paid social (was none)"
    [removed] = diff(Criteria(excluded_sources=("paid_social",)), Criteria(), source_labels=labels)
    assert removed.text == "Excluded sources: now none (was Paid social)"


def test_describe_covers_every_rule():
    rows = dict(describe(ICP, source_labels={"partner": "Partner"}))
    assert rows["Country or region"] == "United States or EMEA"
    assert rows["Company size"] == "200-999, 1000-4999 employees"
    assert rows["Minimum score"] == "at least 60"
    assert rows["Excluded sources"] == "Partner"
    assert dict(describe(Criteria(min_score=1)))["Industry"] == "any"


def test_countries_read_as_names_by_name_in_rules_diffs_and_fit():
    """Criteria keep ISO codes; every text built from them names the countries, listed by name."""
    c = Criteria(countries=("US", "DE", "AT"))
    assert c.countries == ("AT", "DE", "US")   # stored and bound to the SQL as codes
    assert dict(describe(c))["Country or region"] == "Austria, Germany, United States"
    assert dict(describe(Criteria(countries=("GB", "XX"))))["Country or region"] == "United Kingdom, XX"
    [change] = diff(Criteria(countries=("US",)), Criteria(countries=("GB", "DE")))
    assert change.text == "Countries: added Germany, United Kingdom; removed United States"
    [change] = diff(None, Criteria(countries=("NZ",)))
    assert change.text == "Countries: now only New Zealand (was any)"
    geo = next(r for r in evaluate(ICP, LEAD).results if r.key == "geography")
    assert (geo.status, geo.expected, geo.actual) == ("matched", "United States or EMEA", "Germany (EMEA)")
    anywhere = next(r for r in evaluate(Criteria(min_score=1), LEAD).results if r.key == "geography")
    assert anywhere.actual == "Germany (EMEA)"
    with pytest.raises(CriteriaError, match=r"Countries: Germany \(DE\) is not in the data"):
        validate(Criteria(countries=("DE",)), known={"countries": {"US"}})
