#!/usr/bin/env bash
# Back up the course site: the PostgreSQL database and the files it points at. docs/deploy.md#backups
#
#   DATABASE_URL=postgres://user@db:5432/learn MEDIA_ROOT=/srv/learn/media \
#   CERTIFICATES_ROOT=/srv/learn/private/certificates scripts/backup.sh /backups/learn-$(date -u +%Y%m%dT%H%M%SZ)
#
# DEST (created, must be empty) receives:
#   db.dump              pg_dump custom format (-Fc): compressed, restored with pg_restore
#   media.tar.gz         MEDIA_ROOT (images, documents, audio)        } only with local storage; with
#   certificates.tar.gz  CERTIFICATES_ROOT (the private PDFs)          } AWS_STORAGE_BUCKET_NAME set
#                                                                        the bucket's versioning covers files
#   summary.json         row counts and file checks (scripts/backup_summary.py), compared by restore.sh
#   SHA256SUMS
# The database is dumped first. A file is written before the row that names it is committed, so every
# file the dump references is already on disk when the archives are made; later uploads are extras.
# Environment: DATABASE_URL (required), MEDIA_ROOT, CERTIFICATES_ROOT, DJANGO_SETTINGS_MODULE, PYTHON.
set -euo pipefail

dest=${1:?usage: scripts/backup.sh DEST_DIR}
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to back up}"
# shellcheck source=scripts/_backup_env.sh
source "$(dirname "$0")/_backup_env.sh"

mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
if [ -n "$(ls -A "$dest")" ]; then
  echo "backup.sh: $dest is not empty" >&2
  exit 2
fi

echo "database -> $dest/db.dump"
pg_dump --format=custom --no-owner --no-privileges --dbname="$DATABASE_URL" --file="$dest/db.dump"

if [ -n "${AWS_STORAGE_BUCKET_NAME:-}" ]; then
  echo "files: in bucket $AWS_STORAGE_BUCKET_NAME (versioned; see docs/deploy.md), not archived here"
else
  for pair in "${archives[@]}"; do
    name=${pair%%:*} dir=${pair#*:}
    if [ -d "$dir" ]; then
      echo "$name ($dir) -> $dest/$name.tar.gz"
      tar --create --gzip --file="$dest/$name.tar.gz" --directory="$dir" .
    else
      echo "$name: $dir does not exist; nothing to archive"
    fi
  done
fi

(cd "$root" && "$python" scripts/backup_summary.py) >"$dest/summary.json"
(cd "$dest" && sha256sum -- * >SHA256SUMS)
du -sh "$dest"/* | sed 's/^/  /'
echo "backup complete: $dest"
