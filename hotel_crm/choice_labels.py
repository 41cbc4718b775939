"""`get_FOO_display()` from a label table built once per field and language (ADR 0022).

Django's `get_FOO_display()` rebuilds a dict of the field's choices on every call: it hashes each
lazy label, which translates it, and translates the chosen one again. A list of 25 cases calls it
about 100 times, so the page translated some 700 strings to show a few dozen labels. Here the table
{value: translated label} is built at the first call for a field in a language and then read.
The result is the same as Django's for every value, in the choices or not.
"""

from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language

# (field, language) -> {hashable value: translated label}. Fields and languages are few and fixed;
# two threads building the same table at once build the same thing.
_TABLES: dict[tuple[models.Field, str | None], dict[Any, Any]] = {}


def choice_label(field: models.Field, value: Any) -> Any:
    """The translated label of `value` among `field`'s choices, or `value` itself (as Django's)."""
    key = (field, get_language())
    table = _TABLES.get(key)
    if table is None:
        table = {
            make_hashable(choice): force_str(label, strings_only=True) for choice, label in field.flatchoices
        }
        _TABLES[key] = table
    try:
        label = table[make_hashable(value)]
    except KeyError:
        return force_str(value, strings_only=True)
    return label


class ChoiceLabels:
    """Mix into a model (before models.Model) so that its `get_FOO_display()` read the table above.

    Django binds `get_FOO_display` to the class's `_get_FIELD_display` when the model class is built,
    so this must be among the bases, not patched in afterwards.
    """

    def _get_FIELD_display(self, field: models.Field) -> Any:
        return choice_label(field, getattr(self, field.attname))
