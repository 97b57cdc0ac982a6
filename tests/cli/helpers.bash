# SPDX-License-Identifier: MIT
# Shared by the bats files: the binary under test and small waiting helpers.

ROOTLOCK=${ROOTLOCK_BIN:-$BATS_TEST_DIRNAME/../../build/rootlock}
REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

rootlock() { "$ROOTLOCK" "$@"; }

# Wait (bounded) until a file exists: a condition, not a sleep.
wait_for_file() {
	local f=$1 i
	for ((i = 0; i < 200; i++)); do
		[ -e "$f" ] && return 0
		sleep 0.05
	done
	echo "timed out waiting for $f" >&2
	return 1
}

# wait_until TENTHS CMD...: CMD until it succeeds, at most TENTHS tenths of a
# second. On timeout a file's diagnose_timeout (when it has one) says more.
wait_until() {
	local tries=$1 i
	shift
	for ((i = 0; i < tries; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for: $*" >&2
	! declare -F diagnose_timeout >/dev/null || diagnose_timeout >&2
	return 1
}

# remove_labelled VALUE: every container with rootlock.test=VALUE on the engine d talks to.
remove_labelled() {
	local ids
	ids=$(d ps -aq --filter "label=rootlock.test=$1" 2>/dev/null) || true
	[ -z "$ids" ] || d rm -f $ids >/dev/null 2>&1 || true
}

# Start the fake engine in MODE on a fresh socket; sets FAKE_SOCK and FAKE_PID.
start_fake_engine() {
	FAKE_SOCK=$BATS_TEST_TMPDIR/fake.sock
	rm -f "$FAKE_SOCK" "$FAKE_SOCK.ready"
	python3 "$REPO/tests/helpers/fake-engine" "$FAKE_SOCK" "$1" 3>&- &
	FAKE_PID=$!
	wait_for_file "$FAKE_SOCK.ready"
}

stop_fake_engine() {
	if [ -n "${FAKE_PID:-}" ]; then
		kill "$FAKE_PID" 2>/dev/null || true
		wait "$FAKE_PID" 2>/dev/null || true
	fi
}

# The Docker Engine the tests run on (scripts/engine's ROOTLOCK_ENGINE_VERSION).
engine_version() { echo "${ROOTLOCK_ENGINE_VERSION:-20}"; }

# versioned_dir BASE: BASE on Engine 20, BASE-26 on 26, so that the runs on
# each engine never share an engine dir (nor its data).
versioned_dir() {
	if [ "$(engine_version)" = 20 ]; then echo "$1"; else echo "$1-$(engine_version)"; fi
}

# The sandbox engine's socket, started by tests/run-all (or by hand).
engine_sock() {
	echo "${ROOTLOCK_ENGINE_DIR:-$(versioned_dir /var/tmp/rootlock-test-engine)}/docker.sock"
}

# export DOCKER: the docker client users of the engine under test run. On
# Engine 26 that is the one in its tree (Debian 13's, API 1.45: creates use
# that version's semantics); else the distro client when there is one.
pick_docker() {
	local tree
	if [ "$(engine_version)" = 26 ] && tree=$("$REPO/scripts/engine26-tree" --path) &&
		"$tree/usr/bin/docker" --version >/dev/null 2>&1; then
		export DOCKER=$tree/usr/bin/docker
	elif [[ -x /usr/bin/docker ]]; then
		export DOCKER=/usr/bin/docker
	else
		export DOCKER=docker
	fi
}

# For setup_file: export SOCK and DOCKER (pick_docker), or say how to start
# the sandbox engine and fail.
use_sandbox_engine() {
	export SOCK=$(engine_sock)
	pick_docker
	[ -S "$SOCK" ] || {
		echo "no sandbox engine at $SOCK: run 'scripts/engine start' (tests/run-all does)" >&2
		return 1
	}
	note_try_baseline
}

# What try left on the engine before this file began: a run cut off by the
# engine stopping under it (its clone removed by a teardown, its named
# volumes not) is no leak of this file's tests. assert_no_leftovers looks
# past these and only these.
try_leftovers() {
	d ps -aq --no-trunc --filter label=rootlock.try
	d volume ls -q | grep '^rootlock-try-' || true
}
note_try_baseline() {
	TRY_BASELINE=$(try_leftovers | sort | tr '\n' ' ')
	export TRY_BASELINE
	[ -z "$TRY_BASELINE" ] ||
		echo "# already on the engine before these tests, left by an earlier run: $TRY_BASELINE" >&3
}

# The docker CLI on the sandbox engine.
d() { "$DOCKER" -H "unix://$SOCK" "$@"; }

# Fail with a clear message when a control character reached the output.
assert_no_raw_control() {
	if printf '%s' "$1" | LC_ALL=C grep -qP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]'; then
		echo "raw control character in output:" >&2
		printf '%s' "$1" | od -c | head -20 >&2
		return 1
	fi
}

# Nothing from the caller's docker setup may leak into a test of an engine of our own.
clean_env() {
	unset DOCKER_HOST DOCKER_CONTEXT DOCKER_TLS DOCKER_TLS_VERIFY DOCKER_CERT_PATH
	export DOCKER_CONFIG=$BATS_FILE_TMPDIR/docker-config
	mkdir -p "$DOCKER_CONFIG"
}

# pick_port PORT: PORT when dockerd could listen there, else a free one.
# SO_REUSEADDR as Go's listener does, so TIME_WAIT from a past run is no bar.
pick_port() {
	python3 -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "$1"
}

# Nothing left behind by try on the engine d talks to: no clone, no learning
# container, no volume.
assert_no_leftovers() {
	local x new=""
	for x in $(try_leftovers); do
		[[ " ${TRY_BASELINE:-} " == *" $x "* ]] || new+="$x "
	done
	[ -z "$new" ] || {
		echo "left behind by try: $new" >&2
		d ps -a --filter label=rootlock.try >&2
		d volume ls >&2
		return 1
	}
}

# export COMPOSE: Docker Compose v2 (Debian 13's docker-compose 2.26, a
# binary that runs on Debian 12) from the tree scripts/engine26-tree makes
# and caches (it makes it when missing, as root). Fails with a clear line
# when there is none.
use_compose() {
	local tree c
	tree=$("$REPO/scripts/engine26-tree" --path 2>/dev/null) || tree=$("$REPO/scripts/engine26-tree") || tree=
	for c in "$tree"/usr/libexec/docker/cli-plugins/docker-compose \
		"${ROOTLOCK_ENGINE26_CACHE:-/var/tmp/rootlock-trixie-cache}"/trixie-minbase-*/usr/libexec/docker/cli-plugins/docker-compose; do
		if [ -x "$c" ] && "$c" version >/dev/null 2>&1; then
			export COMPOSE=$c
			return 0
		fi
	done
	echo "no docker-compose: scripts/engine26-tree makes the Debian 13 tree that holds it (as root)" >&2
	return 1
}

# Compose on the sandbox engine.
dc() { DOCKER_HOST="unix://$SOCK" "$COMPOSE" "$@"; }

# The options src/cmd-CMD.c accepts: each name in its getopt_long table (the
# engine's from ENGINE_LONG_OPTIONS in commands.h when the table has them) as
# --name, and each letter of its short-option string as -x.
source_options() {
	local src=$REPO/src/cmd-$1.c table
	table=$(awk '/^static const struct option [a-z_]+\[\] = \{/,/^\};/' "$src")
	{
		grep -oE '\{"[a-z-]+"' <<<"$table" | sed 's/{"/--/; s/"$//'
		if grep -q ENGINE_LONG_OPTIONS <<<"$table"; then
			awk '/^#define ENGINE_LONG_OPTIONS/,/^$/' "$REPO/src/commands.h" |
				grep -oE '"[a-z-]+", (no|required)_argument' | sed -E 's/^"/--/; s/",.*//'
		fi
		grep -oE 'getopt_long\(argc, argv, "[^"]*"' "$src" | sed -E 's/.*"(.*)"/\1/' |
			tr -d ':' | grep -oE '[a-zA-Z]' | sed 's/^/-/'
	} | sort -u
}

# The options a command's --help lists (option lines are indented at most six).
help_options() {
	"$ROOTLOCK" "$@" --help | grep -E '^ {2,6}-' | sed -E 's/^ +//; s/ {3,}.*//' |
		grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z-]*' | tr -d ' ,' | sort -u
}
