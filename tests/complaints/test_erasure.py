"""Erasing a guest (guests.services.guest_erase) reaches their complaint cases at every hotel: the text
that names, reaches or quotes the guest goes, the cases stay for the figures."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import translation

from complaints import guest_voice, services
from complaints.models import (
    Complaint,
    ComplaintEvent,
    Compliment,
    CourtesyCheck,
    DutyLogEntry,
    EventKind,
    GuestCheck,
    LogCategory,
    Notification,
    Offer,
    TeamAlert,
    TeamAlertStatus,
    TeamChatHook,
)
from complaints.services import shift as shift_services
from complaints.workflow import Status, Verdict
from guests import services as guest_services
from hotel_crm import roles
from tests import factories

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
NAME = "Zhaomei"  # the guest's family name: it must be nowhere after the erasure
WORDS = "cold shower"  # in every text she said or staff wrote about her


def act(service, case, actor, **kwargs):
    case.refresh_from_db()
    return service(complaint=case, actor=actor, expected_version=case.version, **kwargs)


def stay_at(prop, clerk, guest, room):
    today = prop.today()
    return guest_services.stay_create(
        prop=prop,
        guest=guest,
        room=factories.make_room(prop, room),
        arrival=today,
        departure=today + 2 * DAY,
        actor=clerk,
        check_in=True,
    )


def her_case(prop, clerk, stay, *, offer_value):
    """Logged, restated, apologised, offer accepted with her answer, a note, then her link answered."""
    case = factories.log_case(
        prop,
        clerk,
        department=factories.make_department(prop, "housekeeping"),
        stay=stay,
        guest_words=f"I am Ms {NAME}, the {WORDS} woke me up.",
        complainant_name=f"{NAME} Mei",
    )
    act(services.complaint_confirm_restatement, case, clerk, confirmed=True, note=f"{NAME}: {WORDS}")
    act(services.complaint_apologise, case, clerk, method="in_person")
    value = Decimal(offer_value)
    offer = act(services.offer_make, case, clerk, remedy_type="amenity", description="Dinner", value=value)
    response = f"{NAME} likes {WORDS}"
    act(services.offer_answer, case, clerk, offer_id=offer.pk, accepted=True, response=response)
    services.complaint_add_note(complaint=case, actor=clerk, note=f"Called Ms {NAME} about the {WORDS}.")
    act(services.complaint_request_verification, case, clerk)
    check = GuestCheck.objects.get(complaint=case, revoked_at__isnull=True)
    token = guest_voice.guest_check_token(check)
    guest_voice.guest_check_answer(token=token, answer=Verdict.DISSATISFIED, comment=f"{NAME}: {WORDS} again")
    services.courtesy_check_log(prop=prop, stay=stay, actor=clerk, outcome="issue", note=f"{NAME}: {WORDS}")
    shift_services.duty_log_write(
        prop=prop, author=clerk, category=LogCategory.GUEST, text=f"Ms {NAME}: {WORDS}", complaint=case
    )
    return case


def texts_of(case) -> list[str]:
    """Every free text stored about the case, its timeline, its offers, its link and its stay."""
    case.refresh_from_db()
    texts = [case.complainant_name, case.guest_words, case.withdrawn_reason]
    for event in ComplaintEvent.objects.filter(complaint=case):
        texts += [event.note, event.text]
    texts += list(Offer.objects.filter(complaint=case).values_list("guest_response", flat=True))
    texts += [
        t for check in GuestCheck.objects.filter(complaint=case) for t in (check.comment, check.sent_to)
    ]
    texts += list(CourtesyCheck.objects.filter(stay=case.stay).values_list("note", flat=True))
    texts += list(Compliment.objects.filter(stay=case.stay).values_list("words", flat=True))
    texts += list(DutyLogEntry.objects.filter(complaint=case).values_list("text", flat=True))
    return texts


@pytest.fixture
def hgh_grm(hgh):
    return factories.make_staff("hgh-manager", roles_at={hgh: roles.GUEST_RELATIONS_MANAGER})


def test_erasing_a_guest_scrubs_her_cases_at_every_hotel_and_keeps_their_figures(
    sha, hgh, grm, hgh_grm, login
):
    clerk = factories.front_desk_at(sha, hgh, username="both-hotels")
    guest = factories.make_guest(
        family_name_latin=NAME, given_name_latin="Mei", email="zhao.mei@guest.example"
    )
    sha_stay = stay_at(sha, clerk, guest, "2606")
    cases = [
        her_case(sha, clerk, sha_stay, offer_value="350"),
        her_case(hgh, clerk, stay_at(hgh, clerk, guest, "0808"), offer_value="120"),
    ]
    services.compliment_record(prop=sha, actor=clerk, praised=clerk, words=f"{NAME} loved it", stay=sha_stay)
    other = factories.log_case(sha, clerk, guest_words=f"Next door: {WORDS}", complainant_name="Li Lei")
    services.complaint_add_note(complaint=other, actor=clerk, note=f"Li Lei: {WORDS}")
    before = {
        case.pk: (case.category_id, case.department_id, case.status, case.reported_at, case.version)
        for case in Complaint.objects.filter(pk__in=[c.pk for c in cases])
    }
    events_before = {
        case.pk: list(ComplaintEvent.objects.filter(complaint=case).values_list("kind", "actor", "at"))
        for case in cases
    }
    assert all(any(WORDS in t for t in texts_of(case)) for case in cases)  # the test sees the text

    guest_services.guest_erase(guest=guest, actor=grm, reason="Guest asked (PIPL)")

    for case, manager in zip(cases, [grm, hgh_grm], strict=True):
        texts = texts_of(case)
        assert not [t for t in texts if NAME.lower() in t.lower() or WORDS in t or "zhao.mei" in t], texts
        assert case.guest_words == "(erased)" and case.complainant_name == ""
        # The case stays for the figures: category, department, step, times, compensation, timeline shape
        category, department, status, reported_at, version = before[case.pk]
        assert (case.category_id, case.department_id, case.status, case.reported_at) == (
            category,
            department,
            status,
            reported_at,
        )
        assert case.status == Status.RESOLVING and case.verdict == Verdict.DISSATISFIED
        assert case.version == version + 1  # a case page opened before the erasure is refused
        kept = list(ComplaintEvent.objects.filter(complaint=case).values_list("kind", "actor", "at"))
        assert kept == events_before[case.pk]
        assert EventKind.GUEST_VERDICT in [kind for kind, _actor, _at in kept]
        assert list(Offer.objects.filter(complaint=case).values_list("value", flat=True)) == [
            Decimal("350") if case.property_id == sha.pk else Decimal("120")
        ]
        page = login(manager).get(f"/complaints/{case.pk}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert case.reference in html
        assert NAME not in html and WORDS not in html and "zhao.mei" not in html

    # Another guest's case is untouched
    other.refresh_from_db()
    assert other.guest_words == f"Next door: {WORDS}" and other.complainant_name == "Li Lei"
    assert f"Li Lei: {WORDS}" in ComplaintEvent.objects.filter(complaint=other).values_list("note", flat=True)


def test_a_case_page_opened_before_the_erasure_cannot_write_back(sha, clerk, grm):
    guest = factories.make_guest(family_name_latin=NAME)
    case = factories.log_case(sha, clerk, stay=stay_at(sha, clerk, guest, "2606"), guest_words=WORDS)
    opened = case.version
    guest_services.guest_erase(guest=guest, actor=grm, reason="PIPL")
    case.refresh_from_db()
    with pytest.raises(services.StaleComplaint):
        services.complaint_confirm_restatement(
            complaint=case, actor=clerk, expected_version=opened, confirmed=True, note=WORDS
        )


def test_erasure_reaches_the_bell_and_the_team_chat(
    sha, clerk, grm, login, django_capture_on_commit_callbacks
):
    """A flagged check-in names the guest on the managers' bell and in the team chat; a notification about
    her case may quote her. After the erasure none of them names her; each keeps its link (the case's
    notice says which case), and a VIP alert not yet posted is never posted."""
    TeamChatHook.objects.create(  # quiet all day: the alert waits in the outbox, as at night
        property=sha, url="http://127.0.0.1:9/robot", quiet_from=dt.time(0, 0), quiet_until=dt.time(23, 59)
    )
    guest = factories.make_guest(family_name_latin=NAME, given_name_latin="Mei", vip_level=2, salutation="ms")
    past = factories.log_case(sha, clerk, guest=guest, guest_words=WORDS)
    today = sha.today()
    stay = guest_services.stay_create(
        prop=sha,
        guest=guest,
        room=factories.make_room(sha, "2606"),
        arrival=today,
        departure=today + 2 * DAY,
        actor=clerk,
    )
    with django_capture_on_commit_callbacks(execute=True):
        guest_services.stay_check_in(stay=stay, actor=clerk)
    about_case = past.get_absolute_url() + "#timeline"
    services.notify([grm], prop=sha, text=f"Ms {NAME} asks for the manager about the {WORDS}", url=about_case)
    other = factories.log_case(sha, clerk, guest_words="Noise", complainant_name="Li Lei")
    services.notify([grm], prop=sha, text="Li Lei asks too", url=other.get_absolute_url())
    profile = f"/guests/{guest.pk}/"

    def texts(notification) -> str:
        shown = []
        for language in ("en", "zh-hans"):
            with translation.override(language):
                shown.append(notification.display_text)
        return " ".join([notification.text, json.dumps(notification.message, ensure_ascii=False), *shown])

    bell = {n.url: n for n in Notification.objects.filter(recipient=grm)}
    assert NAME in texts(bell[profile]) and NAME in texts(bell[about_case])  # the test sees her name
    alert = TeamAlert.objects.get(key=f"vip_arrival:{stay.pk}")
    assert NAME in alert.text and alert.status == TeamAlertStatus.PENDING

    guest_services.guest_erase(guest=guest, actor=grm, reason="Guest asked (PIPL)")

    bell = {n.url: n for n in Notification.objects.filter(recipient=grm)}
    assert set(bell) == {profile, about_case, other.get_absolute_url()}  # the links stay
    assert not [t for t in map(texts, bell.values()) if NAME in t or WORDS in t]
    assert past.reference in bell[about_case].display_text
    assert bell[other.get_absolute_url()].text == "Li Lei asks too"  # another guest's is untouched
    with translation.override("zh-hans"):
        assert "客人资料已删除" in bell[profile].display_text
    page = login(grm).get("/complaints/notifications/").content.decode()
    assert NAME not in page and past.reference in page
    alert.refresh_from_db()
    assert NAME not in alert.text and alert.status == TeamAlertStatus.FAILED
