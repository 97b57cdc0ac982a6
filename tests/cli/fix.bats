#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# rootlock fix end to end, with Docker Compose v2 (use_compose) on the
# sandbox engine: Compose projects of real servers from Debian's packages
# (nginx, redis, postgresql; tests/cli/realservers.bash has how each is
# probed), each brought up writable, fixed (the diff must be one git apply
# and patch -p1 take), written, accepted by `docker compose config`, and
# recreated by `docker compose up -d SERVICE`: read-only, with the planned
# tmpfs mounts and volumes, and taking the probe's writes. Then the bad
# input, each with nothing written; and the corpus check: every service of
# every Compose file in ../shared/corpus whose `docker compose config`
# succeeds, fixed with a synthetic plan, gives the same config apart from
# the added keys.
#
# Each result is also appended, as one JSON line (server, service, mounts
# written, probe result), to $ROOTLOCK_FIX_LOG when set.

load helpers
load realservers

setup_file() {
	use_sandbox_engine || return 1
	use_compose || return 1
	DOCKER_HOST="unix://$SOCK" ROOTLOCK_TEST_IMAGES="nginx redis postgresql" \
		"$REPO/scripts/test-images" >&2
	export RUN="rlfix$$"
	export PY=/usr/bin/python3
}

teardown_file() {
	local p ids
	for p in $(d ps -a --filter "label=com.docker.compose.project" \
		--format '{{.Label "com.docker.compose.project"}}' | sort -u); do
		[[ $p == "$RUN"* ]] && dc -p "$p" down -v -t 0 --remove-orphans >/dev/null 2>&1
	done
	ids=$(d ps -aq --filter "label=rootlock.test=$RUN")
	[ -z "$ids" ] || d rm -f -v $ids >/dev/null
}

# A Compose project per server, written as people write them: comments,
# an anchor with a merge key, 4-space indentation, quoted scalars, flow
# style, unindented sequences, CRLF line ends and no final newline.
write_project() {
	local server=$1 dir=$2
	mkdir -p "$dir"
	case $server in
	nginx)
		cat >"$dir/compose.yaml" <<-'EOF'
			# The web front, as the team wrote it.
			x-common: &common
			  restart: "no"   # tests only
			  labels:
			    rootlock.fix: "web"

			services:
			  web:
			    <<: *common
			    image: rootlock-test/nginx:latest  # Debian's nginx
			    environment:
			      - TZ=UTC
		EOF
		;;
	redis)
		cat >"$dir/compose.yaml" <<-'EOF'
			services:
			    cache:
			        image: "rootlock-test/redis:latest"
			        labels: {rootlock.fix: cache}
			        # data outlives the container
			        volumes:
			            - type: volume
			              source: other
			              target: /srv/other

			volumes:
			    other: {}   # declared by hand
		EOF
		;;
	postgresql)
		printf '%s\r\n' "name: ignored-by-p" "services:" "  db:" "    image: 'rootlock-test/postgresql:latest'" \
			"    labels:" "    - rootlock.fix=db" "    stop_grace_period: 3s" | head -c -2 >"$dir/compose.yaml"
		;;
	esac
}

SERVICE_nginx=web SERVICE_redis=cache SERVICE_postgresql=db

