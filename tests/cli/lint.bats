#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# rootlock lint as a user drives it: discovery, formats, exit codes, bad input.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR"
	mkdir -p proj
	cat >proj/compose.yaml <<'YAML'
services:
  web:
    image: nginx
  api:
    image: api
    read_only: true
YAML
}

@test "lint finds a writable Compose service at file:line:col, exit 1" {
	run rootlock lint proj
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == 'proj/compose.yaml:2:3: fail: service "web": the root filesystem is writable' ]]
	[[ "$output" == *'fix: In proj/compose.yaml, service "web": set `read_only: true`.'* ]]
	[[ "${lines[-1]}" == "2 results: 1 pass, 1 fail, 0 warn, 0 exempt" ]]
}

@test "lint with only read-only services exits 0" {
	printf 'services:\n  api:\n    image: api\n    read_only: true\n' >proj/compose.yaml
	run rootlock lint proj
	[ "$status" -eq 0 ]
	[[ "$output" != *"fail:"* ]]
}

@test "lint --format json gives file, line, column, kind, workload, container, verdict, message" {
	run rootlock lint --format json proj
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '.results[] | select(.workload == "web") |
		.file == "proj/compose.yaml" and .line == 2 and .column == 3 and
		.kind == "compose" and .container == "web" and .verdict == "fail" and
		(.message | test("writable"))'
	echo "$output" | jq -e '.summary.fail == 1 and .summary.pass == 1'
}

@test "lint reads stdin with -" {
	run bash -c "cat proj/compose.yaml | '$ROOTLOCK' lint -"
	[ "$status" -eq 1 ]
	[[ "$output" == *'<stdin>:2:3: fail: service "web"'* ]]
}

@test "lint --exclude skips matching paths" {
	mkdir -p other
	cp proj/compose.yaml other/compose.yaml
	run rootlock lint --exclude 'proj' .
	[ "$status" -eq 1 ]
	[[ "$output" == *"other/compose.yaml"* ]]
	[[ "$output" != *"proj/compose.yaml"* ]]
}

@test "# rootlock:ignore with a reason exempts; without a reason it does not" {
	cat >proj/compose.yaml <<'YAML'
services:
  # rootlock:ignore legacy image, migrating in Q3
  web:
    image: nginx
  db:  # rootlock:ignore
    image: db
YAML
	run rootlock lint proj
	[ "$status" -eq 1 ]
	[[ "$output" == *'exempt: service "web": exempt: legacy image, migrating in Q3'* ]]
	[[ "$output" == *'fail: service "db"'*'needs a reason'* ]]
}

@test "invalid YAML gets file:line and exit 3, other files still checked" {
	mkdir -p broken
	printf 'services:\n  web: [\n' >broken/compose.yaml
	run rootlock lint proj broken
	[ "$status" -eq 3 ]
	[[ "$output" == *"broken/compose.yaml:3:1: invalid YAML"* || "$output" == *"broken/compose.yaml:2:"*"invalid YAML"* ]]
	[[ "$output" == *'proj/compose.yaml:2:3: fail: service "web"'* ]]
}

@test "an alias bomb is linted quickly with bounded memory" {
	{
		echo 'x-a: &a [x, x, x, x, x, x, x, x, x, x]'
		for c in b c d e f g h i j; do
			p=$(printf "\\$(printf '%03o' $(( $(printf '%d' "'$c") - 1 )))")
			echo "x-$c: &$c [*$p, *$p, *$p, *$p, *$p, *$p, *$p, *$p, *$p, *$p]"
		done
		echo 'services:'
		echo '  web:'
		echo '    image: nginx'
		echo '    labels: *j'
	} >proj/compose.yaml
	run timeout 10 "$ROOTLOCK" lint proj
	[ "$status" -eq 1 ]
	[[ "$output" == *'fail: service "web"'* ]]
}

@test "deep nesting is refused with a clear line, exit 3" {
	python3 -c 'print("services: " + "[" * 5000 + "]" * 5000)' >proj/compose.yaml
	run rootlock lint proj
	[ "$status" -eq 3 ]
	[[ "$output" == *"nested deeper than"* ]]
}

@test "a binary file with a YAML name is refused, not parsed" {
	head -c 4096 /dev/urandom >proj/blob.yaml
	printf '\0' >>proj/blob.yaml
	run rootlock lint proj
	[ "$status" -eq 3 ]
	[[ "$output" == *"proj/blob.yaml: binary data"* ]]
	[[ "$output" == *'service "web"'* ]]
}

@test "a huge file is refused without reading it all into the report" {
	truncate -s 70M proj/huge.yaml
	run rootlock lint proj
	[ "$status" -eq 3 ]
	[[ "$output" == *"huge.yaml' is larger than"* ]]
}

@test "symlink loops are not followed in a walk" {
	ln -s . proj/self
	ln -s loop-b proj/loop-a.yaml
	ln -s loop-a.yaml proj/loop-b
	run timeout 10 "$ROOTLOCK" lint proj
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | grep -c 'fail: service "web"')" -eq 1 ]
	run rootlock lint proj/loop-a.yaml
	[ "$status" -eq 3 ]
	[[ "$output" == *"loop-a.yaml"* ]]
}

