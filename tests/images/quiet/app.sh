#!/bin/sh
# SPDX-License-Identifier: MIT
# `quietd`: start, leaving no trace in the diff. `quietd request`: serve one
# request (a log line and a database record), then print the database.
set -u
die() { echo "quiet: fatal: $*" >&2; exit 1; }
run() { err=$("$@" 2>&1) || die "${err:-$* failed}"; }

if [ "${1:-}" = request ]; then
	run sh -c 'echo "request $(date +%s)" >>/var/log/quiet/requests.log'
	run sh -c 'echo "record $$" >>/var/lib/quiet/quiet.db'
	cat /var/lib/quiet/quiet.db
	exit 0
fi
for dir in /tmp /var/tmp; do
	t=$(mktemp -p "$dir" 2>&1) || die "$t"
	rm -f "$t"
done
trap 'echo "quiet: stopped"; exit 0' TERM INT
echo "quiet: up"
while :; do sleep 3600 & wait $!; done
