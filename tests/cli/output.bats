#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# -o FILE in every command that writes a report (plan, try, fix, watch
# --once, as audit and lint): the report goes to FILE whole or not at all,
# stdout stays empty, a failed run leaves no file and no temporary file.
# And what try shows of a command's output: one indented line per line,
# each made safe for a terminal, while JSON keeps the exact text.

load helpers
bats_require_minimum_version 1.5.0

BUSYBOX=rootlock-test/busybox:latest

setup_file() {
	use_sandbox_engine || return 1
	export RUN="o$$"
	d run -d --network none --label "rootlock.test=$RUN" --name "$RUN-idle" "$BUSYBOX" \
		sh -c 'trap "exit 0" TERM; while :; do sleep 1; done' >/dev/null
}

teardown_file() {
	local ids
	ids=$(d ps -aq --filter "label=rootlock.test=$RUN")
	[ -z "$ids" ] || d rm -f -v $ids >/dev/null
}

# Nothing in the directory but what the test put there.
assert_only() {
	local dir=$1 want=$2 got
	got=$(cd "$dir" && ls -A | sort | tr '\n' ' ')
	[ "$got" = "$want" ] || {
		echo "in $dir: '$got', want '$want'" >&2
		return 1
	}
}

# A plan with a tmpfs, written without an engine (as fix.bats makes one).
plan_file() {
	cat >"$1" <<-'EOF'
		{"plans": [{"container": "x", "image": "rootlock-test/busybox:latest",
		  "mounts": [
		    {"type": "tmpfs", "target": "/rootlock-tmp", "basis": "predicted",
		     "options": "mode=1777,size=16m", "why": "scratch"}]}]}
	EOF
}

@test "try --format json -o FILE: the report is in FILE and nothing on stdout" {
	mkdir "$BATS_TEST_TMPDIR/w" && cd "$BATS_TEST_TMPDIR/w"
	run --separate-stderr rootlock try -H "unix://$SOCK" --settle 1 --format json -o out.json "$RUN-idle"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(jq -r .verdict out.json)" = pass ]
	[ "$(jq -r .target out.json)" = "$RUN-idle" ]
	assert_only . "out.json "
	# The text report too, under the long name.
	run --separate-stderr rootlock try -H "unix://$SOCK" --settle 1 --output out.txt "$RUN-idle"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	grep -q "^$RUN-idle: STARTED ONLY" out.txt
	assert_no_leftovers
}

@test "-o into a missing directory: one line, exit 3, no temporary file, nothing made" {
	mkdir "$BATS_TEST_TMPDIR/w" && cd "$BATS_TEST_TMPDIR/w"
	plan_file plan.json
	printf '[Container]\nImage=rootlock-test/busybox:latest\n' >web.container
	local cmd
	for cmd in "try --settle 1 $RUN-idle" "plan $RUN-idle" "fix --plan plan.json -f web.container" \
		"watch --once"; do
		# shellcheck disable=SC2086 # the words of cmd are its arguments
		run --separate-stderr rootlock $cmd -H "unix://$SOCK" -o nosuch/out
		echo "$cmd: $status: $stderr"
		[ "$status" -eq 3 ]
		[ -z "$output" ]
		# watch --once is audit's run, and says so.
		[[ $stderr =~ ^rootlock\ (${cmd%% *}|audit):\ cannot\ write\ \'nosuch/out\':\ No\ such\ file\ or\ directory$ ]]
	done
	assert_only . "plan.json web.container "
	assert_no_leftovers
}

@test "a run that fails leaves no report and no temporary file; the last good report stays" {
	mkdir "$BATS_TEST_TMPDIR/w" && cd "$BATS_TEST_TMPDIR/w"
	run --separate-stderr rootlock try -H "unix://$SOCK" -o try.json --format json "$RUN-nosuch"
	[ "$status" -eq 3 ]
	[[ $stderr == *"no container or image"* ]]
	run --separate-stderr rootlock plan -H "unix://$SOCK" -o plan.json --format json "$RUN-nosuch"
	[ "$status" -eq 3 ]
	assert_only . ""
	rootlock plan -H "unix://$SOCK" -o plan.json --format json "$RUN-idle"
	cp plan.json good.json
	run rootlock plan -H "unix://$SOCK" -o plan.json --format json "$RUN-nosuch"
	[ "$status" -eq 3 ]
	cmp plan.json good.json
	# An engine that does not answer: no file either.
	run --separate-stderr rootlock plan -H "unix://$BATS_TEST_TMPDIR/none.sock" -o other.json "$RUN-idle"
	[ "$status" -eq 3 ]
	assert_only . "good.json plan.json "
	assert_no_leftovers
}

@test "plan -o FILE: the same report as on stdout, in every format, and nothing on stdout" {
	mkdir "$BATS_TEST_TMPDIR/w" && cd "$BATS_TEST_TMPDIR/w"
	local f
	for f in text run compose json; do
		rootlock plan -H "unix://$SOCK" --format "$f" "$RUN-idle" >"stdout.$f"
		run --separate-stderr rootlock plan -H "unix://$SOCK" --format "$f" -o "file.$f" "$RUN-idle"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
		cmp "stdout.$f" "file.$f"
	done
	[ "$(jq -r '.plans[0].container' file.json)" = "$RUN-idle" ]
	[ ! -e file.json.tmp ]
	# - is standard output, as - is standard input where a command reads a file.
	rootlock plan -H "unix://$SOCK" --format json -o - "$RUN-idle" >dash.json
	cmp stdout.json dash.json
	assert_only . "dash.json file.compose file.json file.run file.text stdout.compose stdout.json stdout.run stdout.text "
}

@test "fix -o FILE: the diff in FILE; with --write the files are written and FILE has their diff" {
	mkdir "$BATS_TEST_TMPDIR/w" && cd "$BATS_TEST_TMPDIR/w"
	plan_file plan.json
	printf '[Container]\nImage=rootlock-test/busybox:latest\n' >web.container
	cp web.container before
	rootlock fix --plan plan.json -f web.container >stdout.diff 2>/dev/null || [ $? -eq 1 ]
	grep -q '^+ReadOnly=true' stdout.diff
	run --separate-stderr rootlock fix --plan plan.json -f web.container -o file.diff
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	cmp stdout.diff file.diff
	cmp web.container before
	run --separate-stderr rootlock fix --plan plan.json -f web.container --write -o written.diff
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ $stderr == *"wrote web.container"* ]]
	grep -qx 'ReadOnly=true' web.container
	cmp stdout.diff written.diff
	# What patch applies to the old file is what --write made of it.
	patch -s -o patched before written.diff
	cmp patched web.container
	# An error: no diff file, and no temporary one.
	run --separate-stderr rootlock fix --plan plan.json -f nosuch.container -o err.diff
	[ "$status" -eq 3 ]
	[ ! -e err.diff ] && [ ! -e err.diff.tmp ]
}

