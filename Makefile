# SPDX-License-Identifier: MIT
# The front door: `make run` and `make test` are all a fresh machine needs.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
SOURCES = $(wildcard src/*.c src/*.h src/lib/*.c src/lib/*.h tests/unit/*.c tests/unit/*.h fuzz/*.c fuzz/*.h bench/*.c)

.PHONY: all deps build build-asan build-fuzz run test bench fuzz format format-check clean

all: build

deps:
	@scripts/install-deps

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

format:
	clang-format -i $(SOURCES)

format-check:
	@clang-format --dry-run -Werror $(SOURCES)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
