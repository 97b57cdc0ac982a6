#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# rootlock audit against a real dockerd (the sandbox from scripts/engine,
# started by tests/run-all). Every verdict is checked against what the
# engine itself reports for that container.

load helpers

IMAGE=rootlock-test/busybox:latest
VOLIMAGE=rootlock-test/volume:latest
LONG=(sh -c 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done')

setup_file() {
	use_sandbox_engine || return 1
	export RUN="t$$"
	local c=(--label "rootlock.test=$RUN" --network none)
	export BINDDIR=$BATS_FILE_TMPDIR/config
	mkdir -p "$BINDDIR"
	d run -d "${c[@]}" --name "$RUN-ro" --read-only "$IMAGE" "${LONG[@]}"
	d run -d "${c[@]}" --name "$RUN-rw" "$IMAGE" "${LONG[@]}"
	d create "${c[@]}" --name "$RUN-created" "$IMAGE" true
	d run "${c[@]}" --name "$RUN-exited" "$IMAGE" true
	d run -d "${c[@]}" --name "$RUN-stopped" --read-only "$IMAGE" "${LONG[@]}"
	d stop "$RUN-stopped"
	d run -d "${c[@]}" --name "$RUN-sysadmin" --read-only --cap-add SYS_ADMIN "$IMAGE" "${LONG[@]}"
	d create "${c[@]}" --name "$RUN-priv" --privileged --read-only "$IMAGE" true
	d run -d "${c[@]}" --name "$RUN-tmpfs" --read-only --tmpfs /tmp \
		--tmpfs /run:rw,exec,size=16m "$IMAGE" "${LONG[@]}"
	d run -d "${c[@]}" --name "$RUN-mount" --read-only \
		--mount type=tmpfs,destination=/cache,tmpfs-size=67108864 "$IMAGE" "${LONG[@]}"
	d run -d "${c[@]}" --name "$RUN-vols" --read-only -v "$RUN-data:/state" \
		-v "$BINDDIR:/config:ro" "$VOLIMAGE" "${LONG[@]}"
	d run -d "${c[@]}" --name "$RUN-exempt" --label 'rootlock.exempt=vendor image, OPS-42' \
		"$IMAGE" "${LONG[@]}"
	d run -d "${c[@]}" --name "$RUN-noreason" --label 'rootlock.exempt=' "$IMAGE" "${LONG[@]}"
	d run -d "${c[@]}" --name "$RUN-evil" --label "rootlock.exempt=$(printf 'ok\033[2J\033]0;x\007')" \
		--label "com.docker.compose.service=$(printf 'svc\033[31m')" "$IMAGE" "${LONG[@]}"
	d run -d "${c[@]}" --name "$RUN-cart" \
		--label com.docker.compose.project=shop \
		--label com.docker.compose.service=cart \
		--label com.docker.compose.project.config_files=/srv/shop/compose.yaml \
		--label com.docker.compose.project.working_dir=/srv/shop \
		"$IMAGE" "${LONG[@]}"
	rootlock audit -H "unix://$SOCK" --filter "label=rootlock.test=$RUN" --format json \
		>"$BATS_FILE_TMPDIR/audit.json" || true
}

teardown_file() {
	local ids
	ids=$(d ps -aq --filter "label=rootlock.test=$RUN")
	[ -z "$ids" ] || d rm -f -v $ids >/dev/null
	d volume rm "$RUN-data" >/dev/null 2>&1 || true
}

# The result for one container name from the audit made in setup_file.
result() { jq -c --arg n "$RUN-$1" '.results[] | select(.name == $n)' "$BATS_FILE_TMPDIR/audit.json"; }
field() { result "$1" | jq -r "$2"; }
engine_says() { d inspect -f "$2" "$RUN-$1"; }

@test "every container is audited, stopped and never-started ones included" {
	n=$(d ps -aq --filter "label=rootlock.test=$RUN" | wc -l)
	[ "$n" -eq 14 ]
	[ "$(jq '.results | length' "$BATS_FILE_TMPDIR/audit.json")" -eq "$n" ]
	[ "$(jq '.summary.total' "$BATS_FILE_TMPDIR/audit.json")" -eq "$n" ]
	[ "$(field created .state)" = "created" ]
	[ "$(field exited .state)" = "exited" ]
	[ "$(field stopped .state)" = "exited" ]
	[ "$(field ro .state)" = "running" ]
}

@test "results carry the full id, name, image and the engine's ReadonlyRootfs" {
	for c in ro rw created exited stopped sysadmin priv tmpfs mount vols exempt cart; do
		[ "$(field "$c" .id)" = "$(engine_says "$c" '{{.Id}}')" ]
		[ "$(field "$c" .image)" = "$(engine_says "$c" '{{.Config.Image}}')" ]
		[ "$(field "$c" .readonly_rootfs)" = "$(engine_says "$c" '{{.HostConfig.ReadonlyRootfs}}')" ]
		[ "$(field "$c" .privileged)" = "$(engine_says "$c" '{{.HostConfig.Privileged}}')" ]
	done
}

@test "read-only passes, writable fails, whatever the state" {
	[ "$(field ro .verdict)" = pass ]
	[ "$(field stopped .verdict)" = pass ]
	[ "$(field rw .verdict)" = fail ]
	[ "$(field created .verdict)" = fail ]
	[ "$(field exited .verdict)" = fail ]
	[[ "$(field rw .remediation)" == *"--read-only"* ]]
	[ "$(field ro .remediation)" = null ]
}

@test "read-only with SYS_ADMIN or privileged is a warn naming the cause" {
	[ "$(engine_says sysadmin '{{.HostConfig.CapAdd}}')" = "[SYS_ADMIN]" ]
	[ "$(field sysadmin .verdict)" = warn ]
	[ "$(field sysadmin .cap_sys_admin)" = true ]
	[[ "$(field sysadmin '.reasons | join(" ")')" == *"CAP_SYS_ADMIN"* ]]
	[[ "$(field sysadmin .remediation)" == *"SYS_ADMIN"* ]]
	[ "$(field priv .verdict)" = warn ]
	[[ "$(field priv '.reasons | join(" ")')" == *"privileged"* ]]
	[[ "$(field priv .remediation)" == *"--privileged"* ]]
}

@test "the warn is earned: with SYS_ADMIN a read-only / can be remounted read-write" {
	run d exec "$RUN-sysadmin" touch /proof
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	d exec "$RUN-sysadmin" mount -o remount,rw /
	d exec "$RUN-sysadmin" touch /proof
	# Without the capability the same remount is refused.
	run d exec "$RUN-ro" mount -o remount,rw /
	[ "$status" -ne 0 ]
}

@test "tmpfs from --tmpfs: noexec by default, exec and size when given" {
	[ "$(field tmpfs .verdict)" = pass ]
	[ "$(field tmpfs '.mounts[] | select(.target == "/tmp") | [.type, .exec, .size_bytes] | @tsv')" = "$(printf 'tmpfs\tfalse\t0')" ]
	[ "$(field tmpfs '.mounts[] | select(.target == "/run") | [.type, .exec, .size_bytes] | @tsv')" = "$(printf 'tmpfs\ttrue\t16777216')" ]
	# What the engine really mounted agrees.
	run d exec "$RUN-tmpfs" grep ' /tmp ' /proc/mounts
	[[ "$output" == *noexec* ]]
	run d exec "$RUN-tmpfs" grep ' /run ' /proc/mounts
	[[ "$output" != *noexec* ]]
}

@test "tmpfs from --mount: size read from the engine, noexec as mounted" {
	[ "$(field mount '.mounts[] | select(.target == "/cache") | [.type, .exec, .size_bytes] | @tsv')" = "$(printf 'tmpfs\tfalse\t67108864')" ]
	run d exec "$RUN-mount" grep ' /cache ' /proc/mounts
	[[ "$output" == *noexec* ]]
}

@test "named, anonymous and bind mounts are told apart, with rw/ro" {
	[ "$(field vols '[.mounts[].target] == ([.mounts[].target] | sort)')" = true ]
	[ "$(field vols '.mounts[] | select(.target == "/state") | [.type, .source, .writable] | @tsv')" = "$(printf 'volume\t%s\ttrue' "$RUN-data")" ]
	[ "$(field vols '.mounts[] | select(.target == "/config") | [.type, .source, .writable] | @tsv')" = "$(printf 'bind\t%s\tfalse' "$BINDDIR")" ]
	# The image's VOLUME /vol becomes an anonymous volume, writable.
	anon=$(engine_says vols '{{range .Mounts}}{{if eq .Type "volume"}}{{if ne .Name "'"$RUN-data"'"}}{{.Destination}}{{end}}{{end}}{{end}}')
	[ -n "$anon" ]
	[ "$(field vols ".mounts[] | select(.target == \"$anon\") | [.type, .writable] | @tsv")" = "$(printf 'anonymous volume\ttrue')" ]
}

@test "exempt needs a reason: the label's reason is shown, an empty one does not count" {
	[ "$(field exempt .verdict)" = exempt ]
	[ "$(field exempt .exempt_reason)" = "vendor image, OPS-42" ]
	[ "$(field exempt .exempt_source)" = "label rootlock.exempt" ]
	[ "$(field noreason .verdict)" = fail ]
	[[ "$(field noreason '.reasons | join(" ")')" == *"no reason"* ]]
}

@test "an exemption from --config applies by name glob, with its reason" {
	printf '{"exempt":[{"name":"%s-rw","reason":"migrating in Q3"}]}' "$RUN" >"$BATS_TEST_TMPDIR/c.json"
	run rootlock audit -H "unix://$SOCK" --filter "label=rootlock.test=$RUN" \
		--filter "name=$RUN-rw" --config "$BATS_TEST_TMPDIR/c.json" --format jsonl
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .verdict)" = exempt ]
	[ "$(echo "$output" | jq -r .exempt_reason)" = "migrating in Q3" ]
}

@test "Compose labels name the project, service and file to edit" {
	[ "$(field cart .compose.project)" = shop ]
	[ "$(field cart .compose.service)" = cart ]
	[ "$(field cart '.compose.config_files[0]')" = /srv/shop/compose.yaml ]
	[[ "$(field cart .remediation)" == *'/srv/shop/compose.yaml, service "cart"'* ]]
	[[ "$(field cart .remediation)" == *"read_only: true"* ]]
	[[ "$(field cart .remediation)" == *"tmpfs:"* ]]
}

@test "escape sequences in real labels never reach the terminal" {
	run rootlock audit -H "unix://$SOCK" --filter "label=rootlock.test=$RUN" --filter "name=$RUN-evil"
	[ "$status" -eq 0 ]
	assert_no_raw_control "$output"
	[[ "$output" == *'ok\x1b[2J\x1b]0;x\x07'* ]]
}

@test "filters: name and image globs, labels, --running; exit code follows what is left" {
	run rootlock audit -H "unix://$SOCK" --filter "label=rootlock.test=$RUN" --filter "name=$RUN-ro" --format jsonl
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .name)" = "$RUN-ro" ]
	run rootlock audit -H "unix://$SOCK" --filter "label=rootlock.test=$RUN" --filter "name=$RUN-r?" --format jsonl
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq -r .name | sort | paste -sd,)" = "$RUN-ro,$RUN-rw" ]
	run rootlock audit -H "unix://$SOCK" --filter "label=rootlock.test=$RUN" --filter "image=rootlock-test/volume*" --format jsonl
	[ "$(echo "$output" | jq -r .name)" = "$RUN-vols" ]
	run rootlock audit -H "unix://$SOCK" --filter "label=rootlock.test=$RUN" --running --format json
	running=$(d ps -q --filter "label=rootlock.test=$RUN" | wc -l)
	[ "$(echo "$output" | jq '.results | length')" -eq "$running" ]
	[ "$(echo "$output" | jq '[.results[] | select(.state != "running")] | length')" -eq 0 ]
}