@test "watch --once -o FILE: audit's JSON in FILE, its exit code, nothing on stdout; without --once -o is refused" {
	mkdir "$BATS_TEST_TMPDIR/w" && cd "$BATS_TEST_TMPDIR/w"
	run --separate-stderr rootlock watch --once -H "unix://$SOCK" -o audit.json
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	jq -e --arg n "$RUN-idle" 'any(.results[]; .name == $n and .verdict == "fail")' audit.json
	[ ! -e audit.json.tmp ]
	run --separate-stderr rootlock watch -H "unix://$SOCK" -o stream.txt
	[ "$status" -eq 2 ]
	[[ $stderr == *"-o FILE is for --once"* ]]
	[ ! -e stream.txt ]
}

@test "try: the --exec output is shown as indented lines, an ESC in it escaped; JSON keeps the exact text" {
	local probe='printf "first\nsecond \033[31mred\r\nthird\n"; exit 3'
	run --separate-stderr rootlock try -H "unix://$SOCK" --settle 1 --rounds 1 --exec "$probe" "$RUN-idle"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"exited with 3"* ]]
	[[ $output == *$'\n  | first\n  | second \\x1b[31mred\n  | third\n'* ]]
	[[ $output != *'\x0a'* && $output != *'\x0d'* ]]
	# No empty line for the final newline.
	[[ $output != *$'  | \n'* ]]
	assert_no_raw_control "$output"
	run --separate-stderr rootlock try -H "unix://$SOCK" --settle 1 --rounds 1 --exec "$probe" \
		--format json "$RUN-idle"
	[ "$status" -eq 1 ]
	[ "$(jq -r '.rounds[0].evidence[0]' <<<"$output")" = "$(printf 'first\nsecond \033[31mred\r\nthird\n')" ]
	jq -e '.rounds[0].evidence[0] | endswith("third\n")' <<<"$output"
	assert_no_leftovers
}

@test "the same flag says the same in every command: --format names what it takes, -o needs a FILE" {
	local cmd want
	for cmd in "audit:table, text, json, jsonl, sarif, junit, csv" "plan:text, run, compose, json" \
		"try:text, json" "watch:text, jsonl"; do
		want=${cmd#*:}
		cmd=${cmd%%:*}
		run --separate-stderr rootlock "$cmd" --format yaml x
		[ "$status" -eq 2 ]
		[[ $stderr == "rootlock $cmd: --format 'yaml' is not one of $want"* ]]
	done
	for cmd in audit lint plan try fix watch; do
		run --separate-stderr rootlock "$cmd" -o
		[ "$status" -eq 2 ]
		[[ $stderr == "rootlock $cmd: option '-o' needs a value"* ]]
	done
}
