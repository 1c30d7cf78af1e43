#!/usr/bin/env python
"""Open Badges credential benchmark: median time to sign and to verify one credential.

    .venv/bin/python bench/credentials.py [--credentials 300]

Runs on a throwaway SQLite database in a temporary folder (or BENCH_DATABASE_URL, which must be
a database you can throw away). It prints the median of:

1. building and signing one credential (the OB 3.0 document, its JWT claims, the Ed25519 JWS),
   the bare JWS signature alone, and a whole ``issue_credential`` call (plus the issuer lookup,
   the status index, the INSERT and its COMMIT: on SQLite the commit's fsync dominates);
2. verifying one credential with ``verify`` (JWS parse, key lookup in the DID document, Ed25519
   check, the OB 3.0 JSON Schema, the status list: signature, GZIP decode, bit), with the DID
   document and the signed status list fetched once, as a verifier would cache them;
3. building and signing the 131,072-entry status list, as served per request.

Target: signing and verifying each <= 20 ms.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def configure(workdir: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}",
            "SECRET_KEY": "bench-only-not-secret",
            "ALLOWED_HOSTS": "testserver,localhost",
            "MEDIA_ROOT": str(workdir / "media"),
            "CERTIFICATES_ROOT": str(workdir / "certificates"),
            "LOG_LEVEL": "WARNING",
        }
    )


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--credentials", type=int, default=300)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-credentials-"))
    try:
        configure(workdir)
        import django

        django.setup()
        from django.core.management import call_command
        from django.utils import timezone

        from lms.credentials import documents, jws, keys, services, verify

        call_command("migrate", verbosity=0)
        key = keys.active_key()

        def issue(n: int):
            return services.issue_credential(
                kind="bench",
                object_id=str(n),
                holder=None,
                achievement={
                    "id": f"urn:uuid:{uuid.uuid4()}",
                    "name": "Micro-connections",
                    "description": "Completion of the Micro-connections programme (6 hours).",
                    "criteria": {"narrative": "Complete every module and pass its quizzes."},
                },
                evidence=[],
                valid_from=timezone.now(),
                valid_until=None,
                subject_name="Ada Lovelace",
            )

        issue(-1)  # warm: key decryption cache, URL resolver, site lookup
        issued = []
        sign_samples = []
        for n in range(args.credentials):
            start = time.perf_counter()
            issued.append(issue(n))
            sign_samples.append(time.perf_counter() - start)
        payload = jws.parse(issued[0].jwt)[1]
        private = keys.private_key(key)
        bare = [
            timed(lambda: jws.sign(header={"alg": "EdDSA"}, payload=payload, private_key=private)) for _ in range(300)
        ]

        credential = documents.credential_from_payload(payload)

        def build_and_sign():
            document = documents.open_badge_credential(
                credential_id=f"urn:uuid:{uuid.uuid4()}",
                subject=documents.subject_id(uuid.uuid4()),
                subject_name="Ada Lovelace",
                issuer=credential["issuer"],
                achievement=credential["credentialSubject"]["achievement"],
                evidence=[],
                valid_from=timezone.now(),
                valid_until=None,
                status_entry=documents.status_entry(list_url=services.status_list_url(), index=7),
            )
            services._sign(documents.jwt_payload(document), key)

        signing = [timed(build_and_sign) for _ in range(300)]

        for credential in issued[::10]:
            services.revoke_credential(credential.kind, credential.object_id, "bench")
        document = services.did_document()
        status_list = services.status_list_jwt()
        verify.verify(issued[1].jwt, did_document=document, status_list=status_list)  # warm: schema compile
        verify_samples = []
        for credential in issued:
            start = time.perf_counter()
            result = verify.verify(credential.jwt, did_document=document, status_list=status_list)
            verify_samples.append(time.perf_counter() - start)
            assert result.valid or result.reason == "revoked", result
        list_samples = [timed(services.status_list_jwt) for _ in range(20)]

        print(
            f"database: {django.db.connection.vendor}; {args.credentials} credentials; "
            f"status list JWT {len(status_list)} bytes"
        )
        print(f"build + sign one credential (median): {median_ms(signing):7.2f} ms   target <= 20 ms")
        print(f"  of which the bare Ed25519 JWS:      {median_ms(bare):7.3f} ms")
        print(f"issue_credential, stored (median):    {median_ms(sign_samples):7.2f} ms   (+ index, INSERT, COMMIT)")
        print(f"verify one credential (median):       {median_ms(verify_samples):7.2f} ms   target <= 20 ms")
        print(f"build + sign the status list:         {median_ms(list_samples):7.2f} ms   (per request)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
