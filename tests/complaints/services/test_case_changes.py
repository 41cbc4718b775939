"""Changes at any step: withdraw, reopen, reassign, delight (complaints.services.case_changes)."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from complaints import services
from complaints.models import (
    EventKind,
)
from complaints.services import ComplaintError
from complaints.workflow import Status
from tests import factories
from tests.complaints.services.cases import act, timeline, walk

pytestmark = pytest.mark.django_db

S = Status
K = EventKind
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def test_withdrawing_needs_a_reason(sha, clerk, dept):
    # Given an open case
    case = walk(factories.log_case(sha, clerk, department=dept), clerk, S.RESOLVING)
    # When it is withdrawn without a reason
    # Then it is refused and the case is still open
    with pytest.raises(ComplaintError, match="why"):
        act(services.complaint_withdraw, case, clerk, reason="   ")
    case.refresh_from_db()
    assert case.status == S.RESOLVING
    # When it is withdrawn with a reason
    act(services.complaint_withdraw, case, clerk, reason="The guest found the bag in the car.")
    # Then it is withdrawn, the reason is kept, and it cannot be withdrawn again
    case.refresh_from_db()
    assert case.status == S.WITHDRAWN and case.withdrawn_reason == "The guest found the bag in the car."
    with pytest.raises(ComplaintError, match="not possible"):
        act(services.complaint_withdraw, case, clerk, reason="Again")


@pytest.mark.parametrize("ended", [S.CLOSED, S.WITHDRAWN])
def test_reopening_an_ended_case_goes_back_to_resolving(sha, clerk, grm, dept, ended):
    # Given a closed (or withdrawn) case
    case = factories.log_case(sha, clerk, department=dept)
    if ended == S.CLOSED:
        walk(case, clerk, S.CLOSED)
    else:
        act(services.complaint_withdraw, case, clerk, reason="Guest changed their mind.")
    # When a manager reopens it without a reason, then with one
    with pytest.raises(ComplaintError, match="why"):
        act(services.complaint_reopen, case, grm, reason="")
    act(services.complaint_reopen, case, grm, reason="The guest called back: it happened again.")
    # Then it is back at resolving, no longer closed, and the timeline says who reopened it and why
    case.refresh_from_db()
    assert case.status == S.RESOLVING and case.closed_at is None
    last = case.events.order_by("at", "pk").last()
    assert (last.kind, last.from_status, last.to_status) == (K.REOPENED, ended, S.RESOLVING)
    assert last.actor == grm and "happened again" in last.note


def test_an_open_case_cannot_be_reopened(sha, grm, dept):
    # Given an open case
    case = factories.log_case(sha, grm, department=dept)
    # When it is reopened
    # Then it is refused
    with pytest.raises(ComplaintError, match="not possible"):
        act(services.complaint_reopen, case, grm, reason="Why not")


def test_a_delight_gesture_comes_after_resolving_has_started(sha, clerk, dept):
    # Given a case still being listened to, and one that was closed
    early = factories.log_case(sha, clerk, department=dept)
    done = walk(factories.log_case(sha, clerk, department=dept), clerk, S.CLOSED)
    # When a delight gesture is recorded on each
    # Then it is refused on the first and recorded on the closed one
    with pytest.raises(ComplaintError, match="after"):
        services.complaint_record_delight(complaint=early, actor=clerk, note="Fruit basket")
    services.complaint_record_delight(complaint=done, actor=clerk, note="Handwritten card")
    assert done.events.filter(kind=K.DELIGHT, note="Handwritten card").exists()


def test_a_case_can_be_handed_to_a_colleague_at_this_hotel(sha, clerk, grm, dept):
    # Given a case assigned to the clerk who logged it
    case = factories.log_case(sha, clerk, department=dept)
    # When it is handed to the guest relations manager
    act(services.complaint_assign, case, clerk, assignee=grm)
    # Then the manager has it, the owner is unchanged, and the hand-over is on the timeline
    case.refresh_from_db()
    assert case.assignee == grm and case.owner == clerk
    event = case.events.get(kind=K.REASSIGNED)
    assert event.data == {"from": clerk.pk, "to": grm.pk} and event.to_status == ""


def test_changed_details_are_kept_as_fields_and_values_and_read_in_each_language(sha, clerk, dept):
    # Given a case logged with no mood, reported at 12:00 in Shanghai
    reported = dt.datetime(2026, 12, 7, 4, 0, tzinfo=dt.UTC)
    case = factories.log_case(sha, clerk, department=dept, reported_at=reported, now=reported)
    # When a clerk working in Chinese corrects the mood and when it happened (02:15 UTC, 10:15 there)
    with translation.override("zh-hans"):
        happened = dt.datetime(2026, 12, 7, 2, 15, tzinfo=dt.UTC)
        act(
            services.complaint_update_details, case, clerk, changes={"mood": "angry", "occurred_at": happened}
        )
    # Then the entry holds the fields and their values, not text in the clerk's language
    event = case.events.get(kind=K.UPDATED)
    assert event.note == ""
    mood, occurred = event.data["changes"]
    assert mood == {"field": "mood", "old": "", "new": "angry"}
    assert occurred["field"] == "occurred_at"
    assert occurred["new"] == {"moment": happened.isoformat(), "zone": "Asia/Shanghai"}
    # And each reader sees the labels in their language and the time as the hotel tells it
    with translation.override("en"), timezone.override(dt.UTC):
        lines = event.text.splitlines()
        assert lines[0] == "Guest's mood: — → Angry"
        assert lines[1].startswith("Happened at: ") and lines[1].endswith("→ 7 Dec 2026 10:15")
    with translation.override("zh-hans"):
        lines = event.text.splitlines()
        assert lines[0] == "客人情绪：— → 生气"
        assert lines[1].startswith("发生时间：") and lines[1].endswith("→ 2026年12月7日 10:15")


def test_a_details_change_written_before_keeps_its_text(sha, clerk, dept):
    # Given a "Details changed" row from before, with its English text and the values as strings
    case = factories.log_case(sha, clerk, department=dept)
    event = case.events.create(
        kind=K.UPDATED, actor=clerk, note="severity: low → high", data={"severity": ["low", "high"]}
    )
    # Then it reads as it was written
    with translation.override("zh-hans"):
        assert event.text == "severity: low → high"


@pytest.mark.parametrize("who", ["other_hotel", "no_role", "deactivated"])
def test_assigning_to_someone_without_a_role_at_this_hotel_is_refused(sha, hgh, clerk, dept, who):
    # Given a colleague at the other hotel, a user with no role anywhere, and a deactivated clerk here
    person = {
        "other_hotel": lambda: factories.front_desk_at(hgh),
        "no_role": lambda: factories.make_staff(),
        "deactivated": lambda: factories.front_desk_at(sha, is_active=False),
    }[who]()
    case = factories.log_case(sha, clerk, department=dept)
    # When the case is assigned to them
    # Then it is refused and stays with the clerk
    with pytest.raises(ComplaintError, match="does not work at this hotel"):
        act(services.complaint_assign, case, clerk, assignee=person)
    case.refresh_from_db()
    assert case.assignee == clerk and case.version == 1
    assert not case.events.filter(kind=K.REASSIGNED).exists()


def test_a_reopened_case_no_longer_counts_as_recovered(sha, clerk, grm, dept):
    case = walk(factories.log_case(sha, clerk), clerk, S.CLOSED)
    assert case.recovered()
    act(services.complaint_reopen, case, grm, reason="Guest wrote again: the noise is back")
    case.refresh_from_db()
    assert (case.status, case.verdict, case.recovered()) == (S.RESOLVING, "", False)
    assert "verified" in [kind for kind, _f, _t in timeline(case)]  # the old verdict stays on the timeline


def test_a_closed_case_cannot_be_reassigned(sha, clerk, grm, dept):
    case = walk(factories.log_case(sha, clerk), clerk, S.CLOSED)
    with pytest.raises(services.ComplaintError, match="reopen it first"):
        act(services.complaint_assign, case, clerk, assignee=grm)
