#!/usr/bin/env python3
"""Rewrites the fenghuo-rules ConfigMap in configmap.yaml from rules/, in the layout
`kubectl create configmap fenghuo-rules --from-file=rules/ --dry-run=client -o yaml` gives
(for files that end in one newline and have no trailing spaces, as the pack's do): the text
files under `data`, the model (model.bin) base64-encoded under `binaryData`.
`cargo test` fails while the two differ. Usage: deploy/kubernetes/sync_rules.py"""
import base64
import os
import re
import subprocess

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
path = os.path.join(root, "deploy", "kubernetes", "configmap.yaml")
rules = os.path.join(root, "rules")
docs = open(path, encoding="utf-8").read().split("\n---\n")
doc = docs[-1]
start = doc.index("apiVersion: v1\n")
end = doc.index("kind: ConfigMap\n")
model = base64.b64encode(open(os.path.join(rules, "model.bin"), "rb").read()).decode()
data = []
# corpus/ is a directory (training input, not rules): --from-file skips it too.
for name in sorted(n for n in os.listdir(rules) if n.endswith((".toml", ".md"))):
    text = open(os.path.join(rules, name), encoding="utf-8").read()
    data.append(f"  {name}: |\n")
    for line in text.rstrip("\n").split("\n"):
        data.append(("    " + line if line else "") + "\n")
head = f"apiVersion: v1\nbinaryData:\n  model.bin: {model}\ndata:\n"
doc = doc[:start] + head + "".join(data) + doc[end:]
commit = subprocess.run(["git", "-C", root, "log", "-1", "--format=%h", "--", "rules"],
                        capture_output=True, text=True).stdout.strip() or "unknown"
doc = re.sub(r"\(commit [0-9a-z]+\)", f"(commit {commit})", doc, count=1)
docs[-1] = doc
open(path, "w", encoding="utf-8").write("\n---\n".join(docs))
