"""Write the whole site's content to one archive file: see site_config/content_archive.py."""

from django.core.management.base import BaseCommand, CommandError

from site_config.content_archive import ArchiveError, export_archive


class Command(BaseCommand):
    help = (
        "Write the site's content (pages and their history, images, documents, records, "
        "settings, accounts) and its media files to one archive file, for import_content."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The file to write, such as site.zip; must not exist.")
        parser.add_argument(
            "--with-passwords",
            action="store_true",
            help="Include the accounts' password hashes (left out by default).",
        )

    def handle(self, *args, archive, with_passwords, **options):
        try:
            manifest = export_archive(archive, with_passwords=with_passwords, log=self.stderr.write)
        except FileExistsError as error:
            raise CommandError(f"{archive} exists already: name a new file.") from error
        except (ArchiveError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {archive}: {sum(manifest['counts'].values())} rows and "
                f"{len(manifest['media'])} media files."
            )
        )
