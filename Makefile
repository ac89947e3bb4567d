# Two commands matter: `make demo` and `make test`. Everything else is a stage of the pipeline.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install test lint clean demo

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip setuptools wheel
	$(PY) -m pip install -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q -n 2 tests

lint: $(STAMP)
	$(PY) -m ruff check .

clean:
	rm -rf build *.egg-info .pytest_cache

# The default corpus: the offline procedural motion library (60 activities, varied descriptions).
CORPUS       ?= data/corpus/procedural
CORPUS_CLIPS ?= 2000
simulate: $(STAMP)
	$(PY) -m simulate --source procedural --count $(CORPUS_CLIPS) --seed 0 --output $(CORPUS) --num-workers 2

$(CORPUS)/dataset_info.json: | $(STAMP)
	$(MAKE) simulate

# The default model: pretrain/configs/cpu-small.yaml on the default corpus; resumes an interrupted run.
PRETRAIN_CONFIG ?= cpu-small
MODEL           ?= runs/$(PRETRAIN_CONFIG)
PRETRAIN_FLAGS  ?=
pretrain: $(STAMP) $(CORPUS)/dataset_info.json
	$(PY) -m pretrain --corpus $(CORPUS) --output $(MODEL) --config $(PRETRAIN_CONFIG) --resume $(PRETRAIN_FLAGS)

# Zero-shot on every benchmark present under data/benchmarks (the released layout), BasicMotions always.
DATA_ROOT ?= data/benchmarks
REPORTS   ?= reports
eval-zeroshot: $(STAMP)
	$(PY) -m zero_shot --model $(MODEL) --benchmarks all --data-root $(DATA_ROOT) \
	    --output $(REPORTS)/zeroshot/results.json --report $(REPORTS)/zeroshot/report.md

# The paper's evaluation exactly (README "Reproducing the paper"): MODEL=runs/unimts-released, the 18 released
# folders and few_shot_data_2/ under DATA_ROOT; zero-shot, then fine-tuning with the released shots.
PAPER_DATASETS ?= Opp_g,UCIHAR,MotionSense,w-HAR,Shoaib,har70plus,realworld,TNDA-HAR,PAMAP,USCHAD,Mhealth,Harth,ut-complex,Wharf,WISDM,DSADS,UTD-MHAD,MMAct
reproduce-paper: $(STAMP)
	$(PY) -m zero_shot --model $(MODEL) --benchmarks $(PAPER_DATASETS) --data-root $(DATA_ROOT) --protocol unimts \
	    --output $(REPORTS)/paper/zeroshot.json --report $(REPORTS)/paper/zeroshot.md
	$(PY) -m finetune --model $(MODEL) --benchmarks $(PAPER_DATASETS) --data-root $(DATA_ROOT) --protocol unimts \
	    --k 1,2,3,5,10 --modes full,probe,random --seeds 1 --output $(REPORTS)/paper/finetune.json

# The main job on the offline default, over DEMO_SEEDS pretraining seeds (corpus seed = training seed):
# corpora -> pretrain cpu-small -> zero-shot and few-shot probes on BasicMotions, and on HAPT when
# $(HAPT_ROOT)/hapt/hapt.npz is there.
DEMO_SEEDS ?= 3
HAPT_ROOT  ?= ../shared/data
demo: $(STAMP)
	$(PY) -m experiments.demo --corpora data/corpus --clips $(CORPUS_CLIPS) --model $(MODEL) \
	    --config $(PRETRAIN_CONFIG) --seeds $(DEMO_SEEDS) --data-root $(HAPT_ROOT) --output $(REPORTS)/demo

# The speed suite (appends to experiments/speed/results/speed.jsonl).
speed: $(STAMP)
	$(PY) -m experiments.speed all

.PHONY: simulate pretrain eval-zeroshot reproduce-paper speed
