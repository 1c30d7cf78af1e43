"""Issuing, revoking and erasing Open Badges 3.0 credentials: the public surface other code calls.

``issue_credential`` signs one ``OpenBadgeCredential`` for anything that earns one (``kind`` says
what: ``certificate``, ``practice_badge``…), ``revoke_credential`` flips its bit in the status
list, ``erase_credentials`` drops the holder's link and name. Call them from services, inside
the caller's transaction; they never send events or touch other domains.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from ..models import IssuedCredential, SigningKey
from . import did as did_module
from . import documents, jws, keys, statuslist, verify


class CredentialError(Exception):
    """A credential request that cannot be met; the message is safe to show."""


ALLOCATION_ATTEMPTS = 20


def status_list_url() -> str:
    return did_module.site_base_url() + reverse("microlearn_lms:credential_status_list")


def issuer_name() -> str:
    from wagtail.models import Site

    from ..models import CertificateSettings

    site = Site.objects.filter(is_default_site=True).first()
    return (CertificateSettings.for_site(site).issuer_name if site else "") or "Micro-connections Academy"


def issuer_profile(did: str | None = None) -> dict:
    return documents.issuer_profile(
        did=did or did_module.issuer_did(), name=issuer_name(), url=did_module.site_base_url() + "/"
    )


def _sign(payload: dict, key: SigningKey) -> str:
    header = {"alg": "EdDSA", "kid": did_module.verification_method_id(payload["iss"], key.kid), "typ": "JWT"}
    return jws.sign(header=header, payload=payload, private_key=keys.private_key(key))


def _current(kind: str, object_id: str) -> IssuedCredential | None:
    return IssuedCredential.objects.filter(kind=kind, object_id=object_id, revoked_at__isnull=True).first()


def issue_credential(
    *,
    kind: str,
    object_id: str,
    holder,
    achievement: dict,
    evidence: list[dict],
    valid_from: dt.datetime,
    valid_until: dt.datetime | None,
    subject_name: str,
) -> IssuedCredential:
    """Sign and store the credential for (``kind``, ``object_id``), or return the current one.

    ``achievement`` is an OB 3.0 ``Achievement`` (``id``, ``type``, ``name``, ``description``,
    ``criteria``); ``evidence`` a list of OB 3.0 ``Evidence``. Idempotent and safe under
    concurrency: the status index and the one-current-credential rule are unique constraints,
    and a collision retries with the next index.
    """
    if not kind or not object_id:
        raise CredentialError("A credential needs a kind and an object id.")
    for required in ("id", "name", "description", "criteria"):
        if not achievement.get(required):
            raise CredentialError(f"The achievement needs a {required}.")
    existing = _current(kind, str(object_id))
    if existing is not None:
        return existing
    key = keys.active_key()
    did = did_module.issuer_did()
    issuer = issuer_profile(did)
    list_url = status_list_url()
    achievement = {"type": ["Achievement"], **achievement}
    for _ in range(ALLOCATION_ATTEMPTS):
        credential_uuid = uuid.uuid4()
        highest = IssuedCredential.objects.aggregate(m=Max("status_index"))["m"]
        index = 0 if highest is None else highest + 1
        if index >= statuslist.LIST_SIZE:
            raise CredentialError("The revocation status list is full (131,072 credentials); see docs/credentials.md.")
        credential = documents.open_badge_credential(
            credential_id=f"urn:uuid:{credential_uuid}",
            subject=documents.subject_id(credential_uuid),
            subject_name=subject_name,
            issuer=issuer,
            achievement=achievement,
            evidence=evidence,
            valid_from=valid_from,
            valid_until=valid_until,
            status_entry=documents.status_entry(list_url=list_url, index=index),
        )
        token = _sign(documents.jwt_payload(credential), key)
        try:
            with transaction.atomic():
                return IssuedCredential.objects.create(
                    uuid=credential_uuid,
                    holder=holder,
                    kind=kind,
                    object_id=str(object_id),
                    subject_name=subject_name[:300],
                    achievement=achievement,
                    jwt=token,
                    status_index=index,
                    key=key,
                    valid_from=valid_from,
                    valid_until=valid_until,
                )
        except IntegrityError:
            existing = _current(kind, str(object_id))
            if existing is not None:
                return existing
            # Another issuer took this status index first: try the next one.
    raise CredentialError("Could not allocate a status list index; try again.")


def revoke_credential(kind: str, object_id: str, reason: str) -> IssuedCredential | None:
    """Revoke the current credential for (``kind``, ``object_id``), if any: its status bit is set.

    A conditional UPDATE, so a repeated call changes nothing. Returns the revoked credential.
    """
    current = _current(kind, str(object_id))
    if current is None:
        return None
    updated = IssuedCredential.objects.filter(pk=current.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=(reason or "")[:500]
    )
    if not updated:
        return None
    current.refresh_from_db()
    return current


def erase_credentials(*, kind: str | None = None, object_ids=(), holder_id: int | None = None) -> int:
    """Drop the holder link, the name and the stored JWT (which names them) of these credentials.

    The status bit stays as it was: a credential the holder still has keeps verifying, as the
    erased certificate's verification page does (docs/privacy.md).
    """
    from django.db.models import Q

    condition = Q(pk__in=[])
    if kind and object_ids:
        condition |= Q(kind=kind, object_id__in=[str(o) for o in object_ids])
    if holder_id is not None:
        condition |= Q(holder_id=holder_id)
    return IssuedCredential.objects.filter(condition).update(
        holder=None, subject_name="", jwt="", revoked_reason="", holder_erased_at=timezone.now()
    )


def revoked_indexes() -> list[int]:
    return list(IssuedCredential.objects.filter(revoked_at__isnull=False).values_list("status_index", flat=True))


def status_list_jwt(now: dt.datetime | None = None) -> str:
    """The revocation status list as a signed ``BitstringStatusListCredential`` (VC-JWT)."""
    key = keys.active_key()
    did = did_module.issuer_did()
    credential = documents.status_list_credential(
        list_url=status_list_url(),
        issuer_did=did,
        encoded_list=statuslist.encode(revoked_indexes()),
        valid_from=now or timezone.now(),
    )
    return _sign(documents.jwt_payload(credential), key)


def did_document() -> dict:
    keys.active_key()  # the document always publishes at least the key the next credential uses
    return did_module.did_document(keys.published_keys())


def credential_file(credential: IssuedCredential) -> dict:
    """The downloadable ``.json``: the decoded credential and the compact JWS that proves it."""
    _header, payload, _input, _sig = jws.parse(credential.jwt)
    return {
        "credential": documents.credential_from_payload(payload),
        "jwt": credential.jwt,
        "format": "vc-jwt",
    }


def verify_here(text: str) -> verify.VerificationResult:
    """Verify with this site's own public data (DID document, signed status list): exactly what an
    outside verifier would fetch, never the credential's row."""
    return verify.verify(text, did_document=did_document(), status_list=status_list_jwt())
