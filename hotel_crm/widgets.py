"""Form widgets shared by the apps."""

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    """Django's widgets/attrs.html in Python: ` name="value"`, bare for True, left out for False."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


class FastSelect(forms.Select):
    """A <select> written in Python: the exact HTML of Django's templates, without one template per option.

    Django renders each <option> through two included templates; a room or category list of a few
    hundred options then costs more than the rest of the page (docs/performance.md). Same context
    (`get_context`), same markup, so forms, tests and templates do not change.
    """

    def render(self, name, value, attrs=None, renderer=None):
        # Widget's context, not ChoiceWidget's: the options are written straight from the choices
        # (ChoiceWidget.optgroups builds a dict of attributes per option first).
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
        if self.allow_multiple_selected:
            widget["attrs"]["multiple"] = True
        chosen, has_selected = widget["value"], False
        parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for option_value, option_label in self.choices:
            if option_value is None:
                option_value = ""
            group = isinstance(option_label, list | tuple)
            if group and option_value:
                parts.append(format_html('\n  <optgroup label="{}">', option_value))
            for value_, label in option_label if group else [(option_value, option_label)]:
                selected = (not has_selected or self.allow_multiple_selected) and str(value_) in chosen
                has_selected |= selected
                parts.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',
                        str(value_),
                        mark_safe(" selected") if selected else "",
                        label,
                    )
                )
            if group and option_value:
                parts.append(mark_safe("\n  </optgroup>"))
        parts.append(mark_safe("\n</select>"))
        return mark_safe("".join(parts))  # noqa: S308 (every part escaped above)


class _Counted:
    """A length counter (static/js/app.js) instead of the browser's maxlength.

    A `maxlength` attribute makes the browser cut a pasted text at the limit without a word (a guest's
    words lost at 4,000 characters); here the counter warns near the limit, says how much is too long,
    and the form's own max_length check refuses the text with a message instead of shortening it.
    """

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)  # type: ignore[misc]
        widget_attrs = context["widget"]["attrs"]
        limit = widget_attrs.pop("maxlength", None)
        if limit:
            widget_attrs.update(counter_attrs(int(limit)))
        return context


class CountedTextarea(_Counted, forms.Textarea):
    """A long text field with a length counter."""


class CountedTextInput(_Counted, forms.TextInput):
    """A one-line free text (a note, a reason, a description) with a length counter: a pasted
    sentence longer than the limit is refused with a message, not cut."""


def counter_attrs(limit: int) -> dict[str, str]:
    """The data-* attributes of a counted field, with its messages in the reader's language."""
    from django.utils.translation import gettext

    return {
        "data-max-length": str(limit),
        "data-count-text": gettext("%(used)s / %(limit)s characters"),
        "data-near-text": gettext("%(left)s characters left of %(limit)s"),
        "data-over-text": gettext("%(over)s characters too many: shorten it before saving (limit %(limit)s)"),
    }
