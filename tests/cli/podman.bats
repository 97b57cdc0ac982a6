#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# rootlock audit over Podman's Docker-compatible API: a real `podman system
# service` of our own (private storage, run and tmp dirs, nothing under
# /var/lib/containers or /run), with containers created but never started
# (Podman cannot start them on this machine). They are made from a root
# filesystem directory (`--rootfs`), not an image: importing an image would
# write Podman's blob cache under /var/lib/containers.

load helpers
bats_require_minimum_version 1.5.0

# podman on our private storage only; exec, so that a background p has the service's pid.
p() {
	exec podman --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/run" --tmpdir "$PODMAN_DIR/tmp" \
		--storage-driver vfs --events-backend file --cgroup-manager cgroupfs \
		--network-config-dir "$PODMAN_DIR/net" --volumepath "$PODMAN_DIR/vol" "$@"
}

pong() { [ "$(curl -s --max-time 1 --unix-socket "$PODMAN_SOCK" http://podman/_ping)" = OK ]; }

setup_file() {
	command -v podman >/dev/null || {
		echo "podman is missing: run scripts/install-deps" >&2
		return 1
	}
	export PODMAN_DIR=$BATS_FILE_TMPDIR/podman
	export PODMAN_SOCK=$PODMAN_DIR/podman.sock
	mkdir -p "$PODMAN_DIR"/{root,run,tmp,net,vol} "$PODMAN_DIR/rootfs/bin"
	cp /usr/bin/busybox "$PODMAN_DIR/rootfs/bin/busybox"
	ln -s busybox "$PODMAN_DIR/rootfs/bin/sh"
	ln -s busybox "$PODMAN_DIR/rootfs/bin/sleep"
	local c=(create --rootfs --network none)
	local fs=$PODMAN_DIR/rootfs
	(p "${c[@]}" --read-only --name pm-ro "$fs" sleep 1 >/dev/null)
	(p "${c[@]}" --name pm-rw "$fs" sleep 1 >/dev/null)
	(p "${c[@]}" --read-only --cap-add SYS_ADMIN --name pm-sysadmin "$fs" sleep 1 >/dev/null)
	(p "${c[@]}" --read-only --privileged --name pm-priv "$fs" sleep 1 >/dev/null)
	(p "${c[@]}" --read-only --read-only-tmpfs=false --name pm-ro-bare "$fs" sleep 1 >/dev/null)
	(p "${c[@]}" --label 'rootlock.exempt=vendor image, ticket OPS-1' --name pm-exempt "$fs" sleep 1 >/dev/null)
	# 3>&-: the service must not hold bats' output pipe open.
	(p system service --time=0 "unix://$PODMAN_SOCK" </dev/null >"$PODMAN_DIR/service.log" 2>&1 3>&-) &
	echo $! >"$PODMAN_DIR/service.pid"
	local i
	for ((i = 0; i < 200; i++)); do
		pong && return 0
		sleep 0.05
	done
	cat "$PODMAN_DIR/service.log" >&2
	return 1
}

teardown_file() {
	local pid
	pid=$(cat "$PODMAN_DIR/service.pid" 2>/dev/null) || return 0
	kill "$pid" 2>/dev/null || true
	local i
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	(p rm --all --force >/dev/null 2>&1) || true
}

verdict_of() { jq -r --arg n "$2" 'select(.name == $n) | .verdict' <<<"$1"; }

@test "podman: audit judges containers as on Docker: pass, fail, warn for privileged and SYS_ADMIN, exempt" {
	run --separate-stderr rootlock audit -H "unix://$PODMAN_SOCK" --format jsonl
	[ "$status" -eq 1 ]
	[ "$(verdict_of "$output" pm-ro)" = pass ]
	[ "$(verdict_of "$output" pm-ro-bare)" = pass ]
	[ "$(verdict_of "$output" pm-rw)" = fail ]
	[ "$(verdict_of "$output" pm-sysadmin)" = warn ]
	[ "$(verdict_of "$output" pm-priv)" = warn ]
	[ "$(verdict_of "$output" pm-exempt)" = exempt ]
	[ "$(jq -s length <<<"$output")" -eq 6 ]
}

@test "podman: the tmpfs mounts Podman adds to a read-only container are where its writes go" {
	run --separate-stderr rootlock audit -H "unix://$PODMAN_SOCK" --format jsonl
	[ "$status" -eq 1 ]
	# --read-only-tmpfs (the default) mounts /run, /tmp and /var/tmp.
	[ "$(jq -r 'select(.name == "pm-ro") | [.mounts[] | select(.type == "tmpfs") | .target] | sort | join(" ")' <<<"$output")" = "/run /tmp /var/tmp" ]
	[ "$(jq -r 'select(.name == "pm-ro-bare") | .mounts | length' <<<"$output")" -eq 0 ]
	run rootlock audit -H "unix://$PODMAN_SOCK"
	[[ "$output" == *"pm-ro-bare"*"nowhere"* ]]
	[[ "$output" == *"pm-rw: the root filesystem is writable"* ]]
	# The fix names Podman's own command.
	[[ "$output" == *'`podman diff pm-rw` lists what it has written so far'* ]]
	[[ "$output" != *"docker diff"* ]]
}

@test "podman: audit filters go to the engine: one label, one name" {
	run rootlock audit -H "unix://$PODMAN_SOCK" --filter label=rootlock.exempt --format jsonl
	[ "$status" -eq 0 ]
	[ "$(jq -r .name <<<"$output")" = pm-exempt ]
	run rootlock audit -H "unix://$PODMAN_SOCK" --filter name=pm-rw --format jsonl
	[ "$status" -eq 1 ]
	[ "$(jq -r .name <<<"$output")" = pm-rw ]
}

@test "podman: plan on a container made from a directory, not an image, says so: exit 3" {
	run --separate-stderr rootlock plan -H "unix://$PODMAN_SOCK" pm-rw
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"pm-rw"*"no image"* ]]
	[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
}
