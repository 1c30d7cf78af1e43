"""Verify an Open Badges credential file with public data only; exit 1 with the reason if it fails.

manage.py verify_credential credential.json                  # fetch did.json and the status list
manage.py verify_credential cred.jwt --did-document did.json --status-list status.jwt   # offline

The file may be our ``.json`` download or the raw VC-JWT. Without the options the DID document is
fetched from the issuer's ``did:web`` address and the status list from the credential's
``statusListCredential`` URL: this command never reads the database.
"""

import json
import urllib.request

from django.core.management.base import BaseCommand, CommandError

from lms.credentials import did, jws, verify

TIMEOUT = 10


def _fetch(url: str) -> str:
    if not url.startswith(("https://", "http://")):
        raise CommandError(f"Cannot fetch {url!r}: not an http(s) URL.")
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 - scheme checked above
        return response.read(2 * 1024 * 1024).decode("utf-8")


class Command(BaseCommand):
    help = "Verify an Open Badges 3.0 credential (VC-JWT or .json) using only public data."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The credential: our .json download or a raw VC-JWT.")
        parser.add_argument("--did-document", help="The issuer's did.json, read from this file (offline).")
        parser.add_argument("--status-list", help="The status list VC-JWT, read from this file (offline).")

    def handle(self, *, file, did_document, status_list, **options):
        try:
            with open(file, encoding="utf-8-sig") as handle:
                text = handle.read(verify.MAX_INPUT + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        document = self._did_document(text, did_document)
        status = self._status_list(text, status_list)
        result = verify.verify(text, did_document=document, status_list=status)
        if not result.valid:
            raise CommandError(f"NOT VALID ({result.reason}): {result.message}")
        self.stdout.write(f"VALID: {result.achievement_name or 'credential'} (key {result.kid}). {result.message}")

    def _payload(self, text: str) -> dict:
        try:
            token, _shown = verify.extract_token(text)
            return jws.parse(token)[1]
        except (verify._Fail, jws.JWSError) as exc:
            raise CommandError(f"NOT VALID (malformed): {exc}") from exc

    def _did_document(self, text: str, path: str | None) -> dict:
        try:
            if path:
                with open(path, encoding="utf-8") as handle:
                    return json.load(handle)
            issuer = self._payload(text).get("iss", "")
            if not str(issuer).startswith("did:web:"):
                raise CommandError(f"NOT VALID (issuer unknown): {issuer!r} is not a did:web issuer.")
            return json.loads(_fetch(did.did_json_url(issuer)))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read the DID document: {exc}") from exc

    def _status_list(self, text: str, path: str | None) -> str | None:
        if path:
            try:
                with open(path, encoding="utf-8") as handle:
                    return handle.read().strip()
            except OSError as exc:
                raise CommandError(f"Cannot read the status list: {exc}") from exc
        payload = self._payload(text)
        entry = payload.get("credentialStatus") or (payload.get("vc") or {}).get("credentialStatus") or {}
        url = entry.get("statusListCredential") if isinstance(entry, dict) else None
        if not url:
            return None
        try:
            return _fetch(url).strip()
        except OSError:
            return None  # verification then answers "status unavailable"