@test "--strict turns a warn into exit 1" {
	run rootlock audit -H "unix://$SOCK" --filter "label=rootlock.test=$RUN" --filter "name=$RUN-sysadmin"
	[ "$status" -eq 0 ]
	run rootlock audit -H "unix://$SOCK" --filter "label=rootlock.test=$RUN" --filter "name=$RUN-sysadmin" --strict
	[ "$status" -eq 1 ]
}

@test "the table names each container, its verdict and how to fix it" {
	run rootlock audit -H "unix://$SOCK" --filter "label=rootlock.test=$RUN" --color never
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == VERDICT* ]]
	echo "$output" | grep -E "^fail +$RUN-rw "
	echo "$output" | grep -E "^pass +$RUN-tmpfs .*tmpfs /run \(exec\)"
	echo "$output" | grep -E "^warn +$RUN-sysadmin "
	[[ "$output" == *"What to change:"* ]]
	[[ "${lines[-1]}" == "14 containers: 5 pass, 5 fail, 2 warn, 2 exempt" ]]
	[[ "$output" != *$'\033'* ]]
}

@test "colour only when asked or on a terminal, never with NO_COLOR" {
	run rootlock audit -H "unix://$SOCK" --filter "name=$RUN-rw" --color always
	[[ "$output" == *$'\033[31mfail'* ]]
	run rootlock audit -H "unix://$SOCK" --filter "name=$RUN-rw"
	[[ "$output" != *$'\033'* ]]
	run script -qec "NO_COLOR=1 $ROOTLOCK audit -H unix://$SOCK --filter name=$RUN-rw" /dev/null
	[[ "$output" != *$'\033[31m'* ]]
	run script -qec "$ROOTLOCK audit -H unix://$SOCK --filter name=$RUN-rw" /dev/null
	[[ "$output" == *$'\033[31mfail'* ]]
}

