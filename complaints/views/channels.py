"""Guests' own channels (ADR 0020): intake queue, replies to guests, review import, WeChat callback."""

import functools
import logging
import re
from collections.abc import Callable
from urllib.parse import quote

from celery import current_app
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from kombu.exceptions import OperationalError

from complaints import channel_forms, channels, services
from complaints.models import Channel, ImportedReview, IncomingAttachment, IncomingStatus, WeChatAccount
from complaints.selectors import channels as channel_selectors
from complaints.views.case import case_or_404
from hotel_crm.errors import DomainError
from hotel_crm.inputs import as_number
from hotel_crm.permissions import property_permission_required

log = logging.getLogger(__name__)

INTAKE_PERMISSION = "complaints.add_complaint"


def _message_or_404(request, pk: int):
    message = channel_selectors.incoming_for_page(prop=request.property, user=request.user, pk=pk)
    if message is None:
        raise Http404(_("No such message in this hotel."))
    return message


@property_permission_required(INTAKE_PERMISSION)
def intake_queue(request):
    status = request.GET.get("status", "")
    status = status if status in IncomingStatus.values else IncomingStatus.NEW
    channel = request.GET.get("channel", "")
    channel = channel if channel in channels.INTAKE_CHANNELS else ""
    rows = channel_selectors.incoming_queue(
        prop=request.property, user=request.user, status=status, channel=channel
    )
    page = Paginator(rows, channel_selectors.QUEUE_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/channels/intake_queue.html",
        {
            "page": page,
            "status": status,
            "channel": channel,
            "statuses": IncomingStatus.choices,
            "channels": [(c.value, c.label) for c in channels.INTAKE_CHANNELS],
        },
    )


def _case_form(request, message, data=None):
    matches = channels.guest_matches(message=message)
    choices = [(m.guest.pk, f"{m.guest.display_name} — {m.reason_label()}") for m in matches]
    form = channel_forms.IntakeCaseForm(
        data,
        prop=request.property,
        guests=choices,
        initial={
            "version": message.version,
            "guest_words": message.body[:4000],
            "guest": matches[0].guest.pk if matches else "",
            "complainant_name": message.sender_name or message.sender,
        },
    )
    return form, matches


def _render_item(request, message, *, case_form=None, attach_form=None, status=200):
    form, matches = _case_form(request, message)
    return render(
        request,
        "complaints/channels/intake_detail.html",
        {
            "message": message,
            "matches": matches,
            "case_form": case_form or form,
            "attach_form": attach_form
            or channel_forms.IntakeAttachForm(initial={"version": message.version}),
            "waiting": message.status == IncomingStatus.NEW,
        },
        status=status,
    )


@property_permission_required(INTAKE_PERMISSION)
def intake_detail(request, pk: int):
    return _render_item(request, _message_or_404(request, pk))


