"""Issue #10, test 3: script-injection payloads are shown as text everywhere, and CSV cells cannot
become spreadsheet formulas.

Hostile text goes into a guest's names and notes, a walk-in complainant's name, a case's words, its
notes, offers and follow-up actions, and a notification; then every page that shows them, the
e-mails, the CSV exports and the admin are read back.
"""

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.utils import timezone

from complaints import reminders, services
from complaints.models import Reminder, ReminderKind
from hotel_crm import roles
from tests import factories

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
TEMPLATE = "{{7*7}}"
PAYLOADS = [SCRIPT, IMG, JS_URL, TEMPLATE]
# What must never reach a page unescaped
RAW = [SCRIPT, "<img src=x", "onerror=alert(1)>", 'href="javascript:', "<script>"]
FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"]


def act(service, case, actor, **kwargs):
    case.refresh_from_db()
    return service(complaint=case, actor=actor, expected_version=case.version, **kwargs)


@pytest.fixture
def hostile(sha, grm):
    """A guest, a walk-in and their cases, every free-text field carrying a payload."""
    department = factories.make_department(sha, "housekeeping", categories=[f"Dirty {IMG}"])
    guest = factories.make_guest(
        family_name_latin=SCRIPT,
        given_name_latin=IMG,
        notes=f"{JS_URL} {TEMPLATE}",
        preference_notes=SCRIPT,
        email="guest@example.com",
    )
    room = factories.make_room(sha, "1808")
    case = factories.log_case(
        sha,
        grm,
        department=department,
        guest=guest,
        area="room",
        room=room,
        guest_words=" ".join(PAYLOADS),
        people_involved=IMG,
        location_detail=JS_URL,
    )
    services.complaint_add_note(complaint=case, actor=grm, note=f"{SCRIPT} {IMG} {TEMPLATE}")
    act(services.complaint_confirm_restatement, case, grm, confirmed=True, note=IMG)
    act(services.complaint_apologise, case, grm, method="in_person", note=SCRIPT)
    offer = act(services.offer_make, case, grm, remedy_type="amenity", description=IMG)
    act(services.offer_answer, case, grm, offer_id=offer.pk, accepted=True, response=SCRIPT)
    act(
        services.action_add,
        case,
        grm,
        description=f"{SCRIPT} {IMG}",
        department=department,
        due_at=timezone.now() + dt.timedelta(hours=1),
    )
    walk_in = factories.log_case(
        sha, grm, department=department, complainant_name=f"Mr {IMG}", guest_words=FORMULAS[0]
    )
    services.notify([grm], prop=sha, text=f"{SCRIPT} {IMG}", url=f"/complaints/{case.pk}/")
    formulas = [
        factories.log_case(
            sha,
            grm,
            department=department,
            complainant_name=formula,
            guest_words=formula,
            submission_key=str(i),
        )
        for i, formula in enumerate(FORMULAS)
    ]
    return {"guest": guest, "case": case, "walk_in": walk_in, "formulas": formulas, "department": department}


def _assert_escaped(html: str, where: str) -> None:
    for raw in RAW:
        assert raw not in html, f"{where}: unescaped {raw!r}"


def test_every_page_shows_the_payloads_as_text(login, grm, hostile):
    guest, case = hostile["guest"], hostile["case"]
    client = login(grm)
    pages = {
        f"/guests/{guest.pk}/": True,
        f"/guests/{guest.pk}/edit/": True,
        f"/guests/search/?q={guest.family_name_latin[:8]}": False,
        "/guests/": False,
        f"/complaints/panels/guest/{guest.pk}/": True,
        "/complaints/?status=all": True,
        "/complaints/mine/": True,
        f"/complaints/{case.pk}/": True,
        f"/complaints/{hostile['walk_in'].pk}/": True,
        f"/complaints/new/?guest={guest.pk}": True,
        f"/complaints/departments/{hostile['department'].pk}/": True,
        "/complaints/departments/": False,
        "/complaints/notifications/": True,
        "/complaints/review/": False,
        "/complaints/dashboard/?days=90": False,
        "/complaints/approvals/": False,
        "/rooms/": False,
    }
    for path, shows_payload in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        _assert_escaped(html, path)
        if shows_payload:  # the payload is there, escaped (so the check above means something)
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html or "&lt;img src=x" in html, path
    detail = client.get(f"/complaints/{case.pk}/").content.decode()
    assert TEMPLATE in detail  # shown as typed, never evaluated as a template


def test_the_admin_shows_them_as_text(login, sha, hostile):
    admin = factories.make_staff("root", is_superuser=True, is_staff=True)
    client = login(admin)
    case = hostile["case"]
    for path in [
        "/admin/complaints/complaint/",
        f"/admin/complaints/complaint/{case.pk}/change/",
        f"/admin/complaints/complaint/?q={case.reference}",
        "/admin/complaints/department/",
        f"/admin/complaints/department/{hostile['department'].pk}/change/",
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        _assert_escaped(response.content.decode(), path)
    assert "&lt;script&gt;" in client.get(f"/admin/complaints/complaint/{case.pk}/change/").content.decode()


def test_emails_are_plain_text_with_safe_headers(sha, hostile):
    # Given the reminders of both hostile cases go to a clerk with an e-mail address
    clerk = factories.make_staff("mailclerk", roles_at={sha: roles.FRONT_DESK}, email="clerk@example.com")
    # (a name with a line break must not add a header: "Bcc: ...")
    header_trick = factories.log_case(
        sha, hostile["case"].owner, complainant_name="Mr X\r\nBcc: evil@example.com", submission_key="crlf"
    )
    for case in (hostile["case"], hostile["walk_in"], header_trick):
        act(services.complaint_assign, case, case.owner, assignee=clerk)
    # When every reminder falls due and is delivered
    later = timezone.now() + dt.timedelta(days=5)
    for reminder_id in reminders.claim_due(now=later):
        reminders.deliver(reminder_id=reminder_id)
    sent = [m for m in mail.outbox if m.to == ["clerk@example.com"]]
    assert sent, "no e-mail was sent"
    for message in sent:
        # Then they are plain text only (a mail client renders no markup from them)
        assert getattr(message, "alternatives", []) == []
        assert message.content_subtype == "plain"
        assert "\n" not in message.subject and "\r" not in message.subject
        assert "evil@example.com" not in message.bcc + message.cc + message.to
    assert any(IMG in m.body or SCRIPT in m.body for m in sent), "the payload should be in the text, verbatim"
    assert Reminder.objects.filter(kind=ReminderKind.DUE, recipient=clerk, status="sent").exists()


def test_case_export_neutralises_formulas(login, grm, hostile):
    response = login(grm).get("/complaints/?status=all&format=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows[1:] for cell in row]
    assert len(rows) - 1 == 2 + len(FORMULAS)
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), repr(cell)
    # the text is kept, behind a quote
    assert "'" + FORMULAS[0] in cells and "'+1+1" in cells and "'@SUM(A1:A2)" in cells


def test_kpi_export_has_no_formula_cells(login, grm, hostile):
    response = login(grm).get("/complaints/dashboard/?format=csv&days=90")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    for cell in [c for row in rows for c in row]:
        assert not cell.startswith(("=", "+", "@", "\t", "\r")), repr(cell)


def test_guest_export_is_json_not_html(login, grm, hostile):
    response = login(grm).get(f"/guests/{hostile['guest'].pk}/export.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.headers.get("Content-Disposition", "").startswith("attachment")
