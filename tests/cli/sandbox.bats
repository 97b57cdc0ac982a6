#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# scripts/engine itself, on the sandbox engine the suite runs against
# (tests/run-all starts it, of the version in ROOTLOCK_ENGINE_VERSION): the
# engine is the version asked for, containers see their own root, and the
# engine's mounts stay in its own namespace.

load helpers

IMAGE=rootlock-test/busybox:latest
LONG=(sh -c 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done')

eng() { "$REPO/scripts/engine" "$@"; }

setup_file() {
	use_sandbox_engine || return 1
	export ROOTLOCK_ENGINE_DIR=$(dirname "$SOCK")
	export RUN="b$$"
	d run -d --label "rootlock.test=$RUN" --network none --name "$RUN-ro" --read-only \
		"$IMAGE" "${LONG[@]}" >/dev/null
}

teardown_file() {
	local ids
	ids=$(d ps -aq --filter "label=rootlock.test=$RUN")
	[ -z "$ids" ] || d rm -f $ids >/dev/null
}

@test "sandbox: the engine is the version asked for, and status says so" {
	run eng status
	[ "$status" -eq 0 ]
	[[ $output == *"(Docker Engine $(engine_version))"* ]]
	local server
	server=$(d version --format '{{.Server.Version}}')
	[[ $server == "$(engine_version)".* ]]
	# The pid it reports is the binary of that version, never the other's.
	local pid
	pid=$(cat "$ROOTLOCK_ENGINE_DIR/dockerd.pid")
	if [ "$(engine_version)" = 26 ]; then
		[ "/proc/$pid/exe" -ef "$("$REPO/scripts/engine26-tree" --path)/usr/sbin/dockerd" ]
		run env ROOTLOCK_ENGINE_VERSION=20 "$REPO/scripts/engine" status
	else
		[ "/proc/$pid/exe" -ef /usr/sbin/dockerd ]
		run env ROOTLOCK_ENGINE_VERSION=26 "$REPO/scripts/engine" status
	fi
	[ "$status" -ne 0 ]
}

@test "sandbox: starting the other version in the same dir is refused" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	local other=26 before
	[ "$(engine_version)" = 20 ] || other=20
	before=$(cat "$ROOTLOCK_ENGINE_DIR/dockerd.pid")
	run env ROOTLOCK_ENGINE_VERSION=$other "$REPO/scripts/engine" start
	[ "$status" -ne 0 ]
	[[ $output == *"Docker Engine $(engine_version) (dockerd pid $before) is running"* ]]
	[ "$(cat "$ROOTLOCK_ENGINE_DIR/dockerd.pid")" = "$before" ]
	eng status
}

@test "sandbox: docker exec enters the container's own root, read-only" {
	# The image's top level, as the container's own process sees it...
	local want
	want=$(d run --rm --network none "$IMAGE" ls /)
	# ...is what an exec sees too, not the engine's or the host's root.
	[ "$(d exec "$RUN-ro" ls /)" = "$want" ]
	run d exec "$RUN-ro" touch /rootlock-exec-probe
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	[ ! -e /rootlock-exec-probe ]
}

@test "sandbox: the engine's mounts stay out of the host's mount namespace" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	# Nothing mounted under the engine dir here (overlays live in its namespace
	# for Engine 26; a 20 engine mounts its containers' layers here).
	if [ "$(engine_version)" = 26 ]; then
		! grep -F " $ROOTLOCK_ENGINE_DIR/" /proc/self/mountinfo
		! grep -F " $("$REPO/scripts/engine26-tree" --path)" /proc/self/mountinfo
		local pid
		pid=$(cat "$ROOTLOCK_ENGINE_DIR/dockerd.pid")
		[ "$(readlink "/proc/$pid/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]
		# Its root is the tree, not the host's /.
		[ "/proc/$pid/root" -ef "$("$REPO/scripts/engine26-tree" --path)" ]
	else
		skip "Engine 20 runs in the host's mount namespace"
	fi
}

@test "sandbox: a dockerd that answers late is not replaced by vfs" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	# A fresh engine dir given no time at all: dockerd is alive but has not
	# answered yet, as a 20.10 busy removing stale network sandboxes is.
	local dir
	dir=$(mktemp -d /var/tmp/rl-slowstart.XXXXXX)
	run env ROOTLOCK_ENGINE_DIR="$dir" ROOTLOCK_ENGINE_DOCKERD_START_TIMEOUT=0 \
		"$REPO/scripts/engine" start
	local rc=$status out=$output driver="" tried_vfs=0
	[ ! -s "$dir/storage-driver" ] || driver=$(cat "$dir/storage-driver")
	! grep -q 'storage-driver=vfs' "$dir/dockerd.log" || tried_vfs=1
	ROOTLOCK_ENGINE_DIR="$dir" "$REPO/scripts/engine" stop >/dev/null 2>&1 || true
	rm -rf --one-file-system "$dir"
	[ "$rc" -ne 0 ]
	[[ $out == *"dockerd did not start"* ]]
	# Neither remembered nor tried: vfs would copy every layer from then on.
	[ "$driver" != vfs ]
	[ "$tried_vfs" -eq 0 ]
}
