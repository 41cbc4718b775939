"""The "Details changed" timeline entry: which fields changed, from what to what, kept as data.

Stored as {"changes": [{"field": "severity", "old": "minor", "new": "major"}, ...]}: a choice as its
value, a time as a system text moment (hotel_crm.system_text), a department, category or room as its
id with its name(s) then, so the timeline names what it was and reads no other row. Rendered when
read, with the field's and the choices' labels in the reader's language and times in the hotel's
zone and date style. Rows written before this hold English text in their note, which they keep.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from hotel_crm import system_text
from hotel_crm.i18n import BilingualName, localized

Change = dict[str, Any]


def change(complaint: Any, name: str, old: Any, new: Any) -> Change:
    """What to store of one field's change of `complaint` (whose hotel's zone goes with a time)."""
    return {"field": name, "old": _stored(complaint, old), "new": _stored(complaint, new)}


def _stored(complaint: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, BilingualName):
        return {"pk": getattr(value, "pk", None), "en": value.name_en, "zh": value.name_zh}
    if isinstance(value, models.Model):
        return {"pk": value.pk, "text": str(value)}
    if isinstance(value, dt.datetime):
        return system_text.moment(value, complaint.property.time_zone)
    return value


def changes_text(model: type[models.Model], changes: list[Change]) -> str:
    """The changes, one a line, in the active language."""
    return "\n".join(_line(model, item) for item in changes)


def _line(model: type[models.Model], item: Change) -> str:
    try:
        field: Any = model._meta.get_field(item.get("field", ""))
        label = capfirst(field.verbose_name)
    except FieldDoesNotExist:
        field, label = None, item.get("field", "")
    return _("%(field)s: %(old)s → %(new)s") % {
        "field": label,
        "old": _shown(field, item.get("old")),
        "new": _shown(field, item.get("new")),
    }


def _shown(field: Any, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):
        if "moment" in value:
            return system_text.moment_text(value)
        if "en" in value:
            return localized(value.get("en", ""), value.get("zh", ""))
        return str(value.get("text", ""))
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)
