from django.core.management.base import BaseCommand

from cases.holidays import FIRST_YEAR, last_known_year, load_holidays


class Command(BaseCommand):
    help = (
        "Load public holidays and make-up working days (调休) from the chinesecalendar package "
        "into the working calendar. Days entered by staff are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", type=int, default=FIRST_YEAR, help="first year to load")

    def handle(self, *args, since, **options):
        written = load_holidays(since_year=since)
        self.stdout.write(
            f"{written} days loaded for {since}–{last_known_year()}; later years: add them in "
            "the admin (节假日与调休) when the State Council publishes them."
        )
