#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# rootlock authz against a real dockerd: a sandbox engine of its own (not the
# one tests/run-all starts, of the version in ROOTLOCK_ENGINE_VERSION, in a
# fixed directory per version) run with --authorization-plugin=rootlock, and the
# plugin under test ($ROOTLOCK_BIN authz serve) on the socket that engine's
# private plugin directory points at. Every bypass attempt is judged by what
# the daemon actually created, not only by what the plugin answered.

load helpers
bats_require_minimum_version 1.5.0

AUTHZ_ENGINE=$(versioned_dir /var/tmp/rootlock-authz-engine)
PSOCK=$AUTHZ_ENGINE/rootlock.sock
PLUGIN_PID=$AUTHZ_ENGINE/plugin.pid
IMAGE=rootlock-test/busybox:latest

eng() { ROOTLOCK_ENGINE_DIR=$AUTHZ_ENGINE "$REPO/scripts/engine" "$@"; }
d() { "$DOCKER" -H "unix://$AUTHZ_ENGINE/docker.sock" "$@"; }
# A raw request to the daemon, the path sent exactly as written.
raw() { curl -sS --max-time 30 --path-as-is --unix-socket "$AUTHZ_ENGINE/docker.sock" "$@"; }
# A raw request to the plugin.
plugin_call() { curl -sS --max-time 10 --unix-socket "$PSOCK" -X POST "$@"; }

C=(--label rootlock.test=authz --network none)

# What the host's plugin directories look like: must not change.
system_snapshot() {
	find /etc/docker /run/docker /usr/lib/docker/plugins -printf '%p %m %u %s %T@\n' 2>/dev/null | sort
	grep -E ' /(etc|run|usr/lib)/docker' /proc/self/mountinfo || true
}

# The pid in $PLUGIN_PID if it is a live `rootlock authz serve` on $PSOCK.
plugin_pid() {
	local pid
	[ -r "$PLUGIN_PID" ] || return 1
	pid=$(<"$PLUGIN_PID")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -Fqx -- "$PSOCK" || return 1
	tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -Fqx serve || return 1
	echo "$pid"
}

pid_gone() { ! kill -0 "$1" 2>/dev/null; }
plugin_answers() {
	[ -S "$PSOCK" ] &&
		[ "$(plugin_call http://p/Plugin.Activate 2>/dev/null | jq -c .Implements)" = '["authz"]' ]
}
engine_answers() { [ "$(raw http://x/_ping 2>/dev/null)" = OK ]; }

stop_plugin() {
	local pid
	if pid=$(plugin_pid); then
		kill -TERM "$pid"
		wait_until 100 pid_gone "$pid"
	fi
	rm -f "$PLUGIN_PID" "$AUTHZ_ENGINE/plugin.args"
}

# use_plugin [SERVE OPTIONS...]: the plugin under test runs with exactly these
# options (restarted only when they differ), logging to $DECISIONS.
use_plugin() {
	local args="$*"
	if plugin_pid >/dev/null && [ "$(cat "$AUTHZ_ENGINE/plugin.args" 2>/dev/null)" = "$args" ]; then
		return 0
	fi
	stop_plugin
	# 3>&-: the plugin must not hold bats' output pipe open.
	"$ROOTLOCK" authz serve --socket "$PSOCK" --log "$DECISIONS" "$@" \
		</dev/null 2>>"$BATS_FILE_TMPDIR/plugin.err" 3>&- &
	echo $! >"$PLUGIN_PID"
	echo "$args" >"$AUTHZ_ENGINE/plugin.args"
	wait_until 100 plugin_answers
}

policy() {
	local f=$BATS_FILE_TMPDIR/policy-$1.json
	printf '%s\n' "$2" >"$f"
	echo "$f"
}

# The daemon must not have created NAME at all.
assert_not_created() {
	if d inspect --type container "$1" >/dev/null 2>&1; then
		echo "the daemon created '$1':" >&2
		d inspect -f '{{.Name}} ReadonlyRootfs={{.HostConfig.ReadonlyRootfs}}' "$1" >&2
		return 1
	fi
}