@test "an unreadable file is named, exit 3, the rest still reported" {
	command -v setpriv >/dev/null || skip "needs setpriv"
	mkdir -p locked
	cp proj/compose.yaml locked/compose.yaml
	chmod 000 locked/compose.yaml
	chmod -R a+rX proj
	chmod 755 "$BATS_TEST_TMPDIR" locked
	if [ "$(id -u)" -eq 0 ]; then
		run setpriv --reuid=65534 --regid=65534 --clear-groups "$ROOTLOCK" lint proj locked
	else
		run rootlock lint proj locked
	fi
	[ "$status" -eq 3 ]
	[[ "$output" == *"cannot read 'locked/compose.yaml'"* ]]
	[[ "$output" == *'proj/compose.yaml:2:3: fail'* ]]
}

@test "results and errors come out in the order of the walk, past the read-ahead" {
	# More files than the walk reads ahead (256), errors and suppressions
	# among them: the report must read as if one thread walked, read, parsed
	# and linted in turn (the walk parses some files itself).
	mkdir tree
	for i in $(seq -w 0 299); do
		mkdir "tree/d$i"
		if ((10#$i % 50 == 7)); then
			printf 'services: [\n' >"tree/d$i/compose.yaml"
		elif ((10#$i % 30 == 1)); then
			printf 'services:\n  s%s: # rootlock:ignore a test\n    image: x\n' "$i" >"tree/d$i/compose.yaml"
		else
			printf 'services:\n  s%s:\n    image: x\n' "$i" >"tree/d$i/compose.yaml"
		fi
	done
	run --separate-stderr "$ROOTLOCK" lint --format text tree
	[ "$status" -eq 3 ]
	want=$(for i in $(seq -w 0 299); do ((10#$i % 50 == 7 || 10#$i % 30 == 1)) || echo "s$i"; done)
	[ "$(sed -n 's/^tree.*: fail: service "\(s[0-9]*\)".*/\1/p' <<<"$output")" = "$want" ]
	[[ "$output" == *"294 results: 0 pass, 284 fail, 0 warn, 10 exempt"* ]]
	want_err=$(for i in $(seq -w 0 299); do if ((10#$i % 50 == 7)); then echo "tree/d$i/compose.yaml"; fi; done)
	[ "$(grep -o 'tree/d[0-9]*/compose.yaml' <<<"$stderr")" = "$want_err" ]
	# On one CPU the walk and the linting take turns on one thread: the same report.
	threaded_out=$output threaded_err=$stderr
	run --separate-stderr taskset -c 0 "$ROOTLOCK" lint --format text tree
	[ "$status" -eq 3 ]
	[ "$output" = "$threaded_out" ]
	[ "$stderr" = "$threaded_err" ]
}

@test "a missing path is named, exit 3" {
	run rootlock lint nosuchdir
	[ "$status" -eq 3 ]
	[[ "$output" == *"cannot read 'nosuchdir'"* ]]
}

@test "lint usage errors exit 2" {
	run rootlock lint --format table
	[ "$status" -eq 2 ]
	run rootlock lint --bogus
	[ "$status" -eq 2 ]
}

@test "-f merges Compose files in order like docker compose -f a -f b" {
	printf 'services:\n  web:\n    read_only: true\n' >proj/ro.yaml
	run rootlock lint -f proj/compose.yaml -f proj/ro.yaml
	[ "$status" -eq 0 ]
	[[ "$output" == *"2 results: 2 pass"* ]]
}

@test "compose.override.yaml beside compose.yaml is merged automatically" {
	printf 'services:\n  web:\n    read_only: true\n' >proj/compose.override.yaml
	run rootlock lint proj
	[ "$status" -eq 0 ]
	[[ "$output" == *"2 results: 2 pass"* ]]
}

@test "the shared corpus lints without crash or parse error" {
	corpus="$REPO/../shared/corpus"
	[ -d "$corpus" ] || skip "no shared corpus"
	run rootlock lint --format json "$corpus"
	[ "$status" -eq 1 ]
	[[ "$output" != *"invalid YAML"* ]]
	echo "$output" | jq -e '.summary.total > 50'
}

@test "--env-file values resolve read_only; an empty env file is fine" {
	printf 'services:\n  web:\n    image: nginx\n    read_only: ${RO:-false}\n' >proj/compose.yaml
	: >empty.env
	run rootlock lint --env-file empty.env proj
	[ "$status" -eq 1 ]
	printf 'RO=true\n' >ro.env
	run env -u RO "$ROOTLOCK" lint --env-file ro.env proj
	[ "$status" -eq 0 ]
	run env RO=false "$ROOTLOCK" lint --env-file ro.env proj
	[ "$status" -eq 1 ]
}
