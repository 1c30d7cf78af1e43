"""``manage.py create_scim_token <organisation> --name <label> [--course <slug>]``: print a new SCIM token once."""

import contextlib
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from api.models import ScimToken
from lms.models import Organisation


class Command(BaseCommand):
    help = "Create a SCIM bearer token for an organisation (slug, name or UUID). The token is printed once."

    def add_arguments(self, parser):
        parser.add_argument("organisation", help="Organisation slug, name or UUID.")
        parser.add_argument("--name", required=True, help="Which directory uses it, e.g. 'Entra ID'.")
        parser.add_argument("--course", help="Slug of the course that groups created through SCIM follow.")

    def handle(self, *args, organisation, name, course, **options):
        from courses.models import CoursePage

        condition = Q(slug=organisation) | Q(name=organisation)
        with contextlib.suppress(ValueError):
            condition |= Q(uuid=uuid.UUID(organisation))
        org = Organisation.objects.filter(condition).first()
        if org is None:
            raise CommandError(f"No organisation matches {organisation!r}.")
        group_course = None
        if course:
            group_course = CoursePage.objects.filter(slug=course).first()
            if group_course is None:
                raise CommandError(f"No course has the slug {course!r}.")
        token, raw = ScimToken.generate(organisation=org, name=name, group_course=group_course)
        self.stderr.write(f"Created SCIM token {token.prefix} for {org}. Store it now:")
        self.stdout.write(raw)