# No container on the engine has a writable root filesystem, unless exempt
# by the test that made it (label rootlock.test=authz-exempt).
assert_no_writable() {
	local id ro
	for id in $(d ps -aq --filter label=rootlock.test=authz); do
		ro=$(d inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$id")
		[ "$ro" = true ] || {
			echo "writable container on the engine:" >&2
			d inspect -f '{{.Name}} {{.Config.Image}}' "$id" >&2
			return 1
		}
	done
}

# A container create body: raw_body HOSTCONFIG_JSON [EXTRA_TOP_LEVEL_JSON]
raw_body() {
	printf '{"Image":"%s","Cmd":["true"],"Labels":{"rootlock.test":"authz"},%s"HostConfig":%s}' \
		"$IMAGE" "${2:+$2,}" "$1"
}
JSON=(-H 'Content-Type: application/json')

decisions() { wc -l <"$DECISIONS"; }
# wait_decisions N: until the log has N lines (each is written just after its
# answer is sent, so it may trail the docker command by a moment), then
# exactly N.
wait_decisions() {
	local i
	for ((i = 0; i < 200; i++)); do
		(($(decisions) >= $1)) && break
		sleep 0.05
	done
	[ "$(decisions)" -eq "$1" ]
}

# Under ASan/UBSan a report goes to stderr; none may appear.
assert_no_sanitizer_report() {
	if grep -E 'Sanitizer|runtime error:' "$1" >&2; then
		echo "sanitizer report in $1" >&2
		return 1
	fi
}

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "starting a dockerd needs root"
	pick_docker
	clean_env
	export DECISIONS=$BATS_FILE_TMPDIR/decisions.jsonl
	: >"$DECISIONS"
	# A run that died before its teardown may have left these up.
	eng stop 3>&-
	stop_plugin
	system_snapshot >"$BATS_FILE_TMPDIR/system-before"
	mkdir -p "$AUTHZ_ENGINE"
	# The daemon will not start until the plugin answers: plugin first.
	use_plugin
	ROOTLOCK_ENGINE_AUTHZ=rootlock eng start 3>&-
	eng images 3>&- >/dev/null
	d swarm leave --force >/dev/null 2>&1 || true
	local old
	old=$(d ps -aq --filter label=rootlock.test=authz)
	[ -z "$old" ] || d rm -f $old >/dev/null
}

teardown() {
	# Back to the default plugin for the next test.
	[ "$(id -u)" -ne 0 ] || use_plugin
}

teardown_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	use_plugin || true
	d swarm leave --force >/dev/null 2>&1 || true
	local ids
	ids=$(d ps -aq --filter label=rootlock.test=authz 2>/dev/null) || true
	[ -z "$ids" ] || d rm -f $ids >/dev/null 2>&1 || true
	eng stop 3>&-
	stop_plugin
}

@test "authz: the engine finds the plugin without touching the system's plugin directories" {
	run eng status
	[ "$status" -eq 0 ]
	[[ $output == *"authorization plugin rootlock"* ]]
	# The bind mount lives only in the engine's namespace.
	local ctrd
	ctrd=$(cat "$AUTHZ_ENGINE/containerd.pid")
	grep -q " /run/docker/plugins " "/proc/$ctrd/mountinfo"
	[ "$(readlink "/proc/$ctrd/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]
	[ "$(readlink "/proc/$(cat "$AUTHZ_ENGINE/dockerd.pid")/ns/mnt")" = "$(readlink "/proc/$ctrd/ns/mnt")" ]
	! grep -q " /run/docker/plugins " /proc/self/mountinfo
	system_snapshot | diff "$BATS_FILE_TMPDIR/system-before" -
	[ "$(cat "$AUTHZ_ENGINE/plugins/rootlock.spec")" = "unix://$PSOCK" ]
	run eng env
	[[ $output == *"ROOTLOCK_ENGINE_AUTHZ_SOCK=$PSOCK"* ]]
}

