#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Real server software from Debian's packages (nginx, redis; a debootstrap
# rootfs built and cached by scripts/test-images) made read-only by plan +
# try. Each server is started writable, as a user would, and used once; the
# configuration try proves is then run for real, and the server must answer
# a request that makes it write. Requests are made from inside the
# container (docker exec): the tests send nothing to container addresses.

load helpers

# A 1 MB POST that nginx buffers to /var/lib/nginx/body before proxying it.
UPLOAD='head -c 1000000 /dev/zero | curl -sfS --data-binary @- http://127.0.0.1:8080/upload'
# A key, then a snapshot written to /var/lib/redis/dump.rdb.
SAVE='redis-cli SET rootlock works && redis-cli SAVE'

setup_file() {
	use_sandbox_engine || return 1
	DOCKER_HOST="unix://$SOCK" ROOTLOCK_TEST_IMAGES="nginx redis" "$REPO/scripts/test-images" >&2
	export RUN="s$$"
	local c=(--label "rootlock.test=$RUN" --network none)
	d run -d "${c[@]}" --name "$RUN-web" rootlock-test/nginx >/dev/null
	d run -d "${c[@]}" --name "$RUN-cache" rootlock-test/redis >/dev/null
	wait_exec "$RUN-web" "$UPLOAD"
	wait_exec "$RUN-cache" "$SAVE"
}

teardown_file() {
	local ids
	ids=$(d ps -aq --filter "label=rootlock.test=$RUN")
	[ -z "$ids" ] || d rm -f -v $ids >/dev/null
	d volume ls -q | grep "^$RUN-" | xargs -r "$DOCKER" -H "unix://$SOCK" volume rm >/dev/null 2>&1 || true
}

# Run a command in a container until it succeeds (the server may still be starting).
wait_exec() {
	local i
	for i in $(seq 100); do
		d exec "$1" sh -c "$2" >/dev/null 2>&1 && return 0
		[ "$(d inspect -f '{{.State.Running}}' "$1")" = true ] || break
		sleep 0.1
	done
	echo "'$2' never succeeded in $1:" >&2
	d logs "$1" >&2
	return 1
}

# Replace the original by what try proved, and check the server answers.
prove_run_line() {
	local name=$1 line=$2 check=$3
	d rm -f "$name" >/dev/null
	(export DOCKER_HOST="unix://$SOCK" PATH="$(dirname "$DOCKER"):$PATH"; eval "$line") >/dev/null
	d inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$name" | grep -qx true
	wait_exec "$name" "$check"
}

@test "nginx: --read-only alone kills it" {
	d run -d --network none --label "rootlock.test=$RUN" --name "$RUN-web-ro" --read-only \
		rootlock-test/nginx >/dev/null
	run d wait "$RUN-web-ro"
	[ "$output" -ne 0 ]
	d logs "$RUN-web-ro" 2>&1 | grep -q 'Read-only file system'
}

@test "nginx: plan + try give a read-only configuration that serves an upload" {
	run rootlock try -H "unix://$SOCK" --settle 2 --exec "$UPLOAD" --format json "$RUN-web"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .verdict <<<"$output")" = pass ]
	jq -e '.plan.mounts[] | select(.target == "/run" and .type == "tmpfs")' <<<"$output" >/dev/null
	jq -e '.plan.mounts[] | select(.target == "/var/lib/nginx")' <<<"$output" >/dev/null
	line=$(jq -r .run <<<"$output")
	prove_run_line "$RUN-web" "$line" "$UPLOAD"
	# The body really went through the mount: nginx wrote its temp file there.
	d exec "$RUN-web" sh -c 'test -d /var/lib/nginx/body'
	[ -z "$(d ps -aq --filter label=rootlock.try)" ]
}

@test "redis: --read-only alone kills it" {
	d run -d --network none --label "rootlock.test=$RUN" --name "$RUN-cache-ro" --read-only \
		rootlock-test/redis >/dev/null
	run d wait "$RUN-cache-ro"
	[ "$output" -ne 0 ]
	d logs "$RUN-cache-ro" 2>&1 | grep -q 'Read-only file system'
}

@test "redis: plan + try give a read-only configuration that saves to a volume" {
	run rootlock try -H "unix://$SOCK" --settle 2 --exec "$SAVE" --format json "$RUN-cache"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .verdict <<<"$output")" = pass ]
	# The data directory the redis user owns is a volume: its data must outlive the container.
	jq -e '.plan.mounts[] | select(.target == "/var/lib/redis" and .type == "volume")' \
		<<<"$output" >/dev/null
	line=$(jq -r .run <<<"$output")
	prove_run_line "$RUN-cache" "$line" "$SAVE"
	d exec "$RUN-cache" test -s /var/lib/redis/dump.rdb
	[ "$(d exec "$RUN-cache" redis-cli GET rootlock)" = works ]
	[ -z "$(d ps -aq --filter label=rootlock.try)" ]
}
