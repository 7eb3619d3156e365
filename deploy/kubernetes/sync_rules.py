#!/usr/bin/env python3
"""Rewrites the fenghuo-rules ConfigMap in configmap.yaml from rules/, in the layout
`kubectl create configmap fenghuo-rules --from-file=rules/ --dry-run=client -o yaml` gives
(for files that end in one newline and have no trailing spaces, as the pack's do).
`cargo test` fails while the two differ. Usage: deploy/kubernetes/sync_rules.py"""
import os
import re
import subprocess

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
path = os.path.join(root, "deploy", "kubernetes", "configmap.yaml")
rules = os.path.join(root, "rules")
docs = open(path, encoding="utf-8").read().split("\n---\n")
doc = docs[-1]
start = doc.index("apiVersion: v1\ndata:\n")
end = doc.index("kind: ConfigMap\n")
data = []
# Text files only: the model (model.bin) is over a ConfigMap's 1 MiB limit, and corpus/
# is training input, not rules.
for name in sorted(n for n in os.listdir(rules) if n.endswith((".toml", ".md"))):
    text = open(os.path.join(rules, name), encoding="utf-8").read()
    data.append(f"  {name}: |\n")
    for line in text.rstrip("\n").split("\n"):
        data.append(("    " + line if line else "") + "\n")
doc = doc[:start] + "apiVersion: v1\ndata:\n" + "".join(data) + doc[end:]
commit = subprocess.run(["git", "-C", root, "log", "-1", "--format=%h", "--", "rules"],
                        capture_output=True, text=True).stdout.strip() or "unknown"
doc = re.sub(r"\(commit [0-9a-z]+\)", f"(commit {commit})", doc, count=1)
docs[-1] = doc
open(path, "w", encoding="utf-8").write("\n---\n".join(docs))
