# One command for each habit. `make run` and `make test` install what they need first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
NEWS_DEV ?= ../shared/eval/news-dev
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: install run test test-fast lint bench eval system-deps clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# The CPU build of torch first, so no later requirement pulls the CUDA one.
	$(BIN)/pip install -q torch==2.13.0
	# llama.cpp built for a generic x86-64: the native build crashes on some CPUs.
	CMAKE_ARGS="-DGGML_NATIVE=OFF" $(BIN)/pip install -q -e ".[dev,llamacpp]"
	rm -f $(VENV)/.installed-* && touch $@

run: install
	$(BIN)/python app.py

# Chromium for the browser tests (Debian's package; never a downloaded browser build).
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: install system-deps
	$(BIN)/python -m pytest -q -p no:cacheprovider --durations=15 tests

test-fast: install
	$(BIN)/python -m pytest -q -p no:cacheprovider -m "not slow and not browser and not llm" tests

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/python benchmarks/run.py

eval: install
	$(BIN)/python -m assistant eval data/eval/derna-dev.jsonl --articles data/articles $(wildcard $(NEWS_DEV))

clean:
	rm -rf data/index test-artifacts .pytest_cache .mypy_cache .ruff_cache
