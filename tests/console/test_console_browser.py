"""End to end in a real headless Chromium: log in, open the top case, act on the narrative,
see the queue and the gate change."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any as Served

import pytest

PASSWORD = "correct-horse-1"  # same as conftest.PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(os.environ.get("WAVEBREAK_SCREENSHOTS", "/tmp/wavebreak-console-shots"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is absent (Debian chromium not installed)"
    ),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _login(browser, base: str, name: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def test_reviewer_acts_on_top_narrative_and_gate_changes(served: Served, browser) -> None:
    from wavebreak.core.records import Action, Surface
    from wavebreak.policy.gate import Gate
    from wavebreak.review.lookup import narratives_of

    SHOTS.mkdir(parents=True, exist_ok=True)
    page = _login(browser, served.url, "alice")
    assert page.locator("#queue").is_visible()
    rows = page.locator("tr.case-row")
    # the top narrative case (the queue is harm-ordered; take the first with a narrative)
    desk = served.app.state.desk
    ids = [rows.nth(i).get_attribute("data-case") for i in range(rows.count())]
    top = next(c for c in ids if desk.state.cases[c].narrative_id)
    before_rank = ids.index(top)
    page.screenshot(path=str(SHOTS / "queue.png"), full_page=False)
    page.click(f'tr[data-case="{top}"] a.case-link')
    page.wait_for_load_state()
    nid = desk.state.cases[top].narrative_id
    sample = page.locator("#gate p.muted").inner_text().split(" · ")[0]
    st = served.storage
    gate = Gate(st, narrative_of=functools.partial(narratives_of, st), ttl=0.0)
    at = desk.state.latest_at
    before = gate.decide(Surface.RECOMMENDATIONS, "GB", [sample], at=at)[0].action
    assert before < Action.REMOVE
    assert page.locator('.gate-action[data-surface="recommendations"]').inner_text() == before.slug
    page.screenshot(path=str(SHOTS / "case.png"), full_page=True)
    # blurred sensitive text reveals on click
    blurred = page.locator(".sensitive").first
    if blurred.count():
        blurred.click()
        assert "revealed" in (blurred.get_attribute("class") or "")
    page.select_option("#policy_id", "incitement")
    page.select_option("#action", "remove")
    page.check("input[name=scope][value=narrative]")
    page.fill("#note", "calls to burn a hotel; whole narrative")
    page.click("#decide-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#decided-banner").is_visible()
    assert page.locator('.gate-action[data-surface="recommendations"]').inner_text() == "remove"
    after = Gate(st, narrative_of=functools.partial(narratives_of, st), ttl=0.0)
    assert after.decide(Surface.RECOMMENDATIONS, "GB", [sample], at=at)[0].action == Action.REMOVE
    decided = [d for d in st.decisions_for([nid]) if d.actor == "alice"]
    assert decided and decided[0].target_kind == "narrative" and not decided[0].automated_decision
    # the queue changed: the decided case is gone
    page.goto(f"{served.url}/")
    assert page.locator(f'tr[data-case="{top}"]').count() == 0
    assert before_rank >= 0
    page.close()


def test_auditor_form_post_is_refused_in_browser(served: Served, browser) -> None:
    page = _login(browser, served.url, "audrey")
    page.locator("a.case-link").first.click()
    page.wait_for_load_state()
    with page.expect_response(lambda r: "/decide" in r.url) as resp:
        page.click("#decide-form button[type=submit]")
    assert resp.value.status == 403
    page.close()


def test_flagger_channel_in_browser(served: Served, browser) -> None:
    page = _login(browser, served.url, "hatewatch")
    assert page.locator("#my-reports").is_visible()
    n_before = page.locator("tr.report-row").count()
    page.fill("#target_id", "demo:1")
    page.select_option("#category", "hate")
    page.fill("#explanation", "test notice")
    page.click("form[action$='/reports'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(".notice-ok").is_visible()
    assert page.locator("tr.report-row").count() == n_before + 1
    assert page.goto(f"{served.url}/").status == 403
    page.close()
