#!/usr/bin/env bash
# Builds the release preset's gossip benchmark and runs it for N = 10, 100, 1000 (or "$@").
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake --preset release >/dev/null
cmake --build --preset release -j2 --target gossip_bench >/dev/null
exec build/bench/gossip_bench "$@"
