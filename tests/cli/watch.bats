#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# rootlock watch on a real engine: one watcher followed through the file
# (started in setup_file, its output and metrics read by every test). The
# engine is restarted under it, so it is an engine of this file's own, in a
# dir no other test uses (ROOTLOCK_WATCH_ENGINE_DIR to choose another).

load helpers

WATCH_ENGINE=${ROOTLOCK_WATCH_ENGINE_DIR:-$(versioned_dir /var/tmp/rootlock-watch-test-engine)}
eng() { ROOTLOCK_ENGINE_DIR=$WATCH_ENGINE "$REPO/scripts/engine" "$@"; }
d() { "$DOCKER" -H "unix://$WATCH_ENGINE/docker.sock" "$@"; }
# Containers run with --network none: the engine has no bridge (scripts/engine).

# What the watcher said, when a wait timed out.
diagnose_timeout() {
	[ ! -f "${OUT:-}" ] || { echo "--- its output:"; cat "$OUT"; echo "--- its stderr:"; cat "$DIRW/err"; }
}

metrics() { curl -sSf --max-time 5 --unix-socket "$MSOCK" http://localhost/metrics; }
# A jsonl line of the watcher for container NAME with new_verdict VERDICT (JSON: "fail", null).
has_line() { jq -se --arg n "$1" --argjson v "$2" 'any(.[]; .name == $n and .new_verdict == $v)' "$OUT" >/dev/null; }
line_of() { jq -c --arg n "$1" --argjson v "$2" 'select(.name == $n and .new_verdict == $v)' "$OUT" | tail -1; }
metric_has() { metrics | grep -qF -- "$1"; }

remove_ours() { remove_labelled watch; }

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "starting a dockerd needs root"
	pick_docker
	clean_env
	eng start 3>&- >/dev/null
	eng images 3>&- >/dev/null
	d swarm leave --force >/dev/null 2>&1 || true
	remove_ours
	export DIRW=$(mktemp -d /tmp/rlw.XXXXXX) # a short path: unix socket names are short
	export MSOCK=$DIRW/metrics.sock OUT=$DIRW/out.jsonl CONFIG=$DIRW/config.json
	echo '{"exempt": []}' >"$CONFIG"
	d run -d --network none --name rlw-before --label rootlock.test=watch rootlock-test/busybox sleep 600 >/dev/null
	# The watcher, with its exit status kept: tests run in subshells and cannot wait for it.
	(
		"$ROOTLOCK" watch -H "unix://$WATCH_ENGINE/docker.sock" --format jsonl \
			--listen "unix:$MSOCK" --config "$CONFIG" >"$OUT" 2>"$DIRW/err" &
		echo $! >"$DIRW/pid"
		wait $!
		echo $? >"$DIRW/rc"
	) 3>&- &
	wait_until 100 test -S "$MSOCK"
}

teardown_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	d swarm leave --force >/dev/null 2>&1 || true
	[ ! -f "$DIRW/pid" ] || kill "$(cat "$DIRW/pid")" 2>/dev/null || true
	remove_ours
	eng stop 3>&- >/dev/null
	rm -rf "$DIRW"
}

@test "watch: the first audit reports the containers already there" {
	wait_until 100 has_line rlw-before '"fail"'
	[ "$(line_of rlw-before '"fail"' | jq -r '.cause + " " + (.old_verdict|tostring)')" = "audit null" ]
}

