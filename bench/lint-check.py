#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""lint-check.py PATH...: the same check as `rootlock lint`, the way one
would write it in an afternoon with PyYAML. bench/lint times it against
rootlock, so it is deliberately plain, but not slow on purpose: it uses
libyaml's C loader when PyYAML has one, as anyone would.

For every .yaml/.yml/.json file under PATH (recursively, .git skipped,
symbolic links not followed):
  - Compose (a first document with a `services` mapping): each service
    without `read_only: true` fails;
  - Kubernetes (documents with apiVersion and kind): each container,
    init container and ephemeral container of a pod template without
    `securityContext.readOnlyRootFilesystem: true` fails; Lists are opened.
Each file is judged on its own: no override merging, no exemptions.

Prints one line for bench/lint to read:
  loader=NAME files=N bytes=N fail=N pass=N errors=N
"""
import os
import sys

import yaml

try:
    LOADER = yaml.CSafeLoader
    LOADER_NAME = "CSafeLoader"
except AttributeError:
    LOADER = yaml.SafeLoader
    LOADER_NAME = "SafeLoader"

POD_PATHS = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "PodTemplate": ("template", "spec"),
    "DeploymentConfig": ("spec", "template", "spec"),
}
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
SUFFIXES = (".yaml", ".yml", ".json")


class Counts:
    def __init__(self):
        self.files = self.bytes = self.fail = self.ok = self.errors = 0

    def judge(self, readonly):
        if readonly:
            self.ok += 1
        else:
            self.fail += 1


def kube_object(obj, hint, depth, counts):
    if not isinstance(obj, dict):
        return
    kind = obj.get("kind", hint)
    if not isinstance(kind, str):
        return
    if kind.endswith("List"):
        items = obj.get("items")
        if isinstance(items, list) and depth < 8:
            item_kind = None if kind == "List" else kind[:-4]
            for item in items:
                kube_object(item, item_kind, depth + 1, counts)
        return
    path = POD_PATHS.get(kind)
    if not path:
        return
    spec = obj
    for key in path:
        spec = spec.get(key) if isinstance(spec, dict) else None
    if not isinstance(spec, dict):
        return
    for lst in CONTAINER_LISTS:
        containers = spec.get(lst)
        if not isinstance(containers, list):
            continue
        for c in containers:
            if isinstance(c, dict):
                sc = c.get("securityContext")
                counts.judge(isinstance(sc, dict) and sc.get("readOnlyRootFilesystem") is True)


def check_file(path, counts):
    with open(path, "rb") as f:
        data = f.read()
    counts.files += 1
    counts.bytes += len(data)
    try:
        docs = list(yaml.load_all(data, Loader=LOADER))
    except yaml.YAMLError:
        counts.errors += 1
        return
    if any(isinstance(d, dict) and "apiVersion" in d and "kind" in d for d in docs):
        for d in docs:
            kube_object(d, None, 0, counts)
    elif docs and isinstance(docs[0], dict) and isinstance(docs[0].get("services"), dict):
        for svc in docs[0]["services"].values():
            counts.judge(isinstance(svc, dict) and svc.get("read_only") is True)


def walk(top, counts):
    if not os.path.isdir(top):
        check_file(top, counts)
        return
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d != ".git" and not os.path.islink(os.path.join(root, d))]
        for name in files:
            path = os.path.join(root, name)
            if name.lower().endswith(SUFFIXES) and not os.path.islink(path):
                check_file(path, counts)


def main(argv):
    if len(argv) < 2:
        print(f"usage: {argv[0]} PATH...", file=sys.stderr)
        return 2
    counts = Counts()
    for top in argv[1:]:
        walk(top, counts)
    print(f"loader={LOADER_NAME} files={counts.files} bytes={counts.bytes} "
          f"fail={counts.fail} pass={counts.ok} errors={counts.errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
