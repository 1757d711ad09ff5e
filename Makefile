# spreadscan: every command a developer or CI needs. `make test` is what CI runs.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

TOOLS      := .tools
# Node: the LTS pinned in .nvmrc, installed under .tools/node by `make setup` and first on PATH
# for every recipe, so that npm, tsc, vitest and the services all run on it.
NODE_VERSION := $(shell cat .nvmrc)
NODE_HOME  := $(CURDIR)/$(TOOLS)/node
NODE_BIN   := $(NODE_HOME)/bin/node
export PATH := $(NODE_HOME)/bin:$(PATH)
GOBIN_DIR  := $(CURDIR)/$(TOOLS)/bin
VENV       := $(TOOLS)/venv
PYTHON     := $(VENV)/bin/python
BUF        := node_modules/.bin/buf
NODE_STAMP := node_modules/.installed
GO_STAMP   := $(TOOLS)/bin/.installed
# Jaeger (the trace store and UI of `make run-cluster` and the trace tests) has a module of its
# own, tools/jaeger/go.mod: built with the versions its release was tested with (grpc, the
# OpenTelemetry Collector), which grpcurl's newer ones would otherwise raise, and the other way round.
JAEGER_STAMP := $(TOOLS)/bin/.jaeger-installed
PY_STAMP   := $(VENV)/.installed
# Benchmark-only Go tools (ghz) live in their own module, so `make test` never builds them.
BENCH_BIN  := $(CURDIR)/$(TOOLS)/bench-bin
BENCH_STAMP := $(TOOLS)/bench-bin/.installed
# redis-server and nats-server (Debian packages): the cluster and its tests run on them.
SERVERS_STAMP := $(TOOLS)/.servers-installed

# buf breaking compares the contracts with this state; empty: their previous state in git
# history (see scripts/buf-breaking.sh). Override to compare with another, e.g. .git\#branch=main.
BUF_BREAKING_AGAINST ?=

.PHONY: help setup node gen check-gen lint lint-proto breaking lint-ts lint-format format typecheck build check-go check-python \
        check-esm test test-unit test-faults test-faults-ci run run-cluster run-scanner run-coordinator bench clean

help:
	@echo "make setup      install the pinned tools this project needs (Node, npm, go install, pip)"
	@echo "make gen        regenerate gen/ from proto/"
	@echo "make lint       buf lint and format, buf breaking, eslint, prettier --check"
	@echo "make format     rewrite the TypeScript, JavaScript and JSON in the one format"
	@echo "make build      compile TypeScript into dist/, and the CLI's startup snapshot"
	@echo "make test       everything CI checks (the fault suites included)"
	@echo "make test-faults the fault suites alone; updates docs/RELIABILITY.md and its results"
	@echo "make run        start the scanner and the coordinator"
	@echo "make run-cluster three scanners, two coordinators, Redis, NATS, PostgreSQL and Jaeger on loopback (docs/scaling.md)"
	@echo "make bench      run the benchmarks, record each run under bench/results/ and render its pages"
	@echo "make clean      remove build output and installed tools"

# ---- setup: everything comes from the project's own pinned files -------------------------
setup: $(NODE_STAMP) $(GO_STAMP) $(JAEGER_STAMP) $(PY_STAMP) $(SERVERS_STAMP)

node: $(NODE_BIN)

$(NODE_BIN): .nvmrc
	scripts/install-node.sh "$(NODE_VERSION)" "$(NODE_HOME)"
	@touch $@

$(NODE_STAMP): $(NODE_BIN) package.json package-lock.json
	@# Not `npm ci`: the registry here lacks some of buf's optional platform packages, so the
	@# lock file cannot list them and `npm ci` refuses it; `npm install` honours the lock as it is.
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund
	@touch $@

$(GO_STAMP): tools/go.mod tools/go.sum
	cd tools && GOBIN="$(GOBIN_DIR)" go install tool
	@touch $@

$(JAEGER_STAMP): tools/jaeger/go.mod tools/jaeger/go.sum
	cd tools/jaeger && GOBIN="$(GOBIN_DIR)" go install tool
	@touch $@

$(SERVERS_STAMP): scripts/install-servers.sh
	scripts/install-servers.sh
	@# Only once all are there: a machine that could not install them tries again next time.
	@if [ -x /usr/bin/redis-server ] && [ -x /usr/sbin/nats-server ] && [ -x /usr/bin/chromium ] && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then mkdir -p $(TOOLS) && touch $@; fi

$(PY_STAMP): tools/requirements.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r tools/requirements.txt
	@touch $@

# ---- contracts and generated code ---------------------------------------------------------
gen: setup
	scripts/gen.sh gen

check-gen: setup
	scripts/check-gen.sh

lint: lint-proto breaking lint-ts lint-format

lint-proto: $(NODE_STAMP)
	$(BUF) lint
	$(BUF) format --diff --exit-code

breaking: $(NODE_STAMP)
	scripts/buf-breaking.sh "$(BUF_BREAKING_AGAINST)"

lint-ts: $(NODE_STAMP)
	node_modules/.bin/eslint .

