"""Filter widgets that return values. The choice lives in the URL query string, so a view can be
shared as a link, and carries over when the user moves to another page.

Precedence when a page first renders its filters: the link's query string, then what the user
chose on another page in this session, then the defaults.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date

import streamlit as st

from components import format as fmt
from components.widgets import date_field
from queries import dimensions, settings
from queries.filters import Filters, parse_id
from queries.periods import EARLIEST, LATEST, PRESETS, Period, PeriodError, local_today, preset_period

_STATE = "_filters"  # plain session key (not a widget), survives page switches
_W = "flt_"          # widget key prefix
_NOTICE = "_filters_link_notice"  # what of the arriving link was left out, and the choice it was shown with
_LIST_KEYS = {"team": "team_ids", "owner": "owner_ids", "source": "sources", "campaign": "campaign_ids",
              "industry": "industries", "country": "countries", "tier": "tiers"}
_INT_KEYS = {"team", "owner", "campaign", "tier"}
ALL_FILTERS = ("team", "owner", "source", "campaign", "industry", "country", "tier")


def _from_query(show: Collection[str] = ALL_FILTERS) -> tuple[dict, list[str]]:
    """The link's filter choices, and a readable note for each value in it that cannot be used:
    unreadable, or a filter this page (``show``) does not offer. Each value once (``owner=1,1,1``)."""
    qp = st.query_params
    out: dict = {}
    problems: list[str] = []
    if "period" in qp:
        if qp["period"] in PRESETS:
            out["period"] = qp["period"]
        else:
            problems.append(f"the period '{_clip(qp['period'])}'")
    for k in ("from", "to"):
        if k in qp:
            try:
                out[k] = date.fromisoformat(qp[k])
            except ValueError:
                problems.append(f"the date {k}={_clip(qp[k])} " + ("(no such day in the calendar)"
                                if re.fullmatch(r"\d{4}-\d{2}-\d{2}", qp[k]) else "(dates are written YYYY-MM-DD)"))
    if ("from" in qp or "to" in qp) and "period" not in qp:
        out["period"] = "custom"   # dates alone: a custom period (else they were dropped without a word)
    elif ("from" in out or "to" in out) and out.get("period", "custom") != "custom":
        problems.append(f"dates beside the period '{PRESETS[out['period']]}' (dates go with Custom dates)")
    for k in _LIST_KEYS:
        if k in qp:
            raw = list(dict.fromkeys(v for v in qp[k].split(",") if v))
            if k not in show:
                if raw:
                    problems.append(f"{k} {_clip_values(raw)} (this page doesn't filter by {k})")
                continue
            values = raw
            if k in _INT_KEYS:
                values = list(dict.fromkeys(n for n in map(parse_id, raw) if n is not None))   # 01 is 1
                bad = [r for r in raw if parse_id(r) is None]   # the valid ids left are checked against the options
                if bad:
                    problems.append(f"{k}={_clip_values(bad, ',')} (not {'a valid id' if len(bad) == 1 else 'valid ids'})")
            out[k] = values
    return out, problems


def _clip(text: str, most: int = 40) -> str:
    """The link's own text, shortened and shown as typed (never as Markdown a crafted URL planted)."""
    return fmt.md_text(text if len(text) <= most else text[:most - 1] + "…")


#: Values of one link parameter a notice names before "… and N more" (``?campaign=1,2,…,299`` named
#: 194 ids in one sentence).
NOTICE_VALUES = 5


def _clip_values(values, sep: str = ", ", most: int = NOTICE_VALUES) -> str:
    """A link's values for a notice: the first ``most``, each :func:`_clip`-ped, then "… and N more". (pure)"""
    values = [str(v) for v in values]
    shown = sep.join(_clip(v) for v in values[:most])
    return shown + (f" … and {len(values) - most} more" if len(values) > most else "")


