"""One visual language: colours that mean the same thing on every page, and a Plotly template
readable on a projector. Pure: builds figures' layout, never calls st.*."""

from __future__ import annotations

import html
import math
import re
import zlib

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

def plain(text) -> str:
    """A name a person typed (source, campaign, rep, team), made safe for a Plotly label, legend,
    annotation or hover: Plotly renders tags such as <b> and <a href> in all of them. Put names into
    hover text through ``%{fullData.name}``/``%{y}``/customdata, never into a hovertemplate itself,
    where "%{...}" in a name would be read as a placeholder."""
    return html.escape("" if text is None else str(text), quote=False)


# ----------------------------------------------------------------------------- semantic colours
# Each of these means one thing on every page, chart, slide and export. Nothing else may use them.

# Who owns a number.
MARKETING = "#7C3AED"   # violet
SALES = "#0284C7"       # blue
SHARED = "#0F766E"      # teal: jointly owned

# How a number is doing.
GOOD = "#16A34A"        # on track, met, within the window
WARN = "#D97706"        # at risk, late, needs attention
BAD = "#DC2626"         # off track, breached
PENDING = "#94A3B8"     # not known yet
NEUTRAL = "#475569"     # targets, agreed minimums and other reference lines; all-sources totals
MUTED = "#CBD5E1"       # the rest, lumped together ("Other sources"), backgrounds of bars
INK = "#1E293B"         # one person's own line against their team's (My SLA)
#: The same meanings as text on white, dark enough to read (4.5:1 or more; the fills above are 3.2-3.3:1).
GOOD_TEXT, WARN_TEXT, BAD_TEXT, PENDING_TEXT = "#15803D", "#B45309", "#B91C1C", "#64748B"

#: The sales development team (SDRs): a lighter shade of the sales blue.
SALES_DEVELOPMENT = "#38BDF8"

STATUS_COLORS = {"on_track": GOOD, "at_risk": WARN, "off_track": BAD, "pending": PENDING, "none": PENDING}
#: The second channel of the status colours, for the 1 man in 12 who cannot tell green, amber and
#: red apart and for a meeting export printed in grey: a bar (or bar segment) filled with a status
#: colour carries its status's fill pattern (Plotly ``marker.pattern``; status_marker). Good is
#: plain, late / at risk hatched, breached / untouched / off track cross-hatched, not known yet dotted.
STATUS_PATTERNS = {"on_track": "", "at_risk": "/", "off_track": "x", "pending": ".", "none": "."}
#: Light white lines over the status colour (the bar keeps its colour for normal vision).
PATTERN_STYLE = dict(fillmode="overlay", fgcolor="#FFFFFF", fgopacity=0.5, size=7, solidity=0.3)
SIDE_COLORS = {"marketing": MARKETING, "sales": SALES, "shared": SHARED}
SIDE_WORDS = {"marketing": "Marketing", "sales": "Sales", "shared": "Together"}

#: One colour per team, the same on every chart (the scorecard's team lines, a rep's team line on
#: My SLA, the meeting's SLA slide). Teams are named by their ``team.name``; a team not listed takes
#: its function's colour, else a stable shade of the sales blue (see team_color).
TEAM_COLORS = {"Marketing": MARKETING, "Sales": SALES, "Sales development": SALES_DEVELOPMENT}
TEAM_FUNCTION_COLORS = {"marketing": MARKETING, "sales": SALES, "sales_development": SALES_DEVELOPMENT}
#: Shades of the sales blue for sales teams beyond the ones named above; never marketing violet,
#: never the greys of reference lines and pending counts.
OTHER_TEAM_SHADES = ["#075985", "#7DD3FC", "#0369A1"]
SALES_LINES = [SALES, SALES_DEVELOPMENT, *OTHER_TEAM_SHADES]

#: Every colour above: a categorical colour must be none of these (tests/unit/test_chart_colors.py).
SEMANTIC_COLORS = {
    "marketing": MARKETING, "sales": SALES, "sales_development": SALES_DEVELOPMENT, "shared": SHARED,
    "good": GOOD, "warn": WARN, "bad": BAD, "pending": PENDING, "neutral": NEUTRAL, "muted": MUTED, "ink": INK,
    **{f"sales_line_{i}": c for i, c in enumerate(SALES_LINES)},
}

