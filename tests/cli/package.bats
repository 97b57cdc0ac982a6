#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# make install and make uninstall, the Debian package (built, judged by
# lintian, installed and purged), and the bash and zsh completions. None of it
# needs an engine: it runs once, on the plain build's first engine pass.
# make install builds in a build dir of its own, the package in a copy of the
# tree (scripts/build-deb): nothing here reads or changes ./build.

load helpers

setup_file() {
	export PKG_TMP=$BATS_FILE_TMPDIR
	export VERSION
	VERSION=$(meson introspect --projectinfo "$REPO/meson.build" | jq -r .version)
}

# Skip unless this is the one pass that runs what needs no engine: the first
# engine, and a build without sanitizers (tests/run-all runs every file again
# under ASan, with the same scripts and the same package).
run_once() {
	[ "$(engine_version)" = 20 ] || skip "needs no engine: run once"
	if [ -x "$ROOTLOCK" ] && ldd "$ROOTLOCK" | grep -q libasan; then
		skip "needs no engine: run once, with the plain build"
	fi
	return 0
}

# make install's build dir: made here without the unit tests, which install
# does not need, and unoptimised, to keep the compile short.
install_build() {
	local b=$PKG_TMP/build
	[ -f "$b/build.ninja" ] || meson setup "$b" -Dtests=false -Dbuildtype=plain >/dev/null
	echo "$b"
}

