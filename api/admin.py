"""Tokens and webhooks are set up here by a superuser. A token's secret is shown once, on creation."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from api import services
from api.models import ApiToken, Scope, WebhookDelivery, WebhookEvent, WebhookSubscription
from hotel_crm import roles


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    role = forms.ModelChoiceField(
        label=_("Acts with the role"),
        queryset=Group.objects.order_by("name"),
        help_text=_("The role of its staff account at the property: its permissions and authority limit."),
    )

    class Meta:
        model = ApiToken
        fields = ["name", "property", "scopes", "requests_per_minute"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].initial = Group.objects.filter(name=roles.FRONT_DESK).first()


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "property", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["property", "revoked_at"]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]
    readonly_fields = ["prefix", "user", "created_by", "created_at", "last_used_at", "revoked_at"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and (obj is None or obj.revoked_at is None)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the timeline keeps naming the token's account

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "property", "role", "scopes", "requests_per_minute"]
        return ["name", "requests_per_minute", "scopes_display", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "scopes_display"] if obj else []

    @admin.display(description=_("scopes"))
    def scopes_display(self, obj):
        return ", ".join(obj.scopes) or "—"

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, raw = services.api_token_issue(
            name=form.cleaned_data["name"],
            prop=form.cleaned_data["property"],
            role=form.cleaned_data["role"],
            scopes=form.cleaned_data["scopes"],
            created_by=request.user,
            requests_per_minute=form.cleaned_data.get("requests_per_minute"),
        )
        obj.pk = token.pk
        obj.__dict__.update({k: v for k, v in token.__dict__.items() if not k.startswith("_")})
        messages.warning(
            request,
            _("The token for %(name)s is: %(token)s — copy it now: it is never shown again.")
            % {"name": token.name, "token": raw},
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            services.api_token_revoke(token=token)
        messages.success(request, _("Revoked."))


class WebhookSubscriptionForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ["property", "url", "secret", "events", "active"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["url", "property", "active", "created_at"]
    list_filter = ["property", "active"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    has_view_permission = has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: request.user.is_superuser
    )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "subscription", "status", "attempts", "last_status_code", "created_at"]
    list_filter = ["status", "event"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
