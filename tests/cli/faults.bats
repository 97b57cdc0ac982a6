#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Faults a real engine will not produce on demand, from tests/helpers/fake-engine.

load helpers

teardown() { stop_fake_engine; }

@test "a malformed container list is a clear error, exit 3" {
	start_fake_engine malformed-list
	run rootlock audit -H "unix://$FAKE_SOCK"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"bad container list"* ]]
}

@test "a truncated container list is a clear error, exit 3" {
	start_fake_engine truncated-list
	run rootlock audit -H "unix://$FAKE_SOCK" --timeout 5
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"$FAKE_SOCK"* ]]
}

@test "a huge list element is refused without eating memory, exit 3" {
	start_fake_engine huge-list
	run rootlock audit -H "unix://$FAKE_SOCK"
	[ "$status" -eq 3 ]
	[[ "$output" == *"too large"* ]]
}

@test "a huge inspect answer is refused, the other container still reported" {
	start_fake_engine huge-inspect
	run rootlock audit -H "unix://$FAKE_SOCK" --format jsonl
	[ "$status" -eq 3 ]
	[[ "$output" == *"larger than"* ]]
	[[ "$output" == *'"name":"two"'* ]]
}

@test "a malformed inspect answer: error line for it, others still reported, exit 3" {
	start_fake_engine malformed-inspect
	run rootlock audit -H "unix://$FAKE_SOCK" --format jsonl
	[ "$status" -eq 3 ]
	[[ "$output" == *"invalid JSON"* ]]
	[[ "$output" == *'"name":"two"'* ]]
	[[ "$output" == *'"verdict":"pass"'* ]]
}

@test "the API version is negotiated from /_ping's headers; /version only when they do not say it" {
	# /version is broken on this one: /_ping alone must do.
	start_fake_engine ping-headers
	run rootlock audit -H "unix://$FAKE_SOCK" --format jsonl
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *'"name":"one"'* && "$output" == *'"name":"two"'* ]]
	stop_fake_engine
	# This one's /_ping says nothing in its headers: /version is asked.
	start_fake_engine gone
	run rootlock audit -H "unix://$FAKE_SOCK" --format jsonl
	[[ "$output" == *'"name":"two"'* ]]
}

@test "a container removed between list and inspect is skipped quietly" {
	start_fake_engine gone
	run rootlock audit -H "unix://$FAKE_SOCK" --format json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.results | length == 1 and .[0].name == "two"'
	echo "$output" | jq -e '.summary.skipped == 1'
}

@test "an engine that stalls is given up after --timeout, exit 3" {
	start_fake_engine stall-list
	run rootlock audit -H "unix://$FAKE_SOCK" --timeout 0.5
	[ "$status" -eq 3 ]
	[[ "$output" == *"did not answer"* ]]
	[[ "$output" == *"--timeout"* ]]
}

@test "an inspect that stalls is given up after --timeout" {
	start_fake_engine stall-inspect
	run rootlock audit -H "unix://$FAKE_SOCK" --timeout 0.5 --format jsonl
	[ "$status" -eq 3 ]
	[[ "$output" == *"did not answer"* ]]
	[[ "$output" == *'"name":"two"'* ]]
}

@test "an engine error message with escapes reaches the terminal clean" {
	start_fake_engine server-error
	run rootlock audit -H "unix://$FAKE_SOCK"
	[ "$status" -eq 3 ]
	[[ "$output" == *"answered 500"* ]]
	assert_no_raw_control "$output"
}

@test "an engine too old for us is named, exit 3" {
	start_fake_engine old-api
	run rootlock audit -H "unix://$FAKE_SOCK"
	[ "$status" -eq 3 ]
	[[ "$output" == *"API 1.12"* ]]
}

@test "something that is not a Docker engine is named, exit 3" {
	start_fake_engine not-docker
	run rootlock audit -H "unix://$FAKE_SOCK"
	[ "$status" -eq 3 ]
	[[ "$output" == *"Docker engine"* ]]
}

@test "the negotiated API version prefixes every request" {
	# The fake answers only /v1.41/...: anything else would be a 400 and exit 3.
	start_fake_engine normal
	run rootlock audit -H "unix://$FAKE_SOCK" --format json
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '[.results[].verdict] == ["fail","pass"]'
}

@test "escape sequences in names and labels never reach the terminal raw" {
	start_fake_engine escape-names
	for fmt in table json jsonl sarif junit csv; do
		run rootlock audit -H "unix://$FAKE_SOCK" --format "$fmt" --color always
		assert_no_raw_control "$(printf '%s' "$output" | tr -d '\r' | sed 's/\x1b\[[0-9;]*m//g')"
		[[ "$output" == *'evil'* ]]
	done
	run rootlock audit -H "unix://$FAKE_SOCK"
	[[ "$output" == *'evil\x1b]0;pwned\x07\x1b[2Jname'* ]]
}

@test "a newer engine is spoken to in our newest API version (1.45)" {
	start_fake_engine new-api
	run rootlock audit -H "unix://$FAKE_SOCK" --format json
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '.results | length == 2'
}

@test "a long audit shows progress on a terminal's stderr, and never in a pipe" {
	start_fake_engine many
	run script -qec "$ROOTLOCK audit -H unix://$FAKE_SOCK --format json -o $BATS_TEST_TMPDIR/r.json" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"inspected 300 of 300 containers"* ]]
	jq -e '.summary.pass == 300' "$BATS_TEST_TMPDIR/r.json"
	run rootlock audit -H "unix://$FAKE_SOCK" --format json -o "$BATS_TEST_TMPDIR/r.json"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "plan: a broken archive of the container's files is one clear error, exit 3" {
	start_fake_engine plan-bad-tar
	run rootlock plan -H "unix://$FAKE_SOCK" app
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"not a valid tar"* ]]
}

@test "plan: an archive cut off mid-stream is an error, not a partial plan" {
	start_fake_engine plan-truncated-tar
	run rootlock plan -H "unix://$FAKE_SOCK" --timeout 5 app
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"reading the files of app"*"broke off"* ]]
}

@test "plan: an engine error on the changes is reported with the engine's words, exit 3" {
	start_fake_engine plan-changes-error
	run rootlock plan -H "unix://$FAKE_SOCK" app
	[ "$status" -eq 3 ]
	[[ "$output" == *"answered 500"*"layer store is broken"* ]]
}
