"""Issue #10, test 2: every URL × every role gets the expected status, written down as data.

Each URL name of the URLconf must have a row here (a new view fails this test until someone decides
who may open it). Rows are requested with real demo ids (SHA, where the front desk, the manager and
the duty manager work), plus ids of the other hotel and of a sensitive case, which must answer 404
to those not entitled (the same rule as the lists, ADR 0009). POST-only URLs are POSTed with an
empty form: a refusal is then 403/404, an allowed role gets the form's answer (400 or a redirect).
The admin site is classified per kind of page, for every registered model.
"""

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from tests.security.conftest import client_for

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "frontdesk", "grm", "duty", "director", "admin")
USERS = {"anonymous": None, **{r: r for r in ROLES[1:]}}

# url name[variant]: (method, path template, statuses in ROLES order)
# {room} {guest} {stay} {case} {dept} are SHA objects; {hgh_*} belong to the other hotel (HGH);
# {sensitive} is the demo's harassment case, logged by the manager.
MATRIX = {
    # --- anyone may reach these
    "login": ("GET", "/login/", (200, 302, 302, 302, 302, 302)),
    "healthz": ("GET", "/healthz", (200, 200, 200, 200, 200, 200)),
    "logout": ("POST", "/logout/", (302, 302, 302, 302, 302, 302)),
    "set_language": ("POST", "/i18n/setlang/", (302, 302, 302, 302, 302, 302)),
    # --- every logged-in member of staff
    "home": ("GET", "/", (302, 302, 302, 302, 302, 302)),
    "switch_property": ("POST", "/property/switch/", (302, 404, 404, 404, 404, 404)),  # no such hotel
    # an empty form changes nothing and goes back to the home page; anonymous: the login page
    "set_page_size": ("POST", "/account/page-size/", (302, 302, 302, 302, 302, 302)),
    "ping": ("GET", "/ping/", (302, 200, 200, 200, 200, 200)),
    # --- one's own sign-in security (second factor, sessions)
    "account_security": ("GET", "/account/security/", (302, 200, 200, 200, 200, 200)),
    "account_sessions_end_others": (
        "POST",
        "/account/security/end-other-sessions/",
        (302, 302, 302, 302, 302, 302),
    ),
    "account_recovery_codes_renew": (
        "POST",
        "/account/security/recovery-codes/",
        (302, 302, 302, 302, 302, 302),
    ),
    "mfa_enrol": ("GET", "/account/mfa/enrol/", (302, 200, 200, 200, 200, 200)),
    "mfa_verify": ("GET", "/account/mfa/verify/", (302, 302, 302, 302, 302, 302)),
    # Locked second factors: the GRMs and administrators of the hotel, and superusers (ADR 0015).
    "mfa_locks": ("GET", "/account/mfa/locks/", (302, 403, 200, 403, 403, 200)),
    "mfa_unlock": ("POST", "/account/mfa/locks/999999/unlock/", (302, 404, 404, 404, 404, 404)),
    # --- rooms
    "rooms:board": ("GET", "/rooms/", (302, 200, 200, 200, 200, 200)),
    "rooms:detail": ("GET", "/rooms/{room}/", (302, 200, 200, 200, 200, 200)),
    "rooms:detail[other hotel]": ("GET", "/rooms/{hgh_room}/", (302, 404, 404, 404, 404, 404)),
    "rooms:change_status": ("POST", "/rooms/{room}/status/", (302, 400, 400, 400, 403, 400)),
    # --- guests
    "guests:in_house": ("GET", "/guests/", (302, 200, 200, 200, 200, 200)),
    "guests:search": ("GET", "/guests/search/?q=wang", (302, 200, 200, 200, 200, 200)),
    "guests:create": ("GET", "/guests/new/", (302, 200, 200, 200, 403, 200)),
    "guests:detail": ("GET", "/guests/{guest}/", (302, 200, 200, 200, 200, 200)),
    "guests:edit": ("GET", "/guests/{guest}/edit/", (302, 200, 200, 200, 403, 200)),
    "guests:export": ("GET", "/guests/{guest}/export.json", (302, 403, 200, 403, 403, 200)),
    "guests:erase": ("GET", "/guests/{guest}/erase/", (302, 403, 200, 403, 403, 200)),
    "guests:merge": ("GET", "/guests/{guest}/merge/", (302, 403, 200, 403, 403, 200)),
    "guests:stay_create": ("GET", "/guests/{guest}/stays/new/", (302, 200, 200, 200, 403, 200)),
    "guests:check_in": ("POST", "/guests/stays/{stay}/check-in/", (302, 302, 302, 302, 403, 302)),
    "guests:check_in[other hotel]": (
        "POST",
        "/guests/stays/{hgh_stay}/check-in/",
        (302, 404, 404, 404, 403, 404),
    ),
    "guests:check_out": ("POST", "/guests/stays/{stay}/check-out/", (302, 302, 302, 302, 403, 302)),
    "guests:cancel": ("POST", "/guests/stays/{stay}/cancel/", (302, 302, 302, 302, 403, 302)),
    "guests:room_occupant": ("GET", "/guests/panels/room/{room}/", (302, 200, 200, 200, 200, 200)),
    # --- complaints
    "complaints:list": ("GET", "/complaints/", (302, 200, 200, 200, 200, 200)),
    "complaints:list[csv]": ("GET", "/complaints/?format=csv", (302, 200, 200, 200, 200, 200)),
    "complaints:mine": ("GET", "/complaints/mine/", (302, 200, 200, 200, 200, 200)),
    "complaints:create": ("GET", "/complaints/new/", (302, 200, 200, 200, 403, 200)),
    "complaints:detail": ("GET", "/complaints/{case}/", (302, 200, 200, 200, 200, 200)),
    "complaints:detail[sensitive]": ("GET", "/complaints/{sensitive}/", (302, 404, 200, 404, 404, 200)),
    "complaints:act": ("POST", "/complaints/{case}/note/", (302, 400, 400, 400, 403, 400)),
    "complaints:act[sensitive]": ("POST", "/complaints/{sensitive}/note/", (302, 404, 400, 404, 403, 400)),
    "complaints:guest_cases": ("GET", "/complaints/panels/guest/{guest}/", (302, 200, 200, 200, 200, 200)),
    "complaints:courtesy": ("POST", "/complaints/courtesy/{stay}/", (302, 302, 302, 302, 403, 302)),
    # Everyone sees what waits for approval at their hotel; only approvers get the buttons.
    "complaints:approvals": ("GET", "/complaints/approvals/", (302, 200, 200, 200, 200, 200)),
    "complaints:approval_decide": (
        "POST",
        "/complaints/approvals/999999/decide/",
        (302, 404, 404, 404, 403, 404),
    ),
    "complaints:departments": ("GET", "/complaints/departments/", (302, 200, 200, 200, 200, 200)),
    "complaints:department_queue": ("GET", "/complaints/departments/{dept}/", (302, 200, 200, 200, 200, 200)),
    "complaints:department_queue[other hotel]": (
        "GET",
        "/complaints/departments/{hgh_dept}/",
        (302, 404, 404, 404, 404, 404),
    ),
    "complaints:ledger": ("GET", "/complaints/ledger/", (302, 403, 200, 200, 200, 200)),
    # --- prevention (issue #20): problems are for managers; department work for every clerk
    "complaints:problems": ("GET", "/complaints/problems/", (302, 403, 200, 200, 200, 200)),
    "complaints:problem": ("GET", "/complaints/problems/{problem}/", (302, 403, 200, 200, 200, 200)),
    "complaints:problem[missing]": ("GET", "/complaints/problems/999999/", (302, 403, 404, 404, 404, 404)),
    "complaints:problem_act": (
        "POST",
        "/complaints/problems/{problem}/owner/",
        (302, 403, 400, 400, 403, 400),
    ),
    "complaints:action_move": (
        "POST",
        "/complaints/departments/actions/999999/acknowledge/",
        (302, 302, 302, 302, 403, 302),
    ),
    "complaints:courtesy_column": (
        "GET",
        "/complaints/panels/courtesy/?stay={stay}",
        (302, 200, 200, 200, 403, 200),
    ),
    "complaints:compliments": ("GET", "/complaints/compliments/", (302, 403, 200, 200, 200, 200)),
    "complaints:compliments[csv]": (
        "GET",
        "/complaints/compliments/?format=csv",
        (302, 403, 200, 200, 200, 200),
    ),
    "complaints:compliment_create": (
        "GET",
        "/complaints/compliments/new/?stay={stay}",
        (302, 200, 200, 200, 403, 200),
    ),
    "complaints:bell": ("GET", "/complaints/notifications/bell/", (302, 200, 200, 200, 403, 200)),
    "complaints:notifications": ("GET", "/complaints/notifications/", (302, 200, 200, 200, 200, 200)),
    "complaints:dashboard": ("GET", "/complaints/dashboard/", (302, 403, 200, 200, 200, 200)),
    "complaints:review": ("GET", "/complaints/review/", (302, 403, 200, 200, 200, 200)),
    # --- the shift: the desk's and the managers' start page, duty log, handovers, briefing
    "complaints:my_shift": ("GET", "/complaints/shift/", (302, 200, 200, 200, 403, 200)),
    "complaints:duty_log": ("GET", "/complaints/shift/log/", (302, 200, 200, 200, 403, 200)),
    "complaints:duty_log[post]": ("POST", "/complaints/shift/log/", (302, 400, 400, 400, 403, 400)),
    "complaints:handover_create": ("GET", "/complaints/shift/handover/", (302, 200, 200, 200, 403, 200)),
    "complaints:handover": ("GET", "/complaints/shift/handovers/{handover}/", (302, 200, 200, 200, 403, 200)),
    "complaints:handover_acknowledge": (
        "POST",
        "/complaints/shift/handovers/999999/acknowledge/",
        (302, 404, 404, 404, 403, 404),
    ),
    "complaints:briefing": ("GET", "/complaints/shift/briefing/", (302, 200, 200, 200, 403, 200)),
    "complaints:arrivals_briefing": (
        "GET",
        "/complaints/panels/arrivals-briefing/",
        (302, 200, 200, 200, 403, 200),
    ),
    # --- guests' own channels (issue #23): the intake queue is for those who log cases
    "complaints:intake": ("GET", "/complaints/intake/", (302, 200, 200, 200, 403, 200)),
    "complaints:intake_detail": ("GET", "/complaints/intake/{incoming}/", (302, 200, 200, 200, 403, 200)),
    "complaints:intake_to_case": (
        "POST",
        "/complaints/intake/{incoming}/case/",
        (302, 400, 400, 400, 403, 400),
    ),
    "complaints:intake_attach": (
        "POST",
        "/complaints/intake/{incoming}/attach/",
        (302, 400, 400, 400, 403, 400),
    ),
    "complaints:intake_dismiss": (
        "POST",
        "/complaints/intake/{incoming}/dismiss/",
        (302, 400, 400, 400, 403, 400),
    ),
    "complaints:intake_attachment": (
        "GET",
        "/complaints/intake/attachments/999999/",
        (302, 404, 404, 404, 403, 404),
    ),
    "complaints:case_messages": (
        "GET",
        "/complaints/intake/cases/{case}/messages/",
        (302, 200, 200, 200, 200, 200),
    ),
    "complaints:case_messages[sensitive]": (
        "GET",
        "/complaints/intake/cases/{sensitive}/messages/",
        (302, 404, 200, 404, 404, 200),
    ),
    "complaints:case_reply": (
        "POST",
        "/complaints/intake/cases/{case}/reply/",
        (302, 302, 302, 302, 403, 302),
    ),
    "complaints:case_reply[sensitive]": (
        "POST",
        "/complaints/intake/cases/{sensitive}/reply/",
        (302, 404, 302, 404, 403, 302),
    ),
    "complaints:reviews": ("GET", "/complaints/intake/reviews/", (302, 403, 200, 200, 403, 200)),
    "complaints:review_reply": (
        "POST",
        "/complaints/intake/reviews/999999/reply/",
        (302, 404, 404, 404, 403, 404),
    ),
    # --- the channels calling in: signed (WeChat) or with the webhook secret (mail services); no login
    "channels:wechat": ("GET", "/channels/wechat/no-such-account/", (404, 404, 404, 404, 404, 404)),
    "channels:wechat[bad signature]": ("GET", "/channels/wechat/sha-demo/", (403, 403, 403, 403, 403, 403)),
    "channels:anymail_postmark_inbound_webhook": ("POST", "/channels/postmark/inbound/", (400,) * 6),
    "channels:anymail_mailjet_inbound_webhook": ("POST", "/channels/mailjet/inbound/", (400,) * 6),
    "channels:anymail_sparkpost_inbound_webhook": ("POST", "/channels/sparkpost/inbound/", (400,) * 6),
    # --- the guest's own page (a signed link; no login)
    "guest_check": ("GET", "/g/not-a-real-token/", (404, 404, 404, 404, 404, 404)),
    "guest_thanks": ("GET", "/g/thanks/", (200, 200, 200, 200, 200, 200)),
    # --- the REST API, with the browser session (tokens are tested in tests/api)
    "api:schema": ("GET", "/api/v1/schema/", (200, 200, 200, 200, 200, 200)),
    "api:docs": ("GET", "/api/v1/docs/", (200, 200, 200, 200, 200, 200)),
    "api:redoc": ("GET", "/api/v1/redoc/", (200, 200, 200, 200, 200, 200)),
    "api:not_found": ("GET", "/api/v1/nothing-here/", (404, 404, 404, 404, 404, 404)),
    "api:guests": ("GET", "/api/v1/guests/", (401, 200, 200, 200, 200, 200)),
    "api:guest_search": ("GET", "/api/v1/guests/search/?q=wang", (401, 200, 200, 200, 200, 200)),
    "api:guest": ("GET", "/api/v1/guests/{guest}/", (401, 200, 200, 200, 200, 200)),
    "api:stays": ("GET", "/api/v1/stays/", (401, 200, 200, 200, 200, 200)),
    "api:stay": ("GET", "/api/v1/stays/{confirmation}/", (401, 200, 200, 200, 200, 200)),
    "api:rooms": ("GET", "/api/v1/rooms/", (401, 200, 200, 200, 200, 200)),
    "api:room": ("GET", "/api/v1/rooms/{room_number}/", (401, 200, 200, 200, 200, 200)),
    "api:room_status": ("PUT", "/api/v1/rooms/{room_number}/status/", (401, 400, 400, 400, 403, 400)),
    "api:duty_log": ("GET", "/api/v1/shift/log/", (401, 200, 200, 200, 403, 200)),
    "api:handovers": ("GET", "/api/v1/shift/handovers/", (401, 200, 200, 200, 403, 200)),
    "api:handover": ("GET", "/api/v1/shift/handovers/{handover}/", (401, 200, 200, 200, 403, 200)),
    "api:handover_acknowledge": (
        "POST",
        "/api/v1/shift/handovers/999999/acknowledge/",
        (401, 404, 404, 404, 403, 404),
    ),
    "api:complaints": ("GET", "/api/v1/complaints/", (401, 200, 200, 200, 200, 200)),
    "api:complaint": ("GET", "/api/v1/complaints/{case}/", (401, 200, 200, 200, 200, 200)),
    "api:complaint[sensitive]": ("GET", "/api/v1/complaints/{sensitive}/", (401, 404, 200, 404, 404, 200)),
    # The empty body is a valid "restated: yes" for a case still listening: the first caller (the
    # front desk) moves it on, after which the step is refused (409) to the others.
    "api:restate": ("POST", "/api/v1/complaints/{case}/restate/", (401, 200, 409, 409, 403, 409)),
    "api:apologise": ("POST", "/api/v1/complaints/{case}/apologise/", (401, 400, 400, 400, 403, 400)),
    "api:apologise[sensitive]": (
        "POST",
        "/api/v1/complaints/{sensitive}/apologise/",
        (401, 404, 400, 404, 403, 400),
    ),
    "api:offer": ("POST", "/api/v1/complaints/{case}/offers/", (401, 400, 400, 400, 403, 400)),
    "api:offer_accept": (
        "POST",
        "/api/v1/complaints/{case}/offers/999999/accept/",
        (401, 409, 409, 409, 403, 409),
    ),
    "api:offer_decline": (
        "POST",
        "/api/v1/complaints/{case}/offers/999999/decline/",
        (401, 409, 409, 409, 403, 409),
    ),
    "api:action_add": ("POST", "/api/v1/complaints/{case}/actions/", (401, 400, 400, 400, 403, 400)),
    "api:action_complete": (
        "POST",
        "/api/v1/complaints/{case}/actions/999999/complete/",
        (401, 409, 409, 409, 403, 409),
    ),
    "api:request_verification": (
        "POST",
        "/api/v1/complaints/{case}/request-verification/",
        (401, 409, 409, 409, 403, 409),
    ),
    "api:verify": ("POST", "/api/v1/complaints/{case}/verify/", (401, 400, 400, 400, 403, 400)),
    "api:withdraw": ("POST", "/api/v1/complaints/{case}/withdraw/", (401, 400, 400, 400, 403, 400)),
}

