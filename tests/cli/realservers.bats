#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Real servers from Debian's packages (tests/images, built by
# scripts/test-images), each started writable as its image's entrypoint
# starts it, made read-only by `rootlock try` with no help: right after start
# (no traffic, only waited until ready by its own account) and after traffic
# (a probe that writes and reads back, also given to try as --exec). The run
# line try prints then replaces the original, must be read-only, and must
# take the same writes. The table of servers and probes is
# tests/cli/realservers.bash (bench/servers uses it too).
#
# ROOTLOCK_REALSERVERS="redis pyapp" runs only those servers' tests (the
# others are skipped): the whole file takes minutes per engine.
#
# Each result is also appended, as one JSON line (server, variant, verdict,
# rounds, seconds, the last round's outcome, try's evidence, the plan's
# mounts, the run line), to
# $ROOTLOCK_REALSERVERS_LOG when set.

load helpers
load realservers

setup_file() {
	use_sandbox_engine || return 1
	DOCKER_HOST="unix://$SOCK" ROOTLOCK_TEST_IMAGES="${ROOTLOCK_REALSERVERS:-${REALSERVERS[*]}}" \
		"$REPO/scripts/test-images" >&2
	export RUN="rs$$"
}

teardown() {
	[ -z "${NAME:-}" ] || rs_remove "$NAME"
}

teardown_file() {
	local ids
	ids=$(d ps -aq --filter "label=rootlock.test=$RUN")
	[ -z "$ids" ] || d rm -f -v $ids >/dev/null
}

# prove VARIANT SERVER: idle (no traffic) or traffic (the probe, before and
# as try's --exec). try must pass; its run line must run read-only and take
# the probe's writes.
prove() {
	local variant=$1 server=$2 probe=${RS_PROBE[$2]} t0 secs line
	local -a exec=()
	case " ${ROOTLOCK_REALSERVERS:-$server} " in
	*" $server "*) ;;
	*) skip "not in ROOTLOCK_REALSERVERS" ;;
	esac
	NAME=$RUN-$server-$variant
	rs_start "$NAME" "$server"
	rs_wait_ready "$NAME" "$server"
	if [ "$variant" = traffic ]; then
		rs_wait "$NAME" "$probe"
		exec=(--exec "$probe")
	fi
	t0=$EPOCHREALTIME
	run rootlock try -H "unix://$SOCK" --format json "${exec[@]}" "$NAME"
	secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	echo "$output"
	if [ -n "${ROOTLOCK_REALSERVERS_LOG:-}" ]; then
		jq -c --arg s "$server" --arg v "$variant" --arg t "$secs" --argjson rc "$status" \
			'{server: $s, variant: $v, status: $rc, verdict, proof, rounds: (.rounds | length),
			  seconds: ($t | tonumber), outcome: (.rounds[-1].outcome), evidence, run,
			  mounts: [.plan.mounts[] | "\(.type) \(.target) \(.options // "")"]}' \
			<<<"$output" >>"$ROOTLOCK_REALSERVERS_LOG" ||
			jq -nc --arg s "$server" --arg v "$variant" --argjson rc "$status" --arg o "$output" \
				'{server: $s, variant: $v, status: $rc, output: $o}' >>"$ROOTLOCK_REALSERVERS_LOG"
	fi
	[ -z "$(d ps -aq --filter label=rootlock.try)" ]
	[ "$status" -eq 0 ]
	[ "$(jq -r .verdict <<<"$output")" = pass ]
	line=$(jq -r .run <<<"$output")
	# The run line replaces the original, on its own.
	rs_remove "$NAME"
	(export DOCKER_HOST="unix://$SOCK" PATH="$(dirname "$DOCKER"):$PATH"; eval "$line") >/dev/null
	[ "$(d inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$NAME")" = true ]
	rs_wait "$NAME" "$probe" || { d exec "$NAME" sh -c "$probe" || true; return 1; }
}

@test "nginx, no traffic: try proves a read-only run line that takes writes" { prove idle nginx; }
@test "nginx, after traffic: try proves a read-only run line that takes writes" { prove traffic nginx; }
@test "redis, no traffic: try proves a read-only run line that takes writes" { prove idle redis; }
@test "redis, after traffic: try proves a read-only run line that takes writes" { prove traffic redis; }
@test "apache2, no traffic: try proves a read-only run line that takes writes" { prove idle apache2; }
@test "apache2, after traffic: try proves a read-only run line that takes writes" { prove traffic apache2; }
@test "lighttpd, no traffic: try proves a read-only run line that takes writes" { prove idle lighttpd; }
@test "lighttpd, after traffic: try proves a read-only run line that takes writes" { prove traffic lighttpd; }
@test "postgresql, no traffic: try proves a read-only run line that takes writes" { prove idle postgresql; }
@test "postgresql, after traffic: try proves a read-only run line that takes writes" { prove traffic postgresql; }
@test "mariadb, no traffic: try proves a read-only run line that takes writes" { prove idle mariadb; }
@test "mariadb, after traffic: try proves a read-only run line that takes writes" { prove traffic mariadb; }
@test "unbound, no traffic: try proves a read-only run line that takes writes" { prove idle unbound; }
@test "unbound, after traffic: try proves a read-only run line that takes writes" { prove traffic unbound; }
@test "haproxy, no traffic: try proves a read-only run line that takes writes" { prove idle haproxy; }
@test "haproxy, after traffic: try proves a read-only run line that takes writes" { prove traffic haproxy; }
@test "squid, no traffic: try proves a read-only run line that takes writes" { prove idle squid; }
@test "squid, after traffic: try proves a read-only run line that takes writes" { prove traffic squid; }
@test "varnish, no traffic: try proves a read-only run line that takes writes" { prove idle varnish; }
@test "varnish, after traffic: try proves a read-only run line that takes writes" { prove traffic varnish; }
@test "memcached, no traffic: try proves a read-only run line that takes writes" { prove idle memcached; }
@test "memcached, after traffic: try proves a read-only run line that takes writes" { prove traffic memcached; }
@test "mosquitto, no traffic: try proves a read-only run line that takes writes" { prove idle mosquitto; }
@test "mosquitto, after traffic: try proves a read-only run line that takes writes" { prove traffic mosquitto; }
@test "s6, no traffic: try proves a read-only run line that takes writes" { prove idle s6; }
@test "s6, after traffic: try proves a read-only run line that takes writes" { prove traffic s6; }
@test "pyapp, no traffic: try proves a read-only run line that takes writes" { prove idle pyapp; }
@test "pyapp, after traffic: try proves a read-only run line that takes writes" { prove traffic pyapp; }

@test "every server of the table has an image and a test for each variant" {
	local s
	for s in "${REALSERVERS[@]}"; do
		[ -f "$REPO/tests/images/$s/Dockerfile" ]
		[ -n "${RS_PORT[$s]}" ] && [ -n "${RS_PROBE[$s]}" ]
		grep -q "{ prove idle $s; }" "$BATS_TEST_FILENAME"
		grep -q "{ prove traffic $s; }" "$BATS_TEST_FILENAME"
	done
}