def _to_query(state: dict) -> None:
    qp = st.query_params
    for k in ("period", "from", "to", *_LIST_KEYS):
        value = state.get(k)
        if k in ("from", "to") and state.get("period") != "custom":
            value = None
        if value in (None, [], ""):
            if k in qp:
                del qp[k]
        elif isinstance(value, list):
            qp[k] = ",".join(str(v) for v in value)
        else:
            qp[k] = value.isoformat() if isinstance(value, date) else str(value)


def _options():
    reps = dimensions.reps()
    teams = dimensions.teams()
    channels = dimensions.channels()
    campaigns = dimensions.campaigns()
    segments = dimensions.segments()
    return {
        "team": dict(zip(teams["id"], teams["name"])),
        "owner": dict(zip(reps["id"], reps["full_name"])),
        "source": dict(zip(channels["code"], channels["label"])),
        "campaign": dict(zip(campaigns["id"], campaigns["name"])),
        "industry": {v: v for v in sorted(segments["industry"].unique())},
        # names, by name (the link and the query keep the codes)
        "country": {v: fmt.country(v) for v in sorted(segments["country"].unique(), key=fmt.country_sort_key)},
        "tier": {1: "Tier 1", 2: "Tier 2", 3: "Tier 3"},
    }, reps, campaigns


