# The two commands of the README: `make run` and `make test`. Both install what
# is missing first (scripts/setup), so a fresh Debian machine needs nothing else.
# `make stack` runs the distributed topology on this machine (scripts/stack).
BUILD ?= build/release
ASAN_BUILD ?= build/asan
FUZZ_BUILD ?= build/fuzz
JOBS ?= $(shell nproc)
# Unit tests are built and run in the sanitizer build ($(ASAN_BUILD)); the release
# build carries the binary, the integration and e2e tests and the benchmarks.
UNIT_TESTS ?= OFF
# Build only these targets (e.g. TARGETS=logtracer, as deploy/Dockerfile does); empty = all.
TARGETS ?=
# ccache, when installed (scripts/setup installs it), keyed on paths relative to the
# checkout, so a fresh clone in another folder reuses what an earlier build compiled.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true
export CCACHE_DIR ?= $(HOME)/.cache/logtracer/ccache
export CCACHE_MAXSIZE ?= 5G
LAUNCHER = $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)

.PHONY: setup web build build-asan build-fuzz fuzz run stack stack-stop stack-status test test-unit bench clean docs

setup:
	@scripts/setup

build: setup web
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLT_UNIT_TESTS=$(UNIT_TESTS) $(LAUNCHER) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) $(if $(TARGETS),--target $(TARGETS))

# The front end (web/dist), embedded into the binary by CMake (src/dashboard/embed_assets.cmake).
web: setup
	@cd web && npm run build --silent

build-asan: setup
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLT_SANITIZE=ON -DLT_BENCH=OFF -DLT_UNIT_ONLY=ON $(LAUNCHER) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

build-fuzz: setup
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLT_FUZZ=ON $(LAUNCHER) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)

# Longer fuzzing with fresh seeds (FUZZ_SECONDS per target, default 300); CI runs 20 s each.
fuzz: build-fuzz
	@scripts/fuzz

run: build
	@$(BUILD)/logtracer run

# Broker, producer, two consumers in one group and the dashboard, in the background (logs in var/).
stack: build
	@scripts/stack start

stack-stop:
	@scripts/stack stop

stack-status:
	@scripts/stack status

test: build build-asan build-fuzz
	@scripts/test

test-unit: build-asan
	@cd $(ASAN_BUILD) && ctest -L unit --output-on-failure -j $(JOBS)

bench: build
	@scripts/bench

docs: build
	@$(BUILD)/logtracer config-reference > docs/configuration.md

clean:
	rm -rf build