@require_POST
@property_permission_required(INTAKE_PERMISSION)
def intake_to_case(request, pk: int):
    message = _message_or_404(request, pk)
    form, matches = _case_form(request, message, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        guest = next((m.guest for m in matches if m.guest.pk == d["guest"]), None)
        data = services.ComplaintInput(
            guest_words=d["guest_words"],
            department=d["department"],
            category=d["category"],
            severity=d["severity"],
            area=d["area"],
            guest=guest,
            complainant_name="" if guest else d["complainant_name"],
        )
        try:
            complaint = channels.incoming_to_case(
                message=message, actor=request.user, data=data, expected_version=d["version"]
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Case %(ref)s logged from the message.") % {"ref": complaint.reference}
            )
            return redirect("complaints:detail", pk=complaint.pk)
    return _render_item(request, message, case_form=form, status=400)


@require_POST
@property_permission_required(INTAKE_PERMISSION)
def intake_attach(request, pk: int):
    message = _message_or_404(request, pk)
    form = channel_forms.IntakeAttachForm(request.POST)
    if form.is_valid():
        complaint = channel_selectors.visible_case_by_reference(
            user=request.user, prop=request.property, reference=form.cleaned_data["reference"]
        )
        if complaint is None:
            form.add_error("reference", _("No case with that reference in this hotel."))
        else:
            try:
                channels.incoming_attach(
                    message=message,
                    complaint=complaint,
                    actor=request.user,
                    expected_version=form.cleaned_data["version"],
                )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Message attached to %(ref)s.") % {"ref": complaint.reference})
                return redirect("complaints:detail", pk=complaint.pk)
    return _render_item(request, message, attach_form=form, status=400)


@require_POST
@property_permission_required(INTAKE_PERMISSION)
def intake_dismiss(request, pk: int):
    message = _message_or_404(request, pk)
    version = as_number(request.POST.get("version"))
    if version is None:
        return _render_item(request, message, status=400)
    try:
        channels.incoming_dismiss(message=message, actor=request.user, expected_version=version)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("complaints:intake_detail", pk=message.pk)
    messages.success(request, _("Message dismissed."))
    return redirect("complaints:intake")


@property_permission_required(INTAKE_PERMISSION)
def intake_attachment(request, pk: int):
    """A stored attachment, always as a download: never rendered by the browser (nosniff, sandboxed)."""
    attachment = get_object_or_404(
        IncomingAttachment.objects.select_related("message").filter(refused=""), pk=pk
    )
    _message_or_404(request, attachment.message_id)  # same hotel, and a case the user may see
    response = HttpResponse(bytes(attachment.data), content_type="application/octet-stream")
    name = attachment.filename
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", name)  # the plain fallback: nothing a header could misread
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "no-store"
    return response


@property_permission_required("complaints.view_complaint")
def case_messages_panel(request, pk: int):
    """The case page's panel: the guest's own messages, our replies, the reviews (htmx, ADR 0020)."""
    complaint = case_or_404(request, pk)
    incoming, replies, reviews = channel_selectors.case_messages(complaint=complaint)
    return render(
        request,
        "complaints/channels/case_messages.html",
        {
            "complaint": complaint,
            "incoming": incoming,
            "replies": replies,
            "reviews": reviews,
            "can_reply": any(m.channel in (Channel.EMAIL, Channel.WECHAT) for m in incoming)
            and request.user.has_perm("complaints.change_complaint"),
            "reply_form": channel_forms.ReplyForm(initial=_take_draft(request, "body", complaint.pk)),
            "public_reply_form": channel_forms.PublicReplyForm(
                initial=_take_draft(request, "text", complaint.pk)
            ),
        },
    )


# A refused reply's text waits in the session until the case page shows its form again: the redirect
# back to the case must not lose what the clerk wrote (at most this many characters are kept).
DRAFT_CHARS = 20_000


def _keep_draft(request, field: str, pk: int) -> None:
    text = request.POST.get(field, "")[:DRAFT_CHARS]
    if text.strip():
        request.session[f"reply-draft:{field}:{pk}"] = text


def _take_draft(request, field: str, pk: int) -> dict[str, str]:
    text = request.session.pop(f"reply-draft:{field}:{pk}", None)
    return {field: text} if isinstance(text, str) else {}


@require_POST
@property_permission_required("complaints.change_complaint")
def case_reply(request, pk: int):
    complaint = case_or_404(request, pk)
    form = channel_forms.ReplyForm(request.POST)
    if not form.is_valid():
        if "body" in form.errors:
            refusal = _(
                "The reply was not sent: write it in at most 4,000 characters. What you wrote is kept below."
            )
        else:  # the one-time key is missing or altered: a page from before, or tampered with
            refusal = _(
                "The reply was not sent: the form was out of date. "
                "What you wrote is kept below: send it again."
            )
        messages.error(request, refusal)
        _keep_draft(request, "body", complaint.pk)
        return redirect("complaints:detail", pk=complaint.pk)
    try:
        channels.reply_send(
            complaint=complaint,
            actor=request.user,
            body=form.cleaned_data["body"],
            submission_key=form.cleaned_data["submission_key"],
        )
    except DomainError as error:
        messages.error(request, str(error))
        _keep_draft(request, "body", complaint.pk)
    else:
        messages.success(request, _("Reply to the guest is on its way."))
    return redirect("complaints:detail", pk=complaint.pk)


@require_POST
@property_permission_required("complaints.change_complaint")
def review_reply(request, pk: int):
    review = get_object_or_404(
        ImportedReview.objects.select_related("incoming__complaint").filter(
            source__property=request.property
        ),
        pk=pk,
    )
    complaint = review.incoming.complaint if review.incoming else None
    if complaint is not None:
        case_or_404(request, complaint.pk)
    form = channel_forms.PublicReplyForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _(
                "The public reply was not recorded: write it in at most 4,000 characters. "
                "What you wrote is kept below."
            ),
        )
        if complaint is not None:
            _keep_draft(request, "text", complaint.pk)
    else:
        try:
            channels.review_public_reply(review=review, actor=request.user, text=form.cleaned_data["text"])
        except DomainError as error:
            messages.error(request, str(error))
            if complaint is not None:
                _keep_draft(request, "text", complaint.pk)
        else:
            messages.success(request, _("Public reply recorded."))
    return redirect("complaints:detail", pk=complaint.pk) if complaint else redirect("complaints:reviews")