@test "watch: a writable and a read-only container each get their line and their metrics" {
	d run -d --network none --name rlw-rw --label rootlock.test=watch rootlock-test/busybox sleep 600 >/dev/null
	d run -d --network none --name rlw-ro --read-only --label rootlock.test=watch \
		--label com.docker.compose.project='we"ird\proj' rootlock-test/busybox sleep 600 >/dev/null
	wait_until 100 has_line rlw-rw '"fail"'
	wait_until 100 has_line rlw-ro '"pass"'
	local rw
	rw=$(line_of rlw-rw '"fail"')
	[ "$(jq -r .cause <<<"$rw")" = create ]
	[ "$(jq -r .id <<<"$rw")" = "$(d inspect -f '{{.Id}}' rlw-rw)" ]
	[ "$(jq -r .engine <<<"$rw")" = "unix://$WATCH_ENGINE/docker.sock" ]
	[[ $(jq -r '.reasons[0]' <<<"$rw") == *writable* ]]
	# Once per change: start and die of the same container add no line.
	local before_events
	before_events=$(metrics | grep '^rootlock_events_total ' | cut -d' ' -f2)
	d stop -t 0 rlw-before >/dev/null
	d start rlw-before >/dev/null
	wait_until 100 eval '[ "$(metrics | grep "^rootlock_events_total " | cut -d" " -f2)" -ge $((before_events + 2)) ]'
	[ "$(jq -c 'select(.name == "rlw-before")' "$OUT" | wc -l)" -eq 1 ]
	run metrics
	[ "$status" -eq 0 ]
	[[ $output == *'rootlock_container_info{id="'*'",name="rlw-ro",image="rootlock-test/busybox",verdict="pass",compose_project="we\"ird\\proj",compose_service=""} 1'* ]]
	[[ $output == *'name="rlw-rw",image="rootlock-test/busybox",verdict="fail"'* ]]
	[[ $output == *$'\nrootlock_engine_up 1\n'* ]]
	[[ $output == *$'\nrootlock_build_info{version="'* ]]
	local fails events
	fails=$(grep '^rootlock_containers{verdict="fail"}' <<<"$output" | cut -d' ' -f2)
	[ "$fails" -ge 2 ]
	events=$(grep '^rootlock_events_total ' <<<"$output" | cut -d' ' -f2)
	[ "$events" -ge 6 ]
	run curl -sSf --unix-socket "$MSOCK" http://localhost/healthz
	[ "$output" = ok ]
}

@test "watch: a container that appears with the engine's socket bound is judged as audit judges it: warn" {
	# The socket the engine listens on, bound read-only into a read-only
	# container: audit says warn (issue 14); the event path must say the same.
	d run -d --network none --name rlw-sock --read-only --label rootlock.test=watch \
		-v "$WATCH_ENGINE/docker.sock:/run/engine.sock:ro" rootlock-test/busybox sleep 600 >/dev/null
	wait_until 100 has_line rlw-sock '"warn"'
	local line
	line=$(line_of rlw-sock '"warn"')
	[ "$(jq -r .cause <<<"$line")" = create ]
	[[ $(jq -r '.reasons | join(" ")' <<<"$line") == *"$WATCH_ENGINE/docker.sock"* ]]
	run "$ROOTLOCK" audit -H "unix://$WATCH_ENGINE/docker.sock" --format json --filter name=rlw-sock
	[ "$(jq -r '.results[] | select(.name == "rlw-sock") | .verdict' <<<"$output")" = warn ]
}

@test "watch: a rename shows in the metrics; a removal is reported" {
	d rename rlw-rw rlw-renamed
	wait_until 100 metric_has 'name="rlw-renamed"'
	! metric_has 'name="rlw-rw"'
	d rm -f rlw-ro >/dev/null
	wait_until 100 has_line rlw-ro null
	[ "$(line_of rlw-ro null | jq -r '.old_verdict + " " + .cause')" = "pass destroy" ]
	wait_until 100 eval '! metric_has "name=\"rlw-ro\""'
}

# "NAME VERDICT" for each churned container, as the metrics say, sorted.
churn_in_metrics() {
	metrics | grep '^rootlock_container_info{' | grep -F 'name="rlw-churn-' |
		sed -E 's/.*name="([^"]*)".*verdict="([^"]*)".*/\1 \2/' | sort
}

