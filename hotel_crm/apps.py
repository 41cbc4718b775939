from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class HotelCrmConfig(AppConfig):
    name = "hotel_crm"
    verbose_name = _("Hotel group and staff")

    def ready(self) -> None:
        from django.urls import register_converter

        from hotel_crm import deploy_checks, roles, signals  # noqa: F401 -- deploy_checks registers checks
        from hotel_crm.inputs import IdConverter

        register_converter(IdConverter, "id")  # before any URLconf is loaded: they use <id:pk>

        signals.connect()
        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="hotel_crm.sync_roles")