@require_http_methods(["GET", "POST"])
@property_permission_required("complaints.view_all_complaints")
def review_import(request):
    """Upload an export, check the mapping and the preview, then import (new reviews only)."""
    prop = request.property
    if not request.user.has_perm(INTAKE_PERMISSION):
        return HttpResponseForbidden()
    upload = channel_forms.ReviewUploadForm(prop=prop)
    context: dict = {"upload": upload, "preview": None, "mapping_form": None}
    status = 200
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "preview":
        upload = channel_forms.ReviewUploadForm(request.POST, request.FILES, prop=prop)
        context["upload"] = upload
        if upload.is_valid():
            source = upload.cleaned_data["source"]
            file = upload.cleaned_data["file"]
            context["mapping_form"] = channel_forms.ReviewMappingForm(
                prop=prop, initial={"source": source.pk, "version": source.version, **source.mapping}
            )
            try:
                rows = channels.reviews_read(source=source, data=file.read(), filename=file.name)
            except DomainError as error:
                upload.add_error("file", str(error))
                status = 400
            else:
                context.update(
                    preview=rows,
                    source=source,
                    import_form=channel_forms.ReviewImportForm(
                        prop=prop, initial={"source": source.pk, "rows": channels.rows_to_json(rows)}
                    ),
                )
        else:
            status = 400
    elif request.method == "POST" and action == "mapping":
        form = channel_forms.ReviewMappingForm(request.POST, prop=prop)
        if form.is_valid():
            data = dict(form.cleaned_data)
            source, version = data.pop("source"), data.pop("version")
            try:
                channels.review_source_save_mapping(source=source, mapping=data, expected_version=version)
            except DomainError as error:
                messages.error(request, str(error))  # the form below keeps what they typed
                context["mapping_form"], status = form, 409
            else:
                messages.success(request, _("Column mapping saved for %(site)s.") % {"site": source.name})
                return redirect("complaints:reviews")
        else:
            context["mapping_form"], status = form, 400
    elif request.method == "POST" and action == "import":
        import_form = channel_forms.ReviewImportForm(request.POST, prop=prop)
        if import_form.is_valid():
            try:
                rows = channels.rows_from_json(import_form.cleaned_data["rows"])
                imported, to_intake = channels.reviews_import(
                    source=import_form.cleaned_data["source"], rows=rows
                )
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    _("%(n)s reviews imported; %(m)s joined the intake queue.")
                    % {"n": imported, "m": to_intake},
                )
            return redirect("complaints:reviews")
        status = 400
    elif request.method == "POST":
        status = 400
    sources = channel_selectors.review_sources(prop=prop)
    context["sources"] = sources
    if context["mapping_form"] is None and sources:
        first = sources[0]
        context["mapping_form"] = channel_forms.ReviewMappingForm(
            prop=prop, initial={"source": first.pk, "version": first.version, **first.mapping}
        )
    return render(request, "complaints/channels/review_import.html", context, status=status)


# --- WeChat's server calls this: public, no session, no CSRF token (it is signed instead) --------


@csrf_exempt
@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def wechat_callback(request, key: str):
    """Answer WeChat at once: check the signature, hand the message to a worker, say "success"."""
    account = WeChatAccount.objects.filter(key=key, is_active=True).first()
    if account is None:
        raise Http404
    query = {
        k: request.GET.get(k, "")[:200]
        for k in ("signature", "timestamp", "nonce", "echostr", "encrypt_type", "msg_signature")
    }
    try:
        if request.method == "GET":
            return HttpResponse(channels.url_check(account=account, query=query), content_type="text/plain")
        callback = channels.callback_open(account=account, query=query, body=request.body)
    except channels.WeChatError as error:
        log.info("WeChat callback refused for %s: %s", account.key, error)
        return HttpResponseForbidden("invalid", content_type="text/plain")
    xml = callback.xml.decode("utf-8", errors="replace")
    try:
        current_app.send_task("complaints.wechat_message_process", args=(account.pk, xml), retry=False)
    except OperationalError:
        # No broker: store it here and now (still fast); the five seconds matter more than the queue.
        try:
            channels.wechat_message_process(account_id=account.pk, xml=callback.xml)
        except channels.WeChatError:
            return HttpResponseBadRequest("invalid", content_type="text/plain")
    return HttpResponse("success", content_type="text/plain")


def inbound_webhook(view: Callable) -> Callable:
    """A mail service's inbound webhook (django-anymail's view) that never answers 500 for the content.

    Anymail checks the secret, then parses the MIME itself: a message its parser cannot read (1,000 nested
    multipart parts raise RecursionError) is logged and acknowledged, as the service would only send it
    again. A refused secret stays refused (SuspiciousOperation: 400).
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except SuspiciousOperation:
            raise
        except (RecursionError, ValueError, TypeError, LookupError, UnicodeError):
            log.warning("An inbound email could not be parsed; dropped", exc_info=True)
            return HttpResponse("unreadable", content_type="text/plain")

    return wrapped