# ----------------------------------------------------------------------------- categorical colours
#: Colours for categories (sources, rejection reasons, replay segments): they say "which one", never
#: "whose" or "how good". Built on Paul Tol's colour-blind-safe *muted* scheme (wine, olive, rose,
#: purple; its indigo a shade deeper, away from the ink and reference greys) and his high-contrast
#: gold, with pink, brown, rust and fuchsia; without the scheme's green, teal and cyan, which are
#: semantic here. Each is at least 15 CIEDE2000 units from every
#: semantic colour and dark enough for a line on a projector (contrast with white ≥ 2:1); lines
#: also carry a marker shape per source, so colour is never the only cue.
CATEGORICAL = ["#882255", "#999933", "#3D1A84", "#F472B6", "#DDAA33", "#8C564B", "#AA4499", "#CC6677",
               "#7C2D12", "#D946EF"]
SEQUENCE = CATEGORICAL   # the template's colorway: a chart that picks no colour gets these

#: Lead sources (``channel.code``) → colour, the same on every chart. Rejection reasons have a
#: palette of their own (REASON_COLORS), so a colour names one source or one reason wherever both
#: are drawn (the meeting's acceptance slide colours its source bars by the agreed minimum).
SOURCE_COLORS = {
    "paid_search": "#882255",    # wine
    "webinar": "#999933",        # olive
    "sdr_outbound": "#3D1A84",   # indigo
    "content": "#F472B6",        # pink
    "organic": "#DDAA33",        # gold
    "referral": "#8C564B",       # brown
    "partner": "#AA4499",        # purple
    "paid_social": "#CC6677",    # rose
    "event": "#7C2D12",          # rust
    "email": "#D946EF",          # fuchsia
}
#: Rejection reasons (``handoff.rejection_reason``) → colour, the same on every chart (feedback page,
#: meeting slide, export). None is a source's colour: the feedback page and the meeting put reasons
#: beside sources, and a reason in Paid search's wine read as Paid search. Nor a team's (violet,
#: blue, teal) or a status's (green, amber, red, grey). Built on Paul Tol's colour-blind-safe *light*
#: scheme (its orange a shade pinker, away from the "late" amber; its mint lighter, away from the
#: "good" green) and his *dark* red and yellow, with a taupe: filled bars, so most are lighter than
#: the source lines. Each pair stays apart for red-green colour blindness too.
REASON_COLORS = {
    "bad_fit": "#EE8877",         # salmon
    "no_budget": "#EEDD88",       # light yellow
    "wrong_contact": "#55CCAA",   # mint
    "duplicate": "#997755",       # taupe
    "no_response": "#663333",     # dark red
    "not_interested": "#BBCC33",  # pear
    "other": "#666633",           # dark olive
}
REASON_PALETTE = list(REASON_COLORS.values())

#: The demo channels' labels (migration 0001), for frames that carry only a label.
SOURCE_CODES = {"Paid search": "paid_search", "Paid social": "paid_social", "Organic / SEO": "organic",
                "Content": "content", "Webinar": "webinar", "Events": "event", "Email nurture": "email",
                "Partner": "partner", "Referral": "referral", "SDR outbound": "sdr_outbound"}
#: A marker shape per source, so lines stay apart for readers who cannot tell two colours apart.
SOURCE_SYMBOLS = {"paid_search": "circle", "webinar": "square", "sdr_outbound": "diamond", "content": "triangle-up",
                  "organic": "triangle-down", "referral": "cross", "partner": "x", "paid_social": "star",
                  "event": "pentagon", "email": "hexagon"}


def _stable_pick(text: str, choices: list):
    """The same choice for the same text in every process (``hash`` is salted per process)."""
    return choices[zlib.crc32(text.encode("utf-8")) % len(choices)]


def source_color(code: str | None, label: str | None = None) -> str:
    """A source's colour, by its channel code (or, failing that, its demo label); a source added
    later gets a stable palette colour from its code."""
    key = code if code in SOURCE_COLORS else SOURCE_CODES.get(str(label), code if code is not None else label)
    if key in SOURCE_COLORS:
        return SOURCE_COLORS[key]
    return _stable_pick(str(key), CATEGORICAL)


