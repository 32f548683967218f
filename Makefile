# Millwright's front door. `make demo` and `make test` work on a fresh Debian 12 machine:
# both start by installing what is missing.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
B ?=
DATA ?=

.PHONY: all build deps demo test bench fuzz lint format clean

all: build

deps:
	@scripts/install-deps.sh

build:
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

demo: deps build
	./build/release/millwright demo $(ARGS)

test: deps
	@scripts/test.sh

bench:
	@scripts/install-deps.sh --bench
	@$(MAKE) --no-print-directory build
	@scripts/bench.sh "$(B)" "$(DATA)"

fuzz: deps
	@scripts/fuzz.sh $(FUZZ_SECONDS)

lint:
	@scripts/lint.sh

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf build
