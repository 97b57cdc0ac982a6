#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# rootlock plan and rootlock try against a real dockerd (the sandbox from
# scripts/engine, with the images of scripts/test-images, both started by
# tests/run-all). Plans are checked against what the engine then does with
# them: a container run with the plan must stay up read-only, and one run
# without a mount the plan asked for must not.

load helpers

BUSYBOX=rootlock-test/busybox:latest

setup_file() {
	use_sandbox_engine || return 1
	DOCKER_HOST="unix://$SOCK" ROOTLOCK_TEST_IMAGES="s6ish nonroot imgdata withvolume unfixable healthy exits noshell" \
		"$REPO/scripts/test-images" >&2
	export RUN="p$$"
	local c=(--label "rootlock.test=$RUN" --network none)
	for img in s6ish nonroot imgdata withvolume unfixable healthy; do
		d run -d "${c[@]}" --name "$RUN-$img" "rootlock-test/$img" >/dev/null
	done
	d create "${c[@]}" --name "$RUN-noshell" rootlock-test/noshell >/dev/null
	d start "$RUN-noshell" >/dev/null
	d run -d "${c[@]}" --name "$RUN-hosts" "$BUSYBOX" sh -c \
		'echo "10.9.8.7 db" >>/etc/hosts; trap "exit 0" TERM; while :; do sleep 1; done' >/dev/null
	# Never started: its diff is empty, so only try's rounds can find its writes.
	d create "${c[@]}" --name "$RUN-fresh" "$BUSYBOX" sh -c \
		'trap "exit 0" TERM; mkdir -p /srv/data || exit 1; echo x >/srv/data/a || exit 1;
		 echo $$ >/run/fresh.pid || exit 1; while :; do sleep 1; done' >/dev/null
	# Wait for each to have done its start-up writes: a condition, not a sleep.
	local i
	for i in $(seq 100); do
		d logs "$RUN-nonroot" 2>&1 | grep -q 'nonroot: up' &&
			d logs "$RUN-s6ish" 2>&1 | grep -q 's6ish: up' &&
			d logs "$RUN-imgdata" 2>&1 | grep -q 'imgdata: up' &&
			d logs "$RUN-withvolume" 2>&1 | grep -q 'withvolume: up' &&
			[ -n "$(d diff "$RUN-unfixable" 2>/dev/null | grep generated-tool)" ] &&
			[ -n "$(d diff "$RUN-hosts" 2>/dev/null; d exec "$RUN-hosts" grep db /etc/hosts)" ] &&
			break
		sleep 0.1
	done
}

teardown_file() {
	local ids
	ids=$(d ps -aq --filter "label=rootlock.test=$RUN")
	[ -z "$ids" ] || d rm -f -v $ids >/dev/null
	d volume ls -q | grep "^$RUN-" | xargs -r "$DOCKER" -H "unix://$SOCK" volume rm >/dev/null 2>&1 || true
}

plan_json() { rootlock plan -H "unix://$SOCK" --format json "$RUN-$1"; }
mount_field() { jq -r --arg t "$2" ".plans[0].mounts[] | select(.target == \$t) | $3" <<<"$1"; }
# The targets of the mounts made for writes seen (not predicted), in order.
seen_targets() { jq -r "[${2:-.plans[0]}.mounts[] | select(.basis == \"seen\") | .target] | join(\" \")" <<<"$1"; }

@test "plan: an s6-style init gets /run as a tmpfs with exec, and nothing else seen" {
	run plan_json s6ish
	[ "$status" -eq 0 ]
	[ "$(seen_targets "$output")" = /run ]
	[ "$(mount_field "$output" /run .type)" = tmpfs ]
	[[ "$(mount_field "$output" /run .options)" == *exec* ]]
	[[ "$(mount_field "$output" /run .why)" == *exec* ]]
	# The engine agrees: without exec the init dies, with the plan it stays up.
	d run -d --network none --name "$RUN-s6-noexec" --label "rootlock.test=$RUN" --read-only \
		--tmpfs /run rootlock-test/s6ish >/dev/null
	run d wait "$RUN-s6-noexec"
	[ "$output" -eq 111 ]
}

