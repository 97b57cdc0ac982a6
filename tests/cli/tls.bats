#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# rootlock audit over tcp:// with TLS, against a real dockerd that requires
# client certificates (--tlsverify), reached the ways the docker CLI is:
# DOCKER_HOST + DOCKER_TLS_VERIFY + DOCKER_CERT_PATH, or -H and --tls* flags.
# Self-contained: setup_file starts its own sandbox engine (not the one
# tests/run-all starts) with ROOTLOCK_ENGINE_TLS_PORT, of the version in
# ROOTLOCK_ENGINE_VERSION, in a fixed directory per version
# so its images stay cached between runs; teardown_file stops it.

load helpers
bats_require_minimum_version 1.5.0

TLS_ENGINE=$(versioned_dir /var/tmp/rootlock-tls-engine)
IMAGE=rootlock-test/busybox:latest

eng() { ROOTLOCK_ENGINE_DIR=$TLS_ENGINE "$REPO/scripts/engine" "$@"; }
d() { "$DOCKER" -H "unix://$TLS_ENGINE/docker.sock" "$@"; }

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "starting a dockerd needs root"
	pick_docker
	clean_env
	# A run that died before its teardown may have left this engine up.
	eng stop 3>&-
	PORT=$(pick_port 23761)
	export PORT URL=tcp://127.0.0.1:$PORT CERTS=$TLS_ENGINE/tls/client
	# 3>&-: the daemons must not hold bats' output pipe open.
	ROOTLOCK_ENGINE_TLS_PORT=$PORT eng start 3>&-
	eng images 3>&- >/dev/null
	local old
	old=$(d ps -aq --filter label=rootlock.test=tls)
	[ -z "$old" ] || d rm -f $old >/dev/null
	local c=(--label rootlock.test=tls --network none)
	d create "${c[@]}" --name tls-ro --read-only "$IMAGE" true >/dev/null
	d create "${c[@]}" --name tls-rw "$IMAGE" true >/dev/null

	# An unrelated CA: the engine's certificate does not chain to it.
	export WRONG=$BATS_FILE_TMPDIR/wrong-ca
	mkdir -p "$WRONG"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
		-subj "/CN=some other CA" -keyout "$WRONG/ca-key.pem" -out "$WRONG/ca.pem" 2>/dev/null
	cp "$CERTS/cert.pem" "$CERTS/key.pem" "$WRONG/"
	# The right CA but no client certificate.
	export NOCERT=$BATS_FILE_TMPDIR/no-client-cert
	mkdir -p "$NOCERT"
	cp "$CERTS/ca.pem" "$NOCERT/"
}

teardown_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	local ids
	ids=$(d ps -aq --filter label=rootlock.test=tls 2>/dev/null) || true
	[ -z "$ids" ] || d rm -f $ids >/dev/null || true
	eng stop 3>&-
}

setup() { clean_env; }

# The JSON report in $output lists exactly our two containers, rightly judged.
check_report() {
	[ "$(jq -r .source <<<"$output")" = "$URL" ]
	[ "$(jq '.results | length' <<<"$output")" -eq 2 ]
	[ "$(jq -r '.results[] | select(.name == "tls-ro") | .verdict' <<<"$output")" = pass ]
	[ "$(jq -r '.results[] | select(.name == "tls-rw") | .verdict' <<<"$output")" = fail ]
	[ "$(jq -r '.results[] | select(.name == "tls-ro") | .id' <<<"$output")" = "$(d inspect -f '{{.Id}}' tls-ro)" ]
}

# A refused connection: exit 3, nothing on stdout, one line naming the host.
check_refused() {
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == *"$URL"* ]]
}

@test "DOCKER_HOST=tcp:// with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH audits the engine" {
	run --separate-stderr env DOCKER_HOST="$URL" DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$CERTS" \
		"$ROOTLOCK" audit --format json
	echo "status $status; stderr: $stderr"
	[ "$status" -eq 1 ]
	check_report
}

@test "-H tcp:// with --tlsverify --tlscacert --tlscert --tlskey audits the engine" {
	run --separate-stderr "$ROOTLOCK" audit -H "$URL" --tlsverify --tlscacert "$CERTS/ca.pem" \
		--tlscert "$CERTS/cert.pem" --tlskey "$CERTS/key.pem" --format json
	echo "status $status; stderr: $stderr"
	[ "$status" -eq 1 ]
	check_report
}

@test "an engine certificate from another CA is refused: exit 3, one line" {
	run --separate-stderr env DOCKER_HOST="$URL" DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$WRONG" \
		"$ROOTLOCK" audit --format json --timeout 10
	echo "status $status; stderr: $stderr"
	check_refused
	[[ "$stderr" == *"does not trust"* ]]
	[[ "$stderr" == *"--tlscacert"* ]]
}

@test "without a client certificate the engine refuses us: exit 3, one line" {
	run --separate-stderr env DOCKER_HOST="$URL" DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$NOCERT" \
		"$ROOTLOCK" audit --format json --timeout 10
	echo "status $status; stderr: $stderr"
	check_refused
	[[ "$stderr" == *"client certificate"* ]]
}

@test "plain http to the TLS port fails: exit 3, one line" {
	run --separate-stderr env DOCKER_HOST="$URL" "$ROOTLOCK" audit --format json --timeout 10
	echo "status $status; stderr: $stderr"
	check_refused
	[[ "$stderr" == *"speaks TLS"* ]]
}