def source_symbol(code: str | None, label: str | None = None) -> str:
    key = code if code in SOURCE_SYMBOLS else SOURCE_CODES.get(str(label), code)
    return SOURCE_SYMBOLS.get(key, _stable_pick(str(key), list(SOURCE_SYMBOLS.values())))


def team_color(name: str | None, function: str | None = None) -> str:
    """A team's colour wherever its line is drawn: by name, else by function (sales, sales_development,
    marketing), else a stable shade of the sales blue."""
    if name in TEAM_COLORS:
        return TEAM_COLORS[name]
    if function in TEAM_FUNCTION_COLORS:
        return TEAM_FUNCTION_COLORS[function]
    return _stable_pick(str(name), OTHER_TEAM_SHADES)


FONT = "Inter, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"

TEMPLATE_NAME = "alignboard"
#: Tick labels and axis titles: slate 600, 7.6:1 on white.
AXIS_TEXT = "#475569"

pio.templates[TEMPLATE_NAME] = go.layout.Template(
    layout=go.Layout(
        font=dict(family=FONT, size=14, color="#1E293B"),
        title=dict(font=dict(size=17, color="#0F172A"), x=0, xanchor="left", y=0.97),
        colorway=SEQUENCE,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        margin=dict(l=8, r=8, t=48, b=8),
        xaxis=dict(showgrid=False, automargin=True, linecolor="#CBD5E1", ticks="outside", tickcolor="#CBD5E1",
                   tickfont=dict(size=13), title=dict(font=dict(size=13))),
        yaxis=dict(gridcolor="#E2E8F0", automargin=True, zeroline=False, tickfont=dict(size=13), title=dict(font=dict(size=13))),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0, font=dict(size=13),
                    bgcolor="rgba(0,0,0,0)"),
        hoverlabel=dict(font=dict(family=FONT, size=13)),
        separators=".,",
    )
)
#: Every figure starts from this template (Plotly applies the default unvalidated when a figure is
#: built): a figure holding Plotly's own large default took 5 ms per layout update here, and
#: replacing it by ours in style() 8 ms more, several times a chart's own building.
pio.templates.default = TEMPLATE_NAME


#: A chart title longer than this many characters is set on two lines (or more). Plotly never
#: wraps a title: in a half-width column on a tablet or a 1280 px screen (300-400 px) it ran off
#: the chart's edge ("Time to first touch, and whether each ha"); 38 characters of the 17 px title
#: fit in 300 px.
TITLE_CHARS = 38
#: The same for a chart drawn across the page (where a tablet's 700 px fit 80).
WIDE_TITLE_CHARS = 72
#: Pixels from the top of the figure to the top of the title's first line.
TITLE_TOP = 6
#: A title's line height, in ems (Plotly's).
TITLE_LINE = 1.3
#: The gap between the title's last line and the legend under it, and under a legend above the plot.
TITLE_GAP = 8


def wrap_title(text: str, width: int = TITLE_CHARS) -> str:
    """``text`` on as few lines of at most ``width`` characters as it needs, broken at spaces into
    lines of about the same length ("Acceptance rate of the MQLs<br>handed off", not a last line
    of one word); "<br>" between them. A word longer than the width gets a line of its own. Text
    that already holds markup (a "<br>" or a tag) is left as it is. (pure)"""
    if "<" in text or _visible_len(text) <= width:
        return text
    words = text.split()
    lines = len(_greedy(words, width))
    # the narrowest width that still needs no more lines than the greedy fill: balanced lines
    for narrower in range(max(len(w) for w in words), width + 1):
        if len(_greedy(words, narrower)) <= lines:
            return "<br>".join(_greedy(words, narrower))
    return "<br>".join(_greedy(words, width))


def _greedy(words: list[str], width: int) -> list[str]:
    lines, line = [], ""
    for word in words:
        if line and _visible_len(line) + 1 + _visible_len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line]


def _visible_len(text: str) -> int:
    return len(html.unescape(text))


def title_lines(fig: go.Figure) -> int:
    text = fig.layout.title.text or ""
    return text.count("<br>") + 1 if text else 0


