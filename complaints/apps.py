from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from complaints.api import receivers  # the models must be loaded first

        receivers.connect()

        from complaints.channels import receivers as channel_receivers

        channel_receivers.connect()