@test "authz: docker create without --read-only is refused with rootlock's message" {
	run d create "${C[@]}" --name az-create-rw "$IMAGE" true
	[ "$status" -ne 0 ]
	[[ $output == *"authorization denied by plugin rootlock"* ]]
	[[ ${output,,} == *read-only* ]]
	assert_not_created az-create-rw
}

@test "authz: docker create --read-only is allowed and the container is read-only" {
	run d create "${C[@]}" --read-only --name az-create-ro "$IMAGE" true
	[ "$status" -eq 0 ]
	[ "$(d inspect -f '{{.HostConfig.ReadonlyRootfs}}' az-create-ro)" = true ]
	d rm az-create-ro >/dev/null
}

@test "authz: docker run without --read-only is refused; with it the container runs and ps, inspect, logs work" {
	run d run --rm "${C[@]}" --name az-run-rw "$IMAGE" echo hi
	[ "$status" -ne 0 ]
	[[ $output == *"authorization denied by plugin rootlock"* ]]
	assert_not_created az-run-rw

	run d run "${C[@]}" --read-only --name az-run-ro "$IMAGE" sh -c 'echo up; touch /x || echo ro-ok'
	[ "$status" -eq 0 ]
	[[ $output == *up* ]]
	[[ $output == *ro-ok* ]]
	run d ps -a --filter name=az-run-ro --format '{{.Names}} {{.Status}}'
	[[ $output == "az-run-ro Exited (0)"* ]]
	[ "$(d inspect -f '{{.HostConfig.ReadonlyRootfs}} {{.State.ExitCode}}' az-run-ro)" = "true 0" ]
	run d logs az-run-ro
	[[ $output == *up* ]]
	d rm az-run-ro >/dev/null
	assert_no_writable
}

@test "authz: --privileged --read-only is allowed by default, refused with deny_defeatable" {
	run d create "${C[@]}" --read-only --privileged --name az-priv "$IMAGE" true
	[ "$status" -eq 0 ]
	d rm az-priv >/dev/null
	use_plugin --policy "$(policy strict '{"deny_defeatable": true}')"
	run d create "${C[@]}" --read-only --privileged --name az-priv2 "$IMAGE" true
	[ "$status" -ne 0 ]
	[[ $output == *"authorization denied by plugin rootlock"* ]]
	assert_not_created az-priv2
	run d create "${C[@]}" --read-only --cap-add SYS_ADMIN --name az-sysadmin "$IMAGE" true
	[ "$status" -ne 0 ]
	assert_not_created az-sysadmin
	# Read-only and not defeatable: still fine.
	run d create "${C[@]}" --read-only --name az-priv3 "$IMAGE" true
	[ "$status" -eq 0 ]
	d rm az-priv3 >/dev/null
}

