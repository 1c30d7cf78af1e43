# Shared by backup.sh and restore.sh (sourced, not run): where the checkout, Python and the file
# folders are. The folders default to the site's own defaults (config/settings/base.py) and are
# exported as absolute paths so tar and scripts/backup_summary.py see the same ones.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-$root/.venv/bin/python}
MEDIA_ROOT=$(realpath -m "${MEDIA_ROOT:-$root/media}")
CERTIFICATES_ROOT=$(realpath -m "${CERTIFICATES_ROOT:-$root/private/certificates}")
export MEDIA_ROOT CERTIFICATES_ROOT
# name:folder of each file archive
archives=("media:$MEDIA_ROOT" "certificates:$CERTIFICATES_ROOT")