# fix_server SERVER: up writable, fix, write, recreate read-only, probe.
fix_server() {
	local server=$1 svc dir p c probe out
	svc=SERVICE_$server
	svc=${!svc}
	p=$RUN-$server
	dir=$BATS_FILE_TMPDIR/$server
	c=$p-$svc-1
	probe=${RS_PROBE[$server]}
	write_project "$server" "$dir"
	cd "$dir"
	dc -p "$p" up -d --quiet-pull >/dev/null 2>&1 || dc -p "$p" up -d
	rs_wait_ready "$c" "$server"
	rs_wait "$c" "$probe"

	# The diff, as git apply and patch -p1 take it, from the project's
	# directory: plan's plan by default, the same as from plan's JSON.
	rootlock plan -H "unix://$SOCK" --format json "$c" >plan.json
	local rc=0
	rootlock fix -H "unix://$SOCK" "$c" >fix.diff 2>fix.err || rc=$?
	cat fix.err fix.diff
	[ "$rc" -eq 1 ]
	assert_no_raw_control "$(cat fix.err)"
	rootlock fix -H "unix://$SOCK" --plan plan.json "$c" 2>/dev/null | cmp - fix.diff
	grep -q '^--- a/compose.yaml' fix.diff
	grep -q '^+++ b/compose.yaml' fix.diff
	git init -q . && git apply --check fix.diff
	patch -p1 --dry-run <fix.diff >/dev/null
	cp compose.yaml applied.yaml && patch -s applied.yaml <fix.diff

	run rootlock fix -H "unix://$SOCK" --plan plan.json --write "$c"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"wrote compose.yaml"* ]]
	# What was written is what the diff showed.
	cmp compose.yaml applied.yaml
	dc -p "$p" config -q
	dc -p "$p" up -d "$svc" >/dev/null 2>&1
	# Recreated read-only, with the plan's mounts.
	[ "$(d inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$c")" = true ]
	local tmpfs volumes
	tmpfs=$(d inspect -f '{{range $k, $v := .HostConfig.Tmpfs}}{{$k}} {{end}}' "$c")
	volumes=$(d inspect -f '{{range .Mounts}}{{if eq .Type "volume"}}{{.Destination}} {{end}}{{end}}' "$c")
	local t
	tr -d '\r' <fix.diff >fix.lf.diff
	for t in $(sed -n 's/^+ *- *"\{0,1\}\(\/[^:"]*\):.*/\1/p' fix.lf.diff); do
		[[ " $tmpfs " == *" $t "* ]] || { echo "no tmpfs $t in: $tmpfs" >&2; return 1; }
	done
	for t in $(sed -n 's/^+ *- *"\{0,1\}[a-z0-9][a-z0-9_.-]*:\(\/[^:"]*\)"\{0,1\}.*$/\1/p' fix.lf.diff); do
		[[ " $volumes " == *" $t "* ]] || { echo "no volume at $t in: $volumes" >&2; return 1; }
	done
	[ -n "$tmpfs" ]
	rs_wait_ready "$c" "$server"
	out=ok
	rs_wait "$c" "$probe" || out=failed
	if [ -n "${ROOTLOCK_FIX_LOG:-}" ]; then
		jq -nc --arg s "$server" --arg svc "$svc" --arg e "$(engine_version)" --arg t "$tmpfs" \
			--arg v "$volumes" --arg o "$out" \
			'{engine: $e, server: $s, service: $svc, tmpfs: $t, volumes: $v, probe: $o}' \
			>>"$ROOTLOCK_FIX_LOG"
	fi
	[ "$out" = ok ]
	# The file now says it all: the same plan has nothing more to change.
	run rootlock fix -H "unix://$SOCK" --plan plan.json "$c"
	echo "$output"
	[ "$status" -eq 0 ]
	dc -p "$p" down -v -t 0 >/dev/null 2>&1
}

@test "fix: nginx in Compose, written, recreated read-only, and it serves and logs" {
	fix_server nginx
}

@test "fix: redis in Compose (4-space indents, flow labels, a declared volume), recreated read-only, SET and SAVE work" {
	fix_server redis
	# The hand-declared volume and its comment are as they were.
	grep -q '    other: {}   # declared by hand' "$BATS_FILE_TMPDIR/redis/compose.yaml"
}