@test "authz: deny_defeatable refuses a privileged exec into a read-only container before it starts" {
	LONG=(sh -c 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done')
	run d run -d "${C[@]}" --read-only --name az-exec "$IMAGE" "${LONG[@]}"
	[ "$status" -eq 0 ]
	use_plugin --policy "$(policy exec '{"deny_defeatable": true}')"
	local before
	before=$(decisions)
	run d exec --privileged az-exec id
	[ "$status" -ne 0 ]
	[[ $output == *"authorization denied by plugin rootlock"* ]]
	[[ $output == *"a privileged exec into container az-exec is refused"* ]]
	# Refused at the exec create: the engine never made the session.
	[ "$(d inspect -f '{{len .ExecIDs}}' az-exec)" = 0 ]
	wait_decisions $((before + 1))
	tail -n1 "$DECISIONS" | jq -e '.decision == "deny" and .reason == "defeatable"'
	# The raw API, with a versioned, percent-encoded path and a lower-case key.
	run raw "${JSON[@]}" -d '{"privileged":true,"Cmd":["id"]}' \
		"http://x/v1.41/containers/az-exec/%65xec"
	[[ $output == *"authorization denied by plugin rootlock"* ]]
	[ "$(d inspect -f '{{len .ExecIDs}}' az-exec)" = 0 ]
	# Without --privileged an exec works as before.
	run d exec az-exec echo plain
	[ "$status" -eq 0 ]
	[ "$output" = plain ]
	d rm -f az-exec >/dev/null
}

@test "authz: deny_defeatable refuses a read-only create that binds the engine's socket or the host's /" {
	use_plugin --policy "$(policy binds '{"deny_defeatable": true, "exempt": [
		{"name": "az-agent", "reason": "monitoring agent, reads container stats (OPS-7)"}]}')"
	# --mount, not -v: were one let through, the engine would not make the host path.
	local sock=(--mount type=bind,source=/var/run/docker.sock,target=/var/run/docker.sock,readonly)
	run d create "${C[@]}" --read-only "${sock[@]}" --name az-sock "$IMAGE" true
	[ "$status" -ne 0 ]
	[[ $output == *"authorization denied by plugin rootlock"* ]]
	[[ $output == *"the engine's socket /var/run/docker.sock is bound at /var/run/docker.sock (read-only does not help)"* ]]
	assert_not_created az-sock
	run d create "${C[@]}" --read-only --mount type=bind,source=/,target=/host --name az-root "$IMAGE" true
	[ "$status" -ne 0 ]
	[[ $output == *"the host's / is bound writable at /host"* ]]
	assert_not_created az-root
	run d create "${C[@]}" --read-only --pid host --cap-add SYS_PTRACE --name az-ptrace "$IMAGE" true
	[ "$status" -ne 0 ]
	[[ $output == *"CAP_SYS_PTRACE"* ]]
	assert_not_created az-ptrace
	# This engine's own socket is not a usual one: refused once the policy names it.
	local own=(--mount "type=bind,source=$AUTHZ_ENGINE/docker.sock,target=/var/run/docker.sock,readonly")
	run d create "${C[@]}" --read-only "${own[@]}" --name az-own "$IMAGE" true
	[ "$status" -eq 0 ]
	d rm az-own >/dev/null
	use_plugin --policy "$(policy own "{\"deny_defeatable\": true, \"engine_socket\": \"$AUTHZ_ENGINE/docker.sock\"}")"
	run d create "${C[@]}" --read-only "${own[@]}" --name az-own "$IMAGE" true
	[ "$status" -ne 0 ]
	[[ $output == *"the engine's socket $AUTHZ_ENGINE/docker.sock is bound at /var/run/docker.sock"* ]]
	assert_not_created az-own
	use_plugin --policy "$(policy binds '{"deny_defeatable": true, "exempt": [
		{"name": "az-agent", "reason": "monitoring agent, reads container stats (OPS-7)"}]}')"
	# The exempted agent is let through (this host has no /var/run/docker.sock,
	# so the engine itself then refuses the mount).
	local before
	before=$(decisions)
	run d create "${C[@]}" --read-only "${sock[@]}" --name az-agent "$IMAGE" true
	[[ $output != *"authorization denied"* ]]
	wait_decisions $((before + 1))
	tail -n1 "$DECISIONS" | jq -e '.decision == "allow" and (.reason | test("monitoring agent"))'
	d rm -f az-agent >/dev/null 2>&1 || true
}

@test "authz: exemptions by image glob and by name glob" {
	use_plugin --policy "$(policy exempt '{"exempt": [
		{"image": "rootlock-test/vol*", "reason": "vendor image, fixed next quarter"},
		{"name": "legacy-*", "reason": "legacy app"}]}')"
	run d create --label rootlock.test=authz-exempt --network none --name az-ex-image rootlock-test/volume true
	[ "$status" -eq 0 ]
	run d create --label rootlock.test=authz-exempt --network none --name legacy-1 "$IMAGE" true
	[ "$status" -eq 0 ]
	# Neither matcher applies: refused.
	run d create "${C[@]}" --name az-ex-none "$IMAGE" true
	[ "$status" -ne 0 ]
	assert_not_created az-ex-none
	d rm az-ex-image legacy-1 >/dev/null
}