@test "watch: 200 containers created, renamed and removed at once: the metrics end as the engine is" {
	seq 0 199 | xargs -P 8 -I{} sh -c '
		ro=; [ $(({} % 2)) -eq 1 ] && ro=--read-only
		"$0" -H "$1" create --network none --label rootlock.test=watch --label rootlock.churn=1 \
			$ro --name rlw-churn-{} rootlock-test/busybox true >/dev/null' \
		"$DOCKER" "unix://$WATCH_ENGINE/docker.sock"
	# While the watcher is still judging those: a third removed, some renamed.
	seq 0 3 199 | xargs -P 8 -I{} "$DOCKER" -H "unix://$WATCH_ENGINE/docker.sock" rm -f rlw-churn-{} >/dev/null
	seq 1 6 199 | xargs -P 8 -I{} "$DOCKER" -H "unix://$WATCH_ENGINE/docker.sock" rename rlw-churn-{} rlw-churn-{}-renamed
	local want
	want=$(d inspect -f '{{.Name}} {{.HostConfig.ReadonlyRootfs}}' $(d ps -aq --filter label=rootlock.churn=1) |
		sed -e 's|^/||' -e 's/ true$/ pass/' -e 's/ false$/ fail/' | sort)
	[ "$(wc -l <<<"$want")" -eq 133 ]
	wait_until 300 eval '[ "$(churn_in_metrics)" = "$want" ]'
	d rm -f $(d ps -aq --filter label=rootlock.churn=1) >/dev/null
	wait_until 300 eval '[ -z "$(churn_in_metrics)" ]'
}

@test "watch: SIGHUP reads --config again and reports the verdicts it changes" {
	echo '{"exempt": [{"name": "rlw-renamed", "reason": "vendor image, ticket OPS-1"}]}' >"$CONFIG"
	kill -HUP "$(cat "$DIRW/pid")"
	wait_until 100 has_line rlw-renamed '"exempt"'
	local l
	l=$(line_of rlw-renamed '"exempt"')
	[ "$(jq -r '.old_verdict + " " + .cause' <<<"$l")" = "fail config" ]
	[[ $(jq -r '.reasons | join(" ")' <<<"$l") == *"vendor image, ticket OPS-1"* ]]
	wait_until 100 metric_has 'name="rlw-renamed",image="rootlock-test/busybox",verdict="exempt"'
}

@test "watch: the engine restarted under it: what changed while it was away is reported" {
	d run -d --network none --name rlw-doomed --label rootlock.test=watch rootlock-test/busybox sleep 600 >/dev/null
	wait_until 100 has_line rlw-doomed '"fail"'
	local pid
	pid=$(cat "$DIRW/pid")
	eng stop 3>&- >/dev/null
	wait_until 100 metric_has $'\nrootlock_engine_up 0'
	# The watcher is held while the engine comes back and changes: those changes
	# happen while it is away, whatever its backoff.
	kill -STOP "$pid"
	eng start 3>&- >/dev/null || { kill -CONT "$pid"; false; }
	d run -d --network none --name rlw-during --label rootlock.test=watch rootlock-test/busybox sleep 600 >/dev/null ||
		{ kill -CONT "$pid"; false; }
	d rm -f rlw-doomed >/dev/null
	kill -CONT "$pid"
	wait_until 300 has_line rlw-during '"fail"'
	wait_until 100 has_line rlw-doomed null
	[ "$(line_of rlw-during '"fail"' | jq -r .cause)" = resync ]
	[ "$(line_of rlw-doomed null | jq -r .cause)" = resync ]
	wait_until 100 metric_has $'\nrootlock_engine_up 1'
	grep -q "reconnected to the engine" "$DIRW/err"
	# And it follows the new stream.
	d run -d --network none --name rlw-after --label rootlock.test=watch --read-only rootlock-test/busybox sleep 600 >/dev/null
	wait_until 100 has_line rlw-after '"pass"'
	[ "$(line_of rlw-after '"pass"' | jq -r .cause)" = create ]
}

@test "watch: SIGTERM stops it with 0 and removes its socket" {
	kill -TERM "$(cat "$DIRW/pid")"
	wait_until 100 test -s "$DIRW/rc"
	[ "$(cat "$DIRW/rc")" -eq 0 ]
	[ ! -e "$MSOCK" ]
	# Every line it wrote is one JSON object.
	jq -e . "$OUT" >/dev/null
	! grep -E 'Sanitizer|runtime error:' "$DIRW/err"
}