@test "fix: postgresql in Compose (CRLF, no final newline), recreated read-only, INSERT and CHECKPOINT work" {
	fix_server postgresql
	# Every line still ends in CRLF, and the last still has no newline.
	! LC_ALL=C grep -qv $'\r$' <(head -c -1 "$BATS_FILE_TMPDIR/postgresql/compose.yaml" | sed '$a\')
	[ "$(tail -c 1 "$BATS_FILE_TMPDIR/postgresql/compose.yaml" | od -An -c | tr -d ' ')" != '\n' ]
}

# --- bad input: one clear line each, nothing written ---------------------------

# A small Compose project of busybox, up; sets P, C and DIR.
busybox_project() {
	P=$RUN-$1
	DIR=$BATS_TEST_TMPDIR/$1
	C=$P-app-1
	mkdir -p "$DIR"
	cat >"$DIR/compose.yaml" <<-'EOF'
		services:
		  app:
		    image: rootlock-test/busybox:latest
		    command: ["sleep", "3600"]
	EOF
	(cd "$DIR" && dc -p "$P" up -d >/dev/null 2>&1)
	cp "$DIR/compose.yaml" "$DIR/before.yaml"
}

@test "fix: a container Compose does not manage points to plan --format run" {
	d run -d --label "rootlock.test=$RUN" --name "$RUN-plain" rootlock-test/busybox:latest sleep 3600 >/dev/null
	run rootlock fix -H "unix://$SOCK" "$RUN-plain"
	echo "$output"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == *"not managed by Compose"*"rootlock plan --format run $RUN-plain"* ]]
}

@test "fix: a config file that is gone, invalid YAML, a service defined twice: one line, nothing written" {
	busybox_project bad
	cd "$DIR"
	mv compose.yaml moved.yaml
	run rootlock fix -H "unix://$SOCK" --write "$C"
	echo "$output"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == *"compose.yaml', a config file of the project, is gone"* ]]
	[ ! -e compose.yaml ]

	printf 'services:\n  app:\n    image: x\n   bad: [\n' >compose.yaml
	cp compose.yaml broken.yaml
	run rootlock fix -H "unix://$SOCK" --write "$C"
	echo "$output"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == *"compose.yaml:"* ]]
	cmp compose.yaml broken.yaml

	printf 'services:\n  app:\n    image: x\n  app:\n    image: y\n' >compose.yaml
	cp compose.yaml twice.yaml
	run rootlock fix -H "unix://$SOCK" --write "$C"
	echo "$output"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == *'compose.yaml:4: service "app" is defined twice'* ]]
	cmp compose.yaml twice.yaml
	dc -p "$P" down -v -t 0 >/dev/null 2>&1
}

@test "fix: a project of two files and an include: the service is written where it is defined, and config takes it" {
	P=$RUN-merge
	DIR=$BATS_TEST_TMPDIR/merge
	mkdir -p "$DIR/parts"
	cd "$DIR"
	cat >compose.yaml <<-'EOF'
		include:
		  - path: parts/worker.yaml
		services:
		  app:
		    image: rootlock-test/busybox:latest
		    command: ["sleep", "3600"]
	EOF
	cat >parts/worker.yaml <<-'EOF'
		services:
		  worker:   # brought in by include
		    image: rootlock-test/busybox:latest
		    command: ["sleep", "3600"]
	EOF
	cat >compose.prod.yaml <<-'EOF'
		services:
		  app:
		    read_only: false   # to be fixed here: the last file that says
	EOF
	cp compose.yaml main.before
	dc -p "$P" -f compose.yaml -f compose.prod.yaml up -d >/dev/null 2>&1
	synthetic_plan plan.json
	run rootlock fix -H "unix://$SOCK" --plan plan.json --write "$P-app-1" "$P-worker-1"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"compose.prod.yaml:2: service \"app\" is defined in 2 files of the merge; writing here, the last that sets read_only"* ]]
	[[ $output == *"parts/worker.yaml:2: service \"worker\" is defined here, a file that "*"compose.yaml includes"* ]]
	cmp compose.yaml main.before
	grep -q 'read_only: true' compose.prod.yaml
	grep -q 'read_only: true' parts/worker.yaml
	dc -p "$P" -f compose.yaml -f compose.prod.yaml config --format json >merged.json
	[ "$(jq -r '.services.app.read_only, .services.worker.read_only' merged.json)" = "true
true" ]
	dc -p "$P" -f compose.yaml -f compose.prod.yaml down -v -t 0 >/dev/null 2>&1
}