def style(fig: go.Figure, title: str | None = None, height: int = 340, *, title_chars: int = TITLE_CHARS) -> go.Figure:
    """Apply the Alignboard template and a height; returns the same figure.

    The title is wrapped to fit a half-width column (wrap_title); a chart that is always drawn
    across the page passes ``title_chars=WIDE_TITLE_CHARS``. Where the legend goes depends on
    where the chart put it, and it never shares space with the title or the tick labels:

    - above the plot (the template's place): in its own rows under the title, growing downwards
      as it wraps, and the plot starts under it (place_top);
    - below the plot (the chart set ``legend.y`` under 0): at the foot of the figure, under the
      tick labels however tall they are (turned sideways on a narrow chart they ran into a legend
      placed a fixed fraction under the plot)."""
    # One layout update, not five: each Plotly update call parses and validates its whole path again.
    patch: dict = {"height": height}
    if fig.layout.template.layout.font.family != FONT:   # built before this module set the default
        patch["template"] = TEMPLATE_NAME
    # Streamlit's chart theme greys tick labels and axis titles (#808495, 3.7:1 on white, under the
    # 4.5:1 readable text needs): set on the figure itself, which no theme overrides
    for axis in _axis_names(fig):
        patch[axis] = _AXIS_TEXT_COLORS
    if title:
        patch["title"] = {"text": wrap_title(title, title_chars)}
    if _legend_below(fig):
        patch["legend"] = dict(yref="container", y=0, yanchor="bottom")
    fig.update_layout(patch)
    place_top(fig)
    return fig


_AXIS_TEXT_COLORS = {"tickfont": {"color": AXIS_TEXT}, "title": {"font": {"color": AXIS_TEXT}}}
_AXIS_NAME = re.compile(r"[xy]axis\d*")


def _axis_names(fig: go.Figure) -> list[str]:
    """Every x and y axis of the figure, as ``update_xaxes``/``update_yaxes`` select them: the first
    pair always, and each further one (``yaxis2``…) the layout holds."""
    names = {"xaxis", "yaxis"} | {k for k in fig.layout.to_plotly_json() if _AXIS_NAME.fullmatch(k)}
    return sorted(names)


#: The template's top margin, the least a titled figure gets.
TOP_MARGIN = 48


def place_top(fig: go.Figure) -> go.Figure:
    """Lay out the top of a styled figure from its title's lines and font sizes: the title from
    TITLE_TOP px; a legend above the plot (see style) under it, anchored by its top in pixels so
    extra rows of a wrapping legend push the plot down (Plotly's automargin) instead of climbing
    into the title; a top margin with room for both. Call it again after changing the title's or
    the legend's font size (meeting_charts.for_projector). A chart that set its own top margin
    keeps it. Returns the figure."""
    layout = fig.layout
    height = layout.height or 340
    lines = title_lines(fig)
    size = layout.title.font.size or 17
    needed = 0
    patch: dict = {}
    if lines:
        patch["title"] = dict(yref="container", y=1 - _title_y(lines, size) / height, yanchor="top")
        needed = TITLE_TOP + round(lines * TITLE_LINE * size) + TITLE_GAP
    if _legend_on_top(fig):
        top = needed or TITLE_GAP
        patch["legend"] = dict(yref="container", y=1 - top / height, yanchor="top")
        needed = top + round((layout.legend.font.size or 13) * 2) + TITLE_GAP   # one row; more push
    meta = layout.meta
    ours = meta is not None and isinstance(meta, dict) and meta.get("ab_top")
    if needed and (layout.margin.t is None or ours):
        patch["margin"] = {"t": max(TOP_MARGIN, needed)}
        patch["meta"] = {**(meta or {}), "ab_top": True}
    if patch:
        fig.update_layout(patch)
    return fig


def _title_y(lines: int, size: float) -> float:
    """The pixels from the figure's top at which to put a title so its first line's top is at
    TITLE_TOP. Measured on Plotly.js as Streamlit 1.67 ships it (tests/browser/test_chart_layout_browser.py):
    whatever its ``yanchor``, a title's box starts 0.3 em above its ``y``, and 0.7 em more for a
    title of more than one line."""
    return TITLE_TOP + 0.3 * size + (0.7 * size if lines > 1 else 0)


