# Every target makes sure .venv exists and is up to date, then makes one tool call.
PYTHON ?= python3.11
NEEDED := 3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
ENV    := $(VENV)/.installed
PORT   ?= 8000
ASSIGNMENTS ?= _build/assignments
GRADES ?= _build/grades

.PHONY: help book serve lab test student assignments grade notebooks benchmark chromium clean distclean

help:
	@echo "make book       build the website into _build/html (warnings are errors)"
	@echo "make test       run every test: klhelpers, notebooks, build, browser"
	@echo "make serve      serve the built site on http://127.0.0.1:$(PORT)"
	@echo "make lab        open the chapters in JupyterLab"
	@echo "make student    build the student edition into _build/student"
	@echo "make assignments  per chapter: student notebook + Gradescope autograder.zip in $(ASSIGNMENTS)"
	@echo "make grade SUBMISSIONS=dir  grade a folder of notebooks: $(GRADES)/gradebook.csv + feedback/"
	@echo "make notebooks  re-run every chapter and store its outputs (after editing one)"
	@echo "make benchmark  print the speed and size figures"
	@echo "make clean      remove _build"
	@echo "make distclean  remove _build and the environment .venv"

# The environment: created by Python $(NEEDED) when missing (or made by another Python),
# reinstalled when requirements.txt changes. The pins only install on $(NEEDED).
$(VENV)/.python-$(NEEDED):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != tuple(map(int, "$(NEEDED)".split("."))))' 2>/dev/null \
	  || { echo "The book needs Python $(NEEDED), but PYTHON=$(PYTHON) is $$($(PYTHON) --version 2>&1 || echo 'not found')."; \
	       echo "Install Python $(NEEDED), or point to it: make PYTHON=/path/to/python$(NEEDED) $(MAKECMDGOALS)"; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	touch $@

$(ENV): requirements.txt $(VENV)/.python-$(NEEDED)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# jupyter-cache re-runs a chapter only when the chapter's code changes: when klhelpers
# changes, forget the cached runs so the site shows what the new code draws, and Sphinx's
# parsed pages too (it re-reads only changed files, so an empty cache alone runs nothing).
_build/.klhelpers-stamp: $(shell find book/klhelpers -name '*.py' -o -name '*.js' -o -name '*.css' -o -name '*.json')
	rm -rf _build/.jupyter_cache _build/.doctrees
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

# Otter-Grader: one student notebook and one autograder.zip per chapter (tools/assignments.py).
assignments: $(ENV)
	$(BIN)/python tools/assignments.py --output $(ASSIGNMENTS)

# Local grading, each submission sandboxed (tools/grade.py; GRADE_OPTIONS e.g. --timeout 300).
grade: $(ENV)
	@test -n "$(SUBMISSIONS)" || { echo "Give the folder of submitted notebooks: make grade SUBMISSIONS=dir"; exit 2; }
	$(BIN)/python tools/grade.py "$(SUBMISSIONS)" --assignments $(ASSIGNMENTS) --output $(GRADES) $(GRADE_OPTIONS)

notebooks: $(ENV)
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.store_widget_state=False book/[0-9]*.ipynb

benchmark: book chromium
	for script in benchmarks/[!_]*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf _build

distclean: clean
	rm -rf $(VENV)
