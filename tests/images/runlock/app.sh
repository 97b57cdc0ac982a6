#!/bin/sh
# SPDX-License-Identifier: MIT
# Writes /run/runlock.pid, then makes /var/lock/runlock.lck (-> /run/lock).
set -u
die() { echo "runlock: fatal: $*" >&2; exit 1; }
run() { err=$("$@" 2>&1) || die "${err:-$* failed}"; }

run sh -c 'echo $$ >/run/runlock.pid'
run mkdir -p /var/lock/runlock.lck
trap 'echo "runlock: stopped"; exit 0' TERM INT
echo "runlock: up"
while :; do sleep 3600 & wait $!; done