def _legend_below(fig: go.Figure) -> bool:
    legend = fig.layout.legend
    return (fig.layout.showlegend is not False and legend.y is not None and legend.y < 0
            and legend.yref in (None, "paper"))


def empty_figure(title: str, message: str, height: int = 320) -> go.Figure:
    """A titled chart that says why it is empty, instead of blank axes."""
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font=dict(size=14, color=NEUTRAL))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style(fig, title, height=height)


def _legend_on_top(fig: go.Figure) -> bool:
    """Whether the figure shows a legend in the template's place above the plot (not below it, not
    beside it at the right, not at the foot of the figure)."""
    if fig.layout.showlegend is False:
        return False
    legend = fig.layout.legend
    if legend.y is not None and (legend.y < 0.5 if legend.yref in (None, "paper") else legend.yanchor != "top"):
        return False   # the chart put it below, or at the foot of the figure
    if legend.orientation == "v" or legend.x is not None and legend.x > 1:
        return False   # beside the plot
    shown = [t for t in fig.data if t.showlegend is not False] + [s for s in fig.layout.shapes if s.showlegend]
    return fig.layout.showlegend is True or len(shown) > 1


# ----------------------------------------------------------------------------- reference lines


def reference_label(kind: str, value: float) -> str:
    """'Target 90%', 'Agreed minimum 55%': the words a reference line goes by in the legend."""
    return f"{kind} {value * 100:.0f}%"


def reference_line(fig: go.Figure, value: float, label: str, *, axis: str = "y") -> go.Figure:
    """A target or agreed minimum across the plot: a dashed reference-grey line, named in the
    legend. Never labelled on the plot itself, where a bar or a line can be (a label on the line
    sat on the bars, or on the team's line, depending on the data). ``axis`` 'y' draws a horizontal
    line at ``value`` on the y-axis, 'x' a vertical one. Returns the figure."""
    line = dict(color=NEUTRAL, width=1.5, dash="dash")
    if axis == "x":
        fig.add_vline(x=value, line=line, showlegend=True, name=label, layer="above")
    else:
        fig.add_hline(y=value, line=line, showlegend=True, name=label, layer="above")
    fig.update_layout(showlegend=True)
    return fig


# ----------------------------------------------------------------------------- time axes

#: Trend x-axis labels by bucket size. A week is labelled "w/c 28 Sep" (week commencing): its
#: bucket starts on a Monday that can fall before the period (a quarter that begins on Thursday
#: 1 Oct has its first week at Monday 28 Sep), and a bare "28 Sep" read as data from before it.
TICK_FORMAT = {"day": "%d %b", "week": "w/c %d %b", "month": "%b %Y", "quarter": "Q%q %Y", "year": "%Y"}
#: Hover text for a bucket, by bucket size.
HOVER_DATE = {"day": "%a %d %b %Y", "week": "Week of %d %b %Y", "month": "%B %Y", "quarter": "Q%q %Y", "year": "%Y"}
#: At most this many week ticks: "w/c 28 Sep" is wider than a bare date, and a half-width chart on
#: a 1366 px screen fits about six without Plotly turning them sideways.
MAX_WEEK_TICKS = 6
#: The length of a bucket in days (a month or quarter at its average), for bar widths and gaps.
GRAIN_DAYS = {"day": 1, "week": 7, "month": 30.44, "quarter": 91.31, "year": 365.25}


def infer_grain(buckets) -> str | None:
    """The bucket size of a trend from the spacing of its buckets (None with fewer than two)."""
    stamps = sorted(set(pd.to_datetime(pd.Series(list(buckets))).dropna()))
    if len(stamps) < 2:
        return None
    days = pd.Series(stamps).diff().dropna().dt.total_seconds().median() / 86400
    for grain, most in (("day", 1.5), ("week", 8), ("month", 32), ("quarter", 95)):
        if days <= most:
            return grain
    return "year"


def hover_date(grain: str | None) -> str:
    """The ``%{x|...}`` format that names a bucket of this size in a hover."""
    return HOVER_DATE.get(grain or "day", "%d %b %Y")


