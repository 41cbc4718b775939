from complaints import selectors


def bell(request):
    """The unread count for the header bell and, for approvers, how many approvals wait (2 small queries)."""
    prop = getattr(request, "property", None)
    user = getattr(request, "user", None)
    if (
        prop is None
        or user is None
        or not user.is_authenticated
        or not user.has_perm("complaints.view_complaint")
    ):
        return {}
    return {
        "unread_notifications": selectors.unread_notifications(user=user, prop=prop),
        "pending_approvals": selectors.pending_approval_count(prop=prop)
        if user.has_perm("complaints.view_approvalrequest")
        else 0,
    }
