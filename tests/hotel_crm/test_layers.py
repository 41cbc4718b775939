"""hotel_crm is the ground floor: it imports no app (strings such as include("rooms.urls") are fine)."""

import ast
from pathlib import Path

import pytest

import hotel_crm
from hotel_crm.errors import DomainError, StaleRecord

APPS = {"rooms", "guests", "complaints"}


def _imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)


def test_no_module_of_hotel_crm_imports_an_app():
    # Given every module of the hotel_crm package, at module level or inside functions
    root = Path(hotel_crm.__file__).parent
    # When their imports are read
    back_arrows = [
        f"{path.relative_to(root.parent)}:{line} {module}"
        for path in sorted(root.rglob("*.py"))
        for line, module in _imported_modules(path)
        if module.split(".")[0] in APPS
    ]
    # Then none reaches up into rooms, guests or complaints
    assert back_arrows == []


@pytest.mark.parametrize(
    ("module", "refusal", "stale"),
    [
        ("rooms.services", "RoomError", "StaleRoom"),
        ("guests.services", "GuestError", "StaleGuest"),
        ("complaints.services", "ComplaintError", "StaleComplaint"),
    ],
)
def test_every_app_refuses_with_the_ground_floor_bases(module, refusal, stale):
    # Given an app's service errors
    errors = __import__(module, fromlist=[refusal, stale])
    # Then the API's error handler knows them through hotel_crm.errors alone
    assert issubclass(getattr(errors, refusal), DomainError)
    assert not issubclass(getattr(errors, refusal), StaleRecord)
    assert issubclass(getattr(errors, stale), StaleRecord)


def test_an_invalid_transition_is_a_refusal():
    from complaints.workflow import InvalidTransition

    # Then the cycle's refusal is a 409 "not_allowed_now", not a version conflict
    assert issubclass(InvalidTransition, DomainError)
    assert not issubclass(InvalidTransition, StaleRecord)
