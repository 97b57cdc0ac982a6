#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# What a plan keeps, predicts and leaves out, on a real dockerd (the sandbox
# from scripts/engine, with the busybox images of scripts/test-images): a
# tmpfs hides none of the image's directories, writes docker diff cannot show
# are predicted, runtime state goes on a tmpfs (with exec for code loaded from
# it), a bytecode cache gets nothing; and try amends a plan from "Permission
# denied" and "No such file or directory" as well as from "Read-only file
# system". Each plan is checked by running it: the container must stay up,
# read-only, and do its work.

load helpers

setup_file() {
	use_sandbox_engine || return 1
	DOCKER_HOST="unix://$SOCK" ROOTLOCK_TEST_IMAGES="s6ish runlock quiet vcl pycache" \
		"$REPO/scripts/test-images" >&2
	export RUN="q$$"
	local c=(--label "rootlock.test=$RUN" --network none)
	for img in runlock quiet vcl pycache; do
		d run -d "${c[@]}" --name "$RUN-$img" "rootlock-test/$img" >/dev/null
	done
	# Never started: only try's rounds and their log evidence can plan these.
	d create "${c[@]}" --name "$RUN-fresh-s6" rootlock-test/s6ish >/dev/null
	d create "${c[@]}" --name "$RUN-fresh-user" --user 1000:1000 --entrypoint sh \
		rootlock-test/quiet -c 'trap "exit 0" TERM; echo x >/var/cache/quiet/x || exit 1;
		echo "user: up"; while :; do sleep 1; done' >/dev/null
	# /run/app is put there from outside (docker cp), not by its start: a
	# tmpfs on /run hides it, and the clone can only learn that from its log.
	local empty
	empty=$(mktemp -d)
	d create "${c[@]}" --name "$RUN-copied" rootlock-test/busybox:latest sh -c \
		'trap "exit 0" TERM; echo $$ >/run/app/app.pid || exit 1; echo "copied: up";
		 while :; do sleep 1; done' >/dev/null
	d cp "$empty" "$RUN-copied:/run/app"
	rmdir "$empty"
	d start "$RUN-copied" >/dev/null
	local i
	for i in $(seq 100); do
		up runlock && up quiet && up vcl && up pycache && up copied && break
		sleep 0.1
	done
}

teardown_file() {
	local ids
	ids=$(d ps -aq --filter "label=rootlock.test=$RUN")
	[ -z "$ids" ] || d rm -f -v $ids >/dev/null
	d volume ls -q | grep "^$RUN-" | xargs -r "$DOCKER" -H "unix://$SOCK" volume rm >/dev/null 2>&1 || true
}

# Has container $RUN-$1 logged "$1: up"?
up() { d logs "$RUN-$1" 2>&1 | grep -q "^$1: up"; }

plan_json() { rootlock plan -H "unix://$SOCK" --format json "$RUN-$1"; }
mount_field() { jq -r --arg t "$2" ".plans[0].mounts[] | select(.target == \$t) | $3" <<<"$1"; }

# Replace container $RUN-$1 with the plan's own run line; wait until it is up or gone.
run_the_plan() {
	local line
	line=$(rootlock plan -H "unix://$SOCK" --format run "$RUN-$1" | grep -v '^#')
	[[ "$line" == *--read-only* ]]
	d rm -f "$RUN-$1" >/dev/null
	(export DOCKER_HOST="unix://$SOCK" PATH="$(dirname "$DOCKER"):$PATH"; eval "$line") >/dev/null
	local i
	for i in $(seq 100); do
		up "$1" && break
		[ "$(d inspect -f '{{.State.Running}}' "$RUN-$1")" = true ] || break
		sleep 0.1
	done
	[ "$(d inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$RUN-$1")" = true ]
	[ "$(d inspect -f '{{.State.Running}}' "$RUN-$1")" = true ] || {
		d logs "$RUN-$1" >&2
		return 1
	}
	up "$1"
}