def filter_bar(*, show: tuple[str, ...] = ALL_FILTERS, default_period: str = "this_quarter",
               location=None, owners: Collection[int] | None = None) -> tuple[Period, Filters]:
    """Period and filter widgets (in the sidebar by default). Returns the chosen Period and Filters.

    ``owners``: the reps the owner filter may offer (``None``: every rep). An SDR or AE on the
    scoreboard gets only their own rep: one rep's numbers are theirs to see, another rep's are the
    team scorecard's, which reps don't get; a viewer without a rep record gets no owner choice.

    Initial values reach the widgets as their defaults (``index=``/``default=``/``value=``), never
    by writing Session State before they render: a session's first run can be cut short (the
    sign-in cookie's rerun, a deep-link switch), and a value written that way may never reach the
    browser, which would then send back the widget's first option.
    """
    where = location or st.sidebar
    tz = settings.company_timezone()
    saved = st.session_state.get(_STATE, {})
    today = local_today(tz)
    linked, problems = _from_query(show)
    notes = _complete_custom(linked, today, tz)
    initial = {"period": default_period, **saved, **linked}
    options, reps, campaigns = _options()
    if owners is not None:
        options["owner"] = {k: v for k, v in options["owner"].items() if k in set(owners)}

    defaults: dict = {}
    for k in show:
        wanted = initial.get(k, [])
        defaults[k] = [v for v in wanted if v in options[k]]
        if k in linked and len(defaults[k]) != len(linked[k]):
            gone = [v for v in linked[k] if v not in options[k]]
            why = "not yours to see" if k == "owner" and owners is not None else f"no such {k}"
            problems.append(f"{k} {_clip_values(gone)} ({why})")
    start_preset = initial["period"] if initial["period"] in PRESETS else default_period

    with where:
        preset = st.selectbox("Period", list(PRESETS), index=list(PRESETS).index(start_preset),
                              format_func=PRESETS.get, key=f"{_W}period")
        custom_pair = None
        if preset == "custom":
            value = (initial.get("from", today.replace(day=1)), initial.get("to", today))
            # every date a period may have (not Streamlit's ten years around the value: a date past
            # them was dropped without a word), and a link's out-of-range dates, which Period refuses
            # below with its message
            custom = date_field(st, "From – to", value=value, min_value=min(EARLIEST, *value),
                                max_value=max(LATEST, *value), key=f"{_W}custom")
            custom_pair = tuple(custom) if custom else None
            if custom_pair is not None and len(custom_pair) == 1:
                custom_pair = (custom_pair[0], custom_pair[0])
        try:
            period = preset_period(preset, today, tz, custom_pair)
        except PeriodError as err:
            st.error(str(err))
            period = preset_period(default_period, today, tz)
            if preset == "custom" and "from" in linked and custom_pair == (linked.get("from"), linked.get("to")):
                # named in the notice's list, and the reason as a sentence of its own after it (spliced
                # into the list, its own "Pick a later start…" ran on into ", which Alignboard can't show")
                problems.append(f"the custom dates {linked['from'].isoformat()} – {linked['to'].isoformat()}")
                notes.append(str(err))
        st.caption(f"{period.describe()} · {tz}")

        def current(k):
            return st.session_state.get(f"{_W}{k}", defaults[k])

        active = sum(bool(current(k)) for k in show)
        with st.expander(f"Filters ({active} active)" if active else "Filters", expanded=bool(active)):
            if "team" in show:
                st.multiselect("Team", list(options["team"]), default=defaults["team"],
                               format_func=options["team"].get, key=f"{_W}team", placeholder="All teams")
            if "owner" in show:
                chosen_teams = set(current("team") or [])
                owner_ids = [i for i, t in zip(reps["id"], reps["team_id"])
                             if (not chosen_teams or t in chosen_teams) and i in options["owner"]]
                owner_ids = list(dict.fromkeys(owner_ids + [v for v in current("owner") or [] if v in options["owner"]]))
                st.multiselect("Owner", owner_ids, default=[v for v in defaults["owner"] if v in owner_ids],
                               format_func=options["owner"].get, key=f"{_W}owner", placeholder="Everyone")
            for k, label, placeholder in (("source", "Source", "All sources"), ("campaign", "Campaign", "All campaigns"),
                                          ("industry", "Industry", "All industries"),
                                          ("country", "Country", "All countries"), ("tier", "Tier", "All tiers")):
                if k not in show:
                    continue
                choices = list(options[k])
                if k == "campaign" and "source" in show and current("source"):
                    # only the chosen sources' campaigns (and any already chosen), as owners follow teams
                    sources = set(current("source"))
                    choices = [i for i, ch in zip(campaigns["id"], campaigns["channel_code"]) if ch in sources]
                    choices = list(dict.fromkeys(choices + list(current("campaign") or [])))
                st.multiselect(label, choices, default=[v for v in defaults[k] if v in choices],
                               format_func=options[k].get, key=f"{_W}{k}", placeholder=placeholder)
            if active:
                st.button("Clear filters", on_click=_clear, args=(show,), width="stretch")

    state = {"period": preset}
    if preset == "custom" and custom_pair:
        state["from"], state["to"] = custom_pair[0], custom_pair[-1]
    for k in show:
        state[k] = list(current(k) or [])
    _link_notice(problems, state, period, notes)
    st.session_state[_STATE] = {**saved, **state}
    _to_query(state)
    filters = Filters(**{_LIST_KEYS[k]: state[k] for k in show})
    return period, filters


def _complete_custom(linked: dict, today: date, tz: str) -> list[str]:
    """A link's custom period with only one of its dates gets the other (in ``linked``), and the
    sentence that says which: without a start, the data's first day (all the data up to its end);
    without an end, today (or its start, for a start still ahead). The form's own default start,
    the first of this month, read "The period ends (01 Jan 2026) before it starts (01 Nov 2026)"
    about a start nobody typed."""
    if linked.get("period") != "custom" or ("from" in linked) == ("to" in linked):
        return []
    readable = "readable " if {"from", "to"} <= set(st.query_params) else ""
    if "to" in linked:
        end, first = linked["to"], dimensions.data_start(tz)
        start = first if first is not None and first <= end else end.replace(day=1)
        linked["from"] = start
        where = "where the data does" if start == first else "on the first of its month"
        return [f"This link's custom period has no {readable}start date, so it starts {where} ({start:%d %b %Y})."]
    start = linked["from"]
    linked["to"] = max(start, today)
    when = "today" if start <= today else "on the day it starts"
    return [f"This link's custom period has no {readable}end date, so it ends {when} ({linked['to']:%d %b %Y})."]