def time_axis(buckets, grain: str | None = None, *, max_ticks: int = 8, **extra) -> dict:
    """X-axis settings for a trend whose points sit at bucket starts: ticks on the buckets
    themselves (every k-th back from the latest, at most ``max_ticks``), so weeks are labelled by the Monday they start
    on ("w/c 28 Sep"). Plotly's automatic ticks fall on Sundays, which put side-by-side charts a day
    apart. ``grain`` None: read from the buckets' spacing."""
    stamps = sorted(set(pd.to_datetime(pd.Series(list(buckets))).dropna()))
    grain = grain or infer_grain(stamps) or "day"
    # automargin: the margins grow to fit the first and last labels (Plotly hides a label that
    # would overflow the chart: "w/c 23 Nov", the current week, went missing)
    axis = dict(type="date", tickformat=TICK_FORMAT.get(grain, "%d %b"), automargin=True, **extra)
    if grain == "week":
        max_ticks = min(max_ticks, MAX_WEEK_TICKS)
    if stamps:
        # counted back from the latest bucket, so the most recent one, the one a meeting asks
        # about, is always labelled; on sparse buckets (a small slice: data on 18 and 19 Oct, none
        # for days around them) a tick closer than a share of the span to a later one is left out,
        # where their labels ran into each other
        step = -(-len(stamps) // max_ticks)
        closest = (stamps[-1] - stamps[0]) / max_ticks * 0.8
        ticks: list = []
        for stamp in stamps[::-1][::step]:
            if not ticks or ticks[-1] - stamp >= closest:
                ticks.append(stamp)
        axis["tickvals"] = ticks[::-1]
        if "range" not in extra:
            # and some room beside the first and last points, whose labels are centred on them (a
            # lone bucket gets most of one bucket's length each side: room for its bar)
            pad = ((stamps[-1] - stamps[0]) / (len(stamps) - 1) * 0.9 if len(stamps) > 1
                   else pd.Timedelta(days=max(1.0, GRAIN_DAYS.get(grain, 1) * 0.75)))
            axis["range"] = [stamps[0] - pad, stamps[-1] + pad]
    return axis


def bar_width(grain: str | None) -> float:
    """Width in milliseconds of a bar standing for one bucket on a date axis: 80% of the bucket.
    Plotly sizes date bars from the spacing of their x values, so a lone bucket (a one-day period)
    drew a bar too thin to see."""
    return GRAIN_DAYS.get(grain or "day", 1) * 0.8 * 86_400_000


def break_gaps(grain: str | None, x, *columns) -> tuple[list, ...]:
    """``x`` (bucket starts, ascending) and ``columns`` with an empty point inserted wherever
    buckets are missing, so a line breaks over weeks without data instead of joining across them
    and drawing a trend nobody measured. (pure)"""
    longest = pd.Timedelta(days=GRAIN_DAYS.get(grain or "day", 1) * 1.5)
    stamps = list(x)
    out_x: list = []
    out: list[list] = [[] for _ in columns]
    values = [list(c) for c in columns]
    for i, stamp in enumerate(stamps):
        if i and pd.Timestamp(stamp) - pd.Timestamp(stamps[i - 1]) > longest:
            out_x.append(pd.Timestamp(stamps[i - 1]) + pd.Timedelta(days=1))
            for o in out:
                o.append(None)
        out_x.append(stamp)
        for o, v in zip(out, values):
            o.append(v[i])
    return (out_x, *out)


#: Tick labels of a money axis (with the currency's ``tickprefix``): 500k, 2.5M, 1.2B. A d3 "~s"
#: format wrote billions as "G" (¥1.2G), which yen and rupee amounts reach.
MONEY_TICKS = {"exponentformat": "B", "separatethousands": True}


def money_ticks(largest, prefix: str = "$", *, most: int = 4) -> dict:
    """A money axis from 0 past ``largest`` with its ticks written alike: every label in one unit
    with the same decimals ("$0, $0.5M, $1.0M, $1.5M"; Plotly's own labels mixed "$0.5M" with
    "$1M"). Steps of 1, 2 or 5 × a power of ten, the finest that keeps to ``most`` ticks above zero. Nothing to
    show: one tick at 0 (Plotly's automatic range read "$0 / $500m / $1", milli-dollars)."""
    largest = 0.0 if largest is None or largest != largest else float(largest)
    if largest <= 0:
        return dict(range=[0, 1], tickvals=[0], ticktext=[f"{prefix}0"])
    top = largest * 1.05                      # the bar's top clear of the frame
    power = 10 ** math.floor(math.log10(top / most))
    # the finest step that keeps to ``most`` ticks
    step = next(m * power for m in (1, 2, 5, 10, 20) if top / (m * power) < most + 1)
    ticks = [i * step for i in range(int(top / step + 1e-9) + 1)]
    unit, suffix = next(((u, sfx) for u, sfx in ((1e9, "B"), (1e6, "M"), (1e3, "k")) if ticks[-1] >= u), (1.0, ""))
    decimals = max(0, -math.floor(math.log10(step / unit) + 1e-9))
    text = [f"{prefix}0" if t == 0 else f"{prefix}{t / unit:,.{decimals}f}{suffix}" for t in ticks]
    return dict(range=[0, top], tickvals=ticks, ticktext=text)


def count_axis(largest) -> dict:
    """Y (or x) axis settings for counts of things (hand-offs, leads): whole-number ticks, never
    0.5 of a hand-off; from zero."""
    axis = dict(rangemode="tozero", tickformat=",d")
    largest = 0 if largest is None or largest != largest else largest   # None or NaN: nothing counted
    if largest < 5:
        axis.update(dtick=1, range=[0, max(1, int(largest)) * 1.15 + 0.01])
    return axis


def tint(color: str, alpha: float) -> str:
    """'#0F766E', 0.08 → 'rgba(15,118,110,0.08)': a fill in a line's own colour."""
    h = color.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha})"


