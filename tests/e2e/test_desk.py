"""At the desk and on the floor (issue #21): phone, tablet and desk widths, both languages.

Every main page at 390, 768 and 1280 px, in English and Chinese: no sideways scroll, a compact header,
every tap target at least 44 × 44 px, no English on the Chinese pages (system text and timeline too);
forms that help (a remedy fills in its value, the length counter, nothing cut); the review queue
shrinks; the login button shows progress. Screenshots of the main pages at 390 px in Chinese land in
var/screenshots/desk/ (not committed) for people to look at.
"""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from complaints import services
from complaints.demo import load_authority, load_departments
from complaints.models import Area, Category, Complaint, Department, EventKind
from complaints.workflow import Status
from guests import services as guest_services
from hotel_crm import roles
from rooms.models import RoomType
from tests import factories
from tests.complaints.services.cases import act, walk
from tests.e2e.test_browser import _ui_vocabulary

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "desk"
WIDTHS = [390, 768, 1280]
LANGUAGES = ["en", "zh-hans"]
MIN_TARGET = 44  # px, WCAG 2.2 target size (enhanced)
HEADER_MAX = {390: 64, 768: 64, 1280: 120}  # px: one bar on phone and tablet, nav inline on the desk


@pytest.fixture
def desk(sha):
    """A hotel with a Chinese-named VIP in house, a plain guest, a repeat case at the verify step with
    its QR link, a case over the clerk's authority, and a closed case for the review queue."""
    load_departments(sha)
    load_authority(sha)
    clerk = factories.front_desk_at(sha, username="desk", first_name="Li", last_name="Na")
    manager = factories.make_staff("manager", roles_at={sha: roles.GUEST_RELATIONS_MANAGER})
    today = sha.today()
    vip = factories.make_guest("王", "芳", salutation="ms", vip_level=1, phones=["+8613812345678"])
    plain = factories.make_guest("李", "雷", salutation="mr")
    stays = {}
    for guest, number in ((vip, "2606"), (plain, "2101")):
        stays[number] = guest_services.stay_create(
            prop=sha,
            guest=guest,
            room=factories.make_room(sha, number),
            arrival=today,
            departure=today + dt.timedelta(days=2),
            actor=clerk,
            check_in=True,
        )
    RoomType.objects.update(name_zh="单床豪华房")  # data in both languages, like the demo's
    engineering = Department.objects.get(property=sha, code="engineering")
    noise = Category.objects.filter(department=engineering).order_by("pk").first()
    cases = [
        factories.log_case(
            sha,
            clerk,
            department=engineering,
            category=noise,
            stay=stays["2606"],
            guest=vip,
            area=Area.ROOM,
            room=stays["2606"].room,
            guest_words=f"空调噪音很大 ({n})",
        )
        for n in range(3)
    ]
    repeat = cases[-1]
    assert repeat.is_repeat and repeat.repeat_notice["key"] == "complaints.repeat"
    walk(repeat, clerk, Status.VERIFYING)  # its timeline says where the guest's link went (no email)
    over_limit = cases[0]
    walk(over_limit, clerk, Status.RESOLVING)
    act(
        services.offer_make,
        over_limit,
        clerk,
        remedy_type="refund",
        description="退两晚房费",
        value=Decimal("5000"),
    )
    closed = walk(cases[1], clerk, Status.CLOSED)
    return {
        "clerk": clerk,
        "manager": manager,
        "vip": vip,
        "stays": stays,
        "repeat": repeat,
        "closed": closed,
        "over_limit": over_limit,
    }


