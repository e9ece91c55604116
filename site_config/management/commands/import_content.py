"""Restore an archive of export_content into an empty database: see
site_config/content_archive.py."""

from django.core.management.base import BaseCommand, CommandError

from site_config.content_archive import ArchiveError, import_archive


class Command(BaseCommand):
    help = (
        "Restore the content and media files of an export_content archive into an empty "
        "(freshly migrated) database, in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The archive written by export_content.")

    def handle(self, *args, archive, **options):
        try:
            import_archive(
                archive, log=lambda message: self.stdout.write(self.style.SUCCESS(message))
            )
        except ArchiveError as error:
            raise CommandError(str(error)) from error