def status_color(status: str) -> str:
    return STATUS_COLORS.get(status, NEUTRAL)


def status_marker(status: str | list[str]) -> dict:
    """A bar's ``marker`` for a status ('on_track', 'at_risk', 'off_track', 'pending'), or for one
    bar each with a list: the status colour and its fill pattern (STATUS_PATTERNS), so the state
    reads without colour too. A status not listed takes the neutral grey, unpatterned."""
    if isinstance(status, str):
        return dict(color=status_color(status), pattern=dict(shape=STATUS_PATTERNS.get(status, ""), **PATTERN_STYLE))
    statuses = list(status)
    return dict(color=[status_color(s) for s in statuses],
                pattern=dict(shape=[STATUS_PATTERNS.get(s, "") for s in statuses], **PATTERN_STYLE))


def status_fill_css(status: str) -> str:
    """CSS declarations that fill an HTML bar (the goal cards' progress bars) as status_marker fills
    a Plotly bar: the status colour, and its pattern in the same light white lines."""
    line = tint(PATTERN_STYLE["fgcolor"], PATTERN_STYLE["fgopacity"])
    size = PATTERN_STYLE["size"]
    stripes = {angle: f"repeating-linear-gradient({angle}deg, transparent 0 {size * 0.7:.1f}px, "
                      f"{line} {size * 0.7:.1f}px {size:.1f}px)" for angle in (45, 135)}
    images = {"/": stripes[135], "x": f"{stripes[45]}, {stripes[135]}",
              ".": f"radial-gradient(circle, {line} 1.3px, transparent 1.8px);background-size:{size}px {size}px"}
    shape = STATUS_PATTERNS.get(status, "")
    return f"background-color:{status_color(status)};" + (f"background-image:{images[shape]};" if shape else "")


def status_legend(fig: go.Figure, entries, *, orientation: str = "v") -> go.Figure:
    """Legend entries that say what the status colours and patterns mean, for a chart whose bars
    take their status one by one (one trace, status_marker with a list): a swatch per
    ``(status, name)``, drawn as an empty bar so the legend shows the pattern (a marker symbol
    cannot). ``orientation`` as the chart's bars: an empty bar of the other orientation would take
    a place beside them. Returns the figure."""
    for status, name in entries:
        fig.add_bar(x=[None], y=[None], orientation=orientation, name=name, marker=status_marker(status),
                    showlegend=True, hoverinfo="skip")
    return fig


# ----------------------------------------------------------------------------- KPI tiles

