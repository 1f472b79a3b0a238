#!/usr/bin/env bash
# Installs what the end-to-end tests need (see test/e2e/README.md):
#   - Debian packages: chromium (the browser window), ripgrep and libkrb5-dev (for code-server's
#     npm dependencies), plus a C++ toolchain if missing (argon2 builds from source offline), and
#     pre-commit (the hook test), and Django, Django REST framework and SQLAlchemy for Debian's python3
#     (test/realworld/n-plus-one-queries.test.ts runs the example apps with them);
#   - code-server (the VS Code server + web workbench) and playwright-core, into <repo>/.code-server/.
# Idempotent: every step is skipped when already done. Non-interactive; run as root (or with sudo
# available for apt). Needs Node 20 and access to the npm registry and Debian apt only.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3   # VS Code 1.100.3, newest line that runs on Node 20
PLAYWRIGHT_VERSION=1.65.1
# @vscode/ripgrep (a code-server dependency) downloads this from GitHub in its postinstall.
RG_CACHE_DIR=vscode-ripgrep-cache-1.15.11
RG_VERSION=v13.0.0-10

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CS_DIR="$ROOT/.code-server"
export CI=true DEBIAN_FRONTEND=noninteractive

log() { printf '[e2e-deps] %s\n' "$*"; }
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@"
  else
    # One line for `npm test` to show: what is missing and the command that installs it.
    echo "[e2e-deps] missing Debian packages (${pkgs[*]}) and no root or passwordless sudo: run \`sudo bash scripts/install-e2e-deps.sh\` once" >&2
    exit 1
  fi
}

# --- 1. Debian packages -------------------------------------------------------------------------
pkgs=()
command -v chromium >/dev/null || pkgs+=(chromium)
command -v rg >/dev/null || pkgs+=(ripgrep)
dpkg-query -W -f='${Status}' libkrb5-dev 2>/dev/null | grep -q 'ok installed' || pkgs+=(libkrb5-dev)
# pre-commit (with nodeenv) runs the repository's hook definition in test/cli/pre-commit.test.ts.
command -v pre-commit >/dev/null || pkgs+=(pre-commit)
# The N+1 proof runs examples/django-shop-n1 and examples/sqlalchemy-orders with Debian's /usr/bin/python3.
/usr/bin/python3 -c 'import django, rest_framework, sqlalchemy' 2>/dev/null ||
  pkgs+=(python3-django python3-djangorestframework python3-sqlalchemy)
# argon2/kerberos native modules are compiled with node-gyp (prebuilt downloads are unreachable).
for tool in make g++ python3; do command -v "$tool" >/dev/null || { pkgs+=(make g++ python3); break; }; done
if [ ${#pkgs[@]} -gt 0 ]; then
  log "apt-get install ${pkgs[*]}"
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
else
  log "apt packages already present"
fi

# --- 2. code-server + playwright-core into .code-server/ -----------------------------------------
installed_version() { # $1 = package name; prints its installed version or nothing
  node -p "require('$CS_DIR/node_modules/$1/package.json').version" 2>/dev/null || true
}
if [ "$(installed_version code-server)" = "$CODE_SERVER_VERSION" ] &&
   [ -f "$CS_DIR/node_modules/code-server/lib/vscode/out/server-main.js" ] &&
   [ "$(installed_version playwright-core)" = "$PLAYWRIGHT_VERSION" ]; then
  log "code-server $CODE_SERVER_VERSION and playwright-core $PLAYWRIGHT_VERSION already in $CS_DIR"
  exit 0
fi

node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" = 20 ] || log "warning: code-server $CODE_SERVER_VERSION declares engines.node 20, this is Node $node_major"

mkdir -p "$CS_DIR"
cat >"$CS_DIR/package.json" <<EOF
{ "private": true, "dependencies": { "code-server": "$CODE_SERVER_VERSION", "playwright-core": "$PLAYWRIGHT_VERSION" } }
EOF

# Pre-seed @vscode/ripgrep's download cache (it looks in \$TMPDIR) with a tarball of Debian's rg,
# so its postinstall logs "Using cached download" instead of failing on github.com.
# Target names as in @vscode/ripgrep's lib/postinstall.js.
case "$(uname -m)" in
  x86_64) rg_target=x86_64-unknown-linux-musl ;;
  aarch64) rg_target=aarch64-unknown-linux-musl ;;
  *) log "error: no ripgrep cache name known for $(uname -m)"; exit 1 ;;
esac
npm_tmp="$(mktemp -d)"
trap 'rm -rf "$npm_tmp"' EXIT
mkdir -p "$npm_tmp/$RG_CACHE_DIR" "$npm_tmp/rg-bin"
cp "$(command -v rg)" "$npm_tmp/rg-bin/rg"
tar -czf "$npm_tmp/$RG_CACHE_DIR/ripgrep-$RG_VERSION-$rg_target.tar.gz" -C "$npm_tmp/rg-bin" rg

# node-gyp would download Node headers from nodejs.org; use the local ones when they exist.
node_prefix="$(dirname "$(dirname "$(command -v node)")")"
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$node_prefix/include/node/node.h" ]; then
  export npm_config_nodedir="$node_prefix"
fi

log "npm install code-server@$CODE_SERVER_VERSION playwright-core@$PLAYWRIGHT_VERSION into $CS_DIR (cold: ~2 min, ~300 MB)"
start=$SECONDS
# unsafe_perm: code-server's postinstall refuses to run as root otherwise;
# yes: a postinstall runs `npx node-gyp`, which must not prompt.
(cd "$CS_DIR" &&
  TMPDIR="$npm_tmp" npm_config_unsafe_perm=true npm_config_yes=true PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    npm install --no-audit --no-fund --no-save --loglevel=error </dev/null)
[ -f "$CS_DIR/node_modules/code-server/lib/vscode/out/server-main.js" ] ||
  { log "error: server-main.js missing after install"; exit 1; }
log "done in $((SECONDS - start)) s"
