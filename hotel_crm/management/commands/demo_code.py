import time

import pyotp
from django.core.management.base import BaseCommand

from hotel_crm.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = (
        "Print the current authenticator code of the demo staff who need a second factor "
        "(grm, admin, roomsadmin…). Demo hotel only: it knows the demo's published secret, no one else's."
    )

    def handle(self, *args, **options):
        totp = pyotp.TOTP(DEMO_TOTP_SECRET)
        left = totp.interval - int(time.time()) % totp.interval
        self.stdout.write(f"{totp.now()}  (valid for {left} more seconds)")