@test "authz: the label rootlock.exempt counts only when the policy allows self-exemption" {
	run d create "${C[@]}" --label rootlock.exempt=testing --name az-label "$IMAGE" true
	[ "$status" -ne 0 ]
	assert_not_created az-label
	use_plugin --policy "$(policy label '{"allow_label_exemption": true}')"
	run d create --label rootlock.test=authz-exempt --network none --label rootlock.exempt=testing \
		--name az-label "$IMAGE" true
	[ "$status" -eq 0 ]
	d rm az-label >/dev/null
}

@test "authz: swarm services: writable create and update to writable are refused" {
	local port
	port=$(pick_port 23792)
	d swarm init --advertise-addr 127.0.0.1 --listen-addr "127.0.0.1:$port" >/dev/null
	run d service create --detach --replicas 0 --name az-svc-rw "$IMAGE" true
	[ "$status" -ne 0 ]
	[[ $output == *"authorization denied by plugin rootlock"* ]]
	run d service inspect az-svc-rw
	[ "$status" -ne 0 ]
	run d service create --detach --replicas 0 --read-only --name az-svc-ro "$IMAGE" true
	[ "$status" -eq 0 ]
	run d service update --detach --read-only=false az-svc-ro
	[ "$status" -ne 0 ]
	[ "$(d service inspect -f '{{.Spec.TaskTemplate.ContainerSpec.ReadOnly}}' az-svc-ro)" = true ]
	# A case-variant key on the raw API.
	run raw "${JSON[@]}" -d "{\"Name\":\"az-svc-case\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"$IMAGE\",\"ReadOnly\":true,\"readonly\":false}},\"Mode\":{\"Replicated\":{\"Replicas\":0}}}" \
		http://x/v1.41/services/create
	run d service inspect az-svc-case
	[ "$status" -ne 0 ]
	d service rm az-svc-ro >/dev/null
	d swarm leave --force >/dev/null
}

@test "authz: bypass: case-variant and duplicate keys in the body" {
	local before
	before=$(decisions)
	raw "${JSON[@]}" -d "$(raw_body '{"NetworkMode":"none","ReadonlyRootfs":true,"readonlyrootfs":false}')" \
		'http://x/v1.41/containers/create?name=az-b-case'
	assert_not_created az-b-case
	raw "${JSON[@]}" -d "$(raw_body '{"NetworkMode":"none","ReadonlyRootfs":true},"HostConfig":{"NetworkMode":"none"}')" \
		'http://x/v1.41/containers/create?name=az-b-dup'
	assert_not_created az-b-dup
	raw "${JSON[@]}" -d "$(raw_body '{"NetworkMode":"none","ReadonlyRootfs":true}' '"hostconfig":{"NetworkMode":"none"}')" \
		'http://x/v1.41/containers/create?name=az-b-lower'
	assert_not_created az-b-lower
	raw "${JSON[@]}" -d "$(raw_body '{"NetworkMode":"none","READONLYROOTFS":false}')" \
		'http://x/v1.41/containers/create?name=az-b-upper'
	assert_not_created az-b-upper
	# Each was judged and logged.
	wait_decisions $((before + 4))
	assert_no_writable
}

@test "authz: bypass: chunked transfer encoding, empty body, Content-Length 0" {
	raw "${JSON[@]}" -H 'Transfer-Encoding: chunked' -d "$(raw_body '{"NetworkMode":"none"}')" \
		'http://x/v1.41/containers/create?name=az-b-chunked'
	assert_not_created az-b-chunked
	raw -X POST -H 'Content-Length: 0' 'http://x/v1.41/containers/create?name=az-b-empty'
	assert_not_created az-b-empty
	raw "${JSON[@]}" -X POST -H 'Content-Length: 0' 'http://x/containers/create?name=az-b-empty2'
	assert_not_created az-b-empty2
	raw "${JSON[@]}" -H 'Transfer-Encoding: chunked' --data-binary '' \
		'http://x/v1.41/containers/create?name=az-b-chunked-empty'
	assert_not_created az-b-chunked-empty
	assert_no_writable
}