@test "watch --format text: one line per change, and --once is audit's JSON and exit code" {
	d run -d --network none --name rlw-text --label rootlock.test=watch rootlock-test/busybox sleep 600 >/dev/null
	"$ROOTLOCK" watch -H "unix://$WATCH_ENGINE/docker.sock" >"$DIRW/text" 2>/dev/null 3>&- &
	local pid=$!
	wait_until 100 grep -q ' rlw-text (' "$DIRW/text"
	kill -INT "$pid"
	wait "$pid"
	grep -E "^20[0-9-]+T[0-9:.]+Z unix://$WATCH_ENGINE/docker.sock rlw-text \([0-9a-f]{12}\) - -> fail \[audit\]: the root filesystem is writable" "$DIRW/text"
	run "$ROOTLOCK" watch --once -H "unix://$WATCH_ENGINE/docker.sock"
	[ "$status" -eq 1 ]
	jq -e 'any(.results[]; .name == "rlw-text" and .verdict == "fail")' <<<"$output"
	run "$ROOTLOCK" watch --once --listen :0
	[ "$status" -eq 2 ]
	run "$ROOTLOCK" watch --format yaml
	[ "$status" -eq 2 ]
}

@test "watch: on a Swarm manager, services are judged by TaskTemplate.ContainerSpec too" {
	d swarm init --advertise-addr 127.0.0.1 --listen-addr "127.0.0.1:$(pick_port 2377)" >/dev/null
	d service create --detach --replicas 0 --name rlw-svc-rw rootlock-test/busybox true >/dev/null 2>&1
	local out=$DIRW/svc.jsonl
	"$ROOTLOCK" watch -H "unix://$WATCH_ENGINE/docker.sock" --format jsonl --listen "unix:$DIRW/svc.sock" \
		>"$out" 2>/dev/null 3>&- &
	local pid=$!
	OUT=$out wait_until 100 has_line rlw-svc-rw '"fail"'
	d service create --detach --replicas 0 --read-only --cap-add SYS_ADMIN --name rlw-svc-sa \
		rootlock-test/busybox true >/dev/null 2>&1
	OUT=$out wait_until 100 has_line rlw-svc-sa '"warn"'
	d service update --detach --read-only rlw-svc-rw >/dev/null 2>&1
	OUT=$out wait_until 100 has_line rlw-svc-rw '"pass"'
	[ "$(OUT=$out line_of rlw-svc-rw '"pass"' | jq -r '.kind + " " + .old_verdict + " " + .cause')" = "service fail update" ]
	run curl -sSf --unix-socket "$DIRW/svc.sock" http://localhost/metrics
	[[ $output == *'rootlock_service_info{id="'*'",name="rlw-svc-sa",image="rootlock-test/busybox:latest",verdict="warn"} 1'* ]]
	[[ $output == *$'\nrootlock_services{verdict="pass"} 1\n'* ]]
	d service rm rlw-svc-rw >/dev/null
	OUT=$out wait_until 100 has_line rlw-svc-rw null
	kill -TERM "$pid"
	wait "$pid"
	d swarm leave --force >/dev/null
}

