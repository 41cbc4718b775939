"""In a real browser: an engineering supervisor acknowledges new work on a 390 px phone (issue #20)."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from complaints import services
from complaints.demo import load_departments
from complaints.models import Department, FollowUpAction
from complaints.workflow import Status
from tests import factories
from tests.complaints.services.cases import act, walk

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def test_a_supervisor_acknowledges_work_on_a_phone(page_for, live_server, sha):
    # Given engineering work handed over from a case, and its supervisor on a 390 px phone
    load_departments(sha)
    engineering = Department.objects.get(property=sha, code="engineering")
    clerk = factories.front_desk_at(sha, username="desk")
    supervisor = factories.front_desk_at(sha, username="engineer", first_name="Zhou", last_name="Qiang")
    engineering.supervisors.add(supervisor)
    case = walk(factories.log_case(sha, clerk, department=engineering), clerk, Status.FOLLOWING_UP)
    page = page_for("engineer", factories.PASSWORD, width=390)
    # When new work is handed to engineering while the supervisor's page is open
    page.goto(live_server.url + f"/complaints/departments/{engineering.pk}/")
    assert page.locator(".work-item").count() == 0
    action = act(
        services.action_add,
        case,
        clerk,
        description="Replace the fan motor in 2606",
        due_at=timezone.now() + dt.timedelta(hours=2),
        department=engineering,
    )
    # Then the bell shows it without a reload (the bell polls every 20 s)
    page.wait_for_selector("#bell .badge", timeout=30000)
    assert page.locator("#bell .badge").inner_text() == "1"
    page.reload()
    item = page.locator(f"#action-{action.pk}")
    assert "Sent, not yet acknowledged" in item.inner_text()
    # The queue fits the phone: no sideways scroll, and the buttons are big enough to tap
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    button = item.get_by_role("button", name="Acknowledge")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "department-queue-390.png"), full_page=True)
    # When the supervisor taps "Acknowledge"
    button.click()
    page.wait_for_load_state()
    # Then the work is acknowledged by them, now, and the case's timeline says so
    assert "Acknowledged by Zhou Qiang" in page.locator(f"#action-{action.pk}").inner_text()
    action = FollowUpAction.objects.get(pk=action.pk)
    assert action.state == "acknowledged" and action.acknowledged_by == supervisor
    assert case.events.filter(kind="action_ack", actor=supervisor).exists()
    page.screenshot(path=str(SCREENSHOTS / "department-queue-390-acknowledged.png"), full_page=True)