@test "authz: bypass: unversioned, versioned, percent-encoded and doubled-slash paths" {
	local body path n=0
	body=$(raw_body '{"NetworkMode":"none"}')
	for path in /containers/create /v1.41/containers/create /v1.24/containers/create \
		/v1.41/containers/%63reate /v1.41/%63ontainers/create /v1.41/containers%2Fcreate \
		//v1.41//containers//create /v1.41/containers//create //containers/create \
		/v1.41/containers/create/ /v1.41/./containers/create; do
		n=$((n + 1))
		raw "${JSON[@]}" -d "$body" "http://x$path?name=az-b-path$n" || true
		assert_not_created "az-b-path$n"
	done
	assert_no_writable
	# The read-only request still works on the unversioned path.
	run raw "${JSON[@]}" -d "$(raw_body '{"NetworkMode":"none","ReadonlyRootfs":true}')" \
		'http://x/containers/create?name=az-b-path-ro'
	[[ $output == *'"Id"'* ]]
	[ "$(d inspect -f '{{.HostConfig.ReadonlyRootfs}}' az-b-path-ro)" = true ]
	d rm az-b-path-ro >/dev/null
}

@test "authz: bypass: Content-Type with parameters or in other case" {
	local body
	body=$(raw_body '{"NetworkMode":"none"}')
	raw -H 'Content-Type: application/json; charset=utf-8' -d "$body" \
		'http://x/v1.41/containers/create?name=az-b-ct1'
	assert_not_created az-b-ct1
	raw -H 'Content-Type: Application/JSON' -d "$body" 'http://x/v1.41/containers/create?name=az-b-ct2'
	assert_not_created az-b-ct2
	raw -H 'Content-Type: application/json;x=1' -d "$body" 'http://x/v1.41/containers/create?name=az-b-ct3'
	assert_not_created az-b-ct3
	assert_no_writable
}

@test "authz: bypass: an oversized body (megabytes of labels)" {
	local f=$BATS_TEST_TMPDIR/big.json
	python3 - "$f" "$IMAGE" <<-'EOF'
		import json, sys
		labels = {"rootlock.test": "authz"}
		labels.update({"pad%05d" % i: "x" * 1000 for i in range(3000)})
		body = {"Image": sys.argv[2], "Cmd": ["true"], "Labels": labels,
		        "HostConfig": {"NetworkMode": "none"}}
		open(sys.argv[1], "w").write(json.dumps(body))
	EOF
	[ "$(stat -c %s "$f")" -gt 2000000 ]
	raw "${JSON[@]}" --data-binary "@$f" 'http://x/v1.41/containers/create?name=az-b-big'
	assert_not_created az-b-big
	raw "${JSON[@]}" -H 'Transfer-Encoding: chunked' --data-binary "@$f" \
		'http://x/v1.41/containers/create?name=az-b-big2'
	assert_not_created az-b-big2
	assert_no_writable
	# The plugin still answers afterwards.
	run d create "${C[@]}" --read-only --name az-after-big "$IMAGE" true
	[ "$status" -eq 0 ]
	d rm az-after-big >/dev/null
}

@test "authz: the plugin denies a request over its size cap without buffering it" {
	local f=$BATS_TEST_TMPDIR/huge
	head -c 9000000 /dev/zero | tr '\0' a >"$f"
	run plugin_call --data-binary "@$f" http://p/AuthZPlugin.AuthZReq
	[ "$status" -eq 0 ]
	[ "$(jq -r .Allow <<<"$output")" = false ]
	[[ $(jq -r .Msg <<<"$output") == *large* ]]
	run plugin_call -H 'Transfer-Encoding: chunked' --data-binary "@$f" http://p/AuthZPlugin.AuthZReq
	[ "$(jq -r .Allow <<<"$output")" = false ]
	run plugin_call -d '{}' http://p/AuthZPlugin.AuthZRes
	[ "$(jq -r .Allow <<<"$output")" = true ]
	run curl -sS -o /dev/null -w '%{http_code}' --unix-socket "$PSOCK" -X POST http://p/Nope
	[ "$output" = 404 ]
}