def _link_notice(problems: list[str], state: dict, period: Period, notes: list[str] = ()) -> None:
    """Say on the page (not only in the sidebar) which parts of the link were left out, or filled
    in (``notes``: whole sentences), so a shared link never shows other numbers than it asked for
    without a word. The note stays until the reader changes a filter (the link is rewritten on the
    first run, so it is kept in the session)."""
    if problems or notes:
        said = (["This link asks for " + "; ".join(problems) + ", which Alignboard can't show, so "
                 + ("that part was" if len(problems) == 1 else "those parts were") + " left out."]
                if problems else [])
        text = (" ".join(said + list(notes)) + f" Showing {period.label or 'the period'}: {period.describe()}"
                + (", with the filters that remain." if any(state.get(k) for k in _LIST_KEYS) else "."))
        st.session_state[_NOTICE] = (text, state)
    notice = st.session_state.get(_NOTICE)
    if notice and notice[1] == state:
        st.warning(notice[0], icon=":material/link_off:")
    elif notice:
        del st.session_state[_NOTICE]


def link_ids(key: str, options: Collection[int]) -> tuple[list[int], list[str]]:
    """For a page with its own pickers (Leads slipping through's Team and Owner): the ids the link's
    ``key`` parameter asks for (``?team=3,4``, as the filter bar writes it) that are among
    ``options``, each once in the link's order, and the values it cannot use (not an id, or not
    offered on the page), as typed."""
    return ids_among(st.query_params.get(key, ""), options)


def ids_among(text: str, options: Collection[int]) -> tuple[list[int], list[str]]:
    """``'3,03,x,9'`` read against ``options`` {3}: ``([3], ['x', '9'])`` — the ids offered, each
    once in the text's order (``03`` is 3), and the values that are not an offered id, as typed. (pure)"""
    raw = list(dict.fromkeys(v for v in (text or "").split(",") if v))
    offered = {int(o) for o in options}
    ids = [n for n in map(parse_id, raw) if n is not None and n in offered]
    bad = [r for r in raw if parse_id(r) is None or parse_id(r) not in offered]
    return list(dict.fromkeys(ids)), bad


def link_ids_refused(refused: dict[str, list[str]], offered: str) -> None:
    """Say which of the link's values (:func:`link_ids`' second part, per parameter) the page's
    pickers do not offer (``offered``: what they do offer, in words), in the words of
    :func:`link_filters_ignored`."""
    parts = [f"{k} {_clip_values(v)}" for k, v in refused.items() if v]
    if parts:
        one = sum(len(v) for v in refused.values()) == 1
        st.warning("This link asks for " + "; ".join(parts) + f", which {'is' if one else 'are'} not among this "
                   f"page's choices ({offered}), so {'that part was' if one else 'those parts were'} left out.",
                   icon=":material/link_off:")


def ids_to_link(key: str, ids: Collection[int], linked: Collection[int]) -> None:
    """Write a page's own picker back into the link (``?team=3,4``; removed when empty), so the
    page's address can be shared as the filter bar's can. Left as it is while the picker holds
    what the link asked for (``linked``: :func:`link_ids`' first part), so a note on the link's
    refused values stays until the reader picks something else."""
    if list(ids) == list(linked):
        return
    qp = st.query_params
    text = ",".join(str(int(i)) for i in ids)
    if text:
        if qp.get(key) != text:
            qp[key] = text
    elif key in qp:
        del qp[key]


