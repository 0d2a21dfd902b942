#!/usr/bin/env bash
# Installs the system packages Shebao Flow needs beyond pip: tesseract with Simplified Chinese data
# (OCR of case materials), a CJK font (generated test documents, rendered pages), poppler (PDF tools)
# chromium (browser tests) and npm (fetches the BPMN viewer served by the web app). Called by `make`
# and by the Dockerfile, so both get the same set.
# Usage: scripts/install-system-deps.sh [--runtime]   (--runtime: leave out the browser and npm)
set -euo pipefail

packages=(tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng fonts-noto-cjk)
if [ "${1:-}" != "--runtime" ]; then
  packages+=(chromium)
  # npm from anywhere will do (a Node.js installed outside Debian's packages counts).
  command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: missing system packages (${missing[*]}) and no apt-get here; install them by hand." >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "error: missing system packages (${missing[*]}); run 'sudo $0' once, then 'make' again." >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