@test "authz: warn mode allows a writable container and logs warn" {
	use_plugin --mode warn
	local before
	before=$(decisions)
	run d create --label rootlock.test=authz-exempt --network none --name az-warn "$IMAGE" true
	[ "$status" -eq 0 ]
	wait_decisions $((before + 1))
	tail -n1 "$DECISIONS" | jq -e '[.. | strings] | any(test("warn"; "i"))'
	tail -n1 "$DECISIONS" | jq -e '[.. | strings] | any(test("az-warn"))'
	d rm az-warn >/dev/null
}

@test "authz: the decision log has one JSON line per judged request" {
	local before
	before=$(decisions)
	run d create "${C[@]}" --name az-log-rw "$IMAGE" true
	run d create "${C[@]}" --read-only --name az-log-ro "$IMAGE" true
	[ "$status" -eq 0 ]
	# Not judged: no line.
	d ps -a >/dev/null
	d inspect az-log-ro >/dev/null
	d images >/dev/null
	d rm az-log-ro >/dev/null
	wait_decisions $((before + 2))
	tail -n2 "$DECISIONS" | jq -e -s 'length == 2 and all(.[]; type == "object")'
	tail -n2 "$DECISIONS" | head -n1 | jq -e '[.. | strings] | any(test("az-log-rw"))'
	tail -n1 "$DECISIONS" | jq -e '[.. | strings] | any(test("az-log-ro"))'
	# Every line of the whole log is one JSON document.
	jq -e -c . "$DECISIONS" >/dev/null
	[ "$(jq -c . "$DECISIONS" | wc -l)" -eq "$(decisions)" ]
}

@test "authz: an invalid policy stops the plugin from starting: exit 2, one line" {
	local sock=$BATS_TEST_TMPDIR/p.sock
	run --separate-stderr "$ROOTLOCK" authz serve --socket "$sock" \
		--policy "$(policy bad '{"deny_defeatable": true, "surprise": 1}')"
	[ "$status" -eq 2 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ $stderr == *policy* ]]
	[ ! -e "$sock" ]
	run --separate-stderr "$ROOTLOCK" authz serve --socket "$sock" --policy "$(policy bad2 '{"exempt": [{"image": "x"}]}')"
	[ "$status" -eq 2 ]
	run --separate-stderr "$ROOTLOCK" authz serve --socket "$sock" --policy "$BATS_TEST_TMPDIR/missing.json"
	[ "$status" -eq 3 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[ ! -e "$sock" ]
	run "$ROOTLOCK" authz serve --mode loose
	[ "$status" -eq 2 ]
	run "$ROOTLOCK" authz frobnicate
	[ "$status" -eq 2 ]
}

@test "authz: serve makes a 0660 socket, refuses a live one, replaces a stale one, removes its own on SIGTERM" {
	local sock=$BATS_TEST_TMPDIR/s/p.sock pid
	"$ROOTLOCK" authz serve --socket "$sock" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	wait_until 100 test -S "$sock"
	[ "$(stat -c %a "$sock")" = 660 ]
	run --separate-stderr "$ROOTLOCK" authz serve --socket "$sock"
	[ "$status" -eq 3 ]
	[[ $stderr == *"in use"* ]]
	kill -TERM "$pid"
	wait "$pid"
	[ ! -e "$sock" ]
	# A socket left by a crash (nobody listening) is replaced.
	python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$sock"
	[ -S "$sock" ]
	"$ROOTLOCK" authz serve --socket "$sock" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	wait_until 100 test -S "$sock"
	wait_until 100 curl -sf --unix-socket "$sock" -X POST http://p/Plugin.Activate -o /dev/null
	kill -INT "$pid"
	wait "$pid"
	[ ! -e "$sock" ]
	assert_no_sanitizer_report "$BATS_TEST_TMPDIR/err"
}

