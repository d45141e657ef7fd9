"""Console over HTTP without a browser: CSRF, auditor read-only, flagger isolation, i18n."""

from __future__ import annotations

import re
from typing import Any as Served

import httpx

PASSWORD = "correct-horse-1"  # same as conftest.PASSWORD


def _login(base: str, name: str) -> httpx.Client:
    c = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
    page = c.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    r = c.post("/login", data={"username": name, "password": PASSWORD, "csrf": token.group(1)})
    assert r.status_code == 303, r.text
    return c


def _csrf(c: httpx.Client, path: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', c.get(path).text)
    assert m is not None
    return m.group(1)


def test_login_rejects_bad_password_and_requires_csrf(served: Served) -> None:
    c = httpx.Client(base_url=served.url, timeout=30)
    assert c.get("/", follow_redirects=False).status_code == 303
    token = _csrf(c, "/login")
    assert c.post("/login", data={"username": "alice", "password": "wrong", "csrf": token}).status_code == 401
    assert c.post("/login", data={"username": "alice", "password": PASSWORD}).status_code == 403


def test_csrf_missing_is_403_and_auditor_cannot_post(served: Served) -> None:
    alice = _login(served.url, "alice")
    q = alice.get("/")
    assert q.status_code == 200 and "case-" in q.text
    case_id = re.search(r'data-case="([^"]+)"', q.text).group(1)  # type: ignore[union-attr]
    r = alice.post(f"/case/{case_id}/escalate", data={"reason": "x"})
    assert r.status_code == 403 and "CSRF" in r.text
    audrey = _login(served.url, "audrey")
    assert audrey.get(f"/case/{case_id}").status_code == 200
    token = _csrf(audrey, f"/case/{case_id}")
    r = audrey.post(
        f"/case/{case_id}/decide",
        data={"csrf": token, "policy_id": "incitement", "action": "remove", "scope": "post"},
    )
    assert r.status_code == 403
    assert served.app.state.desk.state.cases[case_id].decided is None


def test_flagger_sees_only_own_reports_and_no_queue(served: Served) -> None:
    hw = _login(served.url, "hatewatch")
    assert hw.get("/").status_code == 403
    page = hw.get("/reports").text
    rows = re.findall(r'class="report-row"', page)
    desk = served.app.state.desk
    mine = [r for r in desk.state.reports.values() if r.report.notifier_id == "tf:marlowe-hate-watch"]
    assert rows and len(rows) == min(len(mine), 200)
    assert "user:" not in page and "authority:" not in page
    other = _login(served.url, "otherorg")
    assert not re.findall(r'class="report-row"', other.get("/reports").text)


def test_french_catalogue(served: Served) -> None:
    alice = _login(served.url, "alice")
    alice.get("/lang/fr?next=/")
    page = alice.get("/metrics").text
    assert "Délai de première action" in page and 'lang="fr"' in page