@test "sarif, junit and csv describe the same verdicts" {
	run rootlock audit -H "unix://$SOCK" --filter "label=rootlock.test=$RUN" --format sarif
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '.version == "2.1.0"'
	[ "$(echo "$output" | jq '[.runs[0].results[] | select(.ruleId == "RL001" and (.suppressions | not))] | length')" -eq 5 ]
	[ "$(echo "$output" | jq '[.runs[0].results[] | select(.ruleId == "RL002")] | length')" -eq 2 ]
	run rootlock audit -H "unix://$SOCK" --filter "label=rootlock.test=$RUN" --format junit
	[[ "$output" == *'tests="14"'* ]]
	[[ "$output" == *'failures="5"'* ]]
	[[ "$output" == *'skipped="2"'* ]]
	run rootlock audit -H "unix://$SOCK" --filter "label=rootlock.test=$RUN" --format csv
	[ "$(echo "$output" | grep -c ',fail,')" -eq 5 ]
	[ "${#lines[@]}" -eq 15 ]
}

@test "-o writes the report to a file; an unwritable path is exit 3" {
	run rootlock audit -H "unix://$SOCK" --filter "name=$RUN-ro" --format json -o "$BATS_TEST_TMPDIR/r.json"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	jq -e '.results[0].verdict == "pass"' "$BATS_TEST_TMPDIR/r.json"
	[ ! -e "$BATS_TEST_TMPDIR/r.json.tmp" ]
	run rootlock audit -H "unix://$SOCK" --filter "name=$RUN-ro" -o "$BATS_TEST_TMPDIR/no/such/dir/r.json"
	[ "$status" -eq 3 ]
	[[ "$output" == *"no/such/dir"* ]]
}

