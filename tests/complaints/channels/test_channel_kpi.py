"""The channel KPI on a known data set: minutes from message received to case logged, by channel."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from complaints import channels, dashboard, services
from complaints.models import Channel, Complaint, FollowUpAction
from hotel_crm import roles
from tests import factories

pytestmark = pytest.mark.django_db


def _message(prop, n: int, channel: str, received: dt.datetime):
    return channels.incoming_receive(
        prop=prop,
        data=channels.IncomingInput(
            channel=channel,
            external_id=f"k{n}",
            sender=f"s{n}",
            body="cold room",
            raw=b"r",
            received_at=received,
        ),
        now=received,
    )[0]


def _log(message, actor, department, after_minutes: int):
    channels.incoming_to_case(
        message=message,
        actor=actor,
        data=services.ComplaintInput(guest_words="cold room", department=department, complainant_name="G"),
        now=message.received_at + dt.timedelta(minutes=after_minutes),
    )


def test_minutes_to_a_case_by_channel_on_a_known_data_set(sha, clerk):
    department = factories.make_department(sha)
    base = timezone.now() - dt.timedelta(days=2)
    # email: cases after 10, 20 and 60 minutes (median 20, mean 30); one email still waiting
    for n, minutes in enumerate((10, 20, 60)):
        _log(_message(sha, n, Channel.EMAIL, base + dt.timedelta(hours=n)), clerk, department, minutes)
    _message(sha, 10, Channel.EMAIL, base)
    # WeChat: one case after 5 minutes, one message dismissed
    _log(_message(sha, 20, Channel.WECHAT, base), clerk, department, 5)
    channels.incoming_dismiss(message=_message(sha, 21, Channel.WECHAT, base), actor=clerk)
    # a review: imported, not yet turned into a case
    _message(sha, 30, Channel.REVIEW_SITE, base)
    # an email from long before the period does not count
    _log(_message(sha, 40, Channel.EMAIL, base - dt.timedelta(days=60)), clerk, department, 999)

    rows = dashboard.channel_intake_times(sha, dashboard.rolling_period(sha, 30))

    assert [
        (r["channel"], r["received"], r["cases"], r["median_minutes"], r["mean_minutes"]) for r in rows
    ] == [
        ("email", 4, 3, 20.0, 30.0),
        ("review_site", 1, 0, None, None),
        ("wechat", 2, 1, 5.0, 5.0),
    ]


def test_the_dashboard_shows_the_kpi_and_review_cases_as_a_channel_in_fixed_queries(
    sha, clerk, login, steady_session
):
    grm = factories.make_staff("grm9", roles_at={sha: roles.GUEST_RELATIONS_MANAGER})
    department = factories.make_department(sha)
    base = timezone.now() - dt.timedelta(days=1)
    _log(_message(sha, 1, Channel.REVIEW_SITE, base), clerk, department, 30)
    client = login(grm)
    period = dashboard.rolling_period(sha, 30)
    url = f"/complaints/dashboard/?start={period.start}&end={period.end}"
    client.get(url)

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        return len(captured.captured_queries), response.content.decode()

    few, page = queries()
    assert "From the guest&#x27;s message to a case, by channel" in page or "From the guest's message" in page
    assert "Review site" in page and "By channel" in page
    for n in range(2, 25):
        _log(_message(sha, n, Channel.EMAIL if n % 2 else Channel.WECHAT, base), clerk, department, n)
    many, _page = queries()
    assert few == many


def test_a_stored_snapshot_carries_the_department_and_channel_figures_in_the_readers_language(sha, clerk):
    """The dashboard's period figures of issues #20 and #23 come from the snapshot (no query of their own
    on the page), and a snapshot computed in English reads back in Chinese for a Chinese reader."""
    department = factories.make_department(sha, "engineering", name_zh="工程部")
    _log(_message(sha, 1, Channel.WECHAT, timezone.now() - dt.timedelta(hours=3)), clerk, department, 5)
    FollowUpAction.objects.create(
        complaint=Complaint.objects.get(property=sha),
        description="Fix the fan",
        department=department,
        due_at=timezone.now() + dt.timedelta(days=1),
        created_by=clerk,
    )
    with translation.override("en"):
        dashboard.snapshot_refresh(prop=sha, days=30)

    with translation.override("zh-hans"), CaptureQueriesContext(connection) as captured:
        figures, _computed_at = dashboard.snapshot_figures(sha, 30)

    assert [row["name"] for row in figures["department_times"]] == ["工程部"]
    assert [(row["label"], row["cases"]) for row in figures["channel_intake"]] == [("微信", 1)]
    assert figures["coverage"]["share"] is None  # nobody in house: asked of no guest-nights
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    assert len(captured.captured_queries) == 1, tables  # the snapshot row, nothing else
    for table in ("complaints_followupaction", "complaints_incomingmessage", "complaints_courtesycheck"):
        assert table not in tables
