from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from complaints.api import receivers  # the models must be loaded first

        receivers.connect()
        from complaints.list_filters import register_stay_filters

        register_stay_filters()
        from complaints import system_text  # noqa: F401 (registers the app's system text keys)
