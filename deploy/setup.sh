#!/usr/bin/env bash
# The one install script: `make` runs it on a developer's or CI's machine, deploy/Containerfile
# runs it in the image, a systemd host runs it by hand. Debian 12 (bookworm), as root.
#
#   deploy/setup.sh system [--test]        Debian packages: Chromium and fonts for the PDF
#                                           renderer; --test adds chromium-driver and poppler-utils
#   deploy/setup.sh python VENV [EXTRAS]    a venv at VENV with cityops installed into it
#                                           (editable, with the extras, e.g. "test,bench", when
#                                           EXTRAS is given; a plain install without)
set -euo pipefail
cd "$(dirname "$0")/.."

# Chromium renders the PDF snapshots; Noto and DejaVu cover Vietnamese in print mode.
RUNTIME_PACKAGES=(chromium fonts-noto-core fonts-dejavu-core)
# The browser tests drive Chromium through chromium-driver; the PDF tests read pages with pdftoppm.
TEST_PACKAGES=(chromium-driver poppler-utils)

system() {
  local wanted=("${RUNTIME_PACKAGES[@]}")
  if [[ "${1:-}" == "--test" ]]; then wanted+=("${TEST_PACKAGES[@]}"); fi
  local missing=()
  for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
}

python_env() {
  local venv="$1" extras="${2:-}" python="${PYTHON:-python3}"
  test -x "$venv/bin/python" || "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  if [[ -n "$extras" ]]; then
    "$venv/bin/python" -m pip install -q -e ".[$extras]"
  else
    "$venv/bin/python" -m pip install -q .
  fi
}

case "${1:-}" in
  system) shift; system "$@" ;;
  python) shift; python_env "$@" ;;
  *) echo "usage: $0 system [--test] | python VENV [EXTRAS]" >&2; exit 2 ;;
esac
