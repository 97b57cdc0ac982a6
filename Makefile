# SPDX-License-Identifier: MIT
# The front door: `make run` and `make test` are all a fresh machine needs.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
# make install: where (PREFIX) and, for staging or packaging, under what (DESTDIR).
PREFIX ?= /usr/local
DESTDIR ?=
# make deb: where the .deb (and its .buildinfo and .changes) go.
DEB_OUT ?= $(BUILD)/deb
SOURCES = $(wildcard src/*.c src/*.h src/lib/*.c src/lib/*.h tests/unit/*.c tests/unit/*.h fuzz/*.c fuzz/*.h bench/*.c)

.PHONY: all deps deps-build build build-asan build-fuzz run test bench fuzz format format-check clean \
	install uninstall deb

all: build

deps:
	@scripts/install-deps

# make install needs what builds, not the test tools.
deps-build:
	@scripts/install-deps --build-only

$(BUILD)/build.ninja:
	meson setup $(BUILD) >/dev/null

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug >/dev/null

build-asan: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)

$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Dtests=false \
		-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug >/dev/null

build-fuzz: deps $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD)

# Audit the engine this machine points at; without one, the sandbox engine.
# Findings (exit 1) are the demo working, not make failing.
run: build
	@scripts/run-demo $(BUILD)/rootlock || [ $$? -eq 1 ]

# The whole suite twice: a normal build, then under ASan+UBSan; a short fuzz run.
test: build build-asan build-fuzz
	@FUZZ_SECONDS=10 FUZZ_SEED=1 FUZZ_RUNS=20000 tests/run-all $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

bench: build
	@bench/run $(BUILD)/rootlock
	@bench/lint $(BUILD)/rootlock
	@bench/plan $(BUILD)/rootlock
	@bench/servers $(BUILD)/rootlock $(BENCH_SOCKETS)
	@bench/authz $(BUILD)/rootlock
	@bench/fix $(BUILD)
	@bench/watch $(BUILD)/rootlock
	@ROOTLOCK_BENCH_WATCH_CREATES=10000 bench/watch $(BUILD)/rootlock

fuzz: build-fuzz
	@FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run $(FUZZ_BUILD)

# meson's own install: the binary, every man page, the bash and zsh
# completions (see meson.build for where). meson reads a relative DESTDIR
# from the build dir, make's is from here: hand it an absolute one.
MESON_DESTDIR = $(if $(DESTDIR),--destdir "$(abspath $(DESTDIR))")
# The build dir's prefix becomes PREFIX; only when it differs, as every
# configure makes ninja regenerate.
SET_PREFIX = python3 -c 'import json, sys; \
	sys.exit(any(o["name"] == "prefix" and o["value"] == sys.argv[2] for o in json.load(open(sys.argv[1]))) ^ 1)' \
	$(BUILD)/meson-info/intro-buildoptions.json "$(PREFIX)" 2>/dev/null || \
	{ echo "meson configure $(BUILD) -Dprefix=$(PREFIX)"; meson configure $(BUILD) -Dprefix="$(PREFIX)"; }

install: deps-build $(BUILD)/build.ninja
	@$(SET_PREFIX)
	ninja -C $(BUILD)
	meson install -C $(BUILD) --no-rebuild $(MESON_DESTDIR)

# What install puts there with the same PREFIX and DESTDIR, as meson lists it
# (a dry run), file by file; directories stay, as they may hold others' files.
uninstall: deps-build $(BUILD)/build.ninja
	@$(SET_PREFIX)
	ninja -C $(BUILD)
	meson install -C $(BUILD) --no-rebuild --dry-run --quiet $(MESON_DESTDIR) >/dev/null
	@grep -v '^#' $(BUILD)/meson-logs/install-log.txt | while IFS= read -r f; do \
		if [ -f "$$f" ] || [ -L "$$f" ]; then rm -f -- "$$f" && echo "removed $$f" || exit 1; fi; \
	done

# The Debian package, built by dpkg-buildpackage from a copy of the tree
# (nothing is written beside the checkout, nothing taken from ./build).
deb:
	@scripts/install-deps --deb
	@scripts/build-deb "$(DEB_OUT)"

format:
	clang-format -i $(SOURCES)

format-check:
	@clang-format --dry-run -Werror $(SOURCES)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
