"""Row builders for hand-built test scenarios. They write through the normal paths (events go
through the lead_event trigger, touches through the activity trigger), never around them."""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

UTC = timezone.utc


def at(s: str, tz=UTC) -> datetime:
    """'2026-03-02 09:00' → aware datetime (UTC unless tz given)."""
    return datetime.fromisoformat(s).replace(tzinfo=tz)


def one(frame, **match):
    """The single row of a metric frame whose columns equal ``match`` (fails unless exactly one)."""
    rows = frame
    for k, v in match.items():
        rows = rows[rows[k] == v]
    assert len(rows) == 1, f"expected one row for {match}, got {len(rows)}"
    return rows.iloc[0]


class World:
    """Builds a small, explicit world on one engine. Each call commits."""

    _n = itertools.count(1)

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def _insert(self, sql: str, params: dict) -> int:
        with self.engine.begin() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    def execute(self, sql: str, params: dict | None = None):
        with self.engine.begin() as conn:
            return conn.execute(sa.text(sql), params or {})

    def setting(self, key: str, value) -> None:
        self.execute(
            "insert into app_setting (key, value) values (:k, cast(:v as jsonb)) "
            "on conflict (key) do update set value = excluded.value",
            {"k": key, "v": json.dumps(value)},
        )

    def team(self, function: str = "sales_development", code: str | None = None) -> int:
        code = code or f"{function}_{next(self._n)}"
        return self._insert("insert into team (code, name, function) values (:c, :n, :f) returning id",
                            {"c": code, "n": code.replace("_", " ").title(), "f": function})

    def rep(self, team_id: int, name: str | None = None) -> int:
        n = next(self._n)
        name = name or f"Rep {n}"
        return self._insert("insert into rep (full_name, email, team_id) values (:n, :e, :t) returning id",
                            {"n": name, "e": f"rep{n}@example.com", "t": team_id})

    def account(self, tier: int = 2, industry: str = "Software", country: str = "US", region: str = "NA") -> int:
        return self._insert(
            "insert into account (name, industry, country, region, employee_band, tier) "
            "values (:n, :i, :c, :r, '200-999', :t) returning id",
            {"n": f"Account {next(self._n)}", "i": industry, "c": country, "r": region, "t": tier})

    def campaign(self, channel: str = "webinar", spend: float = 1000.0, start: date = date(2026, 1, 1),
                 end: date | None = date(2026, 12, 31), name: str | None = None) -> int:
        return self._insert(
            "insert into campaign (name, channel_code, start_date, end_date, spend) "
            "values (:n, :c, :s, :e, :sp) returning id",
            {"n": name or f"Campaign {next(self._n)}", "c": channel, "s": start, "e": end, "sp": spend})

    def lead(self, created_at: datetime, account_id: int, source: str = "webinar", campaign_id: int | None = None,
             marketer_id: int | None = None, priority: str = "normal") -> int:
        n = next(self._n)
        return self._insert(
            "insert into lead (account_id, first_name, last_name, email, job_function, seniority, source, "
            "campaign_id, marketer_id, priority, created_at) values "
            "(:a, 'Pat', :ln, :e, 'IT', 'manager', :s, :c, :m, :p, :t) returning id",
            {"a": account_id, "ln": f"Lead{n}", "e": f"lead{n}@example.com", "s": source, "c": campaign_id,
             "m": marketer_id, "p": priority, "t": created_at})

    def event(self, lead_id: int, event_type: str, occurred_at: datetime, owner_id: int | None = None,
              actor_rep_id: int | None = None, reason: str | None = None, comment: str | None = None) -> int:
        return self._insert(
            "insert into lead_event (lead_id, event_type, occurred_at, owner_id, actor_rep_id, rejection_reason, comment) "
            "values (:l, :t, :o, :ow, :a, :r, :c) returning id",
            {"l": lead_id, "t": event_type, "o": occurred_at, "ow": owner_id, "a": actor_rep_id, "r": reason,
             "c": comment})

    def hand_off(self, lead_id: int, occurred_at: datetime, owner_id: int, mql: bool = True) -> int:
        """MQL (optional) then hand-off at the same moment; returns the hand-off id."""
        if mql:
            self.event(lead_id, "mql", occurred_at)
        self.event(lead_id, "handed_off", occurred_at, owner_id=owner_id)
        with self.engine.connect() as conn:
            return conn.execute(sa.text("select max(id) from handoff where lead_id = :l"), {"l": lead_id}).scalar()

    def decide(self, lead_id: int, decision: str, occurred_at: datetime, actor: int | None = None,
               reason: str | None = None, comment: str | None = None) -> int:
        return self.event(lead_id, decision, occurred_at, actor_rep_id=actor, reason=reason, comment=comment)

    def touch(self, lead_id: int, occurred_at: datetime, rep_id: int | None, activity_type: str = "call",
              automated: bool = False) -> int:
        return self._insert(
            "insert into activity (lead_id, rep_id, activity_type, is_automated, occurred_at) "
            "values (:l, :r, :t, :a, :o) returning id",
            {"l": lead_id, "r": rep_id, "t": activity_type, "a": automated, "o": occurred_at})

    def opportunity(self, account_id: int, owner_id: int, amount: float, created_at: datetime,
                    stage: str = "discovery", closed_at: datetime | None = None, lead_id: int | None = None,
                    expected_close: date | None = None, lost_reason: str | None = None) -> int:
        expected_close = expected_close or (created_at + timedelta(days=60)).date()
        return self._insert(
            "insert into opportunity (account_id, lead_id, owner_id, name, amount, created_at, expected_close_date, "
            "stage, closed_at, lost_reason) values (:a, :l, :o, 'Deal', :amt, :c, :e, :s, :cl, :lr) returning id",
            {"a": account_id, "l": lead_id, "o": owner_id, "amt": amount, "c": created_at, "e": expected_close,
             "s": stage, "cl": closed_at, "lr": lost_reason})

    def handoff_row(self, handoff_id: int) -> dict:
        with self.engine.connect() as conn:
            return dict(conn.execute(sa.text("select * from handoff where id = :i"), {"i": handoff_id}).mappings().one())


def post_twice_at_once(write, refusals: tuple[type[Exception], ...] = ()) -> list:
    """Two threads call ``write(key)`` with one new submission key at the same moment (a double
    click served by two connections): what each returned, or the name of the error it raised
    (``AlreadySubmitted`` or one of ``refusals``; any other error fails the test)."""
    import threading

    from queries import submissions

    key, outcomes = submissions.new_key(), []

    def post():
        try:
            outcomes.append(write(key))
        except (submissions.AlreadySubmitted, *refusals) as err:
            outcomes.append(type(err).__name__)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes
