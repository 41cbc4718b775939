"""Issue #18, class 10: every add and change form of the admin, fuzzed. The form's own fields are read
from the page (inlines and their management forms too), then posted back with Hypothesis-chosen fields
replaced by hostile values: wrong types for ids and numbers, impossible dates, NUL bytes, huge text.
No post may answer 500, and a refused post (the form shown again) must change no table."""

from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests.security.conftest import client_for, row_counts

pytestmark = pytest.mark.django_db

EXAMPLES_PER_FORM = 5
SKIP_FIELDS = {"csrfmiddlewaretoken", "_save", "_continue", "_addanother", "_popup", "_to_field"}
HOSTILE = [
    "abc", "-1", "0", "1e309", "9" * 40, "١٢٣", "\x00", "x\x00y", "", " ", "2026-02-30", "0000-00-00",
    "9999-12-31", "0001-01-01", "25:61", "x" * 5000, "<script>", "on", "None", "[]", "{}", "1,2",
]  # fmt: skip
MANAGEMENT = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")


class _FormFields(HTMLParser):
    """The fields of the page's main form and the values the browser would send as they stand."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                self.values.setdefault(name, "") if a.get("type") == "radio" else None
                return
            self.values[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def _forms() -> list[str]:
    paths = []
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        paths.append(base + "add/")
        # Not the superuser's own account: the fuzzer posts as them and must stay logged in.
        first = (
            model._default_manager.exclude(
                **({"username": "admin"} if model._meta.label_lower == "auth.user" else {})
            )
            .order_by("pk")
            .first()
        )
        if first is not None:
            paths.append(f"{base}{first.pk}/change/")
    return sorted(paths)


def test_every_admin_add_and_change_form_survives_hostile_values(demo):
    client = client_for("admin")
    forms = {}
    for path in _forms():
        page = client.get(path)
        if page.status_code != 200:  # read-only models refuse the add page (403)
            continue
        parser = _FormFields()
        parser.feed(page.content.decode())
        fields = {k: v for k, v in parser.values.items() if k not in SKIP_FIELDS and "__prefix__" not in k}
        if fields:
            forms[path] = fields
    assert len(forms) >= 25, sorted(forms)
    assert "/admin/auth/user/add/" in forms
    assert any(name.startswith("memberships-0-property") for name in forms["/admin/auth/user/add/"])
    seen = {"posts": 0, "refused": 0}

    @seed(20261218)
    @settings(
        max_examples=EXAMPLES_PER_FORM * len(forms),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def post_hostile(data):
        path = data.draw(st.sampled_from(sorted(forms)))
        fields = dict(forms[path])
        mutable = sorted(k for k in fields if not k.endswith(MANAGEMENT))
        for name in data.draw(st.lists(st.sampled_from(mutable), min_size=1, max_size=4, unique=True)):
            fields[name] = data.draw(st.sampled_from(HOSTILE))
        before = row_counts()
        response = client.post(path, urlencode(fields), content_type="application/x-www-form-urlencoded")
        seen["posts"] += 1
        assert response.status_code < 500, (path, fields)
        if response.status_code != 302:
            seen["refused"] += 1
            after = row_counts()
            assert {t for t in before if before[t] != after[t]} == set(), (path, fields)

    post_hostile()
    # The one that crashed before: a property that is not a number in the memberships inline
    fields = dict(forms["/admin/auth/user/add/"])
    fields.update(
        {"username": "fuzzed", "password1": "long-enough-pass-1", "password2": "long-enough-pass-1"}
    )
    fields.update({k: "abc" for k in fields if k.endswith("-property")})
    response = client.post(
        "/admin/auth/user/add/", urlencode(fields), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert seen["refused"] >= seen["posts"] // 2, seen
