# Every target makes sure .venv exists and is up to date, then makes one tool call.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
ENV    := $(VENV)/.installed
PORT   ?= 8000

.PHONY: help book serve lab test student notebooks benchmark chromium clean

help:
	@echo "make book       build the website into _build/html (warnings are errors)"
	@echo "make test       run every test: klhelpers, notebooks, build, browser"
	@echo "make serve      serve the built site on http://127.0.0.1:$(PORT)"
	@echo "make lab        open the chapters in JupyterLab"
	@echo "make student    build the student edition into _build/student"
	@echo "make notebooks  re-run every chapter and store its outputs (after editing one)"
	@echo "make benchmark  print the speed and size figures"
	@echo "make clean      remove _build"

# The environment: created when missing, reinstalled when requirements.txt changes.
$(ENV): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# jupyter-cache re-runs a chapter only when the chapter's code changes: when klhelpers
# changes, forget the cached runs so the site shows what the new code draws.
_build/.klhelpers-stamp: $(wildcard book/klhelpers/*.py book/klhelpers/*.js book/klhelpers/*.css)
	rm -rf _build/.jupyter_cache
	mkdir -p _build && touch $@

book: $(ENV) _build/.klhelpers-stamp
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The book is in _build/html: open _build/html/index.html, or run 'make serve'."

serve: book
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

lab: $(ENV)
	$(BIN)/jupyter lab book/

# The browser tests drive Debian's Chromium; install it when it is missing (needs root, as in CI).
chromium:
	@command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }

test: $(ENV) chromium _build/.klhelpers-stamp
	$(BIN)/pytest

student: $(ENV)
	$(BIN)/python tools/student_edition.py

notebooks: $(ENV)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.store_widget_state=False book/[0-9]*.ipynb

benchmark: book chromium
	for script in benchmarks/[!_]*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf _build
