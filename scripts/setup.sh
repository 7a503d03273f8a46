#!/usr/bin/env bash
# Installs what this machine lacks to build and test ectoplasm, and nothing
# else: every step checks first, so a second run takes seconds.
#
#   wasm32 target · trunk 0.21 · wasm-bindgen-cli (the version in Cargo.lock)
#   Debian chromium + chromium-driver · npm packages from package-lock.json
#   (sql.js, playwright-core, binaryen's wasm-opt, CodeMirror 6 and esbuild for the editor
#   bundle) · crates for offline builds
#
# Only package registries are used (crates.io, npm, Debian); nothing downloads
# prebuilt binaries from elsewhere, and Trunk runs offline (Trunk.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

started=$SECONDS
say() { printf '[setup] %s\n' "$*"; }
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# The wasm-bindgen CLI must match the crate exactly; three files name the version.
wasm_bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
[ -n "$wasm_bindgen_version" ] || { say "no wasm-bindgen in Cargo.lock"; exit 1; }
grep -q "^wasm-bindgen = \"=$wasm_bindgen_version\"" app/Cargo.toml ||
  { say "app/Cargo.toml must pin wasm-bindgen = \"=$wasm_bindgen_version\" (the version in Cargo.lock)"; exit 1; }
grep -q "^wasm_bindgen = \"$wasm_bindgen_version\"" Trunk.toml ||
  { say "Trunk.toml [tools] wasm_bindgen must be \"$wasm_bindgen_version\" (the version in Cargo.lock)"; exit 1; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! trunk --version 2>/dev/null | grep -q '^trunk 0\.21\.'; then
  # 0.22 needs a newer rustc than this toolchain; --locked keeps its tested deps.
  say "installing trunk 0.21 (about 7 to 15 minutes)"
  t=$SECONDS
  cargo install --locked trunk --version '^0.21'
  say "trunk installed in $((SECONDS - t)) s"
fi

if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $wasm_bindgen_version"; then
  # Without --locked: its lockfile pins a crate version the registry lacks.
  say "installing wasm-bindgen-cli $wasm_bindgen_version (about 5 minutes)"
  t=$SECONDS
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version"
  say "wasm-bindgen-cli installed in $((SECONDS - t)) s"
fi

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  say "installing Debian's chromium and chromium-driver"
  t=$SECONDS
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  say "chromium installed in $((SECONDS - t)) s"
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
  [ ! -x node_modules/.bin/wasm-opt ] || [ ! -f node_modules/sql.js/dist/sql-wasm.wasm ] ||
  [ ! -x node_modules/.bin/esbuild ] || [ ! -d node_modules/codemirror-lang-elixir ]; then
  say "installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
fi
wasm-opt --version | grep -q 'version 132' || { say "wasm-opt is not binaryen 132: $(wasm-opt --version)"; exit 1; }

# Trunk builds offline (cargo --offline), so every crate must be local already.
cargo fetch --locked --quiet

say "ready in $((SECONDS - started)) s"
