"""The meeting export: one self-contained HTML file a person can mail.

It holds the numbers of every data section on the agenda (the frozen snapshot when the meeting is
frozen, else the numbers as of the moment of the export), each chart twice — interactive
(plotly.js embedded once in the file, so it opens offline) and as a PNG image for print, mail
previews and readers without JavaScript (when kaleido and a chromium are available) — and the
decisions and action items. Tiles and rows come from components.meeting_content, the same
functions the presentation renders, so the file shows the numbers shown on screen.

``build_html`` is pure (no st.*); ``export_panel`` is the control room's UI around it.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import importlib.util
import os
import shutil
from datetime import datetime, timezone

import pandas as pd
import plotly.io as pio
import plotly.offline
import streamlit as st

from components import kpi_tiles, sla_tiles
from components import meeting_content as mc
from components.meeting_content import esc
from components.widgets import slug
from queries import meetings, settings
from queries.access import User
from queries.meeting_rules import SECTIONS, STATUSES, timer_text, used_seconds
from queries.periods import local_today

#: Print images at about the width they print at (an A4/Letter page's text column, ~745 CSS px), drawn
#: at twice the pixels: a 1,100 px image printed at 745 px shrank its axis text to ~8 px.
IMAGE_WIDTH = 760
IMAGE_HEIGHT = 380
IMAGE_SCALE = 2
IMAGE_TIMEOUT_S = 120
EXPORT_STATE = "mtg_export"

CSS = """
body { font-family: Inter, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; color: #0F172A; margin: 2rem auto;
       max-width: 1180px; padding: 0 1.5rem; line-height: 1.4; }
