"""Make a new active credential signing key. The old public keys stay in /.well-known/did.json,
so every credential they signed still verifies (docs/credentials.md, "Key rotation")."""

from django.core.management.base import BaseCommand

from lms.credentials import keys


class Command(BaseCommand):
    help = "Rotate the Open Badges signing key: a new active Ed25519 key; old public keys stay published."

    def handle(self, **options):
        key = keys.rotate()
        retired = keys.published_keys().exclude(pk=key.pk).count()
        self.stdout.write(f"New active key {key.kid}; {retired} older key(s) still published for verification.")
