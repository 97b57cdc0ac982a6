#!/bin/sh
# SPDX-License-Identifier: MIT
# Writes /tmp/ready after a second. If it cannot, it says so but stays up,
# so the container runs yet turns unhealthy (the HEALTHCHECK fails).
set -u
sleep 1
if err=$(sh -c 'date >/tmp/ready' 2>&1); then
	echo "healthy: ready"
else
	echo "healthy: cannot write /tmp/ready: $err; staying up unhealthy" >&2
fi
trap 'echo "healthy: stopped"; exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