@test "plan: a non-root service gets its own directories as tmpfs with its uid, gid and mode" {
	run plan_json nonroot
	[ "$status" -eq 0 ]
	[ "$(jq -r '.plans[0].user' <<<"$output")" = "app (uid 1000)" ]
	opts=$(mount_field "$output" /run/app .options)
	[[ "$opts" == *uid=1000* && "$opts" == *gid=1000* && "$opts" == *mode=0750* ]]
	opts=$(mount_field "$output" /var/cache/app .options)
	[[ "$opts" == *uid=1000* && "$opts" == *mode=0700* ]]
	# /run itself is not mounted: that would hide /run/app, which app cannot recreate.
	[ -z "$(mount_field "$output" /run .type)" ]
}

@test "plan: the run line recreates the container read-only, and it stays up" {
	run rootlock plan -H "unix://$SOCK" --format run "$RUN-nonroot"
	[ "$status" -eq 0 ]
	line=$(grep -v '^#' <<<"$output")
	[[ "$line" == "docker run --detach --name $RUN-nonroot "* ]]
	[[ "$line" == *--read-only* ]]
	# Each mount's reason is a comment line above it.
	grep -q "^# /run/app (seen): tmpfs" <<<"$output"
	d rm -f "$RUN-nonroot" >/dev/null
	(export DOCKER_HOST="unix://$SOCK" PATH="$(dirname "$DOCKER"):$PATH"; eval "$line") >/dev/null
	[ "$(d inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$RUN-nonroot")" = true ]
	for i in $(seq 100); do
		d logs "$RUN-nonroot" 2>&1 | grep -q 'nonroot: up' && break
		[ "$(d inspect -f '{{.State.Running}}' "$RUN-nonroot")" = true ] || break
		sleep 0.1
	done
	[ "$(d inspect -f '{{.State.Running}}' "$RUN-nonroot")" = true ]
	d logs "$RUN-nonroot" 2>&1 | grep -q 'nonroot: up'
}

@test "plan: a directory that holds image files gets a volume, because a tmpfs would hide them" {
	run plan_json imgdata
	[ "$status" -eq 0 ]
	[ "$(mount_field "$output" /var/lib/app .type)" = volume ]
	[ "$(mount_field "$output" /var/lib/app .volume)" = "$RUN-imgdata-var-lib-app" ]
	[[ "$(mount_field "$output" /var/lib/app .why)" == *"image has files here"* ]]
	# And the engine agrees: with a tmpfs there instead, the app cannot start.
	d run -d --network none --name "$RUN-img-tmpfs" --label "rootlock.test=$RUN" --read-only \
		--tmpfs /var/lib/app rootlock-test/imgdata >/dev/null
	run d wait "$RUN-img-tmpfs"
	[ "$output" -ne 0 ]
	d logs "$RUN-img-tmpfs" 2>&1 | grep -q 'seed.conf is missing'
}

@test "plan: a path under the image's VOLUME needs nothing; /tmp gets a tmpfs" {
	run plan_json withvolume
	[ "$status" -eq 0 ]
	# The app writes /data/out.log too, but into the anonymous volume: no mount for it.
	d exec "$RUN-withvolume" test -s /data/out.log
	[ "$(seen_targets "$output")" = /tmp ]
}

@test "plan: writes no mount can serve are blockers, with exit 1" {
	run plan_json unfixable
	[ "$status" -eq 1 ]
	jq -e '.plans[0].blockers[] | select(.path == "/etc/passwd")' <<<"$output" >/dev/null
	jq -e '.plans[0].blockers[] | select(.path | startswith("/usr/local/bin/"))' <<<"$output" >/dev/null
	[ -z "$(seen_targets "$output")" ]
	run rootlock plan -H "unix://$SOCK" "$RUN-unfixable"
	[ "$status" -eq 1 ]
	[[ "$output" == *"BLOCKER /etc/passwd"* ]]
}

@test "plan: a rewritten /etc/hosts, invisible in docker diff, is found and reported" {
	[ -z "$(d diff "$RUN-hosts" | grep hosts || true)" ]
	run plan_json hosts
	[ "$status" -eq 1 ]
	jq -e '.plans[0].blockers[] | select(.path == "/etc/hosts") | .why | contains("--add-host")' \
		<<<"$output" >/dev/null
}

@test "plan: an image without a shell is planned all the same" {
	run plan_json noshell
	[ "$status" -eq 0 ]
	jq -e '.plans[0].mounts' <<<"$output" >/dev/null
}

