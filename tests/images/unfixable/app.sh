#!/bin/sh
# SPDX-License-Identifier: MIT
# Appends a user to /etc/passwd and installs /usr/local/bin/generated-tool.
set -u
die() { echo "unfixable: fatal: $*" >&2; exit 1; }
run() { err=$("$@" 2>&1) || die "${err:-$* failed}"; }

grep -q '^svc:' /etc/passwd ||
	run sh -c "echo 'svc:x:1001:1001:svc:/nonexistent:/bin/false' >>/etc/passwd"
run sh -c 'printf "#!/bin/sh\necho generated\n" >/usr/local/bin/generated-tool'
run chmod 0755 /usr/local/bin/generated-tool
trap 'echo "unfixable: stopped"; exit 0' TERM INT
echo "unfixable: up"
while :; do sleep 3600 & wait $!; done
