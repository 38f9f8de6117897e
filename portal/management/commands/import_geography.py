from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.geography_import import GeographyImportError, import_geography


class Command(BaseCommand):
    help = "Import streets, communities and grids from a CSV file (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("csv_file", type=Path)

    def handle(self, *args, csv_file: Path, **options):
        if not csv_file.exists():
            raise CommandError(f"File not found: {csv_file}")
        try:
            result = import_geography(csv_file)
        except GeographyImportError as error:
            for message in error.errors:
                self.stderr.write(message)
            raise CommandError(
                f"{len(error.errors)} problem(s) found; nothing was imported."
            ) from error
        created, updated = result.created, result.updated
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported: created {created['street']} streets, "
                f"{created['community']} communities, {created['grid']} grids; "
                f"updated {updated['street']}, {updated['community']}, {updated['grid']}."
            )
        )
