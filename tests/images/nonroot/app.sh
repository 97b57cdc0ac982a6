#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs as app (1000:1000). Writes, through the /var/run -> /run symlink,
# /run/app/app.pid, makes /run/app/app.sock (a FIFO: no busybox applet binds
# a unix socket at a chosen path) and fills /var/cache/app.
set -u
die() { echo "nonroot: fatal: $*" >&2; exit 1; }
run() { err=$("$@" 2>&1) || die "${err:-$* failed}"; }

echo "nonroot: running as $(id)"
run sh -c 'echo "$1" >/var/run/app/app.pid' sh "$$"
run rm -f /run/app/app.sock
run mkfifo -m 0660 /run/app/app.sock
run mkdir -p /var/cache/app/blobs
run sh -c 'date >/var/cache/app/index && echo blob >/var/cache/app/blobs/0001.cache'
trap 'echo "nonroot: stopped"; exit 0' TERM INT
echo "nonroot: up"
while :; do sleep 3600 & wait $!; done
