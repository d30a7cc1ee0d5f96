"""The filters every metric accepts, as one immutable value."""

from __future__ import annotations

from dataclasses import dataclass, fields

#: Breakdown dimensions the metric queries understand (bound as :dim).
DIMENSIONS = {
    "total": "Total",
    "source": "Source",
    "campaign": "Campaign",
    "industry": "Industry",
    "country": "Country",
    "region": "Region",
    "tier": "Tier",
    "owner": "Owner",
    "team": "Team",
}


@dataclass(frozen=True)
class Filters:
    """Empty tuple = no restriction. Hashable, so cached query functions can take it."""

    team_ids: tuple[int, ...] = ()
    owner_ids: tuple[int, ...] = ()
    sources: tuple[str, ...] = ()
    campaign_ids: tuple[int, ...] = ()
    industries: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    tiers: tuple[int, ...] = ()

    def __post_init__(self):
        for f in fields(self):  # accept lists/sets from widgets; keep a canonical order
            value = getattr(self, f.name)
            object.__setattr__(self, f.name, tuple(sorted(set(value or ()))))

    def params(self) -> dict:
        """Bound parameters for the scope fragments in queries/sql/*.sql."""
        return {f.name: list(getattr(self, f.name)) for f in fields(self)}

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def replace(self, **changes) -> "Filters":
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Filters(**values)


NO_FILTERS = Filters()


#: PostgreSQL's integer range: ids outside it are no record (and would be an error in a query).
MAX_ID = 2**31 - 1


def parse_id(raw) -> int | None:
    """A record id typed in a URL or a form: a whole number 1..MAX_ID written in ASCII digits, else
    None. (``str.isdigit`` also accepts '²' and other digits ``int`` cannot read.)"""
    text = str(raw if raw is not None else "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    n = int(text)
    return n if 0 < n <= MAX_ID else None
