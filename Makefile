# brine — build, test, benchmark and demo.
#
#   make build    the brine binary in ./bin
#   make test     vet, unit and end-to-end tests, short fuzz runs, system tests
#   make bench    benchmarks; writes docs/PERFORMANCE.md
#   make demo     the main job on loopback with the embedded server
#   make deb      the Debian package, brine_<version>_<arch>.deb, in ./bin
#   make man      every man page in bin/man (docs/man: go generate ./docs/gen)
#   make docs-shots  screenshots of the dashboard's pages in docs/shots (headless Chromium)

GO      ?= go
BIN     := bin/brine
PKGS    := ./...
FUZZTIME ?= 5000x

.PHONY: all build test unit fuzz systest bench demo generate clean deb man docs-shots

all: build

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-X github.com/brine-cm/brine/pkg/version.Version=$(VERSION)" -o $(BIN) ./cmd/brine

generate:
	$(GO) generate ./...

test: unit fuzz systest

# The end-to-end suite runs once, with race-built daemons (the harness
# builds brine with -race when BRINE_E2E_RACE is set, and fails a test
# whose daemons logged a data race).
unit:
	$(GO) vet $(PKGS)
	$(GO) vet -tags genman ./cmd/brine
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) test -count=1 -timeout 20m $$($(GO) list $(PKGS) | grep -v '/test/e2e$$')
	$(GO) test -count=1 -tags genman -run 'Man|States' ./cmd/brine
	BRINE_E2E_RACE=1 $(GO) test -count=1 -timeout 30m ./test/e2e

# Each fuzz target runs 5,000 inputs; longer runs: make fuzz FUZZTIME=5m
fuzz:
	@./scripts/fuzz.sh $(FUZZTIME)

systest:
	@if [ -x test/systest/run.sh ]; then test/systest/run.sh; else echo "systest: test/systest/run.sh missing"; exit 1; fi

bench: build
	./scripts/bench.sh

demo: build
	./scripts/demo.sh

# VERSION (default: git describe) and DEB_VERSION override the versions;
# packaging/deb.sh says how they are derived.
deb:
	GO=$(GO) packaging/deb.sh bin

# The browser test (test/web) against a real master and minions, with
# a screenshot of each page it visits written for docs/api.md.
docs-shots:
	BRINE_DOCS_SHOTS=$(CURDIR)/docs/shots $(GO) test -count=1 -run TestDashboardInBrowser ./test/web

man:
	$(GO) run -tags genman ./cmd/brine gen-man bin/man

clean:
	rm -rf bin
