#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# rootlock try against an engine that finishes requests after the client gave
# up: a private dockerd (scripts/engine with ROOTLOCK_ENGINE_DEAD_PLUGIN) whose
# own plugin directory holds a socket nothing listens on, so that each lookup
# of a volume it does not know takes about 15 s and a create with a new named
# volume 15 to 30 s. With a short --timeout, try's create of the clone times
# out while the engine goes on and makes the clone and its volume. Its own
# engine dir ($ROOTLOCK_SLOW_ENGINE_DIR), started here, stopped and removed
# at the end.

load helpers

SLOW_ENGINE=${ROOTLOCK_SLOW_ENGINE_DIR:-$(versioned_dir /var/tmp/rootlock-slow-engine)}
BUSYBOX=rootlock-test/busybox:latest

eng() { ROOTLOCK_ENGINE_DIR=$SLOW_ENGINE ROOTLOCK_ENGINE_DEAD_PLUGIN=rl-dead "$REPO/scripts/engine" "$@"; }
d() { "$DOCKER" -H "unix://$SLOW_ENGINE/docker.sock" "$@"; }

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "starting a dockerd needs root"
	if [[ -x /usr/bin/docker ]]; then export DOCKER=/usr/bin/docker; else export DOCKER=docker; fi
	clean_env
	# A run that died before its teardown may have left it up.
	eng stop 3>&-
	eng start 3>&-
	eng images 3>&- >/dev/null
	export SOCK=$SLOW_ENGINE/docker.sock
	note_try_baseline
	# Its named volume is new: this create alone takes about 15 s on 20.10.
	local t0=$SECONDS
	d run -d --network none --name slow-orig --label rootlock.test=slow -v slow-data:/data \
		"$BUSYBOX" sh -c 'trap "exit 0" TERM; while :; do sleep 1; done' >/dev/null
	export CREATE_S=$((SECONDS - t0))
}

# try's --timeout 5 must be shorter than a create on this engine.
need_slow_creates() {
	((CREATE_S >= 8)) || skip "creates with a new volume take ${CREATE_S} s on this engine, not 15: the dead plugin does not slow it down"
}

teardown_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	eng stop 3>&-
	# Nothing of the engine may still be mounted there before it goes.
	! grep -qF " $SLOW_ENGINE/" /proc/self/mountinfo
	rm -rf "$SLOW_ENGINE"
}

# Wait (bounded by the engine's slowest create and then some) until the
# engine has finished creating a clone since $1 (seconds since the epoch):
# then everything try's timed-out request made exists or never will.
wait_clone_created() {
	local i names
	for ((i = 0; i < 120; i++)); do
		names=$(d events --since "$1" --until "$(date +%s)" --filter label=rootlock.try \
			--filter event=create --format '{{.Actor.Attributes.name}}')
		[ -n "$names" ] && return 0
		sleep 0.5
	done
	echo "the engine never finished creating a clone" >&2
	return 1
}

# Wait (40 s at most) until file $1 has a line matching $2.
wait_for_file_line() {
	local i
	for ((i = 0; i < 400; i++)); do
		grep -q "$2" "$1" && return 0
		sleep 0.1
	done
	cat "$1" >&2
	return 1
}

@test "slow engine: the dead plugin lives only in the engine's own plugin directory" {
	[ -S "$SLOW_ENGINE/plugins/rl-dead.sock" ]
	[ ! -e /run/docker/plugins/rl-dead.sock ]
	[ ! -e /etc/docker/plugins/rl-dead.sock ] && [ ! -e /etc/docker/plugins/rl-dead.spec ]
	[ "$(readlink "/proc/$(cat "$SLOW_ENGINE/dockerd.pid")/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]
}

@test "try: a clone the engine makes after the create timed out is waited for and removed" {
	need_slow_creates
	t0=$(date +%s)
	run rootlock try -H "unix://$SOCK" --timeout 5 --settle 1 slow-orig
	# Whatever the engine made for that create, it has made by now.
	wait_clone_created "$t0"
	assert_no_leftovers
	d volume inspect slow-data >/dev/null
	[ "$status" -eq 3 ]
	[[ "$output" == *"did not answer POST /containers/create"* ]]
	[[ "$output" == *"waiting up to 60 s"* ]]
	[[ "$output" != *"could not remove"* ]]
}

