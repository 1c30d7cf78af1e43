#!/usr/bin/env bash
# Checks (and on Debian as root, installs) the system packages the project needs.
#   pdf:     Pango and HarfBuzz for WeasyPrint, the DejaVu fonts, and poppler-utils (pdftoppm:
#            the certificate tests render PDF pages to images to decode the QR code).
#   browser: Debian's Chromium for the Playwright browser tests (never a downloaded browser).
#   node:    Node.js 20.19+ and npm for the SSO tests' OpenID provider (tests/sso/provider, npm ci at test time)
#            and the Nu HTML Checker's npm package (tests/browser/vnu).
#   java:    a Java runtime for the Nu HTML Checker (vnu.jar) of the page-quality tests (docs/quality.md).
set -euo pipefail
what=${1:?usage: sysdeps.sh pdf|browser|node|java}

case "$what" in
  pdf)
    packages="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils"
    # No pipes: under pipefail, `ldconfig -p | grep -q` fails with SIGPIPE (141) whenever grep
    # stops reading before ldconfig has written everything. Read the cache once, then match.
    have() {
      local cache lib
      cache=$(ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null || true)
      for lib in libpango-1.0.so libpangoft2-1.0.so libharfbuzz-subset.so; do
        [[ $cache == *"$lib"* ]] || return 1
      done
      [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] && command -v pdftoppm >/dev/null
    }
    ;;
  browser)
    packages="chromium"
    have() { [ -x /usr/bin/chromium ]; }
    ;;
  node)
    packages="nodejs npm"
    have() {
      command -v npm >/dev/null 2>&1 && command -v node >/dev/null 2>&1 \
        && node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'
    }
    ;;
  java)
    packages="default-jre-headless"
    have() { command -v java >/dev/null 2>&1 && java -version >/dev/null 2>&1; }
    ;;
  *) echo "unknown group: $what" >&2; exit 2 ;;
esac

have && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: $packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq $packages >/dev/null
  have && exit 0
  echo "Installed $packages but the check still fails." >&2
  exit 1
fi

echo "Missing system packages for '$what'. Install them with:" >&2
echo "    sudo apt-get install -y $packages" >&2
exit 1