# Start image $2 as container $RUN-$1 read-only with more options; wait until it exits.
exits_read_only() {
	local name=$RUN-$1 img=$2
	shift 2
	d run -d --network none --label "rootlock.test=$RUN" --name "$name" --read-only "$@" \
		"rootlock-test/$img" >/dev/null
	d wait "$name"
}

@test "plan: a tmpfs on /run keeps the image's /run/lock (where /var/lock points) as a tmpfs of its own" {
	run plan_json runlock
	[ "$status" -eq 0 ]
	[ "$(mount_field "$output" /run .type)" = tmpfs ]
	[[ "$(mount_field "$output" /run .why)" == *"keeps the image's 1 directory below it (e.g. /run/lock)"* ]]
	[ "$(mount_field "$output" /run/lock .type)" = tmpfs ]
	[[ "$(mount_field "$output" /run/lock .options)" == *mode=1777* ]]
	[[ "$(mount_field "$output" /run/lock .why)" == *"keeps /run/lock"* ]]
	# The engine agrees: /run alone hides /run/lock, and the lock fails.
	run exits_read_only runlock-hidden runlock --tmpfs /run
	[ "$output" -eq 1 ]
	d logs "$RUN-runlock-hidden" 2>&1 | grep -q "No such file or directory"
	run_the_plan runlock
	d exec "$RUN-runlock" test -d /var/lock/runlock.lck
}

@test "plan: writes docker diff cannot show are predicted, and the plan says which" {
	# Up and idle: nothing in the diff, yet it needs /tmp and /var/tmp, and
	# the first request writes its log and its database.
	[ -z "$(d diff "$RUN-quiet")" ]
	run plan_json quiet
	[ "$status" -eq 0 ]
	[ "$(jq '.plans[0].writes' <<<"$output")" -eq 0 ]
	[ "$(jq '[.plans[0].mounts[] | select(.basis != "predicted")] | length' <<<"$output")" -eq 0 ]
	[ "$(mount_field "$output" /tmp .type)" = tmpfs ]
	[[ "$(mount_field "$output" /tmp .options)" == *mode=1777* ]]
	[ "$(mount_field "$output" /var/tmp .type)" = tmpfs ]
	[ "$(mount_field "$output" /var/log/quiet .type)" = volume ]
	[[ "$(mount_field "$output" /var/log/quiet .why)" == *"quiet writes its logs in /var/log/NAME by convention"* ]]
	[ "$(mount_field "$output" /var/lib/quiet .type)" = volume ]
	[[ "$(mount_field "$output" /var/lib/quiet .why)" == *"ships the database /var/lib/quiet/quiet.db"* ]]
	# Text output marks each mount too.
	run rootlock plan -H "unix://$SOCK" "$RUN-quiet"
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 paths to place, and 5 predicted"* ]]
	[[ "$output" == *"/var/log/quiet ($RUN-quiet-var-log-quiet), predicted"* ]]
	# The engine agrees: read-only alone it dies at its first temp file ...
	run exits_read_only quiet-bare quiet
	[ "$output" -eq 1 ]
	# ... and with the plan it starts and serves a request: log and database written.
	run_the_plan quiet
	run d exec "$RUN-quiet" /usr/sbin/quietd request
	[ "$status" -eq 0 ]
	[[ "$output" == seed*record* ]]
	d exec "$RUN-quiet" grep -q request /var/log/quiet/requests.log
}

