#!/usr/bin/env python3
"""The way many monitoring scripts are written: json + re (+ pyahocorasick when present).

Usage: baseline.py FEED KEYWORDS_TXT REGEXES_TXT
Prints `python posts posts_per_s mb_per_s` like the other baselines.
"""
import json
import os
import re
import sys
import time

feed, keywords_path, regexes_path = sys.argv[1:4]
keywords = [k for k in open(keywords_path, encoding="utf-8").read().split("\n") if k]
regexes = []
for r in open(regexes_path, encoding="utf-8").read().split("\n"):
    if r:
        try:
            regexes.append(re.compile(r))
        except re.error:
            pass
try:
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for k in keywords:
        automaton.add_word(k, k)
    automaton.make_automaton()
    find_keywords = lambda text: sum(1 for _ in automaton.iter(text))
except ImportError:
    keyword_re = re.compile("|".join(re.escape(k) for k in keywords))
    find_keywords = lambda text: len(keyword_re.findall(text))

started = time.perf_counter()
posts = hits = 0
with open(feed, "rb") as lines:
    for line in lines:
        post = json.loads(line)
        text = (post.get("headline") or "") + (post.get("text") or post.get("desc") or post.get("body") or "")
        hits += find_keywords(text.lower())
        hits += sum(1 for r in regexes if r.search(text))
        posts += 1
seconds = time.perf_counter() - started
print(f"python {posts} {posts / seconds:.0f} {os.path.getsize(feed) / 1e6 / seconds:.1f}")
