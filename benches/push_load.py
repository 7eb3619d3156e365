#!/usr/bin/env python3
"""Offered load through HTTP push, then the ingest→alert latency quantiles from /metrics.

Usage: push_load.py ADDR FEED RATE SECONDS [PID]
Pushes the feed's lines in batches at RATE posts/s for SECONDS (looping over the feed),
then reads fenghuo_ingest_to_alert_seconds from /metrics and prints
`latency offered_posts_per_s achieved_posts_per_s p50_le p99_le alerts` (upper bucket
bounds, in milliseconds). With the engine's PID it also samples its resident memory once
a second and prints `rss` and the MB at 0, 25, 50, 75 and 100 % of the run.
"""
import http.client
import sys
import time

addr, feed, rate, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
pid = sys.argv[5] if len(sys.argv) > 5 else None


def rss_mb():
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


rss = [rss_mb()] if pid else []
next_sample = 1.0
host, port = addr.split(":")
lines = open(feed, "rb").read().split(b"\n")
lines = [l for l in lines if l.strip()]
batch = max(1, int(rate / 100))  # about 100 requests a second
connection = http.client.HTTPConnection(host, int(port))
sent = 0
index = 0
started = time.perf_counter()
while time.perf_counter() - started < seconds:
    due = started + sent / rate
    delay = due - time.perf_counter()
    if delay > 0:
        time.sleep(delay)
    body = b"\n".join(lines[(index + i) % len(lines)] for i in range(batch))
    index += batch
    connection.request("POST", "/api/v1/ingest", body=body, headers={"Content-Type": "application/x-ndjson"})
    response = connection.getresponse()
    response.read()
    if response.status != 202:
        sys.exit(f"push failed: {response.status}")
    sent += batch
    if pid and time.perf_counter() - started >= next_sample:
        rss.append(rss_mb())
        next_sample += 1.0
achieved = sent / (time.perf_counter() - started)
time.sleep(2)  # let the last frames through the pipeline before reading the histogram
connection.request("GET", "/metrics")
metrics = connection.getresponse().read().decode()
buckets = []
count = 0.0
for line in metrics.splitlines():
    if line.startswith("fenghuo_ingest_to_alert_seconds_bucket"):
        le = line.split('le="')[1].split('"')[0]
        buckets.append((float("inf") if le == "+Inf" else float(le), float(line.rsplit(" ", 1)[1])))
    elif line.startswith("fenghuo_ingest_to_alert_seconds_count"):
        count = float(line.rsplit(" ", 1)[1])
buckets.sort()


def quantile(q):
    for le, cumulative in buckets:
        if count and cumulative >= q * count:
            return le * 1000
    return float("nan")


print(f"latency {rate:.0f} {achieved:.0f} {quantile(0.5):g} {quantile(0.99):g} {count:.0f}")
if rss:
    rss.append(rss_mb())
    marks = [rss[round(f * (len(rss) - 1))] for f in (0, 0.25, 0.5, 0.75, 1)]
    print("rss " + " ".join(f"{mb:.0f}" for mb in marks))
