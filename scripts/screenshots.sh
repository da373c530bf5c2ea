#!/usr/bin/env bash
# Generates the README's screenshots (docs/screenshots/*.png) under a virtual X display: builds the
# workbench's screenshot tour (tests/ui/test_ui_screenshots.cpp) and runs it on the xcb platform,
# so the images show the real window as a user on X11 sees it.
#   scripts/screenshots.sh [BUILD_DIR]      (default: build-gui)
# Needs: xvfb, xauth (scripts/packages.txt).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build-gui}"
out="$root/docs/screenshots"

cmake -S "$root" -B "$build" -DLOFTQ_BUILD_GUI=ON -DLOFTQ_BUILD_TESTS=ON >/dev/null
cmake --build "$build" --target test_ui_screenshots -j"$(nproc)"
mkdir -p "$out"

# A fixed screen and font size make the images the same from one machine to the next.
LOFTQ_SCREENSHOT_DIR="$out" QT_QPA_PLATFORM=xcb QT_SCALE_FACTOR=1 \
  xvfb-run --auto-servernum --server-args="-screen 0 1600x1000x24" \
  "$build/bin/test_ui_screenshots"

ls -l "$out"/*.png
