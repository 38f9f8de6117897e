from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.roles import ROLE_NAMES, staff_role_grant


class Command(BaseCommand):
    help = (
        "Give an existing account a staff role: district_admin (the whole district) or "
        "community_staff (with one or more --community CODE). Adds to what the person has."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="the account's email address")
        parser.add_argument("role", choices=sorted(ROLE_NAMES))
        parser.add_argument(
            "--community",
            dest="communities",
            action="append",
            default=[],
            metavar="CODE",
            help="a community's code (repeat for several); community_staff only",
        )

    def handle(self, *args, email, role, communities, **options):
        try:
            user, added = staff_role_grant(email=email, role=role, community_codes=communities)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        message = f"{user.email} is now {role} ({ROLE_NAMES[role]})"
        if added:
            message += ": " + ", ".join(f"{c.code} {c.name}" for c in added)
        self.stdout.write(self.style.SUCCESS(message + "."))
