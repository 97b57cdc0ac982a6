#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The command line itself: help, version, usage errors and their exit codes.

load helpers

@test "--version prints the version and exits 0" {
	run rootlock --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^rootlock\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "--help lists the audit command and the exit codes" {
	run rootlock --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"audit"* ]]
	[[ "$output" == *"Exit codes"* ]]
}

@test "no command is a usage error (exit 2)" {
	run rootlock
	[ "$status" -eq 2 ]
}

@test "an unknown command names itself and exits 2" {
	run rootlock frobnicate
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown command 'frobnicate'"* ]]
}

@test "audit --help shows every output format and exits 0" {
	run rootlock audit --help
	[ "$status" -eq 0 ]
	for f in table json jsonl sarif junit csv; do
		[[ "$output" == *"$f"* ]]
	done
}

@test "audit rejects an unknown format with one line and exit 2" {
	run rootlock audit --format yaml
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == *"--format 'yaml'"* ]]
}

@test "audit rejects an unknown option, a bad filter, a bad timeout" {
	run rootlock audit --frob
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown option '--frob'"* ]]
	run rootlock audit --filter colour=red
	[ "$status" -eq 2 ]
	[[ "$output" == *"--filter 'colour=red'"* ]]
	run rootlock audit --timeout soon
	[ "$status" -eq 2 ]
	run rootlock audit --parallel 0
	[ "$status" -eq 2 ]
	run rootlock audit --format
	[ "$status" -eq 2 ]
	[[ "$output" == *"needs a value"* ]]
}

@test "audit rejects an ssh:// host that ssh would take as an option, exit 2" {
	run rootlock audit -H "ssh://-oProxyCommand=touch $BATS_TEST_TMPDIR/ran"
	[ "$status" -eq 2 ]
	[[ "$output" == *"no usable ssh host"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "audit against a missing socket names it and exits 3" {
	run rootlock audit -H "unix://$BATS_TEST_TMPDIR/none.sock"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == *"$BATS_TEST_TMPDIR/none.sock"* ]]
	[[ "$output" == *"does not exist"* ]]
}

@test "audit against a socket nobody listens on says refused, exit 3" {
	python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' \
		"$BATS_TEST_TMPDIR/dead.sock"
	run rootlock audit -H "unix://$BATS_TEST_TMPDIR/dead.sock"
	[ "$status" -eq 3 ]
	[[ "$output" == *"dead.sock"* ]]
	[[ "$output" == *"refused"* ]]
}

@test "audit on a socket it may not open says permission denied, exit 3" {
	if [ "$(id -u)" -eq 0 ] && ! command -v setpriv >/dev/null; then
		skip "needs setpriv to drop root"
	fi
	python3 -c 'import socket,sys,os; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o600)' \
		"$BATS_TEST_TMPDIR/private.sock"
	chmod 755 "$BATS_TEST_TMPDIR"
	if [ "$(id -u)" -eq 0 ]; then
		run setpriv --reuid=65534 --regid=65534 --clear-groups "$ROOTLOCK" audit -H "unix://$BATS_TEST_TMPDIR/private.sock"
	else
		run rootlock audit -H "unix://$BATS_TEST_TMPDIR/private.sock"
	fi
	[ "$status" -eq 3 ]
	[[ "$output" == *"permission denied on unix://$BATS_TEST_TMPDIR/private.sock"* ]]
}

@test "an invalid --config is refused before contacting any engine" {
	echo '{"exempt":[{"name":"x"}]}' >"$BATS_TEST_TMPDIR/c.json"
	run rootlock audit --config "$BATS_TEST_TMPDIR/c.json" -H "unix://$BATS_TEST_TMPDIR/none.sock"
	[ "$status" -eq 2 ]
	[[ "$output" == *"reason"* ]]
	run rootlock audit --config "$BATS_TEST_TMPDIR/missing.json"
	[ "$status" -eq 3 ]
	[[ "$output" == *"missing.json"* ]]
}

@test "every option a command takes is in its --help and its man page" {
	local cmd o missing=""
	for cmd in audit lint plan try fix watch authz; do
		local help man
		help=$(help_options "$cmd")
		man=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$REPO/man/rootlock-$cmd.1")
		for o in $(source_options "$cmd"); do
			# Everyone's -h; audit's --colour is --color spelled the other way.
			[[ $o != -h && $o != --help && $o != --colour ]] || continue
			grep -qxF -- "$o" <<<"$help" || missing+="$cmd --help: $o"$'\n'
			grep -qE -- "(^|[^a-z-])$o([^a-z-]|$)" <<<"$man" || missing+="rootlock-$cmd.1: $o"$'\n'
		done
	done
	[ -z "$missing" ] || { echo "$missing"; false; }
}
