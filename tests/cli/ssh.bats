#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ssh:// engines: a private sshd on loopback (Debian's openssh-server, its own
# config, host key and authorized_keys in a temp dir; /etc/ssh is never
# read), whose `docker` reaches the sandbox engine. rootlock runs `ssh` from
# PATH; a wrapper there adds only -F (the client config with our key and
# known_hosts) and logs each argv, so the arguments rootlock passes are seen.

load helpers
bats_require_minimum_version 1.5.0

IMAGE=rootlock-test/busybox:latest

setup_file() {
	use_sandbox_engine || return 1
	[ -x /usr/sbin/sshd ] || { echo "no /usr/sbin/sshd: install openssh-server (scripts/install-deps)" >&2; return 1; }
	export RUN="s$$"
	d create --label "rootlock.test=$RUN" --network none --name "$RUN-ro" --read-only "$IMAGE" true >/dev/null
	d create --label "rootlock.test=$RUN" --network none --name "$RUN-rw" "$IMAGE" true >/dev/null

	export SSHDIR=$BATS_FILE_TMPDIR/ssh
	mkdir -p "$SSHDIR/server-bin" "$SSHDIR/client-bin"
	chmod 700 "$SSHDIR"
	ssh-keygen -q -t ed25519 -N '' -f "$SSHDIR/host_key"
	ssh-keygen -q -t ed25519 -N '' -f "$SSHDIR/client_key"
	cp "$SSHDIR/client_key.pub" "$SSHDIR/authorized_keys"
	export SSH_PORT
	SSH_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	# The far side's docker: the sandbox engine's, whatever its DOCKER_HOST.
	printf '#!/bin/sh\nexport DOCKER_HOST=unix://%s\nexec %s "$@"\n' "$SOCK" "$(command -v "$DOCKER")" >"$SSHDIR/server-bin/docker"
	chmod +x "$SSHDIR/server-bin/docker"
	cat >"$SSHDIR/sshd_config" <<-EOF
		ListenAddress 127.0.0.1
		HostKey $SSHDIR/host_key
		AuthorizedKeysFile $SSHDIR/authorized_keys
		PidFile $SSHDIR/sshd.pid
		PasswordAuthentication no
		KbdInteractiveAuthentication no
		PermitRootLogin prohibit-password
		StrictModes no
		UsePAM no
		SetEnv PATH=$SSHDIR/server-bin:/usr/bin:/bin
	EOF
	echo "[127.0.0.1]:$SSH_PORT $(cat "$SSHDIR/host_key.pub")" >"$SSHDIR/known_hosts"
	cat >"$SSHDIR/ssh_config" <<-EOF
		Host 127.0.0.1
		  IdentityFile $SSHDIR/client_key
		  IdentitiesOnly yes
		  UserKnownHostsFile $SSHDIR/known_hosts
		  StrictHostKeyChecking yes
		  BatchMode yes
		  LogLevel ERROR
	EOF
	printf '#!/bin/sh\necho "$*" >>%s/ssh.log\nexec /usr/bin/ssh -F %s/ssh_config "$@"\n' "$SSHDIR" "$SSHDIR" >"$SSHDIR/client-bin/ssh"
	chmod +x "$SSHDIR/client-bin/ssh"
	# sshd wants its privilege separation directory; Debian's unit makes it.
	[ -d /run/sshd ] || mkdir -m 755 /run/sshd
	/usr/sbin/sshd -D -e -f "$SSHDIR/sshd_config" -p "$SSH_PORT" 2>"$SSHDIR/sshd.log" &
	echo $! >"$SSHDIR/sshd.bgpid"
	local i
	for ((i = 0; i < 200; i++)); do
		PATH=$SSHDIR/client-bin:$PATH ssh -p "$SSH_PORT" -l root 127.0.0.1 true 2>/dev/null && return 0
		sleep 0.05
	done
	echo "the private sshd did not answer; its log:" >&2
	cat "$SSHDIR/sshd.log" >&2
	return 1
}

teardown_file() {
	local pid
	pid=$(cat "$SSHDIR/sshd.bgpid" 2>/dev/null) && { kill "$pid" 2>/dev/null || true; }
	local ids
	ids=$(d ps -aq --filter "label=rootlock.test=$RUN")
	[ -z "$ids" ] || d rm -f $ids >/dev/null
}

setup() { : >"$SSHDIR/ssh.log"; }

rl_ssh() { PATH=$SSHDIR/client-bin:$PATH "$ROOTLOCK" "$@"; }

verdicts() { echo "$output" | jq -r '.results[] | "\(.name) \(.verdict)"' | sort | tr '\n' ' '; }

@test "an ssh:// engine is audited as its socket is, one ssh dial-stdio per connection" {
	run --separate-stderr rl_ssh audit -H "ssh://root@127.0.0.1:$SSH_PORT" --filter "name=$RUN-*" --parallel 4 --format json
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
	[ "$(verdicts)" = "$RUN-ro pass $RUN-rw fail " ]
	[ "$(echo "$output" | jq -r .source)" = "ssh://root@127.0.0.1:$SSH_PORT" ]
	run --separate-stderr rootlock audit -H "unix://$SOCK" --filter "name=$RUN-*" --format json
	[ "$(verdicts)" = "$RUN-ro pass $RUN-rw fail " ]
	# The docker CLI's own command line, and more than one connection (inspects go in parallel).
	[ "$(sort -u "$SSHDIR/ssh.log")" = "-T -l root -p $SSH_PORT -- 127.0.0.1 docker system dial-stdio" ]
	[ "$(wc -l <"$SSHDIR/ssh.log")" -ge 2 ]
}

@test "ssh://HOST/PATH names the socket on the far side" {
	run --separate-stderr rl_ssh audit -H "ssh://root@127.0.0.1:$SSH_PORT$SOCK" --filter "name=$RUN-ro" --format json
	[ "$status" -eq 0 ]
	[ "$(verdicts)" = "$RUN-ro pass " ]
	grep -qxF -- "-T -l root -p $SSH_PORT -- 127.0.0.1 docker --host unix://$SOCK system dial-stdio" "$SSHDIR/ssh.log"
}

@test "what ssh says when it fails is one clear line" {
	# Refused key.
	run --separate-stderr rl_ssh audit -H "ssh://nobody@127.0.0.1:$SSH_PORT"
	[ "$status" -eq 3 ]
	[ "$(echo "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == *"ssh://nobody@127.0.0.1:$SSH_PORT over ssh: "*"Permission denied"* ]]
	# Nothing listening.
	local closed
	closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	run --separate-stderr rl_ssh audit -H "ssh://root@127.0.0.1:$closed"
	[ "$status" -eq 3 ]
	[ "$(echo "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == *"over ssh: "*"Connection refused"* ]]
	# ssh works but the far side has no engine at that path.
	run --separate-stderr rl_ssh audit -H "ssh://root@127.0.0.1:$SSH_PORT/nonexistent/docker.sock"
	[ "$status" -eq 3 ]
	[ "$(echo "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == *"over ssh: "*"nonexistent/docker.sock"* ]]
}

@test "an ssh:// engine in an audit of several, one of which is down" {
	run --separate-stderr rl_ssh audit -H "ssh://root@127.0.0.1:$SSH_PORT" -H "ssh://nobody@127.0.0.1:$SSH_PORT" --filter "name=$RUN-ro" --format json
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.results[].engine' | sort -u)" = "ssh://root@127.0.0.1:$SSH_PORT" ]
	[ "$(echo "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == "rootlock audit: engine ssh://nobody@127.0.0.1:$SSH_PORT: "*"Permission denied"* ]]
}