# The admin site: anonymous visitors go to the login page; staff without is_staff get 403.
NOT_STAFF = (302, 403, 403, 403, 403)
ADMIN_PAGES = {
    "admin:index": ("/admin/", (*NOT_STAFF, 200)),
    "admin:login": ("/admin/login/", (302, 403, 403, 403, 403, 302)),  # the app's own login page
    "admin:logout": (None, None),  # POST only; covered by the CSRF test
    "admin:password_change": ("/admin/password_change/", (*NOT_STAFF, 200)),
    "admin:password_change_done": ("/admin/password_change/done/", (*NOT_STAFF, 200)),
    "admin:autocomplete": ("/admin/autocomplete/", (*NOT_STAFF, 403)),
    "admin:jsi18n": ("/admin/jsi18n/", (*NOT_STAFF, 200)),
    "admin:view_on_site": (None, None),  # no model here has get_absolute_url
    "admin:app_list": ("/admin/{app}/", (*NOT_STAFF, 200)),
    "admin:rooms_room_add_range": ("/admin/rooms/room/add-range/", (*NOT_STAFF, 200)),
    "admin:auth_user_password_change": ("/admin/auth/user/{user}/password/", (*NOT_STAFF, 200)),
}
# Per model admin: what the superuser gets on add / change / delete (the lifecycle is read-only).
EDITABLE = {"add": 200, "change": 200, "delete": 200}
READ_ONLY = {"add": 403, "change": 200, "delete": 403}
ADMIN_MODELS = {
    "auth.group": EDITABLE,
    "auth.user": EDITABLE,
    "hotel_crm.property": EDITABLE,
    "rooms.roomtype": EDITABLE,
    "rooms.room": EDITABLE,
    "rooms.floorzone": EDITABLE,
    "rooms.facility": EDITABLE,
    "complaints.department": EDITABLE,
    "complaints.preventionrule": EDITABLE,
    "complaints.complaint": READ_ONLY,
    "complaints.remedy": EDITABLE,
    "complaints.authoritylimit": EDITABLE,
    "complaints.approvalrequest": READ_ONLY,
    "complaints.problemtrigger": EDITABLE,
    "complaints.problem": READ_ONLY,
    "complaints.compliment": READ_ONLY,
    "complaints.servicelevelrule": EDITABLE,
    "complaints.digestsetting": EDITABLE,
    "complaints.shift": EDITABLE,
    "complaints.shiftsetting": EDITABLE,
    "complaints.reminder": READ_ONLY,
    "complaints.guestcheck": READ_ONLY,
    "api.apitoken": EDITABLE,
    "api.webhooksubscription": EDITABLE,
    "api.webhookdelivery": READ_ONLY,
    # Guests' own channels: set up by superusers; what arrived and what was sent is the record.
    "complaints.mailbox": EDITABLE,
    "complaints.wechataccount": EDITABLE,
    "complaints.reviewsource": EDITABLE,
    "complaints.teamchathook": EDITABLE,
    "complaints.teamalert": READ_ONLY,
    "complaints.incomingmessage": READ_ONLY,
    # The audit trail cannot be edited by anyone; a login lock can be lifted (deleted) early;
    # a lost authenticator is deleted so its owner enrols again.
    "hotel_crm.auditevent": {"add": 403, "change": 200, "delete": 403},
    "hotel_crm.loginlock": {"add": 403, "change": 200, "delete": 200},
    "hotel_crm.totpdevice": {"add": 403, "change": 200, "delete": 200},
}


