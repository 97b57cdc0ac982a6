#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Defeaters of a read-only / on a real dockerd (the sandbox from
# scripts/engine): for each, first the defeat itself (a file written from
# inside a --read-only container shows up in its own /), then the verdict
# of `rootlock audit`: warn, naming the mount or setting and the fix.

load helpers

IMAGE=rootlock-test/busybox:latest
LONG=(sh -c 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done')

setup_file() {
	use_sandbox_engine || return 1
	export RUN="df$$"
	export DATAROOT
	DATAROOT=$(d info -f '{{.DockerRootDir}}')
	local c=(--label "rootlock.test=$RUN" --network none --read-only)
	d run -d "${c[@]}" --name "$RUN-dataroot" -v "$DATAROOT:/engine" "$IMAGE" "${LONG[@]}"
	d run -d "${c[@]}" --name "$RUN-above" -v "$(dirname "$DATAROOT"):/above" "$IMAGE" "${LONG[@]}"
	d run -d "${c[@]}" --name "$RUN-layers" -v "$DATAROOT/overlay2:/layers" "$IMAGE" "${LONG[@]}"
	d run -d "${c[@]}" --name "$RUN-hostroot" -v "/:/host" "$IMAGE" "${LONG[@]}"
	d run -d "${c[@]}" --name "$RUN-socket" -v "$SOCK:/var/run/docker.sock:ro" \
		-v "$RUN-tools:/tools" "$IMAGE" "${LONG[@]}"
	d run -d "${c[@]}" --name "$RUN-ptrace" --pid host --cap-add SYS_PTRACE "$IMAGE" "${LONG[@]}"
	d run -d "${c[@]}" --name "$RUN-pidonly" --pid host "$IMAGE" "${LONG[@]}"
	d run -d "${c[@]}" --name "$RUN-agent" -v "$SOCK:/var/run/docker.sock:ro" \
		--label 'rootlock.exempt=monitoring agent, reads container stats (OPS-7)' \
		"$IMAGE" "${LONG[@]}"
	d run -d "${c[@]}" --name "$RUN-exec" "$IMAGE" "${LONG[@]}"
	d run -d "${c[@]}" --name "$RUN-harmless" -v "$DATAROOT:/engine:ro" \
		-v "$BATS_FILE_TMPDIR:/scratch" "$IMAGE" "${LONG[@]}"
}

teardown_file() {
	local ids
	ids=$(d ps -aq --filter "label=rootlock.test=$RUN")
	[ -z "$ids" ] || d rm -f -v $ids >/dev/null
	d volume rm "$RUN-tools" >/dev/null 2>&1 || true
}

audit_json() {
	rootlock audit -H "unix://$SOCK" --filter "label=rootlock.test=$RUN" --format json \
		>"$BATS_FILE_TMPDIR/audit.json" || true
}
result() { jq -c --arg n "$RUN-$1" '.results[] | select(.name == $n)' "$BATS_FILE_TMPDIR/audit.json"; }
field() { result "$1" | jq -r "$2"; }
reasons() { field "$1" '.reasons | join(" | ")'; }

# The host path of a container's own layer, where what it writes to / would go.
upper() { d inspect -f '{{.GraphDriver.Data.UpperDir}}' "$RUN-$1"; }

# The container's / is read-only, and its layer holds no /proof yet. (Not
# asked from inside: overlayfs would remember that /proof was missing.)
assert_readonly_without_proof() {
	run d exec "$RUN-$1" touch /proof-direct
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[ ! -e "$(upper "$1")/proof" ]
}

assert_proof() {
	run d exec "$RUN-$1" cat /proof
	[ "$status" -eq 0 ]
	[ "$output" = "defeated through $2" ]
}

@test "a writable bind of the engine's data root rewrites a read-only /; audit warns, naming it" {
	local rel
	rel=$(upper dataroot)
	rel=${rel#"$DATAROOT"}
	assert_readonly_without_proof dataroot
	d exec "$RUN-dataroot" sh -c "echo 'defeated through the data root' >/engine$rel/proof"
	assert_proof dataroot "the data root"

	audit_json
	[ "$(field dataroot .verdict)" = warn ]
	[[ "$(reasons dataroot)" == *"the engine's data root $DATAROOT is bound writable at /engine"* ]]
	[[ "$(field dataroot .remediation)" == *"Recreate it without the bind of $DATAROOT (-v or --mount)."* ]]
}

@test "a writable bind of a directory above the data root, or of its layers, does the same" {
	local up rel
	up=$(upper above)
	rel=${up#"$(dirname "$DATAROOT")"}
	assert_readonly_without_proof above
	d exec "$RUN-above" sh -c "echo 'defeated through the parent' >/above$rel/proof"
	assert_proof above "the parent"

	up=$(upper layers)
	rel=${up#"$DATAROOT/overlay2"}
	assert_readonly_without_proof layers
	d exec "$RUN-layers" sh -c "echo 'defeated through the layers' >/layers$rel/proof"
	assert_proof layers "the layers"

	audit_json
	[ "$(field above .verdict)" = warn ]
	[[ "$(reasons above)" == *"$(dirname "$DATAROOT"), which holds the engine's data root $DATAROOT, is bound writable at /above"* ]]
	[ "$(field layers .verdict)" = warn ]
	[[ "$(reasons layers)" == *"$DATAROOT/overlay2, where the engine keeps container layers, is bound writable at /layers"* ]]
}

@test "a writable bind of the host's / rewrites a read-only /; audit warns, naming it" {
	local up
	up=$(upper hostroot)
	assert_readonly_without_proof hostroot
	d exec "$RUN-hostroot" sh -c "echo 'defeated through the host root' >/host$up/proof"
	assert_proof hostroot "the host root"

	audit_json
	[ "$(field hostroot .verdict)" = warn ]
	[[ "$(reasons hostroot)" == *"the host's / is bound writable at /host"* ]]
	[[ "$(field hostroot .remediation)" == *"Recreate it without the bind of / (-v or --mount)."* ]]
}

@test "the engine's socket, bound read-only: a helper container rewrites the first one's /" {
	# A static docker client, copied into the container's volume (its / is read-only).
	local cli=
	for c in /usr/local/bin/docker /usr/bin/docker "$DOCKER"; do
		if [ -x "$c" ] && ! ldd "$c" >/dev/null 2>&1; then cli=$c && break; fi
	done
	[ -n "$cli" ] || skip "no statically linked docker client to run inside the container"
	d cp "$cli" "$RUN-socket:/tools/docker"
	local up
	up=$(upper socket)
	assert_readonly_without_proof socket
	d exec "$RUN-socket" /tools/docker -H unix:///var/run/docker.sock run --rm --network none \
		-v "$DATAROOT:/d" "$IMAGE" sh -c "echo 'defeated through the socket' >/d${up#"$DATAROOT"}/proof"
	assert_proof socket "the socket"

	audit_json
	[ "$(field socket .verdict)" = warn ]
	[[ "$(reasons socket)" == *"the engine's socket $SOCK is bound at /var/run/docker.sock (read-only does not help)"* ]]
	[[ "$(field socket .remediation)" == *"Recreate it without the bind of $SOCK"* ]]
}

@test "--pid host with SYS_PTRACE reaches the container's layers through /proc/PID/root; audit warns" {
	local up
	up=$(upper ptrace)
	assert_readonly_without_proof ptrace
	# Any host process will do: this shell's. (This VM's PID 1 refuses even
	# CAP_SYS_PTRACE.) Without the capability it is out of reach.
	run d exec "$RUN-pidonly" ls "/proc/$$/root/"
	[ "$status" -ne 0 ]
	d exec "$RUN-ptrace" sh -c "echo 'defeated through ptrace' >/proc/$$/root$up/proof"
	assert_proof ptrace "ptrace"

	audit_json
	[ "$(field ptrace .verdict)" = warn ]
	[[ "$(reasons ptrace)" == *"shares the host's processes (pid host) with CAP_SYS_PTRACE"* ]]
	[[ "$(field ptrace .remediation)" == *"without --pid host, or without --cap-add SYS_PTRACE"* ]]
	[ "$(field pidonly .verdict)" = pass ]
}

@test "a socket-mounting agent exempted with its reason stays exempt; harmless binds pass" {
	audit_json
	[ "$(field agent .verdict)" = exempt ]
	[ "$(field agent .exempt_reason)" = "monitoring agent, reads container stats (OPS-7)" ]
	[ "$(field harmless .verdict)" = pass ]
}

@test "a running exec that is not privileged leaves a read-only container a pass" {
	d exec -d "$RUN-exec" sleep 300
	[ "$(d inspect -f '{{len .ExecIDs}}' "$RUN-exec")" = 1 ]
	audit_json
	[ "$(field exec .verdict)" = pass ]
}

# Engine 20's runc cannot start a privileged exec on this VM ("unable to
# apply caps"); Engine 26's can. test-inspect reads recorded answers for both.
privileged_exec_starts() { d exec --privileged "$RUN-$1" true 2>/dev/null; }

@test "a privileged exec remounts / read-write where seccomp allows mount; audit warns while one runs" {
	local c=(--label "rootlock.test=$RUN" --network none --read-only)
	d run -d "${c[@]}" --name "$RUN-pexec" --security-opt seccomp=unconfined "$IMAGE" "${LONG[@]}"
	d run -d "${c[@]}" --name "$RUN-pexec-default" "$IMAGE" "${LONG[@]}"
	privileged_exec_starts pexec || skip "this engine cannot start a privileged exec here"
	# The default seccomp profile is the container's, and the exec keeps it: no mount.
	run d exec --privileged "$RUN-pexec-default" mount -o remount,rw /
	[ "$status" -ne 0 ]
	run d exec "$RUN-pexec" touch /proof
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	d exec --privileged "$RUN-pexec" sh -c "mount -o remount,rw / && echo 'defeated through a privileged exec' >/proof"
	assert_proof pexec "a privileged exec"

	# Without a session running, nothing to report; with one, a warn naming it.
	audit_json
	[ "$(field pexec .verdict)" = pass ]
	d exec -d --privileged "$RUN-pexec" sleep 300
	d exec -d --privileged "$RUN-pexec-default" sleep 300
	local id
	id=$(d inspect -f '{{range .ExecIDs}}{{.}}{{end}}' "$RUN-pexec")
	audit_json
	[ "$(field pexec .verdict)" = warn ]
	[[ "$(reasons pexec)" == *"a privileged exec session (${id:0:12}) runs in it"* ]]
	[[ "$(field pexec .remediation)" == *"End the privileged exec session ${id:0:12}"* ]]
	[ "$(field pexec-default .verdict)" = pass ]
}
