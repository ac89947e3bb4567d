# Sourced by the launch scripts: reads CORPUS OUTPUT [CONFIG] [flags...] into corpus, output, config and
# the remaining flags ("$@" after `shift_launch_args`), moves to the repository root, picks PYTHON.
usage_if_short() {
  if [ "$1" -lt 2 ]; then
    echo "usage: $(basename "$0") CORPUS OUTPUT [CONFIG] [python -m pretrain flags...]" >&2
    exit 2
  fi
}
usage_if_short $#
corpus=$1 output=$2 config=${3:-unimts-ours}
launch_shift=$(( $# < 3 ? $# : 3 ))
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON=${PYTHON:-.venv/bin/python}
