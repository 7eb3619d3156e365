#!/usr/bin/env bash
# make bench: end-to-end throughput of `fenghuo replay` on a generated feed, side by side
# with what a user would pick instead, all in one run on the same file and keyword list.
# Ratios are what to quote: absolute figures drift on a shared machine.
#
#   BENCH_SIZE=100M BENCH_KEYWORDS=1000 BENCH_LOAD_SECONDS=30 benches/e2e.sh
#
# It also offers half the measured 2-worker rate through HTTP push to a running engine
# (benches/push_load.py) and reports the ingest→alert latency quantiles and the RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${BENCH_SIZE:-100M}
KEYWORDS=${BENCH_KEYWORDS:-1000}
WORK=target/bench-work
mkdir -p "$WORK"

command -v rg >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ripgrep; }
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time; }
python3 -c 'import ahocorasick' 2>/dev/null || pip install -q pyahocorasick || echo "(pyahocorasick unavailable: the Python baseline uses re alone)"

cargo build --release --quiet
./target/release/fenghuo gen --bytes "$SIZE" --seed 1 -o "$WORK/feed.ndjson"
cargo bench --quiet --bench baselines -- export "$WORK/feed.ndjson" "$KEYWORDS" "$WORK" >/dev/null
POSTS=$(wc -l < "$WORK/feed.ndjson")
MB=$(python3 -c "import os; print(os.path.getsize('$WORK/feed.ndjson') / 1e6)")
RESULTS="$WORK/results.txt"
: > "$RESULTS"

# name posts/s MB/s [peak RSS MB]: the best of three runs (a replay of 100 MB takes under a
# second, so one run is at the mercy of the machine's noise).
replay() {
    local workers=$1 best="" line rss
    for _ in 1 2 3; do
        rm -rf "$WORK/data"
        /usr/bin/time -v ./target/release/fenghuo replay "$WORK/feed.ndjson" --rules "$WORK/rules" \
            --workers "$workers" --output /dev/null --data-dir "$WORK/data" 2> "$WORK/replay.err"
        line=$(grep '^replayed' "$WORK/replay.err" | sed -E 's/.*: ([0-9]+) posts\/s, ([0-9.]+) MB\/s.*/\1 \2/')
        rss=$(grep 'Maximum resident set size' "$WORK/replay.err" | awk '{print $NF / 1024}')
        if [ -z "$best" ] || [ "${line%% *}" -gt "${best%% *}" ]; then best="$line $rss"; fi
    done
    echo "fenghuo-replay-${workers}w $best" >> "$RESULTS"
}
timed() { # name command...: posts/s and MB/s from wall time
    local name=$1; shift
    local start end
    start=$(date +%s.%N); "$@" > /dev/null; end=$(date +%s.%N)
    python3 -c "s=$end-$start; print('$name', round($POSTS/s), round($MB/s, 1))" >> "$RESULTS"
}

replay 1
replay 2
cargo bench --quiet --bench baselines -- hyperscan "$WORK/feed.ndjson" "$KEYWORDS" 2>/dev/null | awk '{print $1, $3, $4}' >> "$RESULTS"
cargo bench --quiet --bench baselines -- aho "$WORK/feed.ndjson" "$KEYWORDS" 2>/dev/null | awk '{print $1, $3, $4}' >> "$RESULTS"
timed "ripgrep-keywords+regexes" rg -c -f "$WORK/patterns.txt" "$WORK/feed.ndjson"
timed "ripgrep-literals-only" rg -c -F -f "$WORK/keywords.txt" "$WORK/feed.ndjson"
python3 benches/baseline.py "$WORK/feed.ndjson" "$WORK/keywords.txt" "$WORK/regexes.txt" | awk '{print $1, $3, $4}' >> "$RESULTS"

# Latency at 50 % of the 2-worker replay rate, offered through HTTP push to a running engine,
# and its RSS before and after (flat means bounded state).
RATE=$(awk '$1 == "fenghuo-replay-2w" { print int($2 / 2) }' "$RESULTS")
LOAD_SECONDS=${BENCH_LOAD_SECONDS:-30}
rm -rf "$WORK/data-load"
./target/release/fenghuo run --rules "$WORK/rules" --output /dev/null --data-dir "$WORK/data-load" \
    --http-addr 127.0.0.1:18090 --config <(printf 'sources = []\n[rules]\nwatch = false\n') 2> "$WORK/run.err" &
ENGINE=$!
for _ in $(seq 100); do curl -sf http://127.0.0.1:18090/readyz >/dev/null && break; sleep 0.1; done
LOAD=$(python3 benches/push_load.py 127.0.0.1:18090 "$WORK/feed.ndjson" "$RATE" "$LOAD_SECONDS" "$ENGINE")
kill -TERM "$ENGINE"; wait "$ENGINE" || true

echo
echo "feed: $POSTS posts, $MB MB ($SIZE, seed 1); $KEYWORDS keywords + the pack's regexes; $(nproc) cores; $(date -u +%F)"
python3 - "$RESULTS" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
base = {r[0]: float(r[2]) for r in rows}
ours = base.get("fenghuo-replay-2w") or 1.0
print(f"{'':28} {'posts/s':>10} {'MB/s':>8} {'fenghuo(2w) ÷ it':>18} {'peak RSS MB':>12}")
for r in rows:
    ratio = ours / float(r[2]) if float(r[2]) else float("inf")
    rss = f"{float(r[3]):.0f}" if len(r) > 3 else ""
    print(f"{r[0]:28} {float(r[1]):>10.0f} {float(r[2]):>8.1f} {ratio:>18.2f} {rss:>12}")
one, two = base.get("fenghuo-replay-1w"), base.get("fenghuo-replay-2w")
raw = base.get("hyperscan-raw-scan")
if one and two:
    print(f"2 workers / 1 worker: {two / one:.2f}x")
if raw and two:
    print(f"end-to-end (2 workers) / raw hyperscan scan (1 thread): {two / raw:.0%}")
PY
read -r _ OFFERED ACHIEVED P50 P99 ALERTS <<< "$(grep '^latency' <<< "$LOAD")"
read -r _ RSS_0 RSS_25 RSS_50 RSS_75 RSS_100 <<< "$(grep '^rss' <<< "$LOAD")"
echo "HTTP push at ${OFFERED} posts/s offered (${ACHIEVED} achieved) for ${LOAD_SECONDS} s:" \
     "ingest→alert p50 <= ${P50} ms, p99 <= ${P99} ms over ${ALERTS} alerts (histogram bucket bounds);" \
     "engine RSS at 0/25/50/75/100 % of the load: $RSS_0 / $RSS_25 / $RSS_50 / $RSS_75 / $RSS_100 MB"
