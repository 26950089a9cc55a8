#!/usr/bin/env bash
# Mutation testing of the pure modules against their fast tests; not part of CI (see the
# README's Development section for what it does and the last figures).
#
#   scripts/mutation.sh                      # every pure module, 40 sampled mutants each
#   scripts/mutation.sh chunking sources     # some modules
#   scripts/mutation.sh --per-module 1000    # every mutant, not a sample
#   scripts/mutation.sh --list               # only show the sampled mutants
#
# It works in a copy of the working tree in a temporary folder and never edits the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
exec nice -n 10 .venv/bin/python scripts/mutate.py "$@"
