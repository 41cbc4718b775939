"""Numbers a browser sends that Python's isdigit() accepts but int() or the database refuses.

"²" is a digit to str.isdigit() and a ValueError to int(); "١٢٣" is read as 123; a 20-digit id
overflows SQLite's integer and PostgreSQL's bigint; a 20-digit page number makes an OFFSET no
database takes. Each class answered 500 somewhere (hotel_crm.inputs now reads them all); here each
reaches every view that reads such a value, as every kind of number.
"""

import pytest
from django import forms

from complaints.models import IncomingMessage, WeChatAccount
from guests.models import Guest
from hotel_crm.inputs import MAX_ID, as_id, as_number
from tests.security.conftest import client_for

pytestmark = pytest.mark.django_db

ODD_NUMBERS = ["²", "١٢٣", "99999999999999999999", "9" * 400, "-1", "0", " 7", "7.0", ""]
ALLOWED = {200, 302, 400, 403, 404, 405, 409}


def test_as_id_takes_ascii_digits_within_a_bigint_only():
    assert [as_id(v) for v in ["7", "0007", str(MAX_ID), str(MAX_ID + 1), *ODD_NUMBERS, None, 7]] == [
        7,
        7,
        MAX_ID,
        None,
        *[None] * len(ODD_NUMBERS),
        None,
        None,
    ]
    assert as_number("0") == 0 and as_number("²") is None and as_number("1" * 21) is None


def test_every_integer_field_of_every_form_is_bounded():
    """A form's number reaches a query: unbounded, a 20-digit value overflowed the database."""
    from tests.app_modules import form_classes

    unbounded, checked = [], 0
    for cls in form_classes():
        for name, field in cls.base_fields.items():
            if isinstance(field, forms.IntegerField):
                checked += 1
                if not _bounded(cls, name, field):
                    unbounded.append(f"{cls.__name__}.{name}")
    assert checked > 10 and not unbounded, unbounded


def _bounded(cls: type, name: str, field: forms.IntegerField) -> bool:
    """Its own max_value, or (a model form's field) the model field's range, checked on saving."""
    from django.core.validators import MaxValueValidator

    limits = [field.max_value] if field.max_value is not None else []
    model = getattr(getattr(cls, "_meta", None), "model", None)
    if model is not None and name in {f.name for f in model._meta.get_fields()}:
        limits += [
            v.limit_value for v in model._meta.get_field(name).validators if isinstance(v, MaxValueValidator)
        ]
    return bool(limits) and min(limits) <= MAX_ID


def _requests(demo_ids: dict[str, int]) -> list[tuple[str, str, str, dict[str, str] | None]]:
    """(user, method, path, data): every view that reads a number straight from the request."""
    guest, message = demo_ids["guest"], demo_ids["message"]
    requests = []
    for odd in ODD_NUMBERS:
        requests += [
            ("frontdesk", "get", f"/complaints/new/?stay={odd}&guest={odd}&courtesy={odd}", None),
            ("frontdesk", "post", "/complaints/new/", {"stay": odd, "guest": odd, "courtesy": odd}),
            ("frontdesk", "get", f"/complaints/panels/courtesy/?stay={odd}&stay=1", None),
            ("frontdesk", "get", f"/complaints/compliments/new/?stay={odd}", None),
            ("grm", "post", "/complaints/review/", {"complaint": odd, "comment": "x"}),
            ("grm", "post", f"/complaints/intake/{message}/dismiss/", {"version": odd}),
            ("grm", "get", f"/guests/{guest}/merge/?source={odd}", None),
            ("frontdesk", "get", f"/complaints/?per_page={odd}&page={odd}", None),
            ("frontdesk", "get", f"/guests/?per_page={odd}&page={odd}", None),
            ("frontdesk", "post", "/account/page-size/", {"page_size": odd, "next": "/complaints/"}),
            ("frontdesk", "get", f"/complaints/?room={odd}&category={odd}&assignee={odd}&floor={odd}", None),
            ("frontdesk", "get", f"/complaints/shift/log/?corrects={odd}&page={odd}", None),
            ("grm", "get", f"/complaints/problems/?page={odd}", None),
            ("grm", "post", "/complaints/departments/actions/1/acknowledge/", {"department": odd}),
            (None, "post", f"/channels/wechat/sha-demo/?timestamp={odd}&nonce=n&signature=s", {}),
        ]
    for path in ("/complaints/panels/guest/{}/", "/guests/panels/room/{}/", "/complaints/{}/", "/guests/{}/"):
        for huge in ("99999999999999999999", str(MAX_ID + 1), "9" * 19):
            requests.append(("grm", "get", path.format(huge), None))
    return requests


def test_no_view_answers_500_to_an_odd_number(demo):
    ids = {
        "guest": Guest.objects.order_by("pk").values_list("pk", flat=True).first(),
        "message": IncomingMessage.objects.order_by("pk").values_list("pk", flat=True).first(),
    }
    assert WeChatAccount.objects.filter(key="sha-demo").exists()
    clients = {name: client_for(name) for name in ("frontdesk", "grm")} | {None: client_for(None)}
    for user, method, path, data in _requests(ids):
        response = getattr(clients[user], method)(path, data) if data is not None else clients[user].get(path)
        assert response.status_code in ALLOWED, (
            f"{method.upper()} {path} {data} as {user}: {response.status_code}"
        )
    # a page number past any list's end still shows a page
    page = clients["grm"].get("/complaints/?page=99999999999999999999")
    assert page.status_code == 200


def test_a_url_id_longer_than_a_bigint_is_not_found(demo):
    grm = client_for("grm")
    assert grm.get("/complaints/99999999999999999999/").status_code == 404
    assert grm.get(f"/guests/{'9' * 19}/").status_code == 404


def test_an_authenticator_code_in_other_scripts_digits_is_refused_not_a_crash():
    from hotel_crm import mfa

    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # any valid authenticator secret
    assert mfa._matching_step(secret, "١٢٣٤٥٦", after_step=-1) is None
    assert mfa._matching_step(secret, "²²²²²²", after_step=-1) is None
