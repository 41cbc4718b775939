"""The form renderer: Django's, with its one-line input and label templates written in Python (ADR 0022).

Every `<input>` and `<label>` of a form is a template render of its own in Django (two, with the
attributes' include). The case list's filter form has 17 inputs and 11 labels, a third of the
list's rendering at 25 rows. Here those templates' exact output is produced by a few string
operations instead; every other template (selects, textareas, the form layouts) renders as before.
A template is replaced only when the one found is Django's own file, so a project override of
`django/forms/widgets/input.html` would still be used. tests/hotel_crm/test_form_renderer.py
compares both ways for every widget the apps use.
"""

from pathlib import Path
from typing import Any

import django
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, mark_safe

# Each of these is `{% include "django/forms/widgets/input.html" %}` in Django.
_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "hidden",
        "checkbox",
        "date",
        "datetime",
        "time",
        "number",
        "email",
        "url",
        "password",
        "search",
    )
)
_LABEL_TEMPLATE = "django/forms/label.html"
_DJANGOS_OWN = Path(django.__file__).parent / "forms" / "templates"


def _as_template_value(value: Any) -> str:
    """`{{ value|stringformat:'s' }}` under autoescaping: a safe string as it is, anything else escaped."""
    if isinstance(value, SafeData):
        return str(value)
    return escape("%s" % (value,))  # noqa: UP031 (exactly the filter's formatting)


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html (and forms/attrs.html): ` name="value"`, bare for True."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{_as_template_value(value)}"')
    return "".join(parts)


def _input(context: dict[str, Any]) -> str:
    widget = context["widget"]
    value = widget["value"]
    shown = "" if value is None else f' value="{_as_template_value(value)}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def _label(context: dict[str, Any]) -> str:
    label = conditional_escape(context["label"])
    if not context["use_tag"]:
        return label
    tag = conditional_escape(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{label}</{tag}>"


class FastFormRenderer(DjangoTemplates):
    """Django's default form renderer; inputs and labels without a template render each."""

    def __init__(self) -> None:
        super().__init__()
        self._own: dict[str, bool] = {}

    def _is_djangos_own(self, template_name: str) -> bool:
        own = self._own.get(template_name)
        if own is None:
            origin = Path(self.get_template(template_name).origin.name)
            own = self._own[template_name] = origin.is_relative_to(_DJANGOS_OWN)
        return own

    def render(self, template_name, context, request=None):
        if template_name in _INPUT_TEMPLATES and self._is_djangos_own(template_name):
            return mark_safe(_input(context))  # noqa: S308 (every part escaped above)
        if template_name == _LABEL_TEMPLATE and self._is_djangos_own(template_name):
            return mark_safe(_label(context))  # noqa: S308 (every part escaped above)
        return super().render(template_name, context, request)
