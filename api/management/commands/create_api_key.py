"""``manage.py create_api_key <organisation> --name <label> [--read-only]``: print a new key once."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from api.models import ApiKey, ApiScope
from lms.models import Organisation


class Command(BaseCommand):
    help = "Create an HR API key for an organisation (slug, name or UUID). The key is printed once."

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="Organisation slug, name or UUID.")
        parser.add_argument("--name", required=True, help="What the key is for, e.g. 'Workday sync'.")
        parser.add_argument("--read-only", action="store_true", help="Allow reads only (GET).")

    def handle(self, *args, organisation, name, read_only, **options):
        condition = Q(slug=organisation) | Q(name=organisation)
        try:
            import uuid

            condition |= Q(uuid=uuid.UUID(organisation))
        except ValueError:
            pass
        org = Organisation.objects.filter(condition).first()
        if org is None:
            raise CommandError(f"No organisation matches {organisation!r}.")
        scope = ApiScope.READ if read_only else ApiScope.READ_WRITE
        key, raw = ApiKey.generate(organisation=org, name=name, scope=scope)
        self.stderr.write(f"Created {key.get_scope_display().lower()} key {key.prefix} for {org}. Store it now:")
        self.stdout.write(raw)
