"""The two kinds of refusal every app's services raise, so the API answers them without knowing the apps.

An app subclasses them (`ComplaintError(DomainError)`, `StaleRoom(RoomError, StaleRecord)`); the API's
error handler turns either into a 409 with the service's own message.
"""


class DomainError(Exception):
    """A change that cannot be made now; the message is for the clerk."""


class StaleRecord(DomainError):
    """Someone else changed the record since it was read (an optimistic-lock conflict)."""