def _url_names(resolver=None, namespace: str = "") -> set[str]:
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            names |= _url_names(entry, namespace + (f"{entry.namespace}:" if entry.namespace else ""))
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(namespace + entry.name)
    return names


def _ids() -> dict[str, int]:
    from complaints.models import Complaint, Department, Handover, IncomingMessage, Problem
    from guests.models import Stay, StayStatus
    from rooms.models import Room

    stay = Stay.objects.filter(property__code="SHA", status=StayStatus.IN_HOUSE).order_by("pk").first()
    hgh_stay = Stay.objects.filter(property__code="HGH", status=StayStatus.RESERVED).order_by("pk").first()
    return {
        "room": Room.objects.filter(property__code="SHA").order_by("pk").first().pk,
        "hgh_room": Room.objects.filter(property__code="HGH").order_by("pk").first().pk,
        "guest": stay.guest_id,
        "stay": stay.pk,
        "confirmation": stay.confirmation_number,
        "room_number": Room.objects.filter(property__code="SHA").order_by("pk").first().number,
        "hgh_stay": hgh_stay.pk,
        "case": Complaint.objects.filter(property__code="SHA", category__is_sensitive=False).first().pk,
        "sensitive": Complaint.objects.get(property__code="SHA", category__is_sensitive=True).pk,
        "dept": Department.objects.filter(property__code="SHA").order_by("pk").first().pk,
        "hgh_dept": Department.objects.filter(property__code="HGH").order_by("pk").first().pk,
        "problem": Problem.objects.filter(property__code="SHA").order_by("pk").first().pk,
        "handover": Handover.objects.filter(property__code="SHA").order_by("pk").first().pk,
        "incoming": IncomingMessage.objects.filter(property__code="SHA", status="new")
        .order_by("pk")
        .first()
        .pk,
    }


