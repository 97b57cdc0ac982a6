#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# How `rootlock plan` reads the container's tree: one archive per top-level
# directory, none of the program roots (/usr, /bin, /lib...), whose few paths
# the plan needs are asked by HEAD. The engine tars every file's content, so
# a big /usr must cost nothing. ROOTLOCK_PLAN_TREE makes plan say on stderr
# how many archive bytes it read; =whole reads the archive of / as before, so
# the two can be compared on the same container: the plans must be equal.

load helpers
bats_require_minimum_version 1.5.0

BIGUSR=rootlock-test/bigusr:latest

setup_file() {
	use_sandbox_engine || return 1
	DOCKER_HOST="unix://$SOCK" ROOTLOCK_TEST_IMAGES="s6ish nonroot imgdata withvolume nginx redis" \
		"$REPO/scripts/test-images" >&2
	# 300 MB under /usr/share, made at build time (nothing big in the repository).
	if ! d image inspect "$BIGUSR" >/dev/null 2>&1; then
		printf '%s\n' 'FROM rootlock-test/busybox:latest' \
			'RUN mkdir -p /usr/share/big && head -c 314572800 /dev/zero >/usr/share/big/blob' \
			'LABEL rootlock.test=1' |
			d build -q -t "$BIGUSR" - >&2
	fi
	export RUN="t$$"
	local c=(--label "rootlock.test=$RUN" --network none)
	d run -d "${c[@]}" --name "$RUN-bigusr" "$BIGUSR" sh -c \
		'mkdir -p /var/log/app && echo started >/var/log/app/app.log; trap "exit 0" TERM; while :; do sleep 1; done' >/dev/null
	for img in s6ish nonroot imgdata withvolume; do
		d run -d "${c[@]}" --name "$RUN-$img" "rootlock-test/$img" >/dev/null
	done
	d run -d "${c[@]}" --name "$RUN-nginx" rootlock-test/nginx >/dev/null
	d run -d "${c[@]}" --name "$RUN-redis" rootlock-test/redis >/dev/null
	# A root container whose program is found on the PATH, in a merged /usr.
	d run -d "${c[@]}" --name "$RUN-path" --entrypoint sleep rootlock-test/redis 1000 >/dev/null
	local i
	for i in $(seq 100); do
		d exec "$RUN-bigusr" test -s /var/log/app/app.log 2>/dev/null &&
			d logs "$RUN-nonroot" 2>&1 | grep -q 'nonroot: up' &&
			d logs "$RUN-s6ish" 2>&1 | grep -q 's6ish: up' &&
			d logs "$RUN-imgdata" 2>&1 | grep -q 'imgdata: up' &&
			d logs "$RUN-withvolume" 2>&1 | grep -q 'withvolume: up' &&
			d exec "$RUN-nginx" test -s /run/nginx.pid 2>/dev/null &&
			d exec "$RUN-redis" redis-cli ping 2>/dev/null | grep -q PONG &&
			break
		sleep 0.1
	done
}

teardown_file() {
	local ids
	ids=$(d ps -aq --filter "label=rootlock.test=$RUN")
	[ -z "$ids" ] || d rm -f -v $ids >/dev/null
}

# The archive bytes plan read, from its stderr line.
tree_bytes() { sed -n 's/^rootlock plan: tree of [0-9]* entries from \([0-9]*\) archive bytes.*/\1/p' <<<"$1"; }

@test "plan-tree: a 300 MB file under /usr is never read" {
	ROOTLOCK_PLAN_TREE=whole run --separate-stderr rootlock plan -H "unix://$SOCK" --timeout 0 --format json "$RUN-bigusr"
	[ "$status" -eq 0 ]
	whole=$(tree_bytes "$stderr")
	[ "$whole" -gt 300000000 ]
	whole_plan=$output
	ROOTLOCK_PLAN_TREE=parts run --separate-stderr rootlock plan -H "unix://$SOCK" --format json "$RUN-bigusr"
	[ "$status" -eq 0 ]
	parts=$(tree_bytes "$stderr")
	echo "whole tree: $whole bytes; by parts: $parts bytes" >&2
	[ -n "$parts" ] && [ "$parts" -lt 10000000 ]
	# And the plan it makes is the one it made before.
	[ "$output" = "$whole_plan" ]
	jq -e '.plans[0].mounts[] | select(.target == "/var/log/app" or .target == "/var")' <<<"$output" >/dev/null
}

@test "plan-tree: every plan is the same whether the tree is read whole or by parts" {
	local name whole parts
	for name in s6ish nonroot imgdata withvolume nginx redis path; do
		whole=$(ROOTLOCK_PLAN_TREE=whole rootlock plan -H "unix://$SOCK" --timeout 0 --format json "$RUN-$name" 2>/dev/null) || true
		parts=$(ROOTLOCK_PLAN_TREE=parts rootlock plan -H "unix://$SOCK" --format json "$RUN-$name" 2>/dev/null) || true
		[ -n "$whole" ] || { echo "no plan for $name" >&2; return 1; }
		if [ "$whole" != "$parts" ]; then
			echo "plans differ for $name:" >&2
			diff <(echo "$whole") <(echo "$parts") >&2
			return 1
		fi
	done
}
