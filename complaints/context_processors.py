from complaints import selectors


def bell(request):
    """The unread count for the header bell and, for approvers, how many approvals wait (one small query)."""
    prop = getattr(request, "property", None)
    user = getattr(request, "user", None)
    if (
        prop is None
        or user is None
        or not user.is_authenticated
        or not user.has_perm("complaints.view_complaint")
    ):
        return {}
    unread, pending = selectors.header_counts(
        user=user, prop=prop, approvals=user.has_perm("complaints.view_approvalrequest")
    )
    return {"unread_notifications": unread, "pending_approvals": pending}
