#!/usr/bin/env bash
# The 60 s flood of 16 MB frames (issue 15, item 4): release build, 64 clients; prints the
# accepted frames, the refusals and the engine's RSS (baseline, peak, after the burst)
# against engine.max_buffered_bytes. Same test as `make test` runs for 5 s.
set -euo pipefail
cd "$(dirname "$0")/.."
FLOOD_SECS="${FLOOD_SECS:-60}" FLOOD_CLIENTS="${FLOOD_CLIENTS:-64}" \
    cargo test --release --test tests flood:: -- --nocapture
