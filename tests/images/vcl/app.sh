#!/bin/sh
# SPDX-License-Identifier: MIT
# Lays out /var/lib/vcl/HOSTNAME as varnishd does, "compiles" its
# configuration into vgc.so and loads it by running it.
set -u
die() { echo "vcl: fatal: $*" >&2; exit 1; }
run() { err=$("$@" 2>&1) || die "${err:-$* failed}"; }

work=/var/lib/vcl/$(hostname)
run mkdir -p "$work/_.vsm_mgt" "$work/vcl_boot.$$"
run sh -c 'echo index >"$1/_.vsm_mgt/_.index" && echo secret >"$1/_.secret"' sh "$work"
run sh -c 'printf "#!/bin/sh\necho \"vcl: loaded \$0\"\n" >"$1/vcl_boot.$2/vgc.so"' sh "$work" "$$"
run chmod 0755 "$work/vcl_boot.$$/vgc.so"
"$work/vcl_boot.$$/vgc.so" || die "cannot load $work/vcl_boot.$$/vgc.so (exit $?)"
trap 'echo "vcl: stopped"; exit 0' TERM INT
echo "vcl: up"
while :; do sleep 3600 & wait $!; done