def _first_user_pk() -> int:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.order_by("pk").first().pk


def _request(role: str, method: str, path: str) -> int:
    """One request as `role`, working at SHA (the superuser and the director would start at HGH)."""
    from hotel_crm.middleware import SESSION_KEY
    from hotel_crm.models import Property

    client = client_for(USERS[role])
    if USERS[role]:
        session = client.session
        session[SESSION_KEY] = Property.objects.get(code="SHA").pk
        session.save()
    if path.startswith("/api/") and method in ("POST", "PUT"):  # the API takes JSON only
        return getattr(client, method.lower())(path, "{}", content_type="application/json").status_code
    return (client.post(path) if method == "POST" else client.get(path)).status_code


def test_every_url_name_is_classified():
    # A URL name missing here fails: classify it in MATRIX (or ADMIN_PAGES / ADMIN_MODELS)
    classified = {key.split("[")[0] for key in MATRIX} | set(ADMIN_PAGES)
    for label in ADMIN_MODELS:
        app, model = label.split(".")
        classified |= {f"admin:{app}_{model}_{view}" for view in ("changelist", "add", "change", "delete")}
        classified |= {f"admin:{app}_{model}_history"}
    registered = {m._meta.label_lower for m in admin.site._registry}
    assert registered == set(ADMIN_MODELS), "classify the admin of: " + str(registered ^ set(ADMIN_MODELS))
    assert _url_names() - classified == set(), "URLs without a row in the access matrix"


