#!/usr/bin/env bash
# The README's first command: install what is missing, build Release, then run the main job on the
# bundled demo checkpoint: the workbench where a display exists, the CLI otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_packages.sh
scripts/build.sh
demo=resources/demo/pico-llama-2L
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" && -x build/bin/loftq-workbench ]]; then
  exec build/bin/loftq-workbench "$demo"
fi
build/bin/loftq inspect "$demo"
build/bin/loftq quantize "$demo" -o build/demo-export --bits 2 --rank 16 --iters 5 --force
