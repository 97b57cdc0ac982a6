#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# What a request means can depend on the API version it is made in. On the
# sandbox engine under test (20.10 or 26), with the docker client users of
# that engine run, rootlock must see and make containers as that client does.

load helpers
bats_require_minimum_version 1.5.0

IMAGE=rootlock-test/busybox:latest
LONG=(sh -c 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done')

# in_engine CMD...: run CMD in the engine's mount namespace (the host's for
# Engine 20, its own for 26), where its bind mounts are resolved.
in_engine() { nsenter --mount="/proc/$(cat "$ENGINE_DIR/dockerd.pid")/ns/mnt" -- "$@"; }

setup_file() {
	use_sandbox_engine || return 1
	[ "$(id -u)" -eq 0 ] || skip "mounting in the engine's namespace needs root"
	export ENGINE_DIR=$(dirname "$SOCK")
	export RUN="a$$"
	# A directory with a file system mounted under it, bind-mounted
	# read-only into a container. It lives in the engine dir: Engine 26
	# sees that at the same path.
	export SRC=$ENGINE_DIR/robind-$RUN
	mkdir -p "$SRC/sub"
	in_engine mount -n -t tmpfs -o size=1m rootlock-test "$SRC/sub"
	d run -d --label "rootlock.test=$RUN" --network none --name "$RUN-bind" \
		-v "$SRC:/src:ro" "$IMAGE" "${LONG[@]}" >/dev/null
}

teardown_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	local ids
	ids=$(d ps -aq --filter "label=rootlock.test=$RUN")
	[ -z "$ids" ] || d rm -f $ids >/dev/null
	in_engine umount -n "$SRC/sub" || true
	rmdir "$SRC/sub" "$SRC" || true
}

@test "try's clone has the original's read-only binds: what is mounted under one is as writable" {
	# API 1.44 made a read-only bind read-only all the way down (on kernels
	# from 5.12); a create in an older version still gets the old kind.
	local original=writable
	d exec "$RUN-bind" touch /src/sub/original || original=read-only
	if [ "$(engine_version)" = 26 ]; then
		[ "$original" = read-only ]
	fi
	run rootlock try -H "unix://$SOCK" --settle 1 --exec 'touch /src/sub/clone' "$RUN-bind"
	echo "original: $original; try: $output"
	if [ "$original" = read-only ]; then
		[ "$status" -eq 1 ]
		[[ $output == *"/src/sub/clone: Read-only file system"* ]]
	else
		[ "$status" -eq 0 ]
	fi
}
