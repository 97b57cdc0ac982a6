#!/bin/sh
# SPDX-License-Identifier: MIT
# Needs the image's /var/lib/app/seed.conf, appends to the image's
# /var/lib/app/data.log and creates new files next to them.
set -u
D=/var/lib/app
die() { echo "imgdata: fatal: $*" >&2; exit 1; }
run() { err=$("$@" 2>&1) || die "${err:-$* failed}"; }

[ -f "$D/seed.conf" ] ||
	die "$D/seed.conf is missing: $D must keep the image's files (a volume copies them, a tmpfs hides them)"
run sh -c 'echo "start $(date)" >>"$1/data.log"' sh "$D"
run sh -c 'date >"$1/state/last-start"' sh "$D"
run sh -c 'echo "pid $2" >"$1/journal"' sh "$D" "$$"
trap 'echo "imgdata: stopped"; exit 0' TERM INT
echo "imgdata: up"
while :; do sleep 3600 & wait $!; done
