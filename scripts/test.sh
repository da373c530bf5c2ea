#!/usr/bin/env bash
# The README's second command and CI's (.ci/run): install what is missing, build, run the whole
# test suite (fast and slow labels), then the sanitizer and fuzz jobs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_packages.sh
scripts/build.sh
ctest --test-dir build --output-on-failure -j2
scripts/sanitizers.sh
