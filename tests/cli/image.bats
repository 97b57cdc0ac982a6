#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# rootlock's own image (scripts/image) and its deployment files (deploy/):
# it runs read-only, non-root, with no capabilities, rootlock try passes on
# it, and deploy/stack.yaml runs it on a single-node Swarm that judges a
# writable container. The Swarm is made and left on an engine of this file's
# own (ROOTLOCK_IMAGE_ENGINE_DIR to choose another), never the shared one.

load helpers

IMAGE_ENGINE=${ROOTLOCK_IMAGE_ENGINE_DIR:-$(versioned_dir /var/tmp/rootlock-image-test-engine)}
eng() { ROOTLOCK_ENGINE_DIR=$IMAGE_ENGINE ROOTLOCK_ENGINE_VERSION=$(engine_version) "$REPO/scripts/engine" "$@"; }
d() { "$DOCKER" -H "unix://$IMAGE_ENGINE/docker.sock" "$@"; }

remove_ours() { remove_labelled image; }

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "starting a dockerd needs root"
	pick_docker
	clean_env
	eng start 3>&- >/dev/null
	eng images 3>&- >/dev/null
	d swarm leave --force >/dev/null 2>&1 || true
	remove_ours
	export ESOCK=$IMAGE_ENGINE/docker.sock
	export EGID=$(stat -c %g "$ESOCK")
	# The image holds a plain build: a sanitizer build's watcher never
	# answered inside it (the sanitizer pass uses ./build's rootlock, or skips).
	local bin=$ROOTLOCK
	if ldd "$bin" | grep -q 'libasan'; then
		bin=$REPO/build/rootlock
		[ -x "$bin" ] && ! ldd "$bin" | grep -q libasan || skip "the image needs a build without sanitizers (make build)"
	fi
	ROOTLOCK_BIN=$bin "$REPO/scripts/image" "$ESOCK" 3>&-
}

teardown_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	d stack rm rlimg >/dev/null 2>&1 || true
	d swarm leave --force >/dev/null 2>&1 || true
	remove_ours
	eng stop 3>&- >/dev/null
}

# The way deploy/compose.yaml runs it, on a network of none (the engine has
# no bridge), metrics on the container's own loopback.
run_watcher() {
	d run -d --name "$1" --label rootlock.test=image --network none --read-only \
		--cap-drop ALL --security-opt no-new-privileges --group-add "$EGID" \
		-v "$ESOCK:/var/run/docker.sock" rootlock:local --listen 127.0.0.1:9323 >/dev/null
}
healthz() { [ "$(d exec "$1" curl -sf --max-time 5 http://127.0.0.1:9323/healthz)" = ok ]; }

@test "image: rootlock:local runs read-only, as a non-root user in the socket's group, with no capabilities" {
	run_watcher rlimg-w1
	wait_until 100 healthz rlimg-w1
	# What the kernel says of its process: not root, the socket's group, no capability.
	run d exec rlimg-w1 sh -c 'while read -r k v; do case $k in Uid:|Gid:|Groups:|CapEff:|CapBnd:|NoNewPrivs:) echo "$k $v";; esac; done </proc/1/status'
	[ "$status" -eq 0 ]
	echo "$output"
	[[ $output == *"Uid: 10001"* ]]
	[[ $output == *"Gid: 10001"* ]]
	[[ $output == *"Groups: "*"$EGID"* ]]
	[[ $output == *"CapEff: 0000000000000000"* ]]
	[[ $output == *"CapBnd: 0000000000000000"* ]]
	[[ $output == *"NoNewPrivs: 1"* ]]
	run d exec rlimg-w1 sh -c ': >/probe'
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	# It watches the engine through the socket: its own container is in its metrics.
	run d exec rlimg-w1 curl -sf http://127.0.0.1:9323/metrics
	[ "$status" -eq 0 ]
	[[ $output == *'name="rlimg-w1"'* ]]
	[ "$(d image inspect -f '{{.Config.User}} {{json .Config.Entrypoint}}' rootlock:local)" = \
		'10001:10001 ["/usr/bin/rootlock","watch"]' ]
}

@test "image: rootlock try proves a container of it read-only, by its /healthz from inside" {
	d inspect rlimg-w1 >/dev/null 2>&1 || run_watcher rlimg-w1
	wait_until 100 healthz rlimg-w1
	run "$ROOTLOCK" try -H "unix://$ESOCK" --strict --settle 1 \
		--exec 'curl -sf --max-time 5 http://127.0.0.1:9323/healthz' rlimg-w1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"rlimg-w1: PASS (your --exec check passed)"* ]]
	[ -z "$(d ps -aq --filter label=rootlock.try)" ]
}

# The metrics of the stack's task, read from inside it.
task() { d ps -q --filter label=com.docker.swarm.service.name=rlimg_watch --filter status=running | head -1; }
task_metrics() { d exec "$(task)" curl -sf --max-time 5 "http://127.0.0.1:$PORT/metrics"; }
task_has() { task_metrics | grep -qF -- "$1"; }

@test "image: deploy/stack.yaml on a single-node Swarm: its global task judges services and a new writable container" {
	d swarm init --advertise-addr 127.0.0.1 --listen-addr "127.0.0.1:$(pick_port 2377)" >/dev/null
	# Host network (as the file says); loopback only, on a free port.
	export PORT=$(pick_port 9323)
	ROOTLOCK_DOCKER_SOCK=$ESOCK ROOTLOCK_DOCKER_GID=$EGID ROOTLOCK_LISTEN=127.0.0.1:$PORT \
		d stack deploy -c "$REPO/deploy/stack.yaml" rlimg >/dev/null
	[ "$(d service inspect -f '{{json .Spec.Mode}} {{.Spec.TaskTemplate.ContainerSpec.ReadOnly}}' rlimg_watch)" = \
		'{"Global":{}} true' ]
	wait_until 300 task_has 'rootlock_services{verdict="pass"} 1'
	# Its own task, read-only, is among the containers it judges.
	task_metrics | grep -F 'name="rlimg_watch.' | grep -qF 'image="rootlock:local"'
	task_has 'rootlock_containers{verdict="fail"} 0'
	d run -d --network none --name rlimg-rw --label rootlock.test=image rootlock-test/busybox sleep 600 >/dev/null
	wait_until 100 task_has 'rootlock_containers{verdict="fail"} 1'
	task_metrics | grep -F 'name="rlimg-rw"' | grep -qF 'verdict="fail"'
	d stack rm rlimg >/dev/null
	d swarm leave --force >/dev/null
}

@test "image: deploy/compose.yaml, as Compose v2 reads it, runs the image read-only, non-root in the socket's group, with no capabilities" {
	use_compose
	run env ROOTLOCK_DOCKER_SOCK=$ESOCK ROOTLOCK_DOCKER_GID=$EGID \
		"$COMPOSE" -f "$REPO/deploy/compose.yaml" config --format json
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | jq -c '.services.watch | [.image, .read_only, .user, .group_add, .cap_drop, .security_opt, (.volumes[0] | .source + ":" + .target)]')" = \
		"[\"rootlock:local\",true,\"10001:10001\",[\"$EGID\"],[\"ALL\"],[\"no-new-privileges:true\"],\"$ESOCK:/var/run/docker.sock\"]" ]
}
