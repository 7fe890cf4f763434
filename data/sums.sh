#!/bin/sh
# Regenerate data/SHA256SUMS: every file under data/ (but this list itself), sorted.
set -e
cd "$(dirname "$0")"
find . -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum > SHA256SUMS