def _pages(desk) -> dict[str, tuple[str, str]]:
    """name -> (who, path): the main pages of a shift."""
    stay = desk["stays"]["2606"]
    return {
        "in-house": ("desk", "/guests/"),
        "departures": ("desk", "/guests/?show=departures"),
        "rooms": ("desk", "/rooms/"),
        "search": ("desk", "/guests/search/?q=wang"),
        "guest": ("desk", f"/guests/{desk['vip'].pk}/"),
        "cases": ("desk", "/complaints/"),
        "my-cases": ("desk", "/complaints/mine/"),
        "case-verify": ("desk", f"/complaints/{desk['repeat'].pk}/"),
        "case-approval": ("desk", f"/complaints/{desk['over_limit'].pk}/"),
        "log": ("desk", f"/complaints/new/?stay={stay.pk}"),
        "new-guest": ("desk", "/guests/new/"),
        "departments": ("desk", "/complaints/departments/"),
        "notifications": ("desk", "/complaints/notifications/"),
        "security": ("desk", "/account/security/"),
        "dashboard": ("manager", "/complaints/dashboard/"),
        "review": ("manager", "/complaints/review/?reviewed=1"),
        "approvals": ("manager", "/complaints/approvals/"),
    }


SMALL_TARGETS_JS = """(minimum) => {
  const small = [];
  const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const el of document.querySelectorAll(controls)) {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || el.closest('[hidden]')) continue;
    let rect = el.getBoundingClientRect();
    if (rect.width <= 1 || rect.height <= 1 || rect.right < 0) continue;  // folded away, or visually hidden
    if (el.matches('input[type=checkbox], input[type=radio]') && el.labels && el.labels.length) {
      // the label is part of the target: tapping it ticks the box (the union of the two boxes)
      const label = el.labels[0].getBoundingClientRect();
      const left = Math.min(label.left, rect.left), right = Math.max(label.right, rect.right);
      const top = Math.min(label.top, rect.top), bottom = Math.max(label.bottom, rect.bottom);
      rect = { width: right - left, height: bottom - top };
    }
    if (el.tagName === 'A' && style.display === 'inline') {
      // WCAG's inline exception: a link inside a sentence keeps the line's height
      const sentence = [...el.parentElement.childNodes].some(
        n => n !== el && n.nodeType === 3 && n.textContent.trim().length > 1);
      if (sentence) continue;
    }
    if (rect.height < minimum - 0.5 || rect.width < minimum - 0.5) {
      const name = (el.innerText || el.value || el.name || el.id || el.getAttribute('aria-label') || '')
        .trim();
      small.push(`${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''} "${name.slice(0, 25)}"`
        + ` ${Math.round(rect.width)}x${Math.round(rect.height)}`);
    }
  }
  return small;
}"""


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("width", WIDTHS)
def test_every_main_page_fits_the_screen_with_big_enough_targets(page_for, desk, width, language):
    # Given a clerk and a guest relations manager on a phone, a tablet or a desk terminal
    browsers = {
        who: page_for(who, factories.PASSWORD, width=width, language=language) for who in ("desk", "manager")
    }
    base = browsers["desk"].url.split("/", 3)[:3]
    base = "/".join(base)
    shots = width == 390 and language == "zh-hans"
    if shots:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for name, (who, path) in _pages(desk).items():
        page = browsers[who]
        # When they open each main page of a shift
        response = page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert response.status == 200, path
        # Then nothing scrolls sideways, the header stays compact and every target is big enough
        if not _no_sideways_scroll(page):
            problems.append(f"{path}: scrolls sideways at {width}px")
        header = page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")
        if header > HEADER_MAX[width]:
            problems.append(f"{path}: header {header:.0f}px tall at {width}px (at most {HEADER_MAX[width]})")
        small = page.evaluate(SMALL_TARGETS_JS, MIN_TARGET)
        if small:
            problems.append(f"{path}: targets under {MIN_TARGET}px: {small[:8]}")
        if shots:
            page.screenshot(path=str(SCREENSHOTS / f"{name}-zh-390.png"), full_page=True)
    # the folded menu, opened, has big targets too and does not push the page sideways
    page = browsers["desk"]
    page.goto(base + "/guests/")
    if width < 1440:
        assert not page.is_visible(".main-nav"), "the menu is folded on phones and tablets"
        page.click(".site-menu > summary")
        assert page.is_visible(".main-nav a[href='/complaints/']")
        small = page.evaluate(SMALL_TARGETS_JS, MIN_TARGET)
        if small:
            problems.append(f"the open menu: targets under {MIN_TARGET}px: {small}")
        assert _no_sideways_scroll(page)
        if shots:
            page.screenshot(path=str(SCREENSHOTS / "menu-open-zh-390.png"))
    else:
        assert page.is_visible(".main-nav a[href='/complaints/']"), "the desk shows the menu inline"
    assert problems == [], "\n".join(problems)


