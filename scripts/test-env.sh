# What Tandem's test suite needs, installed when missing, and the environment that
# points the tests at it (sourced by scripts/test and scripts/page-loads after
# scripts/lib.sh, with ROOT set): Chromium, certutil, systemd-analyze, Node.js, the
# browser driver's npm packages, the Python venv and the npm apps for the real-app tests.

section "system packages"
if [ ! -x /usr/bin/chromium ]; then
  echo "installing chromium"
  apt_install chromium
fi
# certutil: the https tests make Chromium trust their CA through an NSS database.
if ! command -v certutil >/dev/null 2>&1; then
  echo "installing libnss3-tools"
  apt_install libnss3-tools
fi
# systemd-analyze: the deployment test checks deploy/tandem.service as systemd reads it.
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "installing systemd"
  apt_install systemd
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "installing nodejs npm"
  apt_install nodejs npm
fi
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  echo "installing python3 python3-venv"
  apt_install python3 python3-venv
fi
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo '?')"
echo "node: $(node --version)  npm: $(npm --version 2>/dev/null)"

section "browser driver (tests/browser)"
BROWSER_DIR="$ROOT/tests/browser"
if [ ! -d "$BROWSER_DIR/node_modules" ] || [ "$BROWSER_DIR/package-lock.json" -nt "$BROWSER_DIR/node_modules" ]; then
  npm ci --prefix "$BROWSER_DIR" --no-audit --no-fund
  touch "$BROWSER_DIR/node_modules"
else
  echo "node_modules up to date"
fi

section "python venv (.cache/venv)"
VENV="$ROOT/.cache/venv"
REQS="$ROOT/tests/apps/requirements.txt"
STAMP="$VENV/.requirements.stamp"
if [ ! -x "$VENV/bin/python" ]; then
  rm -rf "$VENV"
  mkdir -p "$ROOT/.cache"
  python3 -m venv "$VENV"
fi
if [ -f "$REQS" ] && { [ ! -f "$STAMP" ] || [ "$REQS" -nt "$STAMP" ]; }; then
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQS"
  touch "$STAMP"
else
  echo "venv up to date"
fi

section "npm apps (.cache/apps-npm)"
# swagger-ui-dist, redoc and the pdf.js viewer for the real-app tests: never in tests/browser.
APPS_NPM="$ROOT/.cache/apps-npm"
APPS_LOCK="$ROOT/tests/apps/npm/package-lock.json"
if [ ! -d "$APPS_NPM/node_modules" ] || [ "$APPS_LOCK" -nt "$APPS_NPM/node_modules" ]; then
  mkdir -p "$APPS_NPM"
  cp "$ROOT/tests/apps/npm/package.json" "$APPS_LOCK" "$APPS_NPM/"
  npm ci --prefix "$APPS_NPM" --no-audit --no-fund --ignore-scripts
  touch "$APPS_NPM/node_modules"
else
  echo "node_modules up to date"
fi

export TANDEM_TEST_CHROMIUM=/usr/bin/chromium
export TANDEM_TEST_NODE_DIR="$ROOT/tests/browser"
export TANDEM_TEST_VENV="$VENV"
export TANDEM_TEST_APPS_NPM="$APPS_NPM"
export TANDEM_TEST_ARTIFACTS="${TANDEM_TEST_ARTIFACTS:-$ROOT/target/test-artifacts}"
