# Two commands do all set-up on a fresh machine:
#   make demo   builds .venv, runs the offline pipeline on bundled ShareGPT data, writes reports/demo.html
#   make test   builds .venv (+ headless Chromium for browser tests) and runs the test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# torch is pinned to the CPU build first so sentence-transformers/bertopic do not pull a multi-GB CUDA build.
TORCH  ?= torch==2.13.0
DEMO_N ?= 2000

.PHONY: demo test env browser clean bench bench-full vectors

env: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

# fonts-noto-cjk: without a CJK font, Chromium (pages, screenshots, the SVG/PDF export) draws Japanese, Chinese and
# Korean cluster names as empty boxes
browser:
	@(command -v chromium >/dev/null 2>&1 && fc-list :lang=ja | grep -q .) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) || echo "chromium or fonts-noto-cjk not installed: browser tests will be skipped (and fail where CI is set); CJK names may show as boxes"

demo: $(STAMP)
	$(VENV)/bin/clio-kit demo --sample $(DEMO_N) --out runs/demo --report reports/demo.html

test: $(STAMP) browser
	$(PY) -m pytest

# every benchmark, then benchmarks/SUMMARY.md: the longest are the offline pipeline on all ~9,300 ShareGPT
# conversations (embedding them) and the whole pipeline on 1,000,000 generated conversations with supplied
# embeddings; bench-full is the same since both joined bench
bench: $(STAMP)
	$(PY) benchmarks/run.py --all

bench-full: $(STAMP)
	$(PY) benchmarks/run.py --full

# the shipped vectors of the fixed texts an offline run embeds (concern anchors, taxonomy topics): after editing them
vectors: $(STAMP)
	$(PY) -c "from clio_kit.backends.offline import write_fixed_vectors; print(write_fixed_vectors())"

clean:
	rm -rf $(VENV) runs
