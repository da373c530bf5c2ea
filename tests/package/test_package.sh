#!/usr/bin/env bash
# The Debian package (issue 15): `cpack` makes the .deb from the finished Release build (nothing is
# compiled: CPack only installs and strips what is built), dpkg -x unpacks it into a scratch root,
# and the installed programs run from there: loftq --version, a LoftQ run on the installed demo
# model checked for its outputs, and loftq-workbench --help and --version with no display.
# Usage: test_package.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "test_package: $*" >&2; exit 1; }

if ! (cd "$build" && cpack -B "$scratch/package") > "$scratch/cpack.log" 2>&1; then
    cat "$scratch/cpack.log" >&2
    fail "cpack failed"
fi
debs=("$scratch"/package/loftq-workbench_*.deb)
[ -f "${debs[0]}" ] || fail "cpack wrote no loftq-workbench .deb"
echo "package: $(basename "${debs[0]}"), $(du -k "${debs[0]}" | cut -f1) KiB"
dpkg-deb --field "${debs[0]}" Depends
dpkg -x "${debs[0]}" "$scratch/root"
bin=$scratch/root/usr/bin
demo=$scratch/root/usr/share/loftq-workbench/demo/pico-llama-2L

"$bin/loftq" --version | tee "$scratch/version.txt"
grep -q '^cpu: ' "$scratch/version.txt" || fail "loftq --version does not name the CPU level"
"$bin/loftq" quantize "$demo" -o "$scratch/out" --bits 2 --rank 8 --iters 2 --threads 2 > "$scratch/run.log" 2>&1 ||
    { cat "$scratch/run.log" >&2; fail "the installed loftq failed on the installed demo"; }
for f in model.safetensors loftq_init/adapter_model.safetensors loftq_init/adapter_config.json loftq_report.json; do
    [ -s "$scratch/out/$f" ] || fail "the installed loftq wrote no $f"
done
python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); layers = r["layers"]; assert len(layers) == 14, len(layers); assert all(0 < l["rel_error"] < l["qlora_rel_error"] for l in layers)' \
    "$scratch/out/loftq_report.json" || fail "the installed loftq's report is not a 2-bit LoftQ run of the demo's 14 layers"
echo "installed loftq: demo quantized (14 layers, LoftQ error below QLoRA's on each)"

# No window system: QApplication would abort looking for a display.
headless=(env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM)
if [ -x "$bin/loftq-workbench" ]; then
    "${headless[@]}" "$bin/loftq-workbench" --help > "$scratch/help.txt" || fail "loftq-workbench --help failed"
    grep -q -- '--demo' "$scratch/help.txt" || fail "loftq-workbench --help does not list --demo"
    "${headless[@]}" "$bin/loftq-workbench" --version | tee "$scratch/wversion.txt"
    grep -q '^loftq-workbench ' "$scratch/wversion.txt" && grep -q '^cpu: ' "$scratch/wversion.txt" ||
        fail "loftq-workbench --version does not print its version and CPU level"
fi
echo "test_package: passed"