def test_the_site_answers_as_the_matrix_says(demo):
    ids = _ids()
    wrong = []
    for key, (method, template, expected) in MATRIX.items():
        path = template.format(**ids)
        actual = tuple(_request(role, method, path) for role in ROLES)
        if actual != expected:
            wrong.append(f"{key!r}: ({method!r}, {template!r}, {actual}),  # expected {expected}")
    assert wrong == [], "\n".join(wrong)


def test_the_admin_answers_as_the_matrix_says(demo):
    wrong = []
    apps = sorted({label.split(".")[0] for label in ADMIN_MODELS})
    for name, (template, expected) in ADMIN_PAGES.items():
        if template is None:
            continue
        paths = [template.format(app=app) for app in apps] if "{app}" in template else [template]
        for path in [p.replace("{user}", str(_first_user_pk())) for p in paths]:
            actual = tuple(_request(role, "GET", path) for role in ROLES)
            if actual != expected:
                wrong.append(f"{name} {path}: {actual}, expected {expected}")
    for model, _model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        first = model._default_manager.order_by("pk").first()
        pages = {"changelist": (base, 200), "add": (base + "add/", ADMIN_MODELS[label]["add"])}
        if first is not None:
            pages["change"] = (f"{base}{first.pk}/change/", ADMIN_MODELS[label]["change"])
            pages["delete"] = (f"{base}{first.pk}/delete/", ADMIN_MODELS[label]["delete"])
            pages["history"] = (f"{base}{first.pk}/history/", 200)
        for view, (path, for_admin) in pages.items():
            actual = tuple(_request(role, "GET", path) for role in ROLES)
            if actual != (*NOT_STAFF, for_admin):
                wrong.append(f"{label} {view} {path}: {actual}, expected {(*NOT_STAFF, for_admin)}")
    assert wrong == [], "\n".join(wrong)
