#!/usr/bin/env python3
"""How much of the bundled sample feed the detector finds: incident posts (and incidents)
matched, and false alarms among its everyday and neutral police posts.

The ground truth comes from make_feed.py --labels (the generator knows which posts belong
to which incident). The matches come from a replay of the feed:

    fenghuo replay deploy/sample/feed.ndjson --matches MATCHES.jsonl --output /dev/null
    python3 deploy/sample/measure_detection.py MATCHES.jsonl

`make eval` runs both. Standard library only.
"""

import argparse
import collections
import csv
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def ground_truth():
    with tempfile.TemporaryDirectory() as tmp:
        labels, feed = os.path.join(tmp, "labels.tsv"), os.path.join(tmp, "feed.ndjson")
        subprocess.run(
            [sys.executable, os.path.join(HERE, "make_feed.py"), "--out", feed, "--labels", labels],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with open(labels, encoding="utf-8") as f:
            return list(csv.DictReader(f, delimiter="\t"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("matches", help="JSON lines written by fenghuo replay --matches")
    args = parser.parse_args()

    kind, incident = {}, {}
    for row in ground_truth():
        key = (row["platform"], row["id"])
        kind[key] = row["kind"]
        if row["incident"]:
            incident[key] = row["incident"]

    matched = {}
    with open(args.matches, encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            ids = [r["id"] for r in record.get("rules", [])]
            if ids:
                post = record["post"]
                matched.setdefault((post["platform"], post["id"]), set()).update(ids)

    def by(source):
        def hit(key):
            ids = matched.get(key, set())
            if source == "rules":
                return any(i != "model.risk" for i in ids)
            if source == "model":
                return "model.risk" in ids
            return bool(ids)
        return hit

    posts_by_kind = collections.defaultdict(list)
    for key, k in kind.items():
        posts_by_kind[k].append(key)
    incidents = collections.defaultdict(list)
    for key, name in incident.items():
        incidents[name].append(key)

    for source in ("rules", "model", "both"):
        hit = by(source)
        found = sum(hit(k) for k in posts_by_kind["incident"])
        found_incidents = sum(any(hit(k) for k in keys) for keys in incidents.values())
        everyday = sum(hit(k) for k in posts_by_kind["everyday"])
        neutral = sum(hit(k) for k in posts_by_kind["neutral"])
        print(
            f"{source:<6} incident posts {found}/{len(posts_by_kind['incident'])}"
            f" ({100 * found / max(1, len(posts_by_kind['incident'])):.1f}%),"
            f" incidents {found_incidents}/{len(incidents)},"
            f" false alarms: everyday {everyday}/{len(posts_by_kind['everyday'])},"
            f" neutral police posts {neutral}/{len(posts_by_kind['neutral'])}"
        )


if __name__ == "__main__":
    main()
