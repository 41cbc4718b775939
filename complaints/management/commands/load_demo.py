from django.core.management.base import BaseCommand

from complaints.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo hotel group (rooms, staff, roles). Safe to run again: it only adds what is missing."

    def handle(self, *args, **options):
        added = load_demo()
        guests = added.pop("guests", 0)
        complaints = added.pop("complaints", 0)
        for code, count in added.items():
            self.stdout.write(f"{code}: {count} rooms added" if count else f"{code}: rooms already loaded")
        self.stdout.write(f"{guests} demo guests added" if guests else "Demo guests already loaded")
        self.stdout.write(f"{complaints} demo cases added" if complaints else "Demo cases already loaded")
