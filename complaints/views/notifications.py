"""In-app notifications (the bell)."""

from django.shortcuts import redirect, render

from complaints import (
    selectors,
    services,
)
from hotel_crm.permissions import property_permission_required


@property_permission_required("complaints.view_complaint")
def notification_list(request):
    if request.method == "POST":
        services.notifications_mark_read(user=request.user, prop=request.property)
        return redirect("complaints:notifications")
    items = selectors.notifications(user=request.user, prop=request.property)
    return render(request, "complaints/notifications.html", {"items": items})
