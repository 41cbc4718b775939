from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotel_crm.permissions import property_permission_required
from rooms import selectors, services
from rooms.forms import RoomBoardFilterForm, RoomStatusForm
from rooms.models import RoomStatus


@property_permission_required("rooms.view_room_board")
def room_board(request):
    prop = request.property
    options = selectors.room_board_options(prop=prop)
    form = RoomBoardFilterForm(
        request.GET or None, floors=options.floors, room_types=options.room_types, zones=options.zones
    )
    filters = selectors.RoomBoardFilters()
    if form.is_bound and form.is_valid():
        filters = selectors.RoomBoardFilters(**{k: v or None for k, v in form.cleaned_data.items()})
    board = selectors.room_board(prop=prop, filters=filters, zones=options.zones)
    return render(request, "rooms/room_board.html", {"board": board, "form": form, "options": options})


def _room_or_404(request, pk):
    room = selectors.room_detail(prop=request.property, pk=pk)
    if room is None:
        raise Http404(_("No such room in this hotel."))
    return room


@property_permission_required("rooms.view_room")
def room_detail(request, pk: int):
    room = _room_or_404(request, pk)
    zone = selectors.zone_for_floor(selectors.zones_for(request.property), room.floor)
    form = RoomStatusForm(initial={"status": room.status, "version": room.version})
    return render(request, "rooms/room_detail.html", {"room": room, "zone": zone, "form": form})


@require_POST
@property_permission_required("rooms.change_room_status")
def room_change_status(request, pk: int):
    room = _room_or_404(request, pk)
    form = RoomStatusForm(request.POST)
    if form.is_valid():
        try:
            services.room_set_status(
                room=room,
                actor=request.user,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except services.StaleRoom as error:
            messages.error(request, str(error))
            return redirect("rooms:detail", pk=room.pk)
        except services.RoomError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Room %(number)s is now %(status)s.")
                % {
                    "number": room.number,
                    "status": RoomStatus(form.cleaned_data["status"]).label,
                },
            )
            return redirect("rooms:detail", pk=room.pk)
    zone = selectors.zone_for_floor(selectors.zones_for(request.property), room.floor)
    return render(request, "rooms/room_detail.html", {"room": room, "zone": zone, "form": form}, status=400)