# A plan with a tmpfs and a volume, written without an engine.
synthetic_plan() {
	cat >"$1" <<-'EOF'
		{"plans": [{"container": "x", "image": "rootlock-test/busybox:latest",
		  "mounts": [
		    {"type": "tmpfs", "target": "/rootlock-tmp", "basis": "predicted",
		     "options": "mode=1777,uid=1000,gid=1000,size=16m", "why": "scratch"},
		    {"type": "volume", "target": "/rootlock-data", "basis": "seen",
		     "volume": "x-rootlock-data", "why": "data"}]}]}
	EOF
}

@test "fix --write: a file that is not writable, or that changed after it was read, is left as it was" {
	cd "$BATS_TEST_TMPDIR"
	synthetic_plan plan.json
	printf 'services:\n  app:\n    image: busybox\n' >compose.yaml
	cp compose.yaml before.yaml
	chmod 0444 compose.yaml
	run rootlock fix --plan plan.json -f compose.yaml --service app --write
	echo "$output"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == *"'compose.yaml' is not writable (mode 0444): nothing written"* ]]
	cmp compose.yaml before.yaml
	[ -z "$(ls -A | grep rootlock- || true)" ]

	# The plan comes through a FIFO: fix has read compose.yaml once the FIFO
	# is opened, and the file changes before the plan arrives. (fd 5: bats
	# keeps 3 for itself.)
	chmod 0644 compose.yaml
	mkfifo plan.fifo
	rootlock fix --plan plan.fifo -f compose.yaml --service app --write >out 2>&1 &
	local pid=$!
	exec 5>plan.fifo
	printf '# changed by someone else\n' >>compose.yaml
	cp compose.yaml changed.yaml
	cat plan.json >&5
	exec 5>&-
	local rc=0
	wait "$pid" || rc=$?
	cat out
	[ "$rc" -eq 3 ]
	grep -q "'compose.yaml' changed after it was read; nothing written" out
	cmp compose.yaml changed.yaml
	[ -z "$(ls -A | grep rootlock- || true)" ]
}

@test "fix --write keeps mode and owner, writes a symlink's target, and --override makes an override file" {
	cd "$BATS_TEST_TMPDIR"
	synthetic_plan plan.json
	mkdir real
	printf 'services:\n  app:\n    image: busybox\n' >real/compose.yaml
	chmod 0640 real/compose.yaml
	chown 12345:23456 real/compose.yaml
	ln -s real/compose.yaml compose.yaml
	run rootlock fix --plan plan.json -f compose.yaml --service app --write
	echo "$output"
	[ "$status" -eq 1 ]
	[ -L compose.yaml ]
	[ "$(stat -c '%a %u %g' real/compose.yaml)" = "640 12345 23456" ]
	grep -q 'read_only: true' real/compose.yaml
	# Again: nothing to change.
	run rootlock fix --plan plan.json -f compose.yaml --service app
	[ "$status" -eq 0 ]
	[ -z "$(rootlock fix --plan plan.json -f compose.yaml --service app 2>/dev/null)" ]

	printf 'services:\n  app:\n    image: busybox\n' >base.yaml
	run rootlock fix --plan plan.json -f base.yaml --service app --override override.yaml
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"--- /dev/null"* && $output == *"+++ b/override.yaml"* ]]
	[ ! -e override.yaml ]
	run rootlock fix --plan plan.json -f base.yaml --service app --override override.yaml --write
	[ "$status" -eq 1 ]
	printf 'services:\n  app:\n    image: busybox\n' | cmp - base.yaml
	dc -f base.yaml -f override.yaml config --format json >merged.json
	[ "$(jq -r .services.app.read_only merged.json)" = true ]
	jq -e '.services.app.tmpfs | index("/rootlock-tmp:mode=1777,uid=1000,gid=1000,size=16m")' merged.json
}

@test "fix: usage errors" {
	run rootlock fix
	[ "$status" -eq 2 ]
	run rootlock fix -f x.yaml
	[ "$status" -eq 2 ]
	[[ $output == *"-f FILE needs --plan FILE"* ]]
	run rootlock fix --try --plan p.json c
	[ "$status" -eq 2 ]
	run rootlock fix --service s c
	[ "$status" -eq 2 ]
	run rootlock fix --help
	[ "$status" -eq 0 ]
	[[ $output == *"usage: rootlock fix"* ]]
}