ENGLISH_SYSTEM_TEXT = re.compile(
    r"cases of|within \d+ days|over the limit|over today|No email on file|Emailed to|Select an option"
    r"|---------|a\.m\.|p\.m\.|Approval needed",
)


@pytest.mark.parametrize("width", [390, 1280])
def test_chinese_pages_have_no_english_in_ui_system_text_or_timeline(page_for, desk, width):
    # Given cases whose timelines hold system text: a repeat notice, an over-limit line, where the link went
    vocabulary = _ui_vocabulary()
    # names, offers and the browser's own name (sessions on the security page) are data, not UI
    data_words = {"wang", "fang", "desk", "manager", "utc", "fruit", "basket", "like"}
    page = page_for("manager", factories.PASSWORD, width=width, language="zh-hans")
    base = "/".join(page.url.split("/", 3)[:3])
    for name, (_who, path) in _pages(desk).items():
        # When a Chinese reader opens every main page
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        if width < 1440:
            page.click(".site-menu > summary")  # the menu's words count too
        body = page.inner_text("body")
        # Then no UI word, system notice or timeline title is in English
        words = {w.lower() for w in re.findall(r"[A-Za-z_]{3,}", body)}
        leftovers = sorted((words & vocabulary) - data_words)
        assert leftovers == [], f"{name}: English in the Chinese page: {leftovers}"
        found = ENGLISH_SYSTEM_TEXT.search(body)
        assert found is None, f"{name}: English system text {found.group(0)!r}"
        options = page.evaluate("[...document.querySelectorAll('option')].map(o => o.textContent)")
        english = [
            o
            for o in options
            if ({w.lower() for w in re.findall(r"[A-Za-z_]{3,}", o)} & vocabulary) - data_words
        ]
        assert english == [], f"{name}: English options in the Chinese page: {english}"
    # and the repeat notice and the timeline read in Chinese on the case page
    page.goto(base + f"/complaints/{desk['repeat'].pk}/")
    timeline = page.inner_text(".timeline")
    assert "起" in page.inner_text(
        ".notice.warning"
    )  # "3 起 … 投诉" — the repeat notice, rendered in Chinese
    assert "二维码" in timeline  # "No email on file: show the QR code…" in Chinese
    page.goto(base + f"/complaints/{desk['over_limit'].pk}/")
    assert "超出" in page.inner_text(".timeline") or "超过" in page.inner_text(".timeline")


@pytest.mark.parametrize("width", WIDTHS)
def test_picking_a_remedy_fills_in_what_it_is_and_its_value(page_for, desk, width):
    # Given a case at the resolve step
    case = factories.log_case(
        desk["stays"]["2101"].property,
        desk["clerk"],
        stay=desk["stays"]["2101"],
        guest=desk["stays"]["2101"].guest,
    )
    walk(case, desk["clerk"], Status.RESOLVING)
    page = page_for("desk", factories.PASSWORD, width=width)
    base = "/".join(page.url.split("/", 3)[:3])
    page.goto(base + f"/complaints/{case.pk}/")
    # one select for the remedy, not two
    assert (
        page.locator("#id_remedy_choice").count() == 1 and page.locator("select#id_remedy_type").count() == 0
    )
    # When the clerk picks "Spa voucher" from the catalogue
    page.select_option("#id_remedy_choice", label="Spa voucher · 500.00")
    # Then its description and value are filled in
    assert page.input_value("#id_description") == "Spa voucher"
    assert page.input_value("#id_value") == "500.00"
    # and picking another catalogue remedy replaces what the first filled in
    page.select_option("#id_remedy_choice", label="F&B credit · 200.00")
    assert page.input_value("#id_description") == "F&B credit"
    assert page.input_value("#id_value") == "200.00"
    # but never what the clerk typed
    page.fill("#id_description", "Dinner for two at the Chinese restaurant")
    page.select_option("#id_remedy_choice", label="Spa voucher · 500.00")
    assert page.input_value("#id_description") == "Dinner for two at the Chinese restaurant"
    page.click("button:has-text('Offer a solution')")
    page.wait_for_selector("text=Waiting for the guest's answer")
    offer = case.offers.get()
    assert (
        offer.remedy is not None and offer.remedy.name_en == "Spa voucher" and offer.value == Decimal("500")
    )
    assert _no_sideways_scroll(page)


