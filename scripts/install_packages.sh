#!/usr/bin/env bash
# Installs the Debian packages in scripts/packages.txt that are missing (needs root: apt-get).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
missing=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < "$here/packages.txt"
if ((${#missing[@]} == 0)); then
  echo "install_packages: all Debian packages present"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install_packages: missing ${missing[*]}; run as root (sudo) to install them" >&2
  exit 1
fi
echo "install_packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
