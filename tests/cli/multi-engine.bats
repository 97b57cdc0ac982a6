#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# rootlock audit of several engines at once: -H and --context more than
# once, --all-contexts. The sandbox engine is one; the fake engine (a
# second socket with two containers, "one" writable and "two" read-only)
# or a socket nobody listens on are the others.

load helpers
bats_require_minimum_version 1.5.0

IMAGE=rootlock-test/busybox:latest

setup_file() {
	use_sandbox_engine || return 1
	export RUN="m$$"
	d create --label "rootlock.test=$RUN" --network none --name "$RUN-ro" --read-only "$IMAGE" true >/dev/null
	d create --label "rootlock.test=$RUN" --network none --name "$RUN-rw" "$IMAGE" true >/dev/null
}

teardown_file() {
	local ids
	ids=$(d ps -aq --filter "label=rootlock.test=$RUN")
	[ -z "$ids" ] || d rm -f $ids >/dev/null
}

teardown() {
	stop_fake_engine
	[ -z "${FAKE2_PID:-}" ] || { kill "$FAKE2_PID" 2>/dev/null || true; wait "$FAKE2_PID" 2>/dev/null || true; }
}

# A second fake engine beside start_fake_engine's: FAKE2_SOCK, FAKE2_PID.
start_second_fake_engine() {
	FAKE2_SOCK=$BATS_TEST_TMPDIR/fake2.sock
	python3 "$REPO/tests/helpers/fake-engine" "$FAKE2_SOCK" "$1" 3>&- &
	FAKE2_PID=$!
	wait_for_file "$FAKE2_SOCK.ready"
}

# The names audited on one engine, sorted, from the JSON in $output.
names_on() { echo "$output" | jq -r --arg e "$1" '.results[] | select(.engine == $e) | .name' | sort | tr '\n' ' '; }

@test "two engines are audited together and every result names its engine" {
	start_fake_engine plain
	run --separate-stderr rootlock audit -H "unix://$SOCK" -H "unix://$FAKE_SOCK" --format json
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[[ "$(names_on "unix://$SOCK")" == *"$RUN-ro $RUN-rw "* ]]
	[ "$(names_on "unix://$FAKE_SOCK")" = "one two " ]
	# Every result has an engine, and it is one of the two.
	[ "$(echo "$output" | jq '[.results[] | select(.engine != "unix://'"$SOCK"'" and .engine != "unix://'"$FAKE_SOCK"'")] | length')" -eq 0 ]
	[ "$(echo "$output" | jq -r --arg n "$RUN-rw" '.results[] | select(.name == $n) | .verdict')" = fail ]
	[ "$(echo "$output" | jq -r .source)" = "unix://$SOCK, unix://$FAKE_SOCK" ]
}

@test "one engine: the results carry no engine field, as before" {
	run --separate-stderr rootlock audit -H "unix://$SOCK" --filter "name=$RUN-*" --format json
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | jq '[.results[] | has("engine")] | any')" = false ]
	run --separate-stderr rootlock audit -H "unix://$SOCK" --filter "name=$RUN-*" --format csv
	[[ "$output" == id,name,* ]]
}

@test "every format names the engine" {
	start_fake_engine plain
	local two=(-H "unix://$SOCK" -H "unix://$FAKE_SOCK" --filter "name=$RUN-rw" --filter "name=one")
	run --separate-stderr rootlock audit "${two[@]}" --format csv
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == engine,id,name,* ]]
	[[ "$output" == *$'\n'"unix://$FAKE_SOCK,$(printf 'a%.0s' {1..64}),one,"* ]]
	run --separate-stderr rootlock audit "${two[@]}" --format table --color never
	[[ "${lines[0]}" == ENGINE*VERDICT*NAME* ]]
	[[ "$output" == *"unix://$FAKE_SOCK"*fail*one* ]]
	[[ "$output" == *"one on unix://$FAKE_SOCK:"* ]]
	run --separate-stderr rootlock audit "${two[@]}" --format jsonl
	[ "$(echo "$output" | jq -r .engine | sort | tr '\n' ' ')" = "unix://$FAKE_SOCK unix://$SOCK " ]
	run --separate-stderr rootlock audit "${two[@]}" --format sarif
	[ "$(echo "$output" | jq -r '.runs[0].results[].properties.engine' | sort | tr '\n' ' ')" = "unix://$FAKE_SOCK unix://$SOCK " ]
	run --separate-stderr rootlock audit "${two[@]}" --format junit
	[[ "$output" == *"<property name=\"engine\" value=\"unix://$FAKE_SOCK\"/>"* ]]
	[[ "$output" == *"<property name=\"engine\" value=\"unix://$SOCK\"/>"* ]]
}

@test "an engine that does not answer is named on one line and the others are still audited" {
	local gone=$BATS_TEST_TMPDIR/nobody.sock
	run --separate-stderr rootlock audit -H "unix://$gone" -H "unix://$SOCK" --filter "name=$RUN-ro" --format json
	[ "$status" -eq 0 ]
	[ "$(echo "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == "rootlock audit: engine unix://$gone: "* ]]
	[ "$(names_on "unix://$SOCK")" = "$RUN-ro " ]
	# The same engine's failing container still makes it exit 1.
	run --separate-stderr rootlock audit -H "unix://$gone" -H "unix://$SOCK" --filter "name=$RUN-rw" --format json
	[ "$status" -eq 1 ]
	# None answered: exit 3, one line each.
	run --separate-stderr rootlock audit -H "unix://$gone" -H "unix://$gone.2"
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ "$(echo "$stderr" | grep -c '^rootlock audit: engine unix://')" -eq 2 ]
}

