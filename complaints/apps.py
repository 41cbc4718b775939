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