@test "authz: serve works with a read-only root filesystem" {
	command -v unshare >/dev/null || skip "unshare is not installed"
	local rw=$BATS_TEST_TMPDIR/rw
	mkdir -p "$rw"
	# A private mount namespace: / read-only, one tmpfs for the socket.
	run unshare --mount --propagation private -- /bin/bash -c '
		set -e
		mount -t tmpfs tmpfs "$2"
		mount -o remount,bind,ro /
		! touch /rootlock-ro-probe 2>/dev/null
		"$1" authz serve --socket "$2/p.sock" 2>"$2/err" &
		pid=$!
		for i in $(seq 200); do [ -S "$2/p.sock" ] && break; sleep 0.05; done
		curl -sS --unix-socket "$2/p.sock" -X POST http://p/Plugin.Activate
		kill -TERM $pid
		wait $pid
		echo " exit=$?"
		[ ! -e "$2/p.sock" ] && echo removed' rootlock-ro "$ROOTLOCK" "$rw"
	[ "$status" -eq 0 ]
	[[ $output == *'{"Implements":["authz"]}'*"exit=0"*removed* ]]
}

@test "authz: install --print shows the spec, the unit and the daemon.json entry, writes nothing" {
	local t=$BATS_TEST_TMPDIR
	run "$ROOTLOCK" authz install --print --spec-dir "$t/spec" --unit-dir "$t/units"
	[ "$status" -eq 0 ]
	[[ $output == *"unix:///run/docker/plugins/rootlock.sock"* ]]
	[[ $output == *"ExecStart="*" authz serve --socket /run/docker/plugins/rootlock.sock"* ]]
	[[ $output == *"Before=docker.service"* ]]
	[[ $output == *"WantedBy=docker.service"* ]]
	[[ $output == *"Restart=always"* ]]
	[[ $output == *"ProtectSystem=strict"* ]]
	[[ $output == *'"authorization-plugins": ["rootlock"]'* ]]
	[ ! -e "$t/spec" ]
	[ ! -e "$t/units" ]
}

@test "authz: install writes the spec file and a unit systemd accepts" {
	local t=$BATS_TEST_TMPDIR
	run "$ROOTLOCK" authz install --socket "$t/run/rootlock.sock" --spec-dir "$t/spec" \
		--unit-dir "$t/units" --policy "$t/policy.json"
	[ "$status" -eq 0 ]
	[[ $output == *'"authorization-plugins": ["rootlock"]'* ]]
	[ "$(cat "$t/spec/rootlock.spec")" = "unix://$t/run/rootlock.sock" ]
	local unit=$t/units/rootlock-authz.service
	grep -qx "ExecStart=$(readlink -f "$ROOTLOCK") authz serve --socket $t/run/rootlock.sock --policy $t/policy.json" "$unit"
	grep -qx "ReadWritePaths=$t/run" "$unit"
	grep -qx 'Before=docker.service' "$unit"
	run "$ROOTLOCK" authz install --socket 'relative.sock' --spec-dir "$t/spec" --unit-dir "$t/units"
	[ "$status" -eq 2 ]
	if ! command -v systemd-analyze >/dev/null; then
		skip "systemd-analyze is not installed"
	fi
	# The default socket under /run uses RuntimeDirectory=.
	"$ROOTLOCK" authz install --spec-dir "$t/spec2" --unit-dir "$t/units2" >/dev/null
	grep -qx 'RuntimeDirectory=docker/plugins' "$t/units2/rootlock-authz.service"
	mkdir -p "$t/run"
	run systemd-analyze verify --man=no "$unit"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	run systemd-analyze verify --man=no "$t/units2/rootlock-authz.service"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
}

@test "authz: the plugin under test stopped cleanly, with no sanitizer report" {
	local pid
	pid=$(plugin_pid)
	stop_plugin
	pid_gone "$pid"
	assert_no_sanitizer_report "$BATS_FILE_TMPDIR/plugin.err"
	# Only its start-up lines: nothing else went wrong while it served.
	run grep -v '^rootlock authz: listening on ' "$BATS_FILE_TMPDIR/plugin.err"
	[ "$status" -eq 1 ] || { echo "$output" >&2; return 1; }
}