@test "engines are audited at once: two stalled engines each hold a request at the same time" {
	start_fake_engine stall-list
	start_second_fake_engine stall-list
	rootlock audit -H "unix://$FAKE_SOCK" -H "unix://$FAKE2_SOCK" --timeout 60 \
		>"$BATS_TEST_TMPDIR/out" 2>&1 &
	local pid=$!
	# One after the other, the second engine would be asked nothing until
	# the first gave up on its list (30 s): far beyond this wait (10 s).
	wait_for_file "$FAKE_SOCK.stalled"
	wait_for_file "$FAKE2_SOCK.stalled"
	kill "$pid"
	wait "$pid" || true
}

@test "--context more than once and --all-contexts label results with the context's name" {
	start_fake_engine plain
	local cfg=$BATS_TEST_TMPDIR/dockercfg
	mkdir -p "$cfg"
	DOCKER_CONFIG=$cfg "$DOCKER" context create sandbox --docker "host=unix://$SOCK" >/dev/null
	DOCKER_CONFIG=$cfg "$DOCKER" context create fake --docker "host=unix://$FAKE_SOCK" >/dev/null
	run --separate-stderr env -u DOCKER_HOST DOCKER_CONFIG="$cfg" "$ROOTLOCK" audit --all-contexts --format json
	[ "$status" -eq 1 ]
	[[ "$(names_on sandbox)" == *"$RUN-ro $RUN-rw "* ]]
	[ "$(names_on fake)" = "one two " ]
	run --separate-stderr env -u DOCKER_HOST DOCKER_CONFIG="$cfg" "$ROOTLOCK" audit --context fake --context sandbox --filter "name=two" --format json
	[ "$status" -eq 0 ]
	[ "$(names_on fake)" = "two " ]
	# -H and --context mix; an unknown context is a usage error before anything is audited.
	run --separate-stderr env -u DOCKER_HOST DOCKER_CONFIG="$cfg" "$ROOTLOCK" audit --context fake -H "unix://$SOCK" --filter "name=two" --format json
	[ "$status" -eq 0 ]
	[ "$(names_on fake)" = "two " ]
	run --separate-stderr env -u DOCKER_HOST DOCKER_CONFIG="$cfg" "$ROOTLOCK" audit --context fake --context nosuch
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"context 'nosuch' not found"* ]]
	# No contexts at all: said plainly.
	run --separate-stderr env -u DOCKER_HOST DOCKER_CONFIG="$BATS_TEST_TMPDIR/empty" "$ROOTLOCK" audit --all-contexts
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"no contexts"* ]]
}
