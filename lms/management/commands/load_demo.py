from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.loader import ProgrammeLoader
from lms import demo
from lms.conf import conf


class Command(BaseCommand):
    help = (
        "Load the demo programme shipped with the plugin (or --file) and create the demo accounts. "
        "Safe to run again: nothing is duplicated, and pages edited in the admin are kept unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            type=Path,
            help="Programme JSON file, its media in media/ beside it (default: the demo programme).",
        )
        parser.add_argument("--force", action="store_true", help="Overwrite pages edited in the admin.")
        parser.add_argument("--no-accounts", action="store_true", help="Skip the demo accounts.")

    def handle(self, *args, file: Path | None, force: bool, no_accounts: bool, **options):
        if file is None:
            try:
                file = demo.demo_programme_path()
            except FileNotFoundError as exc:
                raise CommandError(str(exc)) from None
        if not file.is_file():
            raise CommandError(f"Programme file not found: {file}")
        try:
            loader = ProgrammeLoader(file, force=force, stdout=self.stdout)
        except ValueError as exc:
            raise CommandError(f"{file} is not valid JSON: {exc}") from None
        report = loader.load()
        self.stdout.write(self.style.SUCCESS(f"Programme: {report.summary()}"))
        aligned = demo.align_default_site(conf.base_url())
        if aligned:
            self.stdout.write(f"  public links and the default site use {conf.base_url()}")
        for key in report.skipped_edited:
            self.stdout.write(self.style.WARNING(f"  kept editors' changes to {key}; --force overwrites"))
        if no_accounts:
            return
        for account, created in demo.ensure_demo_accounts():
            state = "created" if created else "exists; password unchanged"
            self.stdout.write(
                f"  {account.role:<12} login: {account.username:<12} password: {account.password}  ({state})"
            )
        demo.ensure_demo_cohort(stdout=self.stdout)
        demo.ensure_demo_practice_log(stdout=self.stdout)
