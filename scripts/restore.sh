#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database and empty file folders,
# then check that counts and files match the backup's summary. docs/deploy.md#restore
#
#   createdb learn_restored
#   DATABASE_URL=postgres://user@db:5432/learn_restored MEDIA_ROOT=/srv/learn/media \
#   CERTIFICATES_ROOT=/srv/learn/private/certificates scripts/restore.sh /backups/learn-20260101T020000Z
#
# Refuses a database that already has tables and folders that are not empty: a restore never merges.
# Afterwards run `manage.py migrate` if the code is newer than the backup, and start the app.
# Environment: DATABASE_URL (required), MEDIA_ROOT, CERTIFICATES_ROOT, DJANGO_SETTINGS_MODULE, PYTHON.
set -euo pipefail

src=${1:?usage: scripts/restore.sh BACKUP_DIR}
: "${DATABASE_URL:?set DATABASE_URL to the (empty) PostgreSQL database to restore into}"
# shellcheck source=scripts/_backup_env.sh
source "$(dirname "$0")/_backup_env.sh"
src=$(cd "$src" && pwd)

echo "checking $src/SHA256SUMS"
(cd "$src" && sha256sum --check --quiet SHA256SUMS)

tables=$(psql "$DATABASE_URL" --no-psqlrc --tuples-only --no-align \
  --command="SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != 0 ]; then
  echo "restore.sh: the target database already has $tables tables; restore into an empty one" >&2
  exit 2
fi
for pair in "${archives[@]}"; do
  name=${pair%%:*} dir=${pair#*:}
  if [ -f "$src/$name.tar.gz" ] && [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
    echo "restore.sh: $dir ($name) is not empty" >&2
    exit 2
  fi
done

echo "database <- $src/db.dump"
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$DATABASE_URL" "$src/db.dump"

for pair in "${archives[@]}"; do
  name=${pair%%:*} dir=${pair#*:}
  if [ -f "$src/$name.tar.gz" ]; then
    echo "$name ($dir) <- $src/$name.tar.gz"
    mkdir -p "$dir"
    tar --extract --gzip --file="$src/$name.tar.gz" --directory="$dir"
  fi
done

echo "comparing with $src/summary.json"
(cd "$root" && "$python" scripts/backup_summary.py --compare "$src/summary.json" >/dev/null)
echo "restore complete and verified"