@pytest.mark.parametrize(("width", "language"), [(390, "zh-hans"), (768, "en"), (1280, "en")])
def test_the_length_counter_warns_and_a_long_text_is_refused_not_cut(page_for, desk, width, language):
    # Given the log form
    page = page_for("desk", factories.PASSWORD, width=width, language=language)
    base = "/".join(page.url.split("/", 3)[:3])
    page.goto(base + f"/complaints/new/?stay={desk['stays']['2101'].pk}")
    # "Happened at" is already now
    assert page.input_value("#id_occurred_at").startswith(desk["clerk"].date_joined.date().isoformat()[:4])
    assert page.input_value("#id_occurred_at") != ""
    # the counter is there from the start
    counter = page.locator("#id_guest_words-counter")
    assert counter.is_visible() and "4000" in counter.inner_text()
    assert page.get_attribute("#id_guest_words", "maxlength") is None, "a maxlength cuts pasted text silently"
    # When the clerk pastes a guest's long letter (more than 4,000 characters)
    letter = "客人说：房间空调一直响，晚上睡不着。" * 250  # 4,500 characters
    page.fill("#id_guest_words", letter)
    # Then the counter says by how much it is too long
    assert "over" in (counter.get_attribute("class") or "")
    assert "500" in counter.inner_text()
    page.select_option("#id_department", str(Department.objects.get(code="engineering").pk))
    page.click("button.primary[type=submit]")
    # and saving refuses it with a message, keeping every character typed; nothing is saved
    page.wait_for_selector(".has-error .error")
    assert page.input_value("#id_guest_words") == letter
    assert Complaint.objects.filter(guest_words__startswith="客人说").count() == 0
    # near the limit it warns before the limit is reached
    page.fill("#id_guest_words", "a" * 3700)
    assert "near" in (counter.get_attribute("class") or "") and "300" in counter.inner_text()
    assert _no_sideways_scroll(page)


@pytest.mark.parametrize(("width", "language"), [(390, "en"), (768, "zh-hans"), (1280, "en")])
def test_the_review_queue_shrinks_as_cases_are_reviewed(page_for, desk, width, language):
    # Given the review queue with the closed case
    closed = desk["closed"]
    page = page_for("manager", factories.PASSWORD, width=width, language=language)
    base = "/".join(page.url.split("/", 3)[:3])
    page.goto(base + "/complaints/review/")
    rows_before = page.locator("table.list tbody tr").count()
    assert closed.reference in page.inner_text("main")
    # When the manager marks it reviewed
    page.fill(f"#comment-closed-{closed.pk}", "Well recovered")
    page.click(f"form:has(#comment-closed-{closed.pk}) button")
    page.wait_for_selector(".message.success")
    # Then it leaves the queue
    assert page.locator("table.list tbody tr").count() == rows_before - 1
    assert page.locator(f"#comment-closed-{closed.pk}").count() == 0
    assert closed.events.filter(kind=EventKind.REVIEWED, note="Well recovered").exists()
    # and "show reviewed" brings it back with the comment
    page.check("input[name=reviewed]")
    page.click("form.filters button")
    page.wait_for_selector("text=Well recovered")
    assert page.locator(f"#comment-closed-{closed.pk}").count() == 1
    assert _no_sideways_scroll(page)