# Every file make install puts under DESTDIR for PREFIX=$1, one per line, sorted.
expected_files() {
	local prefix=$1 zsh_dir=site-functions m
	[ "$prefix" = /usr ] && zsh_dir=vendor-completions
	{
		echo "$prefix/bin/rootlock"
		for m in "$REPO"/man/*.1; do echo "$prefix/share/man/man1/$(basename "$m")"; done
		echo "$prefix/share/bash-completion/completions/rootlock"
		echo "$prefix/share/zsh/$zsh_dir/_rootlock"
	} | sort
}

files_under() { (cd "$1" && find . -type f -o -type l | sed 's|^\.||' | sort); }

@test "install: make install DESTDIR=... PREFIX=/usr puts the binary, every man page and both completions in place, and the binary runs from there" {
	run_once
	local dest=$PKG_TMP/stage-usr b
	b=$(install_build)
	run make -C "$REPO" install BUILD="$b" DESTDIR="$dest" PREFIX=/usr
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	diff <(expected_files /usr) <(files_under "$dest")
	local m
	for m in "$REPO"/man/*.1; do cmp "$m" "$dest/usr/share/man/man1/$(basename "$m")"; done
	cmp "$REPO/completions/rootlock.bash" "$dest/usr/share/bash-completion/completions/rootlock"
	cmp "$REPO/completions/_rootlock" "$dest/usr/share/zsh/vendor-completions/_rootlock"
	[ -x "$dest/usr/bin/rootlock" ]
	run "$dest/usr/bin/rootlock" --version
	[ "$status" -eq 0 ]
	[ "$output" = "rootlock $VERSION" ]
}

@test "install: make uninstall with the same PREFIX and DESTDIR removes exactly what install put there" {
	run_once
	local dest=$PKG_TMP/stage-uninstall b
	b=$(install_build)
	run make -C "$REPO" install BUILD="$b" DESTDIR="$dest" PREFIX=/usr
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# Files of others, beside ours, in the same directories.
	echo other >"$dest/usr/bin/other"
	echo other >"$dest/usr/share/man/man1/other.1"
	echo other >"$dest/usr/share/bash-completion/completions/other"
	run make -C "$REPO" uninstall BUILD="$b" DESTDIR="$dest" PREFIX=/usr
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	diff <(printf '%s\n' /usr/bin/other /usr/share/bash-completion/completions/other \
		/usr/share/man/man1/other.1) <(files_under "$dest")
	# Again: nothing left to remove is no error.
	run make -C "$REPO" uninstall BUILD="$b" DESTDIR="$dest" PREFIX=/usr
	[ "$status" -eq 0 ]
}

@test "install: the default PREFIX is /usr/local, and zsh's completion goes where Debian's zsh reads there (site-functions)" {
	run_once
	local dest=$PKG_TMP/stage-local b
	b=$(install_build)
	run make -C "$REPO" install BUILD="$b" DESTDIR="$dest"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	diff <(expected_files /usr/local) <(files_under "$dest")
	run "$dest/usr/local/bin/rootlock" --version
	[ "$output" = "rootlock $VERSION" ]
	# Both places are on the fpath of Debian's zsh, where the package and
	# make install put the file.
	if command -v zsh >/dev/null; then
		run zsh -fc 'print -l $fpath'
		[[ $output == *"/usr/local/share/zsh/site-functions"* ]]
		[[ $output == *"/usr/share/zsh/vendor-completions"* ]]
	fi
}

# --- the Debian package ----------------------------------------------------------------

# Build the package once for the tests below: the unit tests are left to
# make test (nocheck), no debug symbols package, two jobs.
build_deb() {
	DEB=$PKG_TMP/deb/rootlock_${VERSION}_$(dpkg-architecture -qDEB_HOST_ARCH).deb
	[ -f "$DEB" ] && return 0
	command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null ||
		skip "dpkg-dev and debhelper are not installed (scripts/install-deps installs them)"
	local before="" beside
	git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1 && before=$(git -C "$REPO" status --porcelain)
	beside=$(ls -d "$REPO"/../rootlock_* "$REPO"/../rootlock-dbgsym_* 2>/dev/null || true)
	local start=$SECONDS
	run env DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=2" make -C "$REPO" deb DEB_OUT="$PKG_TMP/deb"
	echo "# make deb: ${status} in $((SECONDS - start)) s" >&3
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	echo "$output" >"$PKG_TMP/deb/make.log"
	[ -f "$DEB" ]
	if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
		[ "$(git -C "$REPO" status --porcelain)" = "$before" ]
	fi
	# Nothing beside the checkout either (dpkg-buildpackage's ../*.deb).
	[ "$(ls -d "$REPO"/../rootlock_* "$REPO"/../rootlock-dbgsym_* 2>/dev/null || true)" = "$beside" ]
}

@test "deb: dpkg-buildpackage builds it from a copy of the tree, lintian reports no error or warning, the checkout is left as it was" {
	run_once
	build_deb
	[ -f "$PKG_TMP/deb/rootlock_${VERSION}_$(dpkg-architecture -qDEB_HOST_ARCH).changes" ]
	# make deb ran lintian, and fails on an error or a warning.
	if command -v lintian >/dev/null; then
		run grep -E "^[EW]: |lintian is not installed" "$PKG_TMP/deb/make.log"
		[ "$status" -eq 1 ] || { echo "$output"; false; }
	fi
}

@test "deb: it holds the binary, every man page, both completions and the copyright, and its Depends come from shlibs" {
	run_once
	build_deb
	[ "$(dpkg-deb -f "$DEB" Package)" = rootlock ]
	[ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ]
	# The changelog's version is meson's.
	[ "$(dpkg-parsechangelog -l "$REPO/debian/changelog" -SVersion)" = "$VERSION" ]
	local m want
	want=$({
		echo /usr/bin/rootlock
		for m in "$REPO"/man/*.1; do echo "/usr/share/man/man1/$(basename "$m").gz"; done
		echo /usr/share/bash-completion/completions/rootlock
		echo /usr/share/zsh/vendor-completions/_rootlock
		echo /usr/share/doc/rootlock/changelog.gz
		echo /usr/share/doc/rootlock/copyright
	} | sort)
	diff <(echo "$want") <(dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' | sort)
	local depends
	depends=$(dpkg-deb -f "$DEB" Depends)
	echo "Depends: $depends"
	[[ $depends != *'${'* ]]
	local lib
	for lib in libc6 libcurl4 libjansson4 libyaml-0-2 libarchive13 libmicrohttpd12; do
		[[ $depends == *"$lib "* || $depends == *"$lib," || $depends == *"$lib" ]]
	done
}

# Installed by the test: purge it again whatever happened.
teardown() {
	if [ -n "${DEB_INSTALLED:-}" ]; then
		dpkg --purge rootlock >/dev/null 2>&1 || true
	fi
}

@test "deb: dpkg -i installs it (rootlock --version, man -w, the completion completes), dpkg --purge leaves nothing of it" {
	run_once
	[ "$(id -u)" -eq 0 ] || skip "dpkg -i needs root"
	if dpkg-query -W -f='${Status}' rootlock 2>/dev/null | grep -q 'installed'; then
		skip "a rootlock package is already installed on this machine: this test would replace it, then purge it"
	fi
	local f
	for f in /usr/bin/rootlock /usr/share/man/man1/rootlock.1.gz \
		/usr/share/bash-completion/completions/rootlock /usr/share/zsh/vendor-completions/_rootlock; do
		[ ! -e "$f" ] || skip "$f is there already (a make install with PREFIX=/usr?): the package would take it over"
	done
	build_deb
	local files
	files=$(dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }')
	DEB_INSTALLED=1
	run dpkg -i "$DEB"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run /usr/bin/rootlock --version
	[ "$output" = "rootlock $VERSION" ]
	run man -w rootlock
	[ "$output" = /usr/share/man/man1/rootlock.1.gz ]
	run man -w rootlock-audit
	[ "$output" = /usr/share/man/man1/rootlock-audit.1.gz ]
	for f in $files; do [ -f "$f" ]; done
	# bash-completion finds the completion on its own, by the command's name.
	if [ -f /usr/share/bash-completion/bash_completion ]; then
		run bash -c 'source /usr/share/bash-completion/bash_completion
			__load_completion rootlock || exit 1
			COMP_WORDS=(rootlock pl) COMP_CWORD=1 COMP_LINE="rootlock pl" COMP_POINT=11
			_rootlock rootlock pl rootlock
			printf "%s\n" "${COMPREPLY[@]}"'
		[ "$status" -eq 0 ]
		[ "$output" = plan ]
	fi
	run dpkg --purge rootlock
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	DEB_INSTALLED=
	run dpkg-query -W -f='${Status}' rootlock
	[[ $output != *installed* ]]
	for f in $files; do [ ! -e "$f" ]; done
	[ ! -e /usr/share/doc/rootlock ]
	[ ! -e /var/lib/dpkg/info/rootlock.list ]
}

# --- the completions -------------------------------------------------------------------

# What bash offers for LINE (the word being completed is its last, "" after a
# trailing space), split into words as readline does, "=" apart.
bash_complete() {
	local line=$1
	bash -c '
		source /usr/share/bash-completion/bash_completion
		source "$1"
		read -ra words <<<"${2//=/ = }"
		[[ $2 == *" " ]] && words+=("")
		COMP_WORDS=("${words[@]}") COMP_CWORD=$((${#words[@]} - 1))
		COMP_LINE=$2 COMP_POINT=${#2}
		_rootlock rootlock "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort -u' - "$REPO/completions/rootlock.bash" "$line"
}


@test "completion: bash completes the commands, their options and the values they take" {
	run_once
	[ -f /usr/share/bash-completion/bash_completion ] || skip "bash-completion is not installed"
	cd "$BATS_TEST_TMPDIR"
	mkdir reports && touch reports/audit.json
	run bash_complete "rootlock pl"
	[ "$output" = plan ]
	run bash_complete "rootlock audit --fo"
	[ "$output" = --format ]
	run bash_complete "rootlock audit --format j"
	[ "$output" = "$(printf '%s\n' json jsonl junit)" ]
	run bash_complete "rootlock audit --format=s"
	[ "$output" = sarif ]
	run bash_complete "rootlock plan --format "
	[ "$output" = "$(printf '%s\n' compose json run text)" ]
	run bash_complete "rootlock audit --colour n"
	[ "$output" = never ]
	run bash_complete "rootlock authz s"
	[ "$output" = serve ]
	run bash_complete "rootlock authz serve --mode "
	[ "$output" = "$(printf '%s\n' enforce warn)" ]
	run bash_complete "rootlock try -o reports/a"
	[ "$output" = reports/audit.json ]
	run bash_complete "rootlock fix --output=reports/"
	[ "$output" = reports/audit.json ]
}


@test "completion: bash and zsh offer every option of each command's option table and --help" {
	run_once
	local have_bash=1 have_zsh=1
	[ -f /usr/share/bash-completion/bash_completion ] || have_bash=
	command -v zsh >/dev/null || have_zsh=
	[ -n "$have_bash$have_zsh" ] || skip "neither bash-completion nor zsh is installed"
	local cmd lines=()
	for cmd in audit lint plan try fix watch "authz serve" "authz install"; do
		lines+=("rootlock $cmd -")
	done
	local zsh_out=""
	if [ -n "$have_zsh" ]; then
		zsh_out=$(timeout 60 "$REPO/tests/helpers/zsh-complete" "$REPO/completions" "${lines[@]}")
	fi
	for cmd in audit lint plan try fix watch authz; do
		local want line offered_bash="" offered_zsh="" o
		want=$(source_options $cmd)
		# The table was found: at least --help and one more.
		[ "$(wc -l <<<"$want")" -gt 2 ]
		[ ! -x "$ROOTLOCK" ] || want=$(sort -u <<<"$want"$'\n'"$(help_options $cmd)")
		for line in "${lines[@]}"; do
			[[ $line == "rootlock $cmd "* ]] || continue
			[ -z "$have_bash" ] || offered_bash+=$(bash_complete "$line")$'\n'
			offered_zsh+=$(awk -v l="== $line" '/^== / { on = ($0 == l); next } on' <<<"$zsh_out")$'\n'
		done
		for o in $want; do
			if [ -n "$have_bash" ] && ! grep -qxF -- "$o" <<<"$offered_bash"; then
				echo "bash: rootlock $cmd: $o is in src/cmd-$cmd.c or --help, not offered"
				false
			fi
			if [ -n "$have_zsh" ] && ! grep -qxF -- "$o" <<<"$offered_zsh"; then
				echo "zsh: rootlock $cmd: $o is in src/cmd-$cmd.c or --help, not offered"
				false
			fi
		done
	done
}

# A docker client that records its arguments and lists three containers.
fake_docker() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cat >"$BATS_TEST_TMPDIR/bin/docker" <<-EOF
		#!/bin/sh
		echo "\$*" >>"$BATS_TEST_TMPDIR/docker-args"
		printf '%s\n' web worker db
	EOF
	chmod +x "$BATS_TEST_TMPDIR/bin/docker"
	export PATH=$BATS_TEST_TMPDIR/bin:$PATH
}

@test "completion: plan, try and fix complete container names from docker ps, of the engine -H names" {
	run_once
	fake_docker
	if [ -f /usr/share/bash-completion/bash_completion ]; then
		run bash_complete "rootlock plan w"
		[ "$output" = "$(printf '%s\n' web worker)" ]
		run bash_complete "rootlock try -H unix:///run/other.sock d"
		[ "$output" = db ]
		run bash_complete "rootlock fix --write --context=prod "
		[ "$output" = "$(printf '%s\n' db web worker)" ]
		diff - "$BATS_TEST_TMPDIR/docker-args" <<-'EOF'
			ps -a --format {{.Names}}
			-H unix:///run/other.sock ps -a --format {{.Names}}
			--context=prod ps -a --format {{.Names}}
		EOF
		rm "$BATS_TEST_TMPDIR/docker-args"
	fi
	if command -v zsh >/dev/null; then
		run timeout 60 "$REPO/tests/helpers/zsh-complete" "$REPO/completions" \
			"rootlock plan w" "rootlock try -H unix:///run/other.sock d"
		[ "$status" -eq 0 ]
		diff <(echo "$output") - <<-'EOF'
			== rootlock plan w
			web
			worker
			== rootlock try -H unix:///run/other.sock d
			db
		EOF
		diff - "$BATS_TEST_TMPDIR/docker-args" <<-'EOF'
			ps -a --format {{.Names}}
			-H unix:///run/other.sock ps -a --format {{.Names}}
		EOF
	fi
	# Where there is no docker client, nothing is offered, and nothing fails.
	PATH=/usr/bin:/bin
	[ -f /usr/share/bash-completion/bash_completion ] || return 0
	if ! type -P docker >/dev/null; then
		run bash_complete "rootlock plan w"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
	fi
}

@test "completion: zsh completes the commands, their options and the values they take" {
	run_once
	command -v zsh >/dev/null || skip "zsh is not installed"
	cd "$BATS_TEST_TMPDIR"
	mkdir reports && touch reports/audit.json
	run timeout 60 "$REPO/tests/helpers/zsh-complete" "$REPO/completions" \
		"rootlock pl" "rootlock audit --fo" "rootlock audit --format=j" \
		"rootlock watch --format " "rootlock authz " "rootlock try -o rep"
	[ "$status" -eq 0 ]
	diff <(echo "$output") - <<-'EOF'
		== rootlock pl
		plan
		== rootlock audit --fo
		--format
		== rootlock audit --format=j
		json
		jsonl
		junit
		== rootlock watch --format 
		jsonl
		text
		== rootlock authz 
		--help
		install
		serve
		== rootlock try -o rep
		reports
	EOF
}
