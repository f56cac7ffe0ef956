# Kompox: `make demo` runs the embedded stack end to end; `make test` installs, builds the
# tools and runs every test. Tools are built into a cache outside the repository.
SHELL := /bin/bash
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/bin:$(PATH)

NODE_STAMP := node_modules/.install-stamp
SOURCES := $(shell find api dev kom kube drivers activities workflows client workers webhook cli test bench -name '*.ts' 2>/dev/null)

.PHONY: all install image-dev tools tools-temporal tools-temporal-server tools-k8s tools-real-node tools-csi tools-moto bench-failover bench-migrate tools-alertmanager build lint test test-unit test-integration chaos bench demo demo-k3s demo-down clean

all: build

# `npm ci`: installs exactly the lock and never rewrites it, so a fresh clone stays clean.
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@node --version | grep -q '^v24\.' || { echo "node_modules/.bin/node is not Node 24; the 'node' dev dependency did not install" >&2; exit 1; }
	touch $@

install: $(NODE_STAMP)

tools-temporal:
	@scripts/temporal-cli.sh >/dev/null

# The Temporal server and temporal-sql-tool (`dev up --server postgres`); PostgreSQL 15 from Debian.
tools-temporal-server:
	@scripts/temporal-server.sh >/dev/null

tools-k8s:
	@scripts/k8s-binaries.sh >/dev/null

# A real (kubelet) node's binaries, Debian packages and local images; the images need the
# node's pause binary and busybox, so they come second.
tools-real-node:
	@scripts/real-node-tools.sh >/dev/null && scripts/local-images.sh >/dev/null

# The CSI sidecars, the snapshot-controller, the VolumeSnapshot CRDs and the CSI protos.
tools-csi:
	@scripts/csi-tools.sh >/dev/null

# moto, the offline AWS emulator the eks driver is tested against: a Python virtualenv from PyPI.
tools-moto:
	@scripts/moto-tools.sh >/dev/null

# Prometheus Alertmanager, which the failover tests alert through: a Go build.
tools-alertmanager:
	@scripts/alertmanager-tools.sh >/dev/null

# The six Go builds and the moto install are independent; running them together shortens a
# cold start. Each is waited for, so a failure never leaves a build running behind make.
tools:
	@scripts/temporal-cli.sh >/dev/null & t=$$!; scripts/k8s-binaries.sh >/dev/null & k=$$!; \
	  scripts/csi-tools.sh >/dev/null & c=$$!; scripts/moto-tools.sh >/dev/null & m=$$!; \
	  scripts/alertmanager-tools.sh >/dev/null & a=$$!; scripts/temporal-server.sh >/dev/null & s=$$!; \
	  { scripts/real-node-tools.sh >/dev/null && scripts/local-images.sh >/dev/null; }; r=$$?; \
	  wait $$t; t=$$?; wait $$k; k=$$?; wait $$c; c=$$?; wait $$m; m=$$?; wait $$a; a=$$?; wait $$s; s=$$?; \
	  exit $$(( t || k || c || m || a || s || r ))

dist/.build-stamp: $(NODE_STAMP) $(SOURCES) tsconfig.json
	tsc -p tsconfig.json
	node dist/workers/bundle-workflows.js
	touch $@

build: dist/.build-stamp

# The Kompox image for the dev cluster's real nodes (the Dockerfile's layout, built without
# Docker from dist/): cached by a hash of the build output, so a warm run only hashes.
image-dev: build
	@scripts/kompoxops-image.sh >/dev/null

lint: $(NODE_STAMP)
	eslint .
	prettier --check .

test-unit: build
	node --test --test-concurrency=1 'dist/test/unit/**/*.test.js'

# Three test files at a time: each starts its own Temporal server, worker and control plane on
# kernel-chosen ports, and together they keep two cores busy. Two more lanes run beside them from
# the start, for the files that spend their minutes waiting rather than computing: Kubernetes' own
# recovery from a dead node (13 minutes, nearly all of it waiting out Kubernetes' timers) alone,
# and one after another the suites that kill the worker or the server and wait out heartbeat and
# start-to-close timeouts (the short chaos suite, deploy durability, a failover killed at every
# step; 12 to 15 minutes). In the main lane those three held a slot each for minutes while using
# little of the CPU; beside it the run takes about 19 minutes instead of 21. node --test runs files
# in name order, so a long file started last would hold the whole run up. The driver contract
# suite (test/contract) runs in the main lane: its fixtures start clusters and emulators.
SLOWEST_TEST := dist/test/integration/real-nodes/kubernetes-recovery.test.js
WAITING_TESTS := dist/test/chaos/chaos.test.js dist/test/integration/deploy/worker-crash.test.js \
  dist/test/integration/failover/worker-kill.test.js
INTEGRATION_TESTS = $(filter-out $(SLOWEST_TEST) $(WAITING_TESTS),$(shell find dist/test/integration dist/test/contract dist/test/chaos -name '*.test.js' | sort))

test-integration: build tools image-dev
	node --test --test-timeout=1200000 $(SLOWEST_TEST) & slowest=$$!; \
	node --test --test-concurrency=1 --test-timeout=1200000 $(WAITING_TESTS) & waiting=$$!; \
	node --test --test-concurrency=3 --test-timeout=1200000 $(INTEGRATION_TESTS); rest=$$?; \
	wait $$slowest; slowest=$$?; wait $$waiting; waiting=$$?; \
	test $$rest -eq 0 && test $$slowest -eq 0 && test $$waiting -eq 0

# The long form of the chaos suite: the worker killed at every activity boundary of every case,
# the Temporal server killed in each, more fault seeds; prints the table (about 20 minutes).
chaos: build tools
	KOMPOX_CHAOS=long node --test --test-timeout=3600000 'dist/test/chaos/**/*.test.js'

bench: build tools
	node dist/bench/deploy.js
	node dist/bench/snapshot-tick.js
	node dist/bench/cli-startup.js
	node dist/bench/metrics-scrape.js

# Kompox's failover against Kubernetes' own recovery after a node power-off (needs root for the
# real nodes; about 17 minutes, most of it waiting to show Kubernetes does not recover alone).
bench-failover: build tools
	node dist/bench/failover-rto.js

# A planned zone move through Temporal against the same activities called in sequence: zero-latency
# disks, then a cloud's latency (snapshot 30 s, disk 10 s, copy 120 s) with one move to another
# region (about 12 minutes).
bench-migrate: build tools
	node dist/bench/migrate.js

test: lint test-unit test-integration

demo: build tools
	scripts/demo.sh

# The same tour on the k3s driver: disks as CSI volumes, snapshots as VolumeSnapshots.
demo-k3s: build tools
	KOMPOX_DEMO_PROVIDER=k3s scripts/demo.sh

demo-down: build
	kompoxops dev down

clean:
	rm -rf dist