def _submit_and_load(page, button):
    """Clicks a button that submits a form and returns once the answering page has loaded.

    A locator's count() does not wait: read right after the click, it can see the old page or a
    new one still empty (CI saw 0 rows that way once)."""
    with page.expect_navigation(wait_until="load"):
        (page.locator(button) if isinstance(button, str) else button).click()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_in_house_list_filters_by_room_name_vip_and_not_yet_asked(page_for, desk, width):
    page = page_for("desk", factories.PASSWORD, width=width)
    base = "/".join(page.url.split("/", 3)[:3])
    page.goto(base + "/guests/")
    assert page.locator("table.list tbody tr").count() == 2
    # by room number
    page.fill("#list-q", "2101")
    _submit_and_load(page, "form.list-filter button[type=submit]")
    assert page.locator("table.list tbody tr").count() == 1 and "2101" in page.inner_text("table.list")
    # by name, in pinyin
    page.fill("#list-q", "wang")
    _submit_and_load(page, "form.list-filter button[type=submit]")
    assert page.locator("table.list tbody tr").count() == 1 and "2606" in page.inner_text("table.list")
    # VIPs only
    page.fill("#list-q", "")
    page.check("input[name=vip]")
    _submit_and_load(page, "form.list-filter button[type=submit]")
    assert page.locator("table.list tbody tr").count() == 1 and "2606" in page.inner_text("table.list")
    # not yet asked how the stay is going: asking 2101 takes it off that list
    page.goto(base + "/guests/")
    row = page.locator("tr:has(a.room-number:text-is('2101'))")
    row.locator("summary").click()
    row.locator("select[name=outcome]").select_option("all_good")
    _submit_and_load(page, row.locator("button:has-text('Save')"))
    page.goto(base + "/guests/?not_asked=1")
    assert page.locator("table.list tbody tr").count() == 1 and "2101" not in page.inner_text("table.list")
    assert _no_sideways_scroll(page)


def test_the_guest_link_is_a_qr_code_with_a_copyable_link_that_stays_in_its_card(page_for, desk):
    for width in (390, 1280):
        page = page_for("desk", factories.PASSWORD, width=width)
        base = "/".join(page.url.split("/", 3)[:3])
        page.goto(base + f"/complaints/{desk['repeat'].pk}/")
        qr = page.locator(".guest-link-qr svg").bounding_box()
        link = page.locator("#guest-link-url")
        card = page.locator("section.guest-link").bounding_box()
        assert qr["width"] >= 200, "the QR code is the main element"
        assert link.input_value().startswith(base + "/g/")
        box = link.bounding_box()
        assert box["x"] + box["width"] <= card["x"] + card["width"] + 1, "the link runs past its card"
        assert _no_sideways_scroll(page)
        assert page.is_visible("button[data-copy]")


def test_dates_are_day_first_or_iso_never_ambiguous(page_for, desk, sha):
    # Given the English UI at a hotel with the default day-first style
    page = page_for("desk", factories.PASSWORD, width=1280)
    base = "/".join(page.url.split("/", 3)[:3])
    page.goto(base + f"/complaints/{desk['repeat'].pk}/")
    text = page.inner_text(".timeline")
    # Then dates read "7 Dec 2026 14:05": never 12/07/2026, never "a.m.", no zone label at one's own hotel
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}", text), text
    main = page.inner_text("main")
    assert not re.search(r"\d{1,2}/\d{1,2}/\d{4}", main) and "a.m." not in main and "p.m." not in main
    assert "UTC+" not in main
    # When the hotel chooses ISO dates
    sha.date_style = "iso"
    sha.save(update_fields=["date_style"])
    page.goto(base + f"/complaints/{desk['repeat'].pk}/")
    # Then the same page reads 2026-12-07 14:05
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", page.inner_text(".timeline"))


def test_the_login_button_shows_progress_while_the_password_is_checked(browser, live_server, desk):
    # Given the login page on a phone
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "desk")
    page.fill("#id_password", factories.PASSWORD)
    # When the clerk taps "Log in" (PBKDF2 then takes about a second on the server)
    busy, label = page.evaluate(
        """() => { const button = document.querySelector('main form button[type=submit]');
                   button.click();
                   return [button.getAttribute('aria-busy'), button.textContent]; }"""
    )
    # Then the button says it is working, at once, and the login goes through
    assert busy == "true" and "Checking your password" in label
    page.wait_for_url(lambda url: "/login/" not in url)
    context.close()
