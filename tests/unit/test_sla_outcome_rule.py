"""The SLA outcome rule (met / late / untouched / pending) is written once, as the _sla_outcome
fragment, and every query that classifies hand-offs by it includes that fragment (docs/sla.md)."""

import re

from queries import sqlfiles

#: Queries that classify hand-offs by their SLA outcome.
CLASSIFIERS = ("sla_compliance", "first_touch_distribution", "drill_handoffs", "sla_rep_breaches",
               "sla_rep_standing", "sla_scorecard", "sla_scorecard_totals", "sla_touch_vs_window",
               "sla_untouched", "sla_slipping", "sla_slipping_summary")

# The rule's two tests: a first touch compared with the deadline, and :as_of past the deadline.
_RULE = re.compile(r"first_touch_at\s*[<>]=?\s*(\w+\.)?sla_deadline_at"
                   r"|(:as_of|as timestamptz\))\s*>\s*(\w+\.)?sla_deadline_at")


def _raw_blocks() -> dict[str, str]:
    blocks = {}
    for path in sorted(sqlfiles.SQL_DIR.glob("*.sql")):
        blocks.update({name: sql for name, (_doc, sql) in sqlfiles._parse(path).items()})
    return blocks


def test_the_rule_is_spelled_out_only_in_the_fragment():
    spelled = sorted(name for name, sql in _raw_blocks().items() if _RULE.search(sql))
    assert spelled == ["_sla_outcome"]


def test_every_classifying_query_includes_the_fragment():
    rule = sqlfiles.get("_sla_outcome").sql
    assert rule.startswith("case") and "'untouched'" in rule
    missing = [name for name in CLASSIFIERS if rule not in sqlfiles.get(name).sql]
    assert missing == []


def test_the_totals_columns_are_written_once_and_included_as_a_select_list():
    """My SLA's standing and the scorecard's comparison totals count one set of SLA totals alike:
    the _sla_totals_columns fragment, a select list (no parentheses around it, unlike an
    expression fragment)."""
    columns = sqlfiles.get("_sla_totals_columns").sql
    for name in ("sla_rep_standing", "sla_scorecard_totals"):
        sql = sqlfiles.get(name).sql
        assert columns in sql and f"({columns}" not in sql.replace("\n", "")
    assert "(\n" + sqlfiles.get("_sla_outcome").sql + "\n)" in sqlfiles.get("sla_rep_standing").sql
    raw = _raw_blocks()
    assert not [name for name in ("sla_rep_standing", "sla_scorecard_totals") if "percentile_cont" in raw[name]]