@test "plan: the Compose output is YAML with read_only and the plan's mounts" {
	run rootlock plan -H "unix://$SOCK" --format compose "$RUN-imgdata"
	[ "$status" -eq 0 ]
	svc=$(python3 -c 'import sys, yaml; d = yaml.safe_load(sys.stdin); s = list(d["services"].values())[0]; print(s["read_only"], s["image"], d["volumes"] is not None)' <<<"$output")
	[ "$svc" = "True rootlock-test/imgdata True" ]
	grep -q '/var/lib/app' <<<"$output"
}

@test "plan changes nothing: the container's inspect output and the engine's lists are the same" {
	before=$(d inspect "$RUN-s6ish"; d ps -aq --no-trunc; d volume ls -q)
	rootlock plan -H "unix://$SOCK" "$RUN-s6ish" "$RUN-withvolume" >/dev/null
	after=$(d inspect "$RUN-s6ish"; d ps -aq --no-trunc; d volume ls -q)
	[ "$before" = "$after" ]
}

@test "plan: an unknown container is exit 3 and one clear line" {
	run rootlock plan -H "unix://$SOCK" "$RUN-nosuch"
	[ "$status" -eq 3 ]
	[[ "$output" == *"no container \"$RUN-nosuch\""* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	run rootlock plan -H "unix://$BATS_TEST_TMPDIR/none.sock" x
	[ "$status" -eq 3 ]
	[[ "$output" == *"no engine at"* ]]
	run rootlock plan -H "unix://$SOCK"
	[ "$status" -eq 2 ]
	run rootlock plan -H "unix://$SOCK" --format yaml x
	[ "$status" -eq 2 ]
}

@test "try: the plans pass in read-only clones; originals untouched, nothing left behind" {
	for c in s6ish imgdata withvolume; do
		before=$(d inspect "$RUN-$c")
		run rootlock try -H "unix://$SOCK" --settle 2 --format json "$RUN-$c"
		[ "$status" -eq 0 ]
		[ "$(jq -r .verdict <<<"$output")" = pass ]
		[ "$(jq '.rounds | length' <<<"$output")" -eq 1 ]
		[[ "$(jq -r .run <<<"$output")" == *--read-only* ]]
		[ "$(d inspect "$RUN-$c")" = "$before" ]
		assert_no_leftovers
	done
}

@test "try: the clone is what the run line makes: on the default network it has localhost" {
	# The sandbox has no default bridge: once started, the daemon says
	# Config.NetworkDisabled: true, which the user never set. A clone that
	# passed it back had no /etc/hosts with localhost and exited 7.
	d run -d --name "$RUN-localhost" --label "rootlock.test=$RUN" "$BUSYBOX" sh -c \
		'grep -q localhost /etc/hosts || exit 7; trap "exit 0" TERM; while :; do sleep 1; done' >/dev/null
	[ "$(d inspect -f '{{.Config.NetworkDisabled}} {{.State.Running}}' "$RUN-localhost")" = "true true" ]
	run rootlock try -H "unix://$SOCK" --settle 1 --format json "$RUN-localhost"
	[ "$status" -eq 0 ]
	[ "$(jq -r .verdict <<<"$output")" = pass ]
	[[ "$(jq -r '.rounds[0].outcome' <<<"$output")" != *"exited with code 7"* ]]
	assert_no_leftovers
	# The printed line makes the same container, and it stays up too.
	line=$(jq -r .run <<<"$output")
	[[ "$line" != *--network* ]]
	eval "DOCKER_HOST=unix://$SOCK ${line/--name $RUN-localhost/--name $RUN-localhost-line}" >/dev/null
	for i in $(seq 50); do
		[ "$(d inspect -f '{{.State.Running}}' "$RUN-localhost-line")" = true ] && break
		sleep 0.1
	done
	d exec "$RUN-localhost-line" grep -q localhost /etc/hosts
	d rm -f "$RUN-localhost-line" >/dev/null
}

@test "try: a HEALTHCHECK decides; the clone is healthy read-only" {
	run rootlock try -H "unix://$SOCK" "$RUN-healthy"
	[ "$status" -eq 0 ]
	[[ "$output" == *"round 1: pass: healthy after"* ]]
	[[ "$output" == *"PASS (healthy by its HEALTHCHECK)"* ]]
	run rootlock try -H "unix://$SOCK" --format json "$RUN-healthy"
	[ "$(jq -r .proof <<<"$output")" = healthcheck ]
	[ "$(jq -r '.rounds[0].proof' <<<"$output")" = healthcheck ]
	assert_no_leftovers
}

@test "try: started only is no plain PASS: it says nothing exercised it; --strict makes it exit 1" {
	run rootlock try -H "unix://$SOCK" --settle 1 "$RUN-withvolume"
	[ "$status" -eq 0 ]
	[[ "$output" == *"round 1: pass (started only): stayed up"* ]]
	[[ "$output" == *"STARTED ONLY (not exercised, so not proven to work)"* ]]
	[[ "$output" == *"--exec"*"HEALTHCHECK"* ]]
	[[ "$output" != *PASS* ]]
	run rootlock try -H "unix://$SOCK" --settle 1 --format json "$RUN-withvolume"
	[ "$status" -eq 0 ]
	[ "$(jq -r .verdict <<<"$output")" = pass ]
	[ "$(jq -r .proof <<<"$output")" = started ]
	[ "$(jq -r '.rounds[0].proof' <<<"$output")" = started ]
	run rootlock try -H "unix://$SOCK" --settle 1 --strict "$RUN-withvolume"
	[ "$status" -eq 1 ]
	[[ "$output" == *"STARTED ONLY"* ]]
	# A fail has no proof.
	run rootlock try -H "unix://$SOCK" --settle 1 --format json "$RUN-unfixable"
	[ "$status" -eq 1 ]
	[ "$(jq -r .proof <<<"$output")" = null ]
	[ "$(jq -r '.rounds[0].proof' <<<"$output")" = null ]
	assert_no_leftovers
}

@test "try: --exec runs in a healthy round too, and decides" {
	run rootlock try -H "unix://$SOCK" --exec 'test -r /etc/passwd' --format json "$RUN-healthy"
	[ "$status" -eq 0 ]
	[ "$(jq -r .proof <<<"$output")" = exec ]
	[[ "$(jq -r '.rounds[0].outcome' <<<"$output")" == "healthy after"*"--exec check passed" ]]
	run rootlock try -H "unix://$SOCK" --exec 'exit 3' "$RUN-healthy"
	[ "$status" -eq 1 ]
	[[ "$output" == *"round 1: fail: it came up, but the --exec command exited with 3"* ]]
	assert_no_leftovers
}

@test "try: a round amended after an --exec failure runs the check again, and its pass proves it" {
	# Up at once, but the check writes where the plan has no mount yet.
	d run -d --network none --name "$RUN-probed" --label "rootlock.test=$RUN" "$BUSYBOX" \
		sh -c 'trap "exit 0" TERM; while :; do sleep 1; done' >/dev/null
	run rootlock try -H "unix://$SOCK" --settle 1 --format json \
		--exec 'mkdir -p /opt/spool && echo x >/opt/spool/probe && test -s /opt/spool/probe' "$RUN-probed"
	[ "$status" -eq 0 ]
	[ "$(jq '.rounds | length' <<<"$output")" -eq 2 ]
	[ "$(jq -r '.rounds[0].verdict' <<<"$output")" = fail ]
	[ "$(jq -r '.rounds[0].proof' <<<"$output")" = null ]
	[[ "$(jq -r '.rounds[0].evidence[0]' <<<"$output")" == *"Read-only file system"* ]]
	[ "$(jq -r '.rounds[1].proof' <<<"$output")" = exec ]
	[ "$(jq -r .proof <<<"$output")" = exec ]
	[[ "$(jq -r '[.plan.mounts[].target] | join(" ")' <<<"$output")" == *"/opt"* ]]
	assert_no_leftovers
}

@test "try: a container that never ran is fixed round by round from its EROFS messages" {
	run rootlock try -H "unix://$SOCK" --settle 1 --format json "$RUN-fresh"
	[ "$status" -eq 0 ]
	[ "$(jq -r .verdict <<<"$output")" = pass ]
	[ "$(jq '.rounds | length' <<<"$output")" -eq 3 ]
	[ "$(jq -r '.rounds[0].paths[0]' <<<"$output")" = /srv ]
	[[ "$(jq -r '.rounds[0].evidence[0]' <<<"$output")" == *"Read-only file system"* ]]
	[ "$(jq -r '.rounds[1].paths[0]' <<<"$output")" = /run/fresh.pid ]
	[ "$(seen_targets "$output" .plan)" = "/run /srv" ]
	assert_no_leftovers
}

@test "try: writes no mount can serve fail with the evidence, exit 1" {
	run rootlock try -H "unix://$SOCK" --settle 1 "$RUN-unfixable"
	[ "$status" -eq 1 ]
	[[ "$output" == *"round 1: fail: it exited with code"* ]]
	[[ "$output" == *"/etc/passwd: Read-only file system"* ]]
	[[ "$output" == *"BLOCKER /etc/passwd"* ]]
	assert_no_leftovers
}

@test "try: an IMAGE is learned in a writable container first, then proven" {
	run rootlock try -H "unix://$SOCK" --settle 2 --format json rootlock-test/s6ish
	[ "$status" -eq 0 ]
	[ "$(jq -r .kind <<<"$output")" = image ]
	[ "$(jq -r .verdict <<<"$output")" = pass ]
	[[ "$(jq -r .run <<<"$output")" == *"--tmpfs /run:exec"* ]]
	assert_no_leftovers
}

@test "try: an image that exits at once fails with its exit code, and leaves nothing" {
	run rootlock try -H "unix://$SOCK" --settle 1 rootlock-test/exits
	[ "$status" -eq 1 ]
	[[ "$output" == *"exited with code"* ]]
	assert_no_leftovers
}

@test "try: --exec runs a check inside the clone; no shell in the image is a clear fail" {
	run rootlock try -H "unix://$SOCK" --settle 1 --exec 'test -s /var/lib/app/journal' "$RUN-imgdata"
	[ "$status" -eq 0 ]
	run rootlock try -H "unix://$SOCK" --settle 1 --exec 'true' "$RUN-noshell"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--exec command"* ]]
	assert_no_leftovers
}

@test "try: a healthcheck that never passes is a fail after --wait, with nothing left" {
	d run -d --network none --name "$RUN-sick" --label "rootlock.test=$RUN" \
		--health-cmd false --health-interval 1s --health-retries 1000 "$BUSYBOX" \
		sh -c 'trap "exit 0" TERM; while :; do sleep 1; done' >/dev/null
	run rootlock try -H "unix://$SOCK" --wait 3 "$RUN-sick"
	[ "$status" -eq 1 ]
	[[ "$output" == *"HEALTHCHECK did not pass within 3 s"* ]]
	assert_no_leftovers
}

@test "try: Ctrl-C and SIGTERM remove the clone and its volumes" {
	d run -d --network none --name "$RUN-slow" --label "rootlock.test=$RUN" -v "$RUN-slowdata:/data" \
		--health-cmd false --health-interval 1s --health-retries 1000 "$BUSYBOX" \
		sh -c 'trap "exit 0" TERM; while :; do sleep 1; done' >/dev/null
	for sig in INT TERM; do
		# The binary itself, not the rootlock() function: the signal must reach it.
		"$ROOTLOCK" try -H "unix://$SOCK" --wait 120 "$RUN-slow" >"$BATS_TEST_TMPDIR/out" 2>&1 &
		pid=$!
		for i in $(seq 200); do
			[ -n "$(d ps -q --filter label=rootlock.try)" ] && break
			sleep 0.05
		done
		[ -n "$(d ps -q --filter label=rootlock.try)" ]
		# The clone's named volume is a fresh one, never the original's.
		clone=$(d ps -q --filter label=rootlock.try)
		[[ "$(d inspect -f '{{range .Mounts}}{{.Name}} {{end}}' "$clone")" == rootlock-try-* ]]
		kill -s "$sig" "$pid"
		status=0
		wait "$pid" || status=$?
		[ "$status" -eq $((128 + $(kill -l "$sig"))) ]
		grep -q 'interrupted' "$BATS_TEST_TMPDIR/out"
		assert_no_leftovers
	done
	d volume inspect "$RUN-slowdata" >/dev/null
}

@test "try: unknown names and bad options are clear errors" {
	run rootlock try -H "unix://$SOCK" "$RUN-nosuch"
	[ "$status" -eq 3 ]
	[[ "$output" == *"no container or image"* ]]
	run rootlock try -H "unix://$SOCK" --rounds 0 x
	[ "$status" -eq 2 ]
	run rootlock try -H "unix://$SOCK" a b
	[ "$status" -eq 2 ]
}

@test "try: a clone the engine cannot start is a fail with the engine's reason, and nothing left" {
	run rootlock try -H "unix://$SOCK" --network "$RUN-nosuchnet" "$RUN-withvolume"
	[ "$status" -eq 1 ]
	[[ "$output" == *"could not start"*"$RUN-nosuchnet"* ]]
	assert_no_leftovers
}