h1 { margin: 0 0 .2rem 0; } h2 { margin: 2rem 0 .3rem 0; border-bottom: 2px solid #E2E8F0; padding-bottom: .2rem; }
.meta, .note { color: #475569; } .asof { font-weight: 650; }
.frozen { color: #075985; } .live { color: #166534; }
.tiles { display: flex; flex-wrap: wrap; gap: .7rem; margin: .8rem 0; }
.tile { border: 1px solid #E2E8F0; border-top: 4px solid #0F766E; border-radius: .5rem; padding: .5rem .8rem;
        min-width: 170px; flex: 1 1 170px; }
.tile.marketing { border-top-color: #7C3AED; } .tile.sales { border-top-color: #0284C7; }
.tile .label { color: #334155; font-weight: 600; } .tile .value { font-size: 1.8rem; font-weight: 750; }
.tile .delta { font-weight: 600; } .tile .caption { color: #64748B; font-size: .9rem; }
.delta.good, .status.good { color: #15803D; } .delta.bad, .status.bad { color: #B91C1C; }
.status.warn { color: #B45309; } .status { font-weight: 700; white-space: nowrap; }
table { width: 100%; border-collapse: collapse; margin: .5rem 0 1rem 0; }
th { text-align: left; color: #475569; border-bottom: 2px solid #CBD5E1; padding: .3rem .4rem; }
td { border-bottom: 1px solid #E2E8F0; padding: .35rem .4rem; vertical-align: top; }
.overdue { color: #DC2626; font-weight: 700; }
figure { margin: .5rem 0 1.2rem 0; } .chart-static { display: none; width: 760px; max-width: 100%; height: auto; }
.goal { border: 1px solid #E2E8F0; border-radius: .5rem; padding: .5rem .8rem; margin: .5rem 0; }
.goal .value { font-size: 1.3rem; font-weight: 750; }
@media print { .chart-live { display: none; } .chart-static { display: block; } section { page-break-inside: avoid; } }
"""


# --------------------------------------------------------------------------- images


def images_available() -> tuple[bool, str | None]:
    """Can charts be rendered as images here? (kaleido installed, a chromium on PATH or BROWSER_PATH)."""
    if importlib.util.find_spec("kaleido") is None:
        return False, "Charts are interactive only: kaleido is not installed on the server."
    if not (os.environ.get("BROWSER_PATH") or any(shutil.which(b) for b in ("chromium", "chromium-browser",
                                                                             "google-chrome", "chrome"))):
        return False, "Charts are interactive only: no chromium was found on the server for kaleido."
    return True, None


def chart_images(figures: dict[str, object]) -> tuple[dict[str, bytes], str | None]:
    """PNG images of the figures, rendered in one kaleido browser session; ({}, reason) on failure."""
    ok, reason = images_available()
    if not ok or not figures:
        return {}, reason

    async def render():
        import kaleido

        out = {}
        async with kaleido.Kaleido(n=1, timeout=60) as k:
            for key, fig in figures.items():
                out[key] = await k.calc_fig(fig, opts={"format": "png", "width": IMAGE_WIDTH, "height": IMAGE_HEIGHT,
                                                       "scale": IMAGE_SCALE})
        return out

    try:
        # A fresh event loop on a worker thread: the caller's thread may already run one (a
        # notebook, a test driving a browser), where asyncio.run() refuses to start.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, asyncio.wait_for(render(), IMAGE_TIMEOUT_S)).result(), None
    except Exception as exc:  # no browser, a crash, a timeout: the interactive charts are still there
        detail = " ".join(str(exc).split())[:200]
        return {}, (f"Charts are interactive only: rendering images failed ({type(exc).__name__}"
                    + (f": {detail}" if detail else "") + ").")


# --------------------------------------------------------------------------- the file


def _tiles(tiles: list[kpi_tiles.Tile]) -> str:
    out = []
    for t in tiles:
        delta = f'<div class="delta {kpi_tiles.delta_tone(t)}">{esc(t.delta)}</div>' if t.delta else ""
        caption = f'<div class="caption">{esc(t.caption)}</div>' if t.caption else ""
        out.append(f'<div class="tile {t.side}" data-kpi="{t.key}"><div class="label">{esc(t.label)}</div>'
                   f'<div class="value">{esc(t.value)}</div>{delta}{caption}</div>')
    return f'<div class="tiles">{"".join(out)}</div>'


def _status(side: sla_tiles.Side) -> str:
    """An SLA side's status after its heading, as its chip says it on screen (the colour and the word)."""
    if side.status is None:
        return ""
    tone = mc.STATUS_TONE.get(side.status, "")
    return f' · <span class="status {tone}" data-status="{side.status}">{esc(side.status_label)}</span>'


def _table(frame: pd.DataFrame, headers: dict[str, str], name: str) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers.values())
    body = "".join("<tr>" + "".join(f'<td data-col="{c}">{mc.cell(v)}</td>' for c, v in zip(headers, row)) + "</tr>"
                   for row in frame[list(headers)].itertuples(index=False, name=None))
    return f'<table data-table="{name}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _figure(key: str, fig, images: dict[str, bytes]) -> str:
    live = pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=f"chart-{key}",
                       config={"displayModeBar": False, "responsive": True})
    image = ""
    if key in images:
        data = base64.b64encode(images[key]).decode("ascii")
        title = fig.layout.title.text or key
        image = f'<img class="chart-static" alt="{esc(title)}" src="data:image/png;base64,{data}">'
    return f'<figure data-chart="{key}"><div class="chart-live">{live}</div>{image}</figure>'


def section_figures(kind: str, payload: dict) -> dict[str, object]:
    """The section's figures as on screen, made to stand alone: Streamlit's chart element grows the
    margins to fit tick labels on screen; a file (and kaleido) needs plotly's automargin for that."""
    from components.meeting_view import meeting_charts_for

    out = {}
    for key, fig in meeting_charts_for(kind, payload, big=False):
        fig.update_xaxes(automargin=True)
        fig.update_yaxes(automargin=True)
        fig.update_layout(margin=dict(l=16, r=48, t=64, b=40), width=None)
        out[f"{kind}-{key}"] = fig
    return out


def _section_html(kind: str, payload: dict, viewer: User, images: dict) -> str:
    figs = section_figures(kind, payload)
    charts = "".join(_figure(k, f, images) for k, f in figs.items())
    if kind == "scoreboard":
        if payload["is_empty"]:
            return '<p class="note">No MQLs, hand-offs, opportunities or open pipeline in the period.</p>'
        groups = kpi_tiles.scoreboard_tiles(payload)
        body = "".join(f"<h3>{kpi_tiles.SIDE_TITLES[s]}</h3>{_tiles(groups[s])}" for s in kpi_tiles.SIDES)
        return body + f'<p class="note">{esc(mc.scoreboard_note(payload, None))}</p>'
    if kind == "goals":
        lines = mc.goal_lines(payload, dated=True)
        if not lines:
            return '<p class="note">No shared goals for the period.</p>'
        out = []
        for g in lines:
            owners = ", ".join(esc(o["name"]) for o in g.owners)
            check = (f"<div>Last check-in · <b>{esc(mc.confidence_label(g.checkin_confidence))}</b> · "
                     f"{esc(g.checkin)}</div>" if g.checkin else "<div class='note'>No check-in yet.</div>")
            needs = f"<div><b>Needs:</b> {esc(g.needs)}</div>" if g.needs else ""
            # as on the goal cards the room saw: the file left out what blocks each goal
            needs += f"<div><b>Blocked by:</b> {esc(g.blockers)}</div>" if g.blockers else ""
            kr = f"<div class='note'>Key result of {esc(g.parent_title)}</div>" if g.parent_title else ""
            if g.period_note:   # not the meeting's period: its value is over the goal's own
                kr = f"<div class='note' data-goal-period>Goal for {esc(g.period_note)}</div>" + kr
            out.append(f'<div class="goal" data-goal="{g.id}"><b>{esc(g.title)}</b> · '
                       f'<span class="status {g.tone}" data-status="{g.status}">{esc(g.status_label)}</span>'
                       + (f" <span class='note'>({esc(g.data_note)})</span>" if g.data_note else "") + kr
                       + f'<div><span class="value" data-value>{esc(g.value)}</span> of {esc(g.target)} · '
                       f'{esc(g.detail)}</div><div class="note">{owners}</div>{check}{needs}</div>')
        return "".join(out)
    if kind == "acceptance":
        return (_tiles(mc.acceptance_tiles(payload)) + charts
                + f'<p class="note">{esc(mc.acceptance_note(payload, None))}</p>')
    if kind == "sla":
        sides = sla_tiles.sla_sides(payload).values()   # as on the slide and the two-sided SLA page
        return ("".join(f"<h3>{esc(s.title)}{_status(s)}</h3>{_tiles(s.tiles)}<p class='note'>"
                        + "<br>".join(esc(n) for n in s.notes) + "</p>" for s in sides) + charts
                + (f"<p class='note'>{esc(later)}</p>" if (later := mc.pace_chart_note(payload)) else ""))
    if kind == "slipping":
        from components.meeting_view import visible_slipping

        owner = visible_slipping(viewer)
        rows = mc.slipping_rows(payload, owner)
        note = ("<p class='note'>Lead-level rows: only the reader's own hand-offs.</p>" if owner is not None else "")
        owners = "" if owner is not None else (
            _table(mc.slipping_owners(payload), mc.SLIPPING_OWNER_HEADERS, "slipping-owners")
            + f"<p class='note'>{esc(mc.SLIPPING_OWNERS_ORDER)}</p>")
        return _tiles(mc.slipping_tiles(payload)) + note + _table(rows, mc.SLIPPING_HEADERS, "slipping") + owners
    return ""


def _actions_table(lines: list[mc.ActionLine], name: str) -> str:
    if not lines:
        return '<p class="note">None.</p>'
    rows = "".join(
        f'<tr data-action="{a.id}"><td>{esc(a.body)}</td><td>{esc(a.owner)}</td>'
        f'<td class="{"overdue" if a.due_state == "overdue" else ""}">{esc(a.due)}</td>'
        f'<td>{"Done" if a.status == "done" else "Open"}</td><td>{esc(a.link or "")}</td>'
        f'<td>{esc(a.meeting)}</td></tr>' for a in lines)
    return (f'<table data-table="{name}"><thead><tr><th>Action</th><th>Owner</th><th>Due</th><th>Status</th>'
            f'<th>Linked to</th><th>Meeting</th></tr></thead><tbody>{rows}</tbody></table>')


def build_html(meeting: meetings.Meeting, items, numbers: dict[str, dict], decisions: pd.DataFrame,
               actions: pd.DataFrame, open_actions: pd.DataFrame, *, viewer: User, tz: str,
               images: dict[str, bytes] | None = None, image_note: str | None = None,
               generated_at: datetime | None = None) -> str:
    """The export as one HTML document (``numbers``: data section kind → payload)."""
    images = images or {}
    generated_at = generated_at or datetime.now(timezone.utc)
    today = local_today(tz, generated_at)
    first_payload = next(iter(numbers.values())) if numbers else {"as_of": generated_at.isoformat()}
    as_of = first_payload["as_of"]
    # A file is read later and elsewhere: its dates always name the year.
    moment = f'{mc.local_time(as_of, tz)} on {mc.local_date_text(as_of, tz, None, weekday=True)}'
    state = ('<span class="frozen">Numbers frozen as of ' if meeting.is_frozen else
             '<span class="live">Live numbers as of ') + esc(moment) + "</span>"
    held = meeting.status == "done" and not meeting.is_frozen
    late = [p for p in numbers.values() if mc.computed_late(p)]
    explained = mc.numbers_state(late[0] if meeting.is_frozen and late else first_payload, tz,
                                 frozen=meeting.is_frozen, today=None,
                                 held_on=(meeting.started_at or meeting.scheduled_at) if held else None)
    if explained.note:
        state += f' <span class="note">({esc(explained.note)})</span>'
    when = mc.meeting_when_text(meeting.scheduled_at, meeting.started_at, tz, None)
    parts = [f"<header><h1>{esc(meeting.title)}</h1>"
             f'<p class="meta">{esc(when)} ({esc(tz)}) · presenter {esc(meeting.presenter or "—")} · '
             f"{'meeting in progress' if meeting.status == 'live' else esc(STATUSES[meeting.status])}</p>"
             f'<p class="asof" data-as-of="{esc(as_of)}" data-frozen="{str(meeting.is_frozen).lower()}">{state}</p>']
    if numbers:
        period = next(iter(numbers.values()))["period"]
        parts.append(f'<p class="meta">Period: {esc(period["label"])}, {esc(mc.period_text(period, None))}</p>')
    if image_note:
        parts.append(f'<p class="note">{esc(image_note)}</p>')
    parts.append("</header>")

    agenda = []
    for i in items:
        running = meeting.is_live and meeting.current_item_id == i.id
        used = used_seconds(i.used_seconds, meeting.current_item_since if running else None, generated_at)
        agenda.append(f"<li>{esc(mc.section_title(i.kind, i.title))} — {esc(timer_text(used, i.planned_minutes))}</li>")
    parts.append(f"<h2>Agenda</h2><ol>{''.join(agenda)}</ol>")

    open_lines = mc.action_lines(open_actions, today, tz, year_always=True)
    for i in items:
        if i.kind == "open_actions":
            # action items are a live list (marked done since, overdue by today), not frozen numbers
            parts.append(f'<section data-section="open_actions"><h2>{esc(SECTIONS["open_actions"].title)}</h2>'
                         f'<p class="note">Still open on {esc(mc.date_text(today, None, weekday=True))}, when this '
                         "file was made; days overdue count to that day.</p>"
                         + _actions_table(open_lines, "open-actions") + "</section>")
        elif i.kind in numbers:
            parts.append(f'<section data-section="{i.kind}"><h2>{esc(mc.section_title(i.kind))}</h2>'
                         + _section_html(i.kind, numbers[i.kind], viewer, images) + "</section>")
        elif i.kind == "topic":
            parts.append(f'<section data-section="topic"><h2>{esc(i.title)}</h2>'
                         f'<p class="note">Discussion topic; its decisions and actions are listed below.</p></section>')

    decision_rows = "".join(
        f'<tr data-decision="{d.id}"><td>{esc(d.body)}</td><td>{esc(d.link or "")}</td><td>{esc(d.by)}, {esc(d.at)}'
        f"</td></tr>" for d in mc.decision_lines(decisions, tz, dated=True))
    parts.append('<section data-section="outcomes"><h2>Decisions</h2>'
                 + (f"<table data-table='decisions'><thead><tr><th>Decision</th><th>Linked to</th><th>Recorded</th></tr>"
                    f"</thead><tbody>{decision_rows}</tbody></table>" if decision_rows else '<p class="note">None.</p>')
                 + "<h2>Action items</h2>" + _actions_table(mc.action_lines(actions, today, tz, year_always=True),
                                                            "actions")
                 + "</section>")
    parts.append(f'<footer class="note"><p>Exported from Alignboard by {esc(viewer.display_name)} at '
                 f'{esc(mc.local_time(generated_at, tz))} on {esc(mc.local_date_text(generated_at, tz, None))} '
                 f'({esc(tz)}).</p></footer>')

    script = plotly.offline.get_plotlyjs()
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{esc(meeting.title)}</title>"
            f"<style>{CSS}</style><noscript><style>.chart-live{{display:none}}.chart-static{{display:block}}</style>"
            f"</noscript><script type='text/javascript'>{script}</script></head><body>"
            + "".join(parts) + "</body></html>")


def export_file(viewer: User, meeting: meetings.Meeting, items, *, with_images: bool = True,
                now: datetime | None = None) -> tuple[bytes, str, str | None]:
    """(file bytes, file name, note about images) for the meeting as it stands (frozen or live)."""
    tz = settings.company_timezone()
    numbers = {i.kind: meetings.section_numbers(meeting, i.kind) for i in items if SECTIONS[i.kind].data}
    images, note = {}, None
    if with_images:
        figures = {}
        for kind, payload in numbers.items():
            figures.update(section_figures(kind, payload))
        images, note = chart_images(figures)
    html_text = build_html(meeting, items, numbers, meetings.decisions(meeting.id), meetings.actions(meeting.id),
                           meetings.open_actions(meeting), viewer=viewer, tz=tz, images=images, image_note=note,
                           generated_at=now)
    return html_text.encode("utf-8"), file_name(meeting, tz, now), note


def file_name(meeting: meetings.Meeting, tz: str, now: datetime | None = None) -> str:
    """'weekly-alignment-2026-11-30-numbers-2026-11-23-1944.html': the meeting's own date first (a
    file named after the freeze alone read as another meeting's), then when its numbers are from."""
    held = mc.local_time(meeting.started_at or meeting.scheduled_at, tz, "%Y-%m-%d")
    numbers = mc.local_time(meeting.frozen_at or now or datetime.now(timezone.utc), tz, "%Y-%m-%d-%H%M")
    return f"{slug(meeting.title)}-{held}-numbers-{numbers}.html"


# --------------------------------------------------------------------------- the panel


def export_panel(user: User, meeting: meetings.Meeting, items) -> None:
    st.markdown("#### Export")
    ok, reason = images_available()
    st.caption("One HTML file that opens offline: the numbers, the charts, the decisions and the action items. "
               + ("It holds the frozen numbers." if meeting.is_frozen else
                  "This meeting was not frozen: the file holds today's numbers, not the ones it saw."
                  if meeting.status == "done" else
                  "The numbers are live: freeze them first so the file matches what the room saw."))
    with_images = st.checkbox("Chart images for print", value=ok, disabled=not ok, key="mtg_export_images",
                              help=reason or "Adds each chart as an image, for printing and mail previews "
                                             "(takes 10–20 s to build).")
    if st.button("Prepare export", key="mtg_export_prepare", icon=":material/description:"):
        with st.spinner("Building the export…"):
            data, name, note = export_file(user, meeting, items, with_images=with_images and ok)
        st.session_state[EXPORT_STATE] = {"meeting": meeting.id, "frozen_at": meeting.frozen_at, "data": data,
                                          "name": name, "note": note}
    prepared = st.session_state.get(EXPORT_STATE)
    if prepared and prepared["meeting"] == meeting.id:
        if prepared["frozen_at"] != meeting.frozen_at:
            st.caption("The numbers were frozen or unfrozen since this file was prepared; prepare it again.")
        st.download_button(f"Download {prepared['name']}", prepared["data"], file_name=prepared["name"],
                           mime="text/html", key="mtg_export_download", icon=":material/download:", on_click="ignore")
        if prepared["note"]:
            st.caption(prepared["note"])
