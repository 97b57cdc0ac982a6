#!/bin/sh
# SPDX-License-Identifier: MIT
# Writes /data/out.log (the image's VOLUME) and /tmp/withvolume/work.tmp.
set -u
die() { echo "withvolume: fatal: $*" >&2; exit 1; }
run() { err=$("$@" 2>&1) || die "${err:-$* failed}"; }

run sh -c 'echo "start $(date)" >>/data/out.log'
run mkdir -p /tmp/withvolume
run sh -c 'date >/tmp/withvolume/work.tmp'
trap 'echo "withvolume: stopped"; exit 0' TERM INT
echo "withvolume: up"
while :; do sleep 3600 & wait $!; done
