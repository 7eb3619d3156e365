#!/usr/bin/env bash
# make bench: end-to-end throughput of `fenghuo replay` on a generated feed, side by side
# with what a user would pick instead, all in one run on the same file and keyword list.
# Ratios are what to quote: absolute figures drift on a shared machine.
#
#   BENCH_SIZE=100M BENCH_KEYWORDS=1000 BENCH_LOAD_SECONDS=30 benches/e2e.sh
#
# It also offers half the measured 2-worker rate through HTTP push to a running engine
# (benches/push_load.py) and reports the ingest→alert latency quantiles and the RSS.
#
# BENCH_BASELINE_BIN=/path/to/an/older/fenghuo also replays the same feed with the same
# rules through that binary (BENCH_BASELINE_RULES: another rules dir, for a binary that
# refuses these), its runs alternated with this build's, so "this build ÷ the baseline"
# is a ratio within one run; each binary's alert count on the feed is reported too.
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

BASELINE=${BENCH_BASELINE_BIN:-}
BASELINE_RULES=${BENCH_BASELINE_RULES:-$WORK/rules}
if [ -n "$BASELINE" ] && [ ! -x "$BASELINE" ]; then
    echo "BENCH_BASELINE_BIN=$BASELINE is not an executable" >&2
    exit 2
fi

# One replay of the feed: BIN RULES WORKERS [ALERTS_FILE]; prints `posts/s MB/s RSS_MB`.
replay_once() {
    local bin=$1 rules=$2 workers=$3 alerts=${4:-/dev/null} line rss
    rm -rf "$WORK/data"
    # The engine appends to an alerts file: a previous run's alerts must not count.
    [ "$alerts" = /dev/null ] || rm -f "$alerts"
    if ! /usr/bin/time -v "$bin" replay "$WORK/feed.ndjson" --rules "$rules" \
        --workers "$workers" --output "$alerts" --data-dir "$WORK/data" 2> "$WORK/replay.err"; then
        echo "$bin replay failed:" >&2
        tail -n 20 "$WORK/replay.err" >&2
        exit 1
    fi
    line=$(grep '^replayed' "$WORK/replay.err" | sed -E 's/.*: ([0-9]+) posts\/s, ([0-9.]+) MB\/s.*/\1 \2/')
    rss=$(grep 'Maximum resident set size' "$WORK/replay.err" | awk '{print $NF / 1024}')
    echo "$line $rss"
}

timed() { # name command...: posts/s and MB/s from wall time
    local name=$1; shift
    local start end
    start=$(date +%s.%N); "$@" > /dev/null; end=$(date +%s.%N)
    python3 -c "s=$end-$start; print('$name', round($POSTS/s), round($MB/s, 1))" >> "$RESULTS"
}

# name posts/s MB/s [peak RSS MB]: the best of three runs (a replay of 100 MB takes under a
# second, so one run is at the mercy of the machine's noise). With a baseline binary, the
# two binaries' runs alternate, so a slow patch of the machine costs both alike.
declare -A BEST
replay() { # NAME BIN RULES WORKERS
    local result
    result=$(replay_once "$2" "$3" "$4")
    if [ -z "${BEST[$1]:-}" ] || [ "${result%% *}" -gt "${BEST[$1]%% *}" ]; then BEST[$1]=$result; fi
}
for _ in 1 2 3; do
    replay fenghuo-replay-1w ./target/release/fenghuo "$WORK/rules" 1
    [ -z "$BASELINE" ] || replay baseline-replay-1w "$BASELINE" "$BASELINE_RULES" 1
    replay fenghuo-replay-2w ./target/release/fenghuo "$WORK/rules" 2
    [ -z "$BASELINE" ] || replay baseline-replay-2w "$BASELINE" "$BASELINE_RULES" 2
done
for name in fenghuo-replay-1w fenghuo-replay-2w baseline-replay-1w baseline-replay-2w; do
    [ -z "${BEST[$name]:-}" ] || echo "$name ${BEST[$name]}" >> "$RESULTS"
done
# What each binary decides on the feed (an untimed run with the alerts written out).
ALERTS_LINE="alerts on the feed (2 workers): this build $(replay_once ./target/release/fenghuo "$WORK/rules" 2 "$WORK/alerts.ndjson" >/dev/null; wc -l < "$WORK/alerts.ndjson")"
if [ -n "$BASELINE" ]; then
    replay_once "$BASELINE" "$BASELINE_RULES" 2 "$WORK/alerts-baseline.ndjson" >/dev/null
    ALERTS_LINE="$ALERTS_LINE, the baseline $(wc -l < "$WORK/alerts-baseline.ndjson")"
fi
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
for workers in ("1w", "2w"):
    now, then = base.get(f"fenghuo-replay-{workers}"), base.get(f"baseline-replay-{workers}")
    if now and then:
        print(f"this build / the baseline binary, {workers[0]} worker(s), same run: {now / then:.2f}")
PY
echo "$ALERTS_LINE"
read -r _ OFFERED ACHIEVED P50 P99 ALERTS <<< "$(grep '^latency' <<< "$LOAD")"
read -r _ RSS_0 RSS_25 RSS_50 RSS_75 RSS_100 <<< "$(grep '^rss' <<< "$LOAD")"
echo "HTTP push at ${OFFERED} posts/s offered (${ACHIEVED} achieved) for ${LOAD_SECONDS} s:" \
     "ingest→alert p50 <= ${P50} ms, p99 <= ${P99} ms over ${ALERTS} alerts (histogram bucket bounds);" \
     "engine RSS at 0/25/50/75/100 % of the load: $RSS_0 / $RSS_25 / $RSS_50 / $RSS_75 / $RSS_100 MB"