# One format for the TypeScript, JavaScript and JSON we write by hand (.prettierrc.json;
# .prettierignore lists what tools write). `make format` rewrites it.
lint-format: $(NODE_STAMP)
	node_modules/.bin/prettier --check --log-level warn .

format: $(NODE_STAMP)
	node_modules/.bin/prettier --write --log-level warn .

typecheck: $(NODE_STAMP)
	node_modules/.bin/tsc --noEmit -p tsconfig.json
	node_modules/.bin/tsc -p web/tsconfig.json

check-esm: build
	node scripts/check-esm.mjs

check-go: $(GO_STAMP)
	cd gen/go && go build ./... && go vet ./...
	cd examples/go && go vet ./...
	cd test/interop/go && go vet ./...

check-python: $(PY_STAMP)
	scripts/check-python-package.sh $(PYTHON)

# ---- build, test, run ---------------------------------------------------------------------
build: $(NODE_STAMP)
	rm -rf dist
	node_modules/.bin/tsc -p tsconfig.build.json
	node_modules/.bin/vite build --config web/vite.config.ts
	@# npx links the bin once and keeps its mode; tsc writes it without the executable bit.
	chmod +x dist/services/cli/main.js
	@# The CLI's startup snapshot, after dist/ (bin/spreadscan uses it only if it is newer).
	node scripts/build-cli-snapshot.mjs

test: setup lint check-gen typecheck check-esm check-go check-python test-unit test-faults-ci

test-unit: setup
	node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json=$(TOOLS)/vitest-report.json
	@node -e 'const r = require("./$(TOOLS)/vitest-report.json"); console.log(`vitest: $${r.numPassedTests} passed, $${r.numFailedTests} failed`)'

# Fault suites (test/faults/): real services under faults; docs/RELIABILITY.md is rendered
# from their results even when one fails, so that it always shows the last run. `make test`
# runs them too, writing results and document under $(TOOLS)/faults rather than over the
# committed ones; `make test-faults` is how the committed document is brought up to date.
FAULT_RESULTS_DIR ?= test/faults/results
RELIABILITY_FILE  ?= docs/RELIABILITY.md

test-faults: setup
	rm -rf $(FAULT_RESULTS_DIR)
	status=0; FAULT_RESULTS_DIR=$(FAULT_RESULTS_DIR) node_modules/.bin/vitest run --config vitest.faults.config.ts || status=$$?; \
	FAULT_RESULTS_DIR=$(FAULT_RESULTS_DIR) RELIABILITY_FILE=$(RELIABILITY_FILE) node --import tsx test/faults/write-reliability.ts; exit $$status

test-faults-ci: setup
	$(MAKE) --no-print-directory test-faults FAULT_RESULTS_DIR=$(TOOLS)/faults/results RELIABILITY_FILE=$(TOOLS)/faults/RELIABILITY.md

run: setup build
	scripts/run.sh

# The fleet of docs/scaling.md on loopback: Redis, NATS, PostgreSQL, Jaeger, three scanners, two coordinators.
run-cluster: setup build
	scripts/install-servers.sh --required
	node --import tsx scripts/cluster/run-cluster.ts

run-scanner: setup build
	LOG_FORMAT=pretty node dist/services/scanner/main.js

run-coordinator: setup build
	LOG_FORMAT=pretty node dist/services/coordinator/main.js

$(BENCH_STAMP): bench/tools/go.mod bench/tools/go.sum
	cd bench/tools && GOBIN="$(BENCH_BIN)" go install tool
	@touch $@

# Benchmarks (bench/): each run is recorded under $(BENCH_RESULTS_DIR)/<bench>/<time>.json, and
# the pages $(BENCH_RESULTS_DIR)/<bench>.md are rendered from every recorded run, also when a
# benchmark failed. A missed target prints MISS and is a finding, not a failure: `make bench`
# fails only when a benchmark could not run.
BENCH_RESULTS_DIR ?= bench/results

bench: setup $(BENCH_STAMP)
	rm -rf dist
	node_modules/.bin/tsc -p tsconfig.bench.json
	@# bench/cli-chain-scan.ts runs the CLI as a user does: bin/spreadscan, from this snapshot.
	node scripts/build-cli-snapshot.mjs
	status=0; export BENCH_RESULTS_DIR="$(BENCH_RESULTS_DIR)"; \
	node dist/bench/engine-throughput.js || status=$$?; \
	node dist/bench/cli-chain-scan.js || status=$$?; \
	node dist/bench/bootstrap-overhead.js || status=$$?; \
	node dist/bench/watch-fanout.js || status=$$?; \
	node dist/bench/ibkr-fetch.js || status=$$?; \
	node dist/bench/scan-throughput.js $(BENCH_BIN)/ghz || status=$$?; \
	node dist/bench/cluster-throughput.js || status=$$?; \
	node dist/bench/universe-scan.js || status=$$?; \
	node dist/bench/cache-warming.js || status=$$?; \
	node dist/bench/tracing-overhead.js || status=$$?; \
	node dist/bench/write-results.js; exit $$status

clean:
	rm -rf dist coverage $(TOOLS) node_modules
