"""Crawl every page as every demo role, with real ids and hostile input: nothing may crash.

The Django test client re-raises a view's exception, so any 500 fails here loudly.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from complaints.demo import load_demo
from hotel_crm.demo import DEMO_USERS
from tests.urlwalk import all_paths

pytestmark = pytest.mark.django_db

HOSTILE = {
    "q": "' OR 1=1; -- <script>alert(1)</script> 张三 %_\\",
    "version": "-1",
    "status": "<img src=x onerror=alert(1)>",
    "note": "\u202e" + "x" * 5000,
    "reason": "",
    "guest_words": "😀" * 3000,
    "property": "999999999999999999999",
    "room": "../../etc/passwd",
    "offer": "1e309",
    "action": "NaN",
    "due_at": "9999-99-99T99:99",
    "value": "-1",
    "verdict": "very_satisfied",
    "next": "https://evil.example/",
}
ALLOWED = {200, 302, 400, 403, 404, 405, 409}
# The REST API takes JSON only: the form-encoded hostile POST is refused as such (415).
API_ALLOWED = ALLOWED | {415}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_demo()
    yield
    with django_db_blocker.unblock():
        from django.core.management import call_command

        call_command("flush", interactive=False)


def _ids():
    from complaints.models import (
        ApprovalRequest,
        Complaint,
        Department,
        FollowUpAction,
        Handover,
        ImportedReview,
        IncomingAttachment,
        IncomingMessage,
        Problem,
    )
    from guests.models import Guest, Stay
    from hotel_crm.models import TOTPDevice
    from rooms.models import Room

    sha_rooms = list(Room.objects.filter(property__code="SHA").values_list("pk", flat=True)[:3])
    hgh_rooms = list(Room.objects.filter(property__code="HGH").values_list("pk", flat=True)[:1])
    stays = list(Stay.objects.order_by("status", "pk").values_list("pk", flat=True)[:4])
    return {
        "/rooms/": sha_rooms + hgh_rooms,
        "/guests/panels/room/": sha_rooms,
        "/guests/stays/": stays,
        "/guests/": list(Guest.objects.values_list("pk", flat=True)[:4]),
        "/complaints/panels/guest/": list(Guest.objects.values_list("pk", flat=True)[:2]),
        "/complaints/courtesy/": stays,
        # issue #20: the demo's problem, and department work (not acknowledged, and done)
        "/complaints/problems/": list(Problem.objects.values_list("pk", flat=True)[:2]),
        "/complaints/departments/actions/": list(
            {a.state: a.pk for a in FollowUpAction.objects.order_by("pk")}.values()
        ),
        "/complaints/shift/handovers/": list(Handover.objects.values_list("pk", flat=True)[:2]),
        # issue #23: the intake queue's demo messages, and a case's messages panel
        "/complaints/intake/cases/": list(
            {c.status: c.pk for c in Complaint.objects.order_by("pk")}.values()
        ),
        "/complaints/intake/": list(IncomingMessage.objects.values_list("pk", flat=True)[:3]),
        "/complaints/intake/reviews/": list(ImportedReview.objects.values_list("pk", flat=True)[:2]),
        "/complaints/intake/attachments/": list(IncomingAttachment.objects.values_list("pk", flat=True)[:2]),
        "/complaints/approvals/": list(
            ApprovalRequest.objects.order_by("state", "pk").values_list("pk", flat=True)[:3]
        ),
        "/complaints/departments/": list(
            Department.objects.filter(property__code="SHA").values_list("pk", flat=True)[:2]
        ),
        # one case in each step
        "/complaints/": list({c.status: c.pk for c in Complaint.objects.order_by("pk")}.values()),
        "/api/v1/guests/": list(Guest.objects.values_list("pk", flat=True)[:2]),
        "/api/v1/complaints/": list({c.status: c.pk for c in Complaint.objects.order_by("pk")}.values()),
        "/api/v1/shift/handovers/": list(Handover.objects.values_list("pk", flat=True)[:2]),
        # staff with an authenticator (the demo's grm, roomsadmin, admin): unlocking their second factor
        "/account/mfa/locks/": list(
            TOTPDevice.objects.order_by("user_id").values_list("user_id", flat=True)[:2]
        ),
    }


def _paths():
    from complaints.action_workflow import ActionMove
    from complaints.views import FORMS
    from complaints.views.problems import STEPS

    slugs = {"/complaints/problems/": list(STEPS), "/complaints/departments/actions/": list(ActionMove)}

    ids = _ids()
    paths = []
    for path in all_paths():
        if path.startswith(("/static/", "/admin/")) or path == "/logout/":
            continue
        if "/1/" not in path:
            paths.append(path)
            continue
        # The id's own prefix: the one the id follows (not a shorter one, whose ids are another model's).
        prefix = next((p for p in ids if path.startswith(p) and path[len(p) :].startswith("1/")), None)
        assert prefix is not None, f"{path}: add the ids of its objects to _ids()"
        for pk in ids[prefix] or [999_999]:  # none in the demo: still crawled, as a missing object
            real = path.replace("/1/", f"/{pk}/", 1)
            if real.endswith("/x/"):  # the action slug: every action there is
                paths += [real[: -len("x/")] + f"{action}/" for action in slugs.get(prefix, FORMS)]
            else:
                paths.append(real)
    return paths


@pytest.mark.parametrize("username", [u.username for u in DEMO_USERS])
def test_every_page_as_every_role_never_crashes(demo, username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    for path in _paths():
        allowed = API_ALLOWED if path.startswith("/api/") else ALLOWED
        response = client.get(path)
        assert response.status_code in allowed, f"GET {path} as {username}: {response.status_code}"
        response = client.get(path, HOSTILE)
        assert response.status_code in allowed, f"GET {path}?hostile as {username}: {response.status_code}"
        response = client.post(path, HOSTILE)
        assert response.status_code in allowed, f"POST {path} as {username}: {response.status_code}"
        assert "<script>alert(1)</script>" not in response.content.decode(errors="replace")


@pytest.mark.parametrize("username", ["admin", "roomsadmin"])
def test_admin_pages_never_crash(demo, username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    index = client.get("/admin/")
    assert index.status_code == 200
    for app_model in (
        "rooms/room",
        "rooms/roomtype",
        "rooms/floorzone",
        "rooms/facility",
        "complaints/department",
        "complaints/complaint",
        "complaints/preventionrule",
        "hotel_crm/property",
        "auth/user",
        "api/apitoken",
        "api/webhooksubscription",
        "api/webhookdelivery",
    ):
        for suffix in ("", "?q=%27%3Cscript%3E", "1/change/", "add/"):
            response = client.get(f"/admin/{app_model}/{suffix}")
            assert response.status_code in ALLOWED, f"/admin/{app_model}/{suffix} as {username}"


@pytest.mark.django_db
def test_the_crawl_reaches_every_kind_of_object_with_real_ids(demo):
    """Each id in a crawled path is an object of its own kind (the reply to a review is crawled with a
    review, not an intake message's id): the demo has one of each the staff can act on."""
    # Not in the test demo: authenticators (the tests' staff sign in without one) and attachments (the
    # demo's messages carry none); their pages are crawled as a missing object's.
    absent = {"/account/mfa/locks/", "/complaints/intake/attachments/"}
    empty = sorted(prefix for prefix, pks in _ids().items() if not pks and prefix not in absent)
    assert not empty, f"no demo objects to crawl under {empty}"