@test "fix --try writes the plan try proved; when try fails, nothing is written" {
	busybox_project try
	cd "$DIR"
	run rootlock fix -H "unix://$SOCK" --try --exec 'touch /tmp/proof' --write "$C"
	echo "$output"
	[ "$status" -eq 1 ]
	grep -q 'read_only: true' compose.yaml
	grep -q -- '- /tmp:' compose.yaml
	dc -p "$P" config -q
	assert_no_leftovers
	# try's JSON names the image its plan is for, and fix takes its plan.
	cp before.yaml compose.yaml
	rootlock try -H "unix://$SOCK" --format json --exec 'touch /tmp/proof' "$C" >try.json
	[ "$(jq -r .image try.json)" = rootlock-test/busybox:latest ]
	run rootlock fix -H "unix://$SOCK" --plan try.json "$C"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"+    read_only: true"* ]]
	run rootlock fix --plan try.json -f "$REPO/tests/data/fix-locate/kube-busybox.yaml"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"+ "*"readOnlyRootFilesystem: true"* ]]
	run rootlock fix -H "unix://$SOCK" --try --exec 'exit 7' --write "$C"
	echo "$output"
	[ "$status" -eq 3 ]
	[[ $output == *"try did not prove this plan (verdict fail)"* ]]
	cmp compose.yaml before.yaml
	assert_no_leftovers

	# Ctrl-C while try works: try removes its clone, fix writes nothing.
	rootlock fix -H "unix://$SOCK" --try --write "$C" >out 2>&1 &
	local pid=$! i rc=0
	for ((i = 0; i < 300; i++)); do
		[ -n "$(d ps -aq --filter label=rootlock.try)" ] && break
		sleep 0.1
	done
	[ -n "$(d ps -aq --filter label=rootlock.try)" ]
	kill -INT $(pgrep -P "$pid") "$pid"
	wait "$pid" || rc=$?
	cat out
	[ "$rc" -eq 3 ]
	grep -q 'interrupted: nothing written' out
	cmp compose.yaml before.yaml
	assert_no_leftovers
	dc -p "$P" down -v -t 0 >/dev/null 2>&1
}

@test "fix -f: a Quadlet unit, its drop-in, and Kubernetes manifests matched by the plan's image" {
	cd "$BATS_TEST_TMPDIR"
	synthetic_plan plan.json
	printf '[Unit]\nDescription=web\n\n[Container]\nImage=rootlock-test/busybox:latest\n\n[Install]\nWantedBy=default.target\n' >web.container
	cp web.container unit.before
	run rootlock fix --plan plan.json -f web.container
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"+ReadOnly=true"* && $output == *"+Tmpfs=/rootlock-tmp:mode=1777,uid=1000,gid=1000,size=16m"* ]]
	patch -p1 --dry-run <<<"$(rootlock fix --plan plan.json -f web.container 2>/dev/null)" >/dev/null
	run rootlock fix --plan plan.json -f web.container --drop-in --write
	echo "$output"
	[ "$status" -eq 1 ]
	cmp web.container unit.before
	grep -qx 'ReadOnly=true' web.container.d/50-rootlock.conf
	run rootlock fix --plan plan.json -f web.container --drop-in
	[ "$status" -eq 0 ]

	cat >deploy.yaml <<-'EOF'
		# two containers, one of them the plan's image
		apiVersion: apps/v1
		kind: Deployment
		metadata:
		  name: web
		spec:
		  template:
		    spec:
		      containers:
		        - name: app
		          image: rootlock-test/busybox:latest
		        - name: sidecar
		          image: other:1
	EOF
	run rootlock fix --plan plan.json -f deploy.yaml --write
	echo "$output"
	[ "$status" -eq 1 ]
	"$PY" -c 'import yaml, sys
d = yaml.safe_load(open("deploy.yaml"))
c = d["spec"]["template"]["spec"]["containers"]
assert c[0]["securityContext"]["readOnlyRootFilesystem"] is True, c[0]
assert "securityContext" not in c[1], c[1]
assert any(m["mountPath"] == "/rootlock-tmp" for m in c[0]["volumeMounts"]), c[0]'
	# The volume that must persist gets a note, not an emptyDir.
	[[ $output == *"/rootlock-data"* ]]
	run rootlock fix --plan plan.json -f deploy.yaml --drop-in
	[ "$status" -eq 2 ]
}

