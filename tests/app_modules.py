"""The project's own modules and form classes, for tests that check a rule over all of them."""

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from types import ModuleType

from django import forms

APPS = ("hotel_crm", "rooms", "guests", "complaints")
SKIPPED_PACKAGES = (".migrations", ".management", ".devtools")


def app_modules() -> Iterator[ModuleType]:
    """Every module of the four apps (migrations, management commands and dev tools excepted)."""
    for app in APPS:
        package = importlib.import_module(app)
        yield package
        for info in pkgutil.walk_packages(package.__path__, prefix=app + "."):
            if any(part in info.name for part in SKIPPED_PACKAGES):
                continue
            yield importlib.import_module(info.name)


def form_classes() -> Iterator[type[forms.BaseForm]]:
    """Every form class defined in the apps (each once, in the module that defines it)."""
    for module in app_modules():
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls
