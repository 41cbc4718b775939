"""End to end in a real browser: the front desk's main flows on phone, tablet and desk, in two languages."""

import datetime as dt

import pytest

from complaints.models import Complaint
from complaints.workflow import Status
from guests import services as guest_services
from hotel_crm.demo_complaints import load_departments
from tests import factories

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def hotel(sha):
    load_departments(sha)
    clerk = factories.front_desk_at(sha, username="desk", first_name="Li", last_name="Na")
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
    return {"clerk": clerk, "guest": guest, "stay": stay}


def _no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("width", [390, 768, 1280])
def test_a_clerk_logs_a_complaint_and_takes_it_through_the_cycle(page_for, hotel, width):
    page = page_for("desk", factories.PASSWORD, width=width)
    # the in-house list, with the guest addressed by name
    page.goto(page.url.split("/rooms/")[0] + "/guests/")
    assert "Ms Wang" in page.content()
    assert _no_sideways_scroll(page), f"horizontal scrolling at {width}px on the in-house list"
    page.click("text=Log complaint")
    page.fill("#id_guest_words", "The air conditioning rattles all night.")
    page.select_option("#id_department", label="Engineering")
    page.check("#id_restated_confirmed")
    page.click("button:has-text('Log the case')")
    page.wait_for_selector("text=2 · Apologising")
    assert _no_sideways_scroll(page), f"horizontal scrolling at {width}px on the case page"
    page.select_option("#id_method", "in_person")
    page.click("button:has-text('I apologised')")
    page.wait_for_selector("[aria-current=step]:has-text('3 · Resolving')")
    page.select_option("#id_remedy_type", "room_move")
    page.fill("#id_description", "Quiet room on the same floor")
    page.click("button:has-text('Offer a solution')")
    page.click("button:has-text('Guest accepts')")
    page.wait_for_selector("[aria-current=step]:has-text('4 · Following up')")
    page.click("button:has-text('Everything is done: verify with the guest')")
    page.wait_for_selector("[aria-current=step]:has-text('5 · Verifying')")
    page.check("input[value=very_satisfied]")
    page.click("button:has-text('Record the verdict')")
    page.wait_for_selector("text=Recovered")
    case = Complaint.objects.get()
    assert case.status == Status.CLOSED and case.recovered()


def test_the_search_box_works_by_keyboard(page_for, hotel):
    page = page_for("desk", factories.PASSWORD, width=768)
    page.focus("#header-q")
    page.keyboard.type("5678")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Room 2606")
    assert "Ms Wang" in page.content()


def test_switching_to_chinese_from_any_page(page_for, hotel):
    page = page_for("desk", factories.PASSWORD, width=390)
    page.click("button:has-text('中文')")
    page.wait_for_selector("text=房态")
    assert "退出登录" in page.content()
    page.goto(page.url.split("/rooms/")[0] + "/guests/")
    assert "王女士" in page.content()  # the guest addressed the Chinese way


def test_every_form_field_has_a_label(page_for, hotel):
    page = page_for("desk", factories.PASSWORD)
    base = page.url.split("/rooms/")[0]
    for path in ("/guests/new/", f"/complaints/new/?stay={hotel['stay'].pk}", "/rooms/", "/guests/"):
        page.goto(base + path)
        unlabelled = page.evaluate("""() => [...document.querySelectorAll(
            'input:not([type=hidden]):not([type=submit]), select, textarea')]
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
            .map(el => el.name || el.id)""")
        assert unlabelled == [], f"{path}: fields without a label: {unlabelled}"
