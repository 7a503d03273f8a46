# ectoplasm: every chore has one entry point here.
#
#   make serve    set up if needed, build the page, serve it on 127.0.0.1 (URL printed)
#   make test     set up if needed, then everything CI checks (see `test:` below)
#
# Other targets: setup, build, check (before landing), fmt, fmt-check, clippy, test-native, test-wasm,
# conformance, test-lessons, test-pg, test-pglite, e2e, measure, screenshot, clean. Tools live in ~/.cargo/bin and node_modules/.bin.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

PORT ?= 8080
WASM_TARGET := wasm32-unknown-unknown

JS_BUNDLE := app/js/build/editor.js

.PHONY: js setup serve build test check fmt fmt-check clippy test-native test-wasm conformance test-lessons test-pg test-pglite e2e measure screenshot clean

setup:
	@scripts/setup.sh

## js: the CodeMirror bundle (Trunk's pre_build hook runs the same command).
js:
	esbuild app/js/editor.js --bundle --format=iife --global-name=EctoplasmEditor --minify --target=es2020 --log-level=warning --outfile=$(JS_BUNDLE)
	esbuild app/js/diagram.js --bundle --format=iife --global-name=EctoplasmDiagram --minify --target=es2020 --log-level=warning --outfile=app/js/build/diagram.js
	esbuild app/js/insight.js --bundle --format=iife --global-name=EctoplasmInsight --minify --target=es2020 --log-level=warning --outfile=app/js/build/insight.js
	esbuild app/js/pglite.js --bundle --format=iife --minify --target=es2020 --define:import.meta.url=self.location.href --external:fs --external:fs/promises --external:zlib --external:stream --external:stream/promises --external:util --external:node:module --log-level=warning --outfile=app/js/build/pglite.js
	esbuild app/js/from-sql.js --bundle --format=iife --global-name=EctoplasmFromSql --minify --target=es2020 --log-level=warning --outfile=app/js/build/from-sql.js

## serve: a development build, rebuilt on every change (trunk serve).
serve: setup js  # js first: the watcher needs app/js/build to exist
	@echo "ectoplasm: serving on http://127.0.0.1:$(PORT)/  (Ctrl+C stops)"
	trunk serve --address 127.0.0.1 --port $(PORT)

## build: the release page in dist/ (wasm-release profile + wasm-opt -Oz).
build: setup
	trunk build --release

## test: what CI runs (.ci/run), in order, stopping at the first failure.
test: setup fmt-check clippy test-native test-wasm conformance test-lessons test-pg test-pglite build e2e

## check: the quick part of `make test` (no wasm, no browser); run it before landing.
check: fmt-check clippy test-native conformance test-lessons

fmt:
	cargo fmt --all

fmt-check:
	cargo fmt --all --check

## clippy: the CLI's bin is linted without its test harness build, where code
## reached only from main() would count as dead.
clippy:
	cargo clippy -p ectoplasm-engine --all-targets -- -D warnings
	cargo clippy -p ectoplasm-cli --bins --test '*' -- -D warnings
	cargo clippy -p ectoplasm-app --target $(WASM_TARGET) --all-targets --no-deps -- -D warnings
	cargo clippy -p ectoplasm-app --target $(WASM_TARGET) --all-targets --no-deps --features tools -- -D warnings

test-native:
	cargo test -p ectoplasm-engine -p ectoplasm-cli

## test-wasm: the app's sql.js and PGlite wrappers, the engine's worker (on SQLite and PostgreSQL) and the tools worker
## (feature `tools`: SQL import) against real sql.js, under Node (wasm-bindgen-test).
test-wasm:
	NODE_OPTIONS="--require $(CURDIR)/app/tests/node-sqljs.cjs --require $(CURDIR)/app/tests/node-pglite.cjs" cargo test -p ectoplasm-app --target $(WASM_TARGET) --features tools

conformance:
	scripts/conformance.sh

## test-lessons: every lessons/*.livemd checked headlessly: solutions pass, starters fail.
test-lessons:
	scripts/test-lessons.sh

## test-pg: a throwaway PostgreSQL cluster (Debian's postgresql is installed when
## missing), the PostgreSQL corpus files through `ectoplasm repo --adapter postgres`
## against their baselines, and the tests that need a server; the cluster is stopped after.
test-pg:
	scripts/conformance-pg.sh

## test-pglite: the same PostgreSQL corpus files on PGlite, the page's PostgreSQL, under Node
## (the `conformance` tests of app/tests/pglite.rs: the engine's repo-file runner on the worker's
## PGlite wrapper, a fresh PGlite per file), compared with the same recordings and checked against
## their `_pglite` lines in tests/conformance/baseline.txt. About 25 s after test-wasm (which built
## the test binary and ran these tests too, without the comparison).
test-pglite:
	scripts/conformance-pglite.sh

## e2e: browser tests against dist/ (run `make build` first; `make test` does).
e2e:
	node --test tests/e2e/

measure: build
	node scripts/measure.mjs

screenshot: build
	node scripts/screenshot.mjs

clean:
	cargo clean
	rm -rf dist
