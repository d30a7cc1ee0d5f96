"""Qualification criteria as rules: evaluate a version against a lead, validate a draft, and say in
words what changed between two versions. Pure: no database, no Streamlit.

The rule semantics here are the same as the SQL fragment ``_criteria_failures`` in
``queries/sql/qualification.sql`` (the replay); tests hold the two to each other. A lead qualifies
when it passes every rule; a rule whose list is empty does not restrict (shown as "any"):

====  ==============  =======================================================================
bit   rule            passes when
====  ==============  =======================================================================
1     industry        the account's industry is one of ``industries``
2     geography       the account's country is in ``countries`` OR its region is in ``regions``
4     company size    the account's employee band is one of ``employee_bands``
8     job function    the lead's job function is one of ``job_functions``
16    seniority       the lead's seniority is one of ``seniorities``
32    tier            the account's target-account tier is one of ``tiers``
64    score           the lead's score is at least ``min_score`` (0 = no minimum)
128   source          the lead's first-touch source is NOT one of ``excluded_sources``
====  ==============  =======================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from queries.words import country, country_sort_key

EMPLOYEE_BANDS = ("1-49", "50-199", "200-999", "1000-4999", "5000+")
SENIORITIES = {"entry": "Entry level", "manager": "Manager", "director": "Director", "vp": "VP",
               "c_level": "C-level"}
REGIONS = {"NA": "North America", "LATAM": "Latin America", "EMEA": "EMEA", "APAC": "APAC"}
TIERS = {1: "Tier 1 (strategic)", 2: "Tier 2", 3: "Tier 3 (long tail)"}

#: rule key -> (bit, label). Order = display order = bit order.
RULES: dict[str, tuple[int, str]] = {
    "industry": (1, "Industry"),
    "geography": (2, "Country or region"),
    "employee_band": (4, "Company size"),
    "job_function": (8, "Job function"),
    "seniority": (16, "Seniority"),
    "tier": (32, "Target-account tier"),
    "score": (64, "Minimum score"),
    "source": (128, "Source not excluded"),
}

#: rule key -> why a lead that fails the rule was turned away, as the replay says it: the rule's own
#: name reads as the rule passing ("Source not excluded" labelled the leads whose source IS excluded).
FAILURE_LABELS: dict[str, str] = {
    "industry": "Industry outside the ICP",
    "geography": "Country and region outside the ICP",
    "employee_band": "Company size outside the ICP",
    "job_function": "Job function outside the ICP",
    "seniority": "Seniority outside the ICP",
    "tier": "Account tier outside the ICP",
    "score": "Score below the minimum",
    "source": "Source excluded",
}


def failure_label(rule: str) -> str:
    """Why a lead failing ``rule`` (a rule key, or its label in :data:`RULES`) was turned away."""
    by_label = {label: FAILURE_LABELS[key] for key, (_, label) in RULES.items()}
    return FAILURE_LABELS.get(rule) or by_label.get(rule, rule)


#: criteria field -> label, for forms and diffs.
FIELD_LABELS = {
    "industries": "Industries",
    "countries": "Countries",
    "regions": "Regions",
    "employee_bands": "Company sizes (employees)",
    "job_functions": "Job functions",
    "seniorities": "Seniority",
    "tiers": "Target-account tiers",
    "min_score": "Minimum score",
    "excluded_sources": "Excluded sources",
}


#: fields shown in their natural order (smallest company first, junior first) instead of A-Z
_ORDER = {"employee_bands": list(EMPLOYEE_BANDS), "seniorities": list(SENIORITIES), "regions": list(REGIONS)}


class CriteriaError(ValueError):
    """A criteria draft that cannot be saved; the message says why."""


@dataclass(frozen=True)
class Criteria:
    """The rule fields of one criteria version. Empty tuple = no restriction; hashable."""

    industries: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    employee_bands: tuple[str, ...] = ()
    job_functions: tuple[str, ...] = ()
    seniorities: tuple[str, ...] = ()
    tiers: tuple[int, ...] = ()
    min_score: int = 0
    excluded_sources: tuple[str, ...] = ()

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "min_score":
                object.__setattr__(self, f.name, int(value or 0))
            elif f.name == "tiers":
                object.__setattr__(self, f.name, tuple(sorted({int(v) for v in (value or ())})))
            else:
                values = {str(v).strip() for v in (value or ()) if str(v).strip()}
                order = _ORDER.get(f.name)
                key = (lambda v: (order.index(v) if v in order else len(order), v)) if order else None
                object.__setattr__(self, f.name, tuple(sorted(values, key=key)))

    @classmethod
    def from_row(cls, row) -> "Criteria":
        """From a mapping with the criteria columns (a DB row, a dict)."""
        return cls(**{f.name: row[f.name] for f in fields(cls)})

    def params(self, prefix: str = "") -> dict:
        """Bound parameters (lists) for the SQL, names prefixed (e.g. ``p_industries``)."""
        return {prefix + f.name: (getattr(self, f.name) if f.name == "min_score" else list(getattr(self, f.name)))
                for f in fields(self)}

    def as_dict(self) -> dict:
        return {f.name: (getattr(self, f.name) if f.name == "min_score" else list(getattr(self, f.name)))
                for f in fields(self)}

    @property
    def restricts_anything(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class LeadProfile:
    """What the rules look at, for one lead."""

    industry: str
    country: str
    region: str
    employee_band: str
    job_function: str
    seniority: str
    tier: int
    score: int
    source: str

    @classmethod
    def from_row(cls, row) -> "LeadProfile":
        return cls(**{f.name: row[f.name] for f in fields(cls)})


@dataclass(frozen=True)
class RuleResult:
    key: str
    label: str
    status: str  # 'matched' | 'failed' | 'any'
    expected: str
    actual: str

    @property
    def passed(self) -> bool:
        return self.status != "failed"


@dataclass(frozen=True)
class Evaluation:
    results: tuple[RuleResult, ...]

    @property
    def qualified(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.results if r.status == "failed")

    @property
    def matched(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.results if r.status == "matched")

    @property
    def failure_bits(self) -> int:
        return sum(RULES[r.key][0] for r in self.failed)


class _CountryNames:
    """Country codes as their names ('DE' → 'Germany'), a ``labels`` mapping for :func:`_list`, which
    then also lists them by name. Display only: criteria keep the codes."""

    def get(self, code, default=None) -> str:
        return country(code)


COUNTRY_NAMES = _CountryNames()


def _list(values, labels: dict | None = None, limit: int = 8) -> str:
    if labels is COUNTRY_NAMES:
        values = sorted(values, key=country_sort_key)
    shown = [str(labels.get(v, v)) if labels else str(v) for v in values]
    if len(shown) > limit:
        return ", ".join(shown[:limit]) + f" and {len(shown) - limit} more"
    return ", ".join(shown)


def _in(key: str, allowed: tuple, actual, labels: dict | None = None) -> RuleResult:
    label = RULES[key][1]
    shown_actual = str(labels.get(actual, actual)) if labels else str(actual)
    if not allowed:
        return RuleResult(key, label, "any", "any", shown_actual)
    return RuleResult(key, label, "matched" if actual in allowed else "failed", _list(allowed, labels), shown_actual)


def evaluate(criteria: Criteria, lead: LeadProfile, *, source_labels: dict | None = None) -> Evaluation:
    """Which rules of ``criteria`` the lead passes, fails, or that do not restrict ("any").

    ``source_labels`` maps source codes to readable names (display only)."""
    c = criteria
    src = source_labels or {}
    results = [_in("industry", c.industries, lead.industry)]
    where = f"{country(lead.country)} ({REGIONS.get(lead.region, lead.region)})"
    if not c.countries and not c.regions:
        results.append(RuleResult("geography", RULES["geography"][1], "any", "any", where))
    else:
        expected = " or ".join(p for p in (_list(c.countries, COUNTRY_NAMES), _list(c.regions, REGIONS)) if p)
        ok = lead.country in c.countries or lead.region in c.regions
        results.append(RuleResult("geography", RULES["geography"][1], "matched" if ok else "failed", expected, where))
    results.append(_in("employee_band", c.employee_bands, lead.employee_band))
    results.append(_in("job_function", c.job_functions, lead.job_function))
    results.append(_in("seniority", c.seniorities, lead.seniority, SENIORITIES))
    results.append(_in("tier", c.tiers, int(lead.tier), TIERS))
    if c.min_score <= 0:
        results.append(RuleResult("score", RULES["score"][1], "any", "any", str(lead.score)))
    else:
        results.append(RuleResult("score", RULES["score"][1], "matched" if lead.score >= c.min_score else "failed",
                                  f"at least {c.min_score}", str(lead.score)))
    if not c.excluded_sources:
        results.append(RuleResult("source", RULES["source"][1], "any", "any", src.get(lead.source, lead.source)))
    else:
        results.append(RuleResult("source", RULES["source"][1],
                                  "failed" if lead.source in c.excluded_sources else "matched",
                                  "not " + _list(c.excluded_sources, src), src.get(lead.source, lead.source)))
    return Evaluation(tuple(results))


def failed_rules(bits: int) -> list[str]:
    """Why a lead with this failure bit mask (as the SQL computes it) was turned away, rule by rule
    (:data:`FAILURE_LABELS`)."""
    return [FAILURE_LABELS[key] for key, (bit, _) in RULES.items() if bits & bit]


# --------------------------------------------------------------------------- validation


def validate(criteria: Criteria, *, known: dict[str, set] | None = None) -> Criteria:
    """Check a draft: values from the fixed vocabularies, score in range, at least one restriction.

    ``known`` optionally maps list fields to the values that exist (industries, countries,
    job_functions, excluded_sources); a value outside them is refused (typo protection).
    """
    c = criteria
    if not 0 <= c.min_score <= 100:
        raise CriteriaError("The minimum score must be between 0 and 100.")
    bad = [b for b in c.employee_bands if b not in EMPLOYEE_BANDS]
    if bad:
        raise CriteriaError(f"Unknown company size(s): {', '.join(bad)}. Use: {', '.join(EMPLOYEE_BANDS)}.")
    bad = [s for s in c.seniorities if s not in SENIORITIES]
    if bad:
        raise CriteriaError(f"Unknown seniority: {', '.join(bad)}.")
    bad = [r for r in c.regions if r not in REGIONS]
    if bad:
        raise CriteriaError(f"Unknown region(s): {', '.join(bad)}. Use: {', '.join(REGIONS)}.")
    bad = [str(t) for t in c.tiers if t not in TIERS]
    if bad:
        raise CriteriaError(f"Tiers are 1, 2 or 3 (got {', '.join(bad)}).")
    for name, values in (known or {}).items():
        unknown = [v for v in getattr(c, name) if v not in values]
        if unknown:
            shown = [f"{country(v)} ({v})" if name == "countries" and country(v) != v else str(v) for v in unknown]
            raise CriteriaError(f"{FIELD_LABELS[name]}: {', '.join(shown)} "
                                f"{'is' if len(unknown) == 1 else 'are'} not in the data.")
    if not c.restricts_anything:
        raise CriteriaError("These criteria restrict nothing, so every lead would qualify. Choose at least one rule "
                            "(for example industries, tiers or a minimum score).")
    return c


# --------------------------------------------------------------------------- readable diff


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    added: tuple = ()
    removed: tuple = ()
    before: object = None
    after: object = None
    source_labels: tuple = ()  # (code, label) pairs, display only

    @property
    def text(self) -> str:
        if self.field == "min_score":
            b = "none" if not self.before else str(self.before)
            a = "none" if not self.after else str(self.after)
            direction = "raised" if (self.after or 0) > (self.before or 0) else "lowered"
            return f"{self.label} {direction} from {b} to {a}"
        labels = {"seniorities": SENIORITIES, "regions": REGIONS, "tiers": TIERS, "countries": COUNTRY_NAMES,
                  "excluded_sources": dict(self.source_labels)}.get(self.field)
        if self.field == "excluded_sources":   # an exclusion list: empty means "none", as describe() says
            if not self.before:
                return f"{self.label}: now {_list(self.added, labels)} (was none)"
            if not self.after:
                return f"{self.label}: now none (was {_list(self.removed, labels)})"
        elif not self.before:  # "any" -> a list
            return f"{self.label}: now only {_list(self.added, labels)} (was any)"
        elif not self.after:
            return f"{self.label}: now any (was only {_list(self.removed, labels)})"
        parts = []
        if self.added:
            parts.append(f"added {_list(self.added, labels)}")
        if self.removed:
            parts.append(f"removed {_list(self.removed, labels)}")
        return f"{self.label}: " + "; ".join(parts)


def diff(old: Criteria | None, new: Criteria, *, source_labels: dict | None = None) -> list[Change]:
    """What changed from ``old`` to ``new``, one entry per field that changed, in display order."""
    src = tuple(sorted((source_labels or {}).items()))
    if old is None:
        old = Criteria()
    changes = []
    for name, label in FIELD_LABELS.items():
        before, after = getattr(old, name), getattr(new, name)
        if before == after:
            continue
        if name == "min_score":
            changes.append(Change(name, label, before=before, after=after))
        else:
            changes.append(Change(name, label, added=tuple(v for v in after if v not in before),
                                  removed=tuple(v for v in before if v not in after), before=before, after=after,
                                  source_labels=src))
    return changes


def describe(criteria: Criteria, *, source_labels: dict | None = None) -> list[tuple[str, str]]:
    """(rule label, what it requires) for every rule, "any" where it does not restrict."""
    c = criteria
    geo = " or ".join(p for p in (_list(c.countries, COUNTRY_NAMES, limit=30), _list(c.regions, REGIONS))
                      if p) or "any"
    return [
        (RULES["industry"][1], _list(c.industries, limit=30) or "any"),
        (RULES["geography"][1], geo),
        (RULES["employee_band"][1], (_list(c.employee_bands) + " employees") if c.employee_bands else "any"),
        (RULES["job_function"][1], _list(c.job_functions, limit=30) or "any"),
        (RULES["seniority"][1], _list(c.seniorities, SENIORITIES) or "any"),
        (RULES["tier"][1], _list(c.tiers, TIERS) or "any"),
        (RULES["score"][1], f"at least {c.min_score}" if c.min_score else "no minimum"),
        ("Excluded sources", _list(c.excluded_sources, source_labels or {}, limit=30) or "none"),
    ]
