from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from complaints import receivers as shift_receivers  # the models must be loaded first
        from complaints.api import receivers

        receivers.connect()
        shift_receivers.connect()

        from complaints.services.notifications import second_factor_lock_notify
        from hotel_crm.mfa import second_factor_locked

        second_factor_locked.connect(second_factor_lock_notify, dispatch_uid="complaints.second_factor_lock")
        from complaints.list_filters import register_stay_filters

        register_stay_filters()
        from complaints import system_text  # noqa: F401 (registers the app's system text keys)
        from complaints.channels import receivers as channel_receivers

        channel_receivers.connect()