@test "audit: on a Swarm manager, its services are judged beside the containers, in every format" {
	d swarm leave --force >/dev/null 2>&1 || true
	d swarm init --advertise-addr 127.0.0.1 --listen-addr "127.0.0.1:$(pick_port 2377)" >/dev/null
	d service create --detach --replicas 0 --name rla-rw rootlock-test/busybox sleep 1 >/dev/null 2>&1
	d service create --detach --replicas 0 --read-only --name rla-ro rootlock-test/busybox sleep 1 >/dev/null 2>&1
	d service create --detach --replicas 0 --read-only --cap-add SYS_ADMIN --name rla-sa \
		rootlock-test/busybox sleep 1 >/dev/null 2>&1
	local host=unix://$WATCH_ENGINE/docker.sock
	run "$ROOTLOCK" audit -H "$host" --format json
	[ "$status" -eq 1 ]
	local json=$output
	[ "$(jq -r '[.results[] | select(.kind == "service") | .name + "=" + .verdict] | sort | join(" ")' <<<"$json")" = \
		"rla-ro=pass rla-rw=fail rla-sa=warn" ]
	jq -e 'any(.results[]; .kind == "container" and .name == "rlw-before" and .verdict == "fail")' <<<"$json"
	jq -e '.summary.services == 3 and .summary.total == ([.results[]] | length)' <<<"$json"
	jq -e '.results[] | select(.name == "rla-rw") | .remediation | contains("docker service update --read-only")' <<<"$json"
	run "$ROOTLOCK" audit -H "$host"
	[ "$status" -eq 1 ]
	[[ $output =~ $'\n'warn\ +service\ rla-sa\  ]]
	[[ $output =~ $'\n'[0-9]+\ containers?\ and\ 3\ services:\  ]]
	run "$ROOTLOCK" audit -H "$host" --format csv
	[[ $output == *,service\ rla-ro,rootlock-test/busybox:latest,,true,pass,* ]]
	run "$ROOTLOCK" audit -H "$host" --format junit
	[[ $output == *'<testcase classname="rootlock.audit" name="service rla-rw">'* ]]
	run "$ROOTLOCK" audit -H "$host" --format sarif
	[ "$(jq '[.runs[0].results[].locations[0].logicalLocations[0].fullyQualifiedName | select(startswith("service/"))] | length' <<<"$output")" -eq 2 ]
	# The selection applies to services too.
	run "$ROOTLOCK" audit -H "$host" --format jsonl --filter name=rla-s*
	[ "$(jq -r 'select(.kind == "service") | .name' <<<"$output")" = rla-sa ]
	# Several engines (this one twice): each service carries its engine.
	run "$ROOTLOCK" audit -H "$host" -H "$host" --format jsonl
	[ "$(jq -s '[.[] | select(.kind == "service" and .engine == "'"$host"'")] | length' <<<"$output")" -eq 6 ]
	# No longer a manager: containers only, as before.
	d swarm leave --force >/dev/null
	run "$ROOTLOCK" audit -H "$host" --format json
	jq -e '([.results[] | select(.kind == "service")] | length) == 0 and (.summary | has("services") | not)' <<<"$output"
}

@test "watch: a stalled stream from a hung engine: the /_ping times out, it reconnects and reports what changed" {
	# The fake engine's stream says nothing and its /_ping never answers; its
	# second container list has a container the first had not.
	start_fake_engine events-stall
	local out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
	"$ROOTLOCK" watch -H "unix://$FAKE_SOCK" --format jsonl --ping-after 0.5 >"$out" 2>"$err" 3>&- &
	local pid=$!
	OUT=$out wait_until 50 has_line one '"fail"'
	OUT=$out wait_until 200 has_line three '"fail"'
	[ "$(OUT=$out line_of three '"fail"' | jq -r .cause)" = resync ]
	grep -q "stopped answering /_ping" "$err"
	kill -TERM "$pid"
	wait "$pid"
	stop_fake_engine
}

@test "watch: a stream that falls silent while /_ping answers: the periodic re-list reports what it missed" {
	# The fake engine answers /_ping but its stream never tells of the third
	# container, which its second list has.
	start_fake_engine events-mute
	local out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
	"$ROOTLOCK" watch -H "unix://$FAKE_SOCK" --format jsonl --ping-after 0.5 --resync 2 >"$out" 2>"$err" 3>&- &
	local pid=$!
	OUT=$out wait_until 50 has_line one '"fail"'
	OUT=$out wait_until 200 has_line three '"fail"'
	[ "$(OUT=$out line_of three '"fail"' | jq -r .cause)" = periodic ]
	# It stayed on the stream: no reconnect was needed.
	! grep -q "reconnect" "$err"
	kill -TERM "$pid"
	wait "$pid"
	stop_fake_engine

	run "$ROOTLOCK" watch --resync 0.5
	[ "$status" -eq 2 ]
	[[ $output == *"--resync '0.5' must be 0 (never) or a number of seconds"* ]]
}