@test "the engine is found through DOCKER_HOST, a docker context, and -H wins" {
	run env DOCKER_HOST="unix://$SOCK" "$ROOTLOCK" audit --filter "name=$RUN-ro" --format jsonl
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .name)" = "$RUN-ro" ]
	cfg=$BATS_TEST_TMPDIR/dockercfg
	mkdir -p "$cfg"
	DOCKER_CONFIG=$cfg "$DOCKER" context create rltest --docker "host=unix://$SOCK" >/dev/null
	DOCKER_CONFIG=$cfg "$DOCKER" context use rltest >/dev/null
	run env -u DOCKER_HOST DOCKER_CONFIG="$cfg" "$ROOTLOCK" audit --filter "name=$RUN-ro" --format json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .source)" = "unix://$SOCK" ]
	run env -u DOCKER_HOST DOCKER_CONFIG="$cfg" "$ROOTLOCK" audit --context rltest --filter "name=$RUN-ro" --format json
	[ "$status" -eq 0 ]
	run env DOCKER_HOST=unix:///nonexistent.sock "$ROOTLOCK" audit -H "unix://$SOCK" --filter "name=$RUN-ro"
	[ "$status" -eq 0 ]
	run env -u DOCKER_HOST DOCKER_CONFIG="$cfg" "$ROOTLOCK" audit --context nosuch
	[ "$status" -eq 2 ]
	[[ "$output" == *"context 'nosuch' not found"* ]]
}

@test "several connections give the same results, in the engine's order" {
	one=$(rootlock audit -H "unix://$SOCK" --filter "label=rootlock.test=$RUN" --parallel 1 --format jsonl | jq -r .id)
	many=$(rootlock audit -H "unix://$SOCK" --filter "label=rootlock.test=$RUN" --parallel 16 --format jsonl | jq -r .id)
	[ "$one" = "$many" ]
	[ "$one" = "$(d ps -aq --no-trunc --filter "label=rootlock.test=$RUN")" ]
}

@test "audit changes nothing on the engine" {
	# ExecIDs come and go with earlier tests' `docker exec`, and the engine
	# lists Mounts in no fixed order: compare the rest, mounts sorted.
	snapshot() {
		d ps -a --no-trunc --format '{{.ID}} {{.State}}' --filter "label=rootlock.test=$RUN"
		d inspect $(d ps -aq --filter "label=rootlock.test=$RUN") |
			jq -S '[.[] | {State, HostConfig, Config, Mounts: (.Mounts | sort_by(.Destination))}]' | md5sum
		d volume ls -q | sort | md5sum
	}
	before=$(snapshot)
	rootlock audit -H "unix://$SOCK" >/dev/null || true
	after=$(snapshot)
	[ "$before" = "$after" ]
}