@test "plan: code a server compiles and loads at start goes on a tmpfs with exec, not a volume" {
	run plan_json vcl
	[ "$status" -eq 0 ]
	[ "$(mount_field "$output" /var/lib/vcl .type)" = tmpfs ]
	[ "$(mount_field "$output" /var/lib/vcl .basis)" = seen ]
	[[ "$(mount_field "$output" /var/lib/vcl .options)" == *exec* ]]
	[[ "$(mount_field "$output" /var/lib/vcl .why)" == *"compiled code here that it loads"* ]]
	[[ "$(mount_field "$output" /var/lib/vcl .why)" != *outlive* ]]
	# The engine agrees: on a noexec tmpfs the code cannot be loaded.
	run exits_read_only vcl-noexec vcl --tmpfs /var/lib/vcl
	[ "$output" -eq 1 ]
	d logs "$RUN-vcl-noexec" 2>&1 | grep -q "Permission denied"
	run_the_plan vcl
}

@test "plan: a Python bytecode cache gets no mount, and a note says why" {
	run plan_json pycache
	[ "$status" -eq 0 ]
	[ -z "$(mount_field "$output" /app/__pycache__ .type)" ]
	[ -z "$(mount_field "$output" /app .type)" ]
	[ "$(jq '.plans[0].blockers | length' <<<"$output")" -eq 0 ]
	jq -e '.plans[0].notes[] | select(.path == "/app/__pycache__") | select(.why | contains("runs without it"))' \
		<<<"$output" >/dev/null
	run rootlock plan -H "unix://$SOCK" "$RUN-pycache"
	[[ "$output" == *"note   /app/__pycache__: Python's bytecode cache"* ]]
	# The engine agrees: read-only, it carries on without the cache.
	run_the_plan pycache
	d logs "$RUN-pycache" 2>&1 | grep -q "no bytecode cache"
}

@test "try: \"Permission denied\" from a program run from a noexec tmpfs adds exec there" {
	run rootlock try -H "unix://$SOCK" --settle 1 --format json "$RUN-fresh-s6"
	[ "$status" -eq 0 ]
	[ "$(jq -r .verdict <<<"$output")" = pass ]
	# Round 1: /run is read-only; round 2: a noexec tmpfs; round 3: exec.
	[ "$(jq '.rounds | length' <<<"$output")" -eq 3 ]
	jq -e '.rounds[1].evidence[] | select(contains("Permission denied"))' <<<"$output" >/dev/null
	[[ "$(jq -r '.plan.mounts[] | select(.target == "/run") | .options' <<<"$output")" == *exec* ]]
	[[ "$(jq -r '.plan.mounts[] | select(.target == "/run") | .why' <<<"$output")" == *"the logs say"*"exec"* ]]
}

@test "try: \"Permission denied\" in a tmpfs the plan made gives it the runtime user" {
	run rootlock try -H "unix://$SOCK" --settle 1 --format json "$RUN-fresh-user"
	[ "$status" -eq 0 ]
	[ "$(jq -r .verdict <<<"$output")" = pass ]
	[ "$(jq '.rounds | length' <<<"$output")" -eq 3 ]
	opts=$(jq -r '.plan.mounts[] | select(.target == "/var/cache/quiet") | .options' <<<"$output")
	[[ "$opts" == *uid=1000* && "$opts" == *gid=1000* ]]
}

@test "try: \"No such file or directory\" under a planned tmpfs keeps the directory the container had" {
	d diff "$RUN-copied" | grep -qx 'A /run/app'
	run rootlock try -H "unix://$SOCK" --settle 1 --format json "$RUN-copied"
	[ "$status" -eq 0 ]
	[ "$(jq -r .verdict <<<"$output")" = pass ]
	# Round 1: /run is a tmpfs, and /run/app is not there; round 2 keeps it.
	[ "$(jq '.rounds | length' <<<"$output")" -eq 2 ]
	jq -e '.rounds[0].evidence[] | select(contains("/run/app/app.pid"))' <<<"$output" >/dev/null
	[ "$(jq -r '.plan.mounts[] | select(.target == "/run/app") | .type' <<<"$output")" = tmpfs ]
	[[ "$(jq -r '.plan.mounts[] | select(.target == "/run/app") | .why' <<<"$output")" == *"was missing"* ]]
}
