# Lyre's everyday commands. `make run` to try it, `make test` for the whole suite.

CARGO ?= cargo
NPM ?= npm
UI := portal-ui
UI_STAMP := $(UI)/node_modules/.lyre-installed

.PHONY: run ui ui-deps test test-rust test-ui lint fmt ddl openapi release bench clean

## run: build the web UI and run every service on SQLite (./data/lyre.db)
run: ui
	$(CARGO) run -p lyre

## ui: install the UI's npm packages (when package-lock.json changed) and build it
ui: ui-deps
	cd $(UI) && $(NPM) run build

ui-deps: $(UI_STAMP)

$(UI_STAMP): $(UI)/package-lock.json $(UI)/package.json
	cd $(UI) && $(NPM) ci --no-audit --no-fund
	touch $@

## test: lint, the UI's build (which the binary takes in), every Rust test (on PostgreSQL and MariaDB too when
## LYRE_TEST_POSTGRES_URL / LYRE_TEST_MYSQL_URL are set), the UI checks and the browser tests
test: lint ui test-rust test-ui

test-rust:
	$(CARGO) test --workspace --no-fail-fast

test-ui: ui
	cd $(UI) && $(NPM) run check:api
	cd $(UI) && $(NPM) run check:messages
	$(CARGO) build -p lyre
	cd $(UI) && $(NPM) run test:e2e

## lint: formatting and clippy, warnings are errors
## (the fuzz targets of service-kit/fuzz, a workspace of their own, included)
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) fmt --manifest-path service-kit/fuzz/Cargo.toml -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy --manifest-path service-kit/fuzz/Cargo.toml --target-dir target -- -D warnings

fmt:
	$(CARGO) fmt --all

## ddl: regenerate scripts/sql/*.sql from the migrations
ddl:
	LYRE_UPDATE_DDL=1 $(CARGO) test -p lyre-store --test ddl

## openapi: regenerate portal/openapi.json and the UI's API types after an API change
openapi:
	LYRE_UPDATE_OPENAPI=1 $(CARGO) test -p lyre-portal -p lyre-admin-service --test openapi
	cd $(UI) && $(NPM) run gen:api

## release: an optimised build of the binary at target/release/lyre
release: ui
	$(CARGO) build --release -p lyre

## bench: release builds, the load scenarios against a real lyre, and docs/benchmarks.md
bench:
	bench/run.sh

clean:
	$(CARGO) clean
	rm -rf $(UI)/dist $(UI)/node_modules $(UI)/test-results
