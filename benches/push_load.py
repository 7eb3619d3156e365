#!/usr/bin/env python3
"""Offered load through HTTP push, then the ingest→alert latency quantiles from /metrics.

Usage: push_load.py ADDR FEED RATE SECONDS
Pushes the feed's lines in batches at RATE posts/s for SECONDS (looping over the feed),
then reads fenghuo_ingest_to_alert_seconds from /metrics and prints
`latency offered_posts_per_s achieved_posts_per_s p50_le p99_le alerts` (upper bucket
bounds, in milliseconds).
"""
import http.client
import sys
import time

addr, feed, rate, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
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