def link_filters_ignored(*, reads: Collection[str] = (), shows: str | None = None) -> None:
    """On a page without the filter bar (Leads slipping through, My hand-offs, …): say which of the
    link's filter parameters (``?period=…&team=…``, as another page's shared link carries them) the
    page leaves out, in the filter bar's words, so a link never shows other numbers than it asked
    for without a word. ``reads``: the ones the page takes from the link itself (My SLA's period,
    which says on its own when it cannot); ``shows``: a sentence on what the page shows instead.
    The link is left as it is, so the note stays on the page's reruns; the app's navigation drops
    the parameters when the reader opens another page."""
    qp = st.query_params
    asked: list[str] = []
    dates = [f"{k}={_clip(qp[k])}" for k in ("from", "to") if k in qp]
    if "period" in qp and "period" not in reads:
        label = PRESETS.get(qp["period"]) or _clip(qp["period"])
        asked.append(f"the period '{label}'" + (f" ({', '.join(dates)})" if dates else ""))
    elif dates and qp.get("period") != "custom":   # a custom period the page reads says so itself
        asked.append(f"the dates {', '.join(dates)}")
    for k in _LIST_KEYS:
        raw = list(dict.fromkeys(v for v in qp.get(k, "").split(",") if v)) if k in qp and k not in reads else []
        if raw:
            asked.append(f"{k} {_clip_values(raw)}")
    if asked:
        st.warning("This link asks for " + "; ".join(asked) + ", which this page doesn't take from a link, so "
                   + ("that part was" if len(asked) == 1 else "those parts were") + " left out."
                   + (f" {shows}" if shows else ""), icon=":material/link_off:")


def _clear(show) -> None:
    """Button callback (runs before the script, so writing widget state here is safe)."""
    for k in show:
        st.session_state[f"{_W}{k}"] = []
    saved = st.session_state.get(_STATE, {})
    st.session_state[_STATE] = {**saved, **{k: [] for k in show}}


#: Names a filter summary gives per filter before "and N more campaigns": 105 campaigns picked
#: listed them all under the page's title (~20 lines); the sidebar's picker holds the full choice.
SUMMARY_NAMES = 3
#: …and fewer when they are long: the names a filter summary lists stop at about this many
#: characters (at least one is named), so a few long campaign names stay on a line or two.
SUMMARY_CHARS = 100
_PLURALS = {"team": "teams", "owner": "owners", "source": "sources", "campaign": "campaigns",
            "industry": "industries", "country": "countries", "tier": "tiers"}


def summary_names(names: list[str], noun: str, *, most: int = SUMMARY_NAMES, chars: int = SUMMARY_CHARS) -> str:
    """One filter's choices for a summary: up to ``most`` names within about ``chars`` characters
    (at least one), then "and N more <noun>" ('Webinar A, Webinar B and 7 more campaigns'). (pure)"""
    shown: list[str] = []
    for name in names[:most]:
        if shown and sum(len(n) + 2 for n in shown) + len(name) > chars:
            break
        shown.append(name)
    rest = len(names) - len(shown)
    if not rest:
        return ", ".join(shown)
    return f"{', '.join(shown)} and {rest} more {noun if rest == 1 else _PLURALS.get(noun, noun + 's')}"


def describe(filters: Filters, *, markdown: bool = True) -> str:
    """A short human summary of the active filters, for captions: each filter's first names
    (:func:`summary_names`: "and 7 more campaigns" past them; the sidebar lists the whole choice).
    The names are typed by people (campaigns, teams, reps), so they are Markdown-escaped
    (``fmt.md_text``) for a caption; ``markdown=False`` gives plain text (chart titles, which
    escape in their own way)."""
    if filters.is_empty:
        return "All teams, sources and segments"
    options, _, _ = _options()
    parts = []
    for key, attr in _LIST_KEYS.items():
        values = getattr(filters, attr)
        if values:
            if key == "country":   # by name, as the picker lists them; a code the data lacks still named
                names = [fmt.country(c) for c in sorted(values, key=fmt.country_sort_key)]
            else:
                names = [str(options[key].get(v, v)) for v in values]
            text = summary_names(names, key)
            parts.append(fmt.md_text(text) if markdown else text)
    return " · ".join(parts)
