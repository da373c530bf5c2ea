#!/usr/bin/env bash
# The README's second command and CI's (.ci/run): install what is missing, build Release, run the
# whole test suite (labels fast, slow, tsan; the fuzz corpus replays included).
# The sanitizer and libFuzzer jobs are scripts/sanitizers.sh (docs/trust.md); they are not part of
# this command yet: their full run has not been timed inside the suite's 20-minute budget.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_packages.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j2
