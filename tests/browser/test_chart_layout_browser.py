"""Charts as drawn at in-between widths: no chart's title, legend, axis titles, tick labels,
annotations or bar labels run into each other or off the chart, on a tablet (768×1024 and
1024×768, where a page's columns of charts stack) and on a 1280×720 screen or projector
(half-width charts); a page with charts stacks them on a tablet, a meeting's slide does not. Measured in the browser: Plotly.js places
text in ways a figure's settings alone do not tell (theme.place_top's model of its titles)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_exception, sign_in, wait_for_app

#: For every Plotly chart: pairs of its text boxes that overlap by more than a pixel each way, and
#: boxes that reach outside the chart. Tick labels turned sideways overlap each other's boxes
#: (rotated boxes), not their text: those pairs are left out.
COLLISIONS = r"""() => {
  const out = [];
  document.querySelectorAll('[data-testid="stPlotlyChart"] .js-plotly-plot').forEach(root => {
    const box = root.getBoundingClientRect();
    const items = [];
    const add = (selector, kind) => root.querySelectorAll(selector).forEach(e => {
      const r = e.getBoundingClientRect();
      if (r.width >= 1 && r.height >= 1) items.push({kind, text: (e.textContent || '').slice(0, 30), r});
    });
    add('.gtitle', 'title'); add('.legend .traces', 'legend'); add('.xtitle', 'x title'); add('.ytitle', 'y title');
    add('.xtick text', 'x tick'); add('.ytick text', 'y tick'); add('.annotation-text', 'annotation');
    add('.bartext', 'bar label');
    let sideways = false;
    root.querySelectorAll('.xtick text').forEach(t => { if ((t.getAttribute('transform') || '').includes('rotate')) sideways = true; });
    const name = (root.querySelector('.gtitle') || {}).textContent || '(untitled)';
    for (let i = 0; i < items.length; i++) {
      const a = items[i];
      if (a.r.left < box.left - 1 || a.r.right > box.right + 1 || a.r.top < box.top - 1 || a.r.bottom > box.bottom + 1)
        out.push(`${name}: ${a.kind} "${a.text}" reaches outside the chart`);
      for (let j = i + 1; j < items.length; j++) {
        const b = items[j];
        if (sideways && a.kind === 'x tick' && b.kind === 'x tick') continue;
        const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
        const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
        if (w > 1 && h > 1) out.push(`${name}: ${a.kind} "${a.text}" overlaps ${b.kind} "${b.text}"`);
      }
    }
  });
  return out;
}"""

#: Pages with charts, and the tab that holds them.
PAGES = [("/scoreboard", None), ("/sla_two_sided", None), ("/sla_scorecard", None), ("/campaigns", None),
         ("/campaigns?tier=1", None), ("/feedback", "Trends"),   # tier 1: titles naming the allocated spend
         ("/criteria", "Replay")]   # bar labels with a small sample's count under the rate
SIZES = [(768, 1024), (1024, 768), (1280, 720)]


def _charts_drawn(page) -> None:
    page.wait_for_function(
        """() => { const c = document.querySelectorAll('[data-testid="stPlotlyChart"]');
                   return c.length > 0 && Array.from(c).every(e => e.querySelector('.js-plotly-plot .main-svg')); }""",
        timeout=60_000)
    page.wait_for_timeout(500)   # Plotly lays a chart out again once its column has its width


def _collisions(page, path: str, tab: str | None = None) -> list[str]:
    page.goto(path)
    wait_for_app(page)
    if tab:
        page.get_by_role("tab", name=tab).click()
        wait_for_app(page)
    _charts_drawn(page)
    assert page.evaluate("""() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg'))
                                       .some(s => s.getBoundingClientRect().width > 0)"""), f"no chart shown on {path}"
    assert_no_exception(page)
    return page.evaluate(COLLISIONS)


@pytest.mark.parametrize("width, height", SIZES)
def test_chart_text_never_collides_at_in_between_widths(page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, "executive")
    found = {path: _collisions(page, path, tab) for path, tab in PAGES}
    assert not any(found.values()), {p: c for p, c in found.items() if c}


def test_charts_side_by_side_stack_on_a_tablet_and_not_on_a_laptop(page):
    sign_in(page, "executive")
    widths = {}
    for width, height in ((1024, 768), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/sla_two_sided")
        wait_for_app(page)
        _charts_drawn(page)
        main = page.get_by_test_id("stMainBlockContainer").bounding_box()
        chart = page.get_by_test_id("stPlotlyChart").first.bounding_box()
        widths[width] = chart["width"] / main["width"]
    assert widths[1024] > 0.9, widths    # a column of its own
    assert widths[1366] < 0.6, widths    # half the page


@pytest.mark.parametrize("width, height", [(1280, 720), (1024, 768)])
def test_the_meetings_projector_charts_keep_title_and_legend_apart(page, meeting_id, width, height):
    """The SLA section's charts enlarge their type for the projector after theme.style has laid
    them out (meeting_charts.for_projector): the legend's row moves down with the larger title."""
    from queries.meeting_rules import DEFAULT_AGENDA

    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, "executive")
    found = _collisions(page, f"/meeting?meeting={meeting_id}&section={DEFAULT_AGENDA.index('sla') + 1}&present=1")
    assert not found, found
    # the slide keeps its two halves side by side (tablet stacking is for pages, not a projector)
    marketing, sales = (page.get_by_test_id("stPlotlyChart").nth(i).bounding_box() for i in (0, 1))
    assert sales["x"] > marketing["x"] + marketing["width"] - 1, (marketing, sales)
