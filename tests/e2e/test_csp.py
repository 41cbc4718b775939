"""The Content-Security-Policy in a real browser: no page breaks under it, and htmx still works.

Chromium reports every blocked inline script, inline style, eval or foreign resource on the console
("Refused to ... because it violates the following Content Security Policy directive") and fires a
`securitypolicyviolation` event; either fails the test.
"""

import datetime as dt

import pytest

from complaints.demo import load_departments
from complaints.models import Complaint
from guests import services as guest_services
from hotel_crm import roles
from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile);
});
"""


@pytest.fixture
def hotel(sha):
    load_departments(sha)
    clerk = factories.front_desk_at(sha, username="desk")
    factories.make_staff("manager", roles_at={sha: roles.GUEST_RELATIONS_MANAGER})
    factories.make_staff("root", is_superuser=True, is_staff=True)
    guest = factories.make_guest("王", "芳", salutation="ms", vip_level=1, phones=["+8613812345678"])
    room = factories.make_room(sha, "2606")
    today = sha.today()
    stay = guest_services.stay_create(
        prop=sha,
        guest=guest,
        room=room,
        arrival=today,
        departure=today + dt.timedelta(days=2),
        actor=clerk,
        check_in=True,
    )
    case = factories.log_case(sha, clerk, guest=guest, stay=stay, room=room, guest_words="Noisy fan.")
    return {"guest": guest, "case": case, "room": room}


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)

    def on_console(message):
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            problems.append(f"{page.url}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: page error {error}"))
    return problems


def _visit(page, url: str, problems: list[str], *, wait_for: str | None = None) -> None:
    response = page.goto(url)
    assert response.status < 400, f"{url}: {response.status}"
    assert response.headers.get("content-security-policy"), f"{url}: no CSP header"
    if wait_for:
        page.wait_for_selector(wait_for)
    page.wait_for_load_state("networkidle")
    problems += [f"{url}: {v}" for v in page.evaluate("window.__cspViolations || []")]


def test_login_page_has_no_csp_violation(browser, live_server, hotel):
    context = browser.new_context()
    page = context.new_page()
    problems = _watch(page)
    _visit(page, live_server.url + "/login/", problems)
    context.close()
    assert problems == []


def test_main_pages_run_under_the_csp_with_htmx_working(page_for, live_server, hotel):
    page = page_for("manager", factories.PASSWORD)
    problems = _watch(page)
    base = live_server.url
    guest, case, room = hotel["guest"], hotel["case"], hotel["room"]
    _visit(page, base + "/", problems)
    _visit(page, base + "/guests/search/?q=wang", problems)
    # htmx: typing in the search box replaces the results without a page load
    page.fill("input[name=q]", "13812345678")
    page.wait_for_selector("#results a:has-text('Wang')")
    # htmx: the guest profile loads its complaints panel
    _visit(
        page, f"{base}/guests/{guest.pk}/", problems, wait_for="#guest-cases a:has-text('Log a complaint')"
    )
    _visit(page, f"{base}/rooms/{room.pk}/", problems)
    _visit(page, base + "/complaints/", problems)
    _visit(page, f"{base}/complaints/{case.pk}/", problems)
    _visit(page, f"{base}/complaints/new/?guest={guest.pk}", problems)
    _visit(page, base + "/complaints/dashboard/", problems)
    _visit(page, base + "/complaints/review/", problems)
    _visit(page, base + "/guests/", problems)
    # a form post still works (form-action 'self')
    page.goto(f"{base}/complaints/{case.pk}/")
    page.fill("#case-note", "Called the guest back.")
    page.click("button:has-text('Add note')")
    page.wait_for_selector("text=Called the guest back.")
    assert Complaint.objects.get(pk=case.pk).events.filter(note="Called the guest back.").exists()
    assert problems == []


def test_api_docs_run_under_the_csp(browser, live_server, hotel):
    # Swagger UI (drf-spectacular's page, with our nonce) renders the schema without a violation
    context = browser.new_context()
    page = context.new_page()
    problems = _watch(page)
    _visit(page, live_server.url + "/api/v1/docs/", problems, wait_for=".swagger-ui .info")
    # Redoc runs under its relaxed policy (inline styles, blob: worker); only its remote logo is refused
    _visit(page, live_server.url + "/api/v1/redoc/", [], wait_for="redoc h1, #redoc-container h1")
    redoc = [p for p in problems if "/redoc/" in p and "img-src" not in p]
    context.close()
    assert [p for p in problems if "/redoc/" not in p] == [] and redoc == []


def test_admin_runs_under_the_csp(page_for, live_server, hotel):
    page = page_for("root", factories.PASSWORD)
    problems = _watch(page)
    base = live_server.url
    for path in (
        "/admin/",
        "/admin/complaints/complaint/",
        f"/admin/complaints/complaint/{hotel['case'].pk}/change/",
        "/admin/complaints/department/",
        f"/admin/complaints/department/{hotel['case'].department_id}/change/",
        "/admin/rooms/room/",
        "/admin/rooms/room/add/",
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        "/admin/hotel_crm/property/",
    ):
        _visit(page, base + path, problems)
    # the admin's own scripts run: the inline "Add another" row of categories
    page.goto(f"{base}/admin/complaints/department/{hotel['case'].department_id}/change/")
    rows = page.locator(".dynamic-categories").count()
    page.click(".add-row a")
    assert page.locator(".dynamic-categories").count() == rows + 1
    assert problems == []