@test "try: what it could not remove it names, with the commands that remove it, exit 3" {
	need_slow_creates
	t0=$(date +%s)
	out=$BATS_TEST_TMPDIR/out
	"$ROOTLOCK" try -H "unix://$SOCK" --timeout 5 --settle 1 slow-orig >"$out" 2>&1 &
	pid=$!
	wait_for_file_line "$out" "waiting up to"
	# Ctrl-C while it waits for the engine: it stops waiting and says what remains.
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	cat "$out"
	[ "$status" -eq 3 ]
	grep -q "could not remove everything it made" "$out"
	grep -q "^  container rootlock-try-$pid-1 (its create got no answer" "$out"
	grep -q "^  volume rootlock-try-$pid-1-1$" "$out"
	grep -q "^docker -H unix://$SOCK rm --force --volumes rootlock-try-$pid-1$" "$out"
	grep -q "^docker -H unix://$SOCK volume rm --force rootlock-try-$pid-1-1$" "$out"
	grep -q "^docker -H unix://$SOCK ps --all --filter label=rootlock.try=rootlock-try-$pid-" "$out"
	# Once the engine has made them, the printed commands remove them.
	wait_clone_created "$t0"
	[ -n "$(d ps -aq --filter label=rootlock.try)" ]
	grep -E '^docker -H .* (rm|volume rm) ' "$out" | while read -r line; do
		DOCKER_CONFIG=$DOCKER_CONFIG sh -c "$line" >/dev/null
	done
	assert_no_leftovers
}

@test "fix --try: what try could not remove fix names, with the commands that remove it; nothing written, exit 3" {
	need_slow_creates
	local dir=$BATS_TEST_TMPDIR/proj out=$BATS_TEST_TMPDIR/out
	mkdir -p "$dir"
	printf 'services:\n  app:\n    image: %s\n    volumes:\n      - slow-data:/data\nvolumes:\n  slow-data:\n    external: true\n' \
		"$BUSYBOX" >"$dir/compose.yaml"
	cp "$dir/compose.yaml" "$dir/before.yaml"
	# A container as Compose labels it, on the volume the engine already knows.
	d run -d --network none --name slow-compose --label rootlock.test=slow \
		--label com.docker.compose.project=slow --label com.docker.compose.service=app \
		--label "com.docker.compose.project.config_files=$dir/compose.yaml" \
		--label "com.docker.compose.project.working_dir=$dir" -v slow-data:/data \
		"$BUSYBOX" sh -c 'trap "exit 0" TERM; while :; do sleep 1; done' >/dev/null
	t0=$(date +%s)
	"$ROOTLOCK" fix -H "unix://$SOCK" --timeout 5 --try --write slow-compose >"$out" 2>&1 &
	pid=$!
	wait_for_file_line "$out" "^rootlock fix: .*waiting up to"
	# Ctrl-C while it waits for the engine: try runs in fix itself, which stops waiting.
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	cat "$out"
	[ "$status" -eq 3 ]
	grep -q "^rootlock fix: could not remove everything it made" "$out"
	grep -q "^  container rootlock-try-$pid-1 (its create got no answer" "$out"
	grep -q "^docker -H unix://$SOCK rm --force --volumes rootlock-try-$pid-1$" "$out"
	grep -q "^rootlock fix: interrupted: nothing written" "$out"
	cmp "$dir/compose.yaml" "$dir/before.yaml"
	wait_clone_created "$t0"
	grep -E '^docker -H .* (rm|volume rm) ' "$out" | while read -r line; do
		DOCKER_CONFIG=$DOCKER_CONFIG sh -c "$line" >/dev/null
	done
	assert_no_leftovers
	d rm -f slow-compose >/dev/null
}