# --- the corpus ---------------------------------------------------------------------

@test "fix: every service of every Compose file in ../shared/corpus: config after = config before plus the added keys" {
	[ "$(engine_version)" = 20 ] || skip "needs no engine: run once"
	local corpus=$REPO/../shared/corpus
	[ -d "$corpus" ] || skip "no corpus at $corpus"
	cd "$BATS_TEST_TMPDIR"
	synthetic_plan plan.json
	local files=0 services=0 skipped=0 f rel dir s svcs
	while IFS= read -r f; do
		rel=${f#"$corpus"/}
		dir=work/$(dirname "$rel")
		rm -rf work && mkdir -p "$dir" && cp -r "$(dirname "$f")/." "$dir/" && chmod -R u+w work
		if ! (cd "$dir" && dc -f "$(basename "$f")" config --format json >"$BATS_TEST_TMPDIR/before.json" 2>/dev/null); then
			skipped=$((skipped + 1))
			continue
		fi
		files=$((files + 1))
		# Every service fixed in turn (each edit on the last one's result),
		# then one config: each service must have exactly its additions.
		svcs=$(jq -r '.services | keys[]' before.json)
		for s in $svcs; do
			(cd "$dir" && rootlock fix --plan "$BATS_TEST_TMPDIR/plan.json" -f "$(basename "$f")" --service "$s" --write 2>"$BATS_TEST_TMPDIR/err") || [ $? -eq 1 ] || {
				echo "$rel: fix of $s failed: $(cat err)" >&2
				return 1
			}
			services=$((services + 1))
		done
		(cd "$dir" && dc -f "$(basename "$f")" config --format json >"$BATS_TEST_TMPDIR/after.json") || {
			echo "$rel: config refuses the file after the fix:" >&2
			cat "$dir/$(basename "$f")" >&2
			return 1
		}
		"$PY" - before.json after.json $svcs <<-'EOF' || { echo "$rel" >&2; return 1; }
			import json, sys
			before, after = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
			for svc in sys.argv[3:]:
			    a, b = after["services"][svc], before["services"][svc]
			    assert a.get("read_only") is True, svc + ": no read_only"
			    assert "/rootlock-tmp:mode=1777,uid=1000,gid=1000,size=16m" in a.get("tmpfs", []), a.get("tmpfs")
			    added = [v for v in a.get("volumes", []) if v.get("target") == "/rootlock-data"]
			    assert len(added) == 1 and added[0]["type"] == "volume", added
			    # Take the additions away: what is left must be what was there.
			    if "read_only" not in b:
			        del a["read_only"]
			    a["tmpfs"] = [t for t in a["tmpfs"] if not t.startswith("/rootlock-tmp:")]
			    if not a["tmpfs"] and "tmpfs" not in b:
			        del a["tmpfs"]
			    a["volumes"] = [v for v in a["volumes"] if v.get("target") != "/rootlock-data"]
			    if not a["volumes"] and "volumes" not in b:
			        del a["volumes"]
			    vol = added[0]["source"]
			    assert vol in after.get("volumes", {}), "volume %s not declared" % vol
			    if vol not in before.get("volumes", {}):
			        del after["volumes"][vol]
			if "volumes" in after and not after["volumes"] and "volumes" not in before:
			    del after["volumes"]
			if after != before:
			    for k in sorted(set(after) | set(before)):
			        if after.get(k) != before.get(k):
			            print("differs at", k, json.dumps(before.get(k))[:400], json.dumps(after.get(k))[:400])
			    sys.exit(1)
		EOF
	done < <(find "$corpus" -name 'compose.y*ml' -o -name 'docker-compose*.y*ml' | sort)
	echo "# corpus: $files files, $services services fixed and compared; $skipped files whose config fails as they are" >&3
	[ "$files" -gt 20 ]
	[ "$services" -gt 50 ]
}