#: The side that owns each number a KPI tile shows, by the tile's name (the ``<name>`` of its
#: container key "kpi-<side>-<name>"). One number, one owner, one accent on every page and slide:
#: the scoreboard's columns, the two-sided SLA's halves and the meeting slides all follow it.
#: Lead acceptance is the quality half of marketing's commitment (the two-sided SLA's agreed
#: minimum), so it is marketing violet wherever it appears.
KPI_OWNERS = {
    # marketing: what it delivers and how good that is
    "mqls": "marketing", "mqls-delivered": "marketing", "acceptance": "marketing", "acceptance-rate": "marketing",
    "mql-acceptance": "marketing", "handed-off": "marketing", "pipeline-created": "marketing",
    # sales: how it follows up, decides and closes
    "first-touch": "sales", "median-touch": "sales", "sla": "sales", "compliance": "sales", "follow-up": "sales",
    "decisions": "sales", "decided-on-time": "sales", "rejected": "sales", "awaiting": "sales", "win-rate": "sales",
    # together
    "revenue": "shared", "open-pipeline": "shared", "coverage": "shared",
}


def kpi_side(name: str, default: str = "shared") -> str:
    """The side that owns a KPI tile's number ('marketing', 'sales' or 'shared')."""
    return KPI_OWNERS.get(name.replace("_", "-"), default)


def kpi_key(name: str, suffix: str | None = None) -> str:
    """The container key that gives a tile its owner's accent: "kpi-marketing-acceptance"."""
    slug = name.replace("_", "-")
    return f"kpi-{kpi_side(slug)}-{slug}" + (f"-{suffix}" if suffix else "")


def kpi_accent_css() -> str:
    """CSS that gives a KPI tile the colour of the side that owns its number: put the tile in
    ``st.container(key=kpi_key(name))`` (widgets.kpi(..., metric=name) does) and emit this once per
    page. A tile whose key names a number in KPI_OWNERS takes that owner's colour even when its key
    says another side (later rules of the same weight win), so a metric cannot change colour
    between pages."""
    rules = _per_owner('[data-testid="stMetric"]', lambda side: f"border-top: 4px solid {SIDE_COLORS[side]};",
                       lambda side: f"border-top-color: {SIDE_COLORS[side]};")
    # Let a tile's caption wrap instead of ending in an ellipsis on narrow screens.
    rules += ('div[class*="st-key-kpi-"] [data-testid="stMetricDeltaDescription"], '
              'div[class*="st-key-kpi-"] [data-testid="stMetricDeltaDescription"] * '
              '{ white-space: normal; overflow: visible; text-overflow: clip; }')
    # On a phone the columns stack, so the "Marketing / Sales / Together" headings end up together
    # above tiles of all three sides: there each tile names its owner in words instead.
    owners = _per_owner('[data-testid="stMetricLabel"] p::before',
                        lambda side: f'content: "{SIDE_WORDS[side]} · "; color: {SIDE_COLORS[side]}; font-weight: 650;')
    rules += f"@media (max-width: 640px) {{ .ab-side-heading {{ display: none; }} {owners} }}"
    return f"<style>{rules}</style>"


def _per_owner(part: str, declarations, override=None) -> str:
    """CSS rules for ``part`` of each KPI tile by the side that owns it: ``declarations(side)`` by
    the side its key names, then (later rules of the same weight win) ``override(owner)`` (default
    the same) by KPI_OWNERS' owner for a named number."""
    override = override or declarations
    rules = "".join(f'div[class*="st-key-kpi-{side}-"] {part} {{ {declarations(side)} }}' for side in SIDE_COLORS)
    for name, owner in KPI_OWNERS.items():
        selectors = ", ".join(f'div[class~="st-key-kpi-{side}-{name}"] {part}' for side in SIDE_COLORS)
        rules += f"{selectors} {{ {override(owner)} }}"
    return rules


def side_heading_html(side: str, title: str) -> str:
    """A column heading in the colour of the side that owns the numbers under it."""
    color = SIDE_COLORS.get(side, NEUTRAL)
    return (f'<div class="ab-side-heading" style="font-weight:650;font-size:1.05rem;color:{color};'
            f'margin:0 0 -0.3rem 0;letter-spacing:0.01em">{title}</div>')
