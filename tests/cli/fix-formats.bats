#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# rootlock fix -f on Quadlet units and Kubernetes manifests, without an
# engine: the diff applies with git apply and patch -p1, --write gives a file
# that rootlock lint passes as read-only with the planned mounts, a second
# fix finds nothing to do, and bad input writes nothing.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_TMPDIR"
	cat >plan.json <<-'EOF'
		{"plans": [{"container": "web", "image": "docker.io/library/nginx:1.25",
		  "mounts": [
		    {"type": "tmpfs", "target": "/run", "basis": "seen",
		     "options": "mode=0755,size=64m", "why": "pid file"},
		    {"type": "tmpfs", "target": "/var/cache/nginx", "basis": "seen",
		     "options": "mode=0755,uid=101,gid=101,size=64m", "why": "cache"},
		    {"type": "volume", "target": "/var/lib/app", "basis": "seen",
		     "volume": "web-var-lib-app", "why": "data"}]}]}
	EOF
	printf '# the web server\r\n[Unit]\r\nDescription=web\r\n\r\n[Container]\r\nImage=nginx:1.25\r\nReadOnly=false\r\n; port\r\nPublishPort=8080:80\r\n\r\n[Install]\r\nWantedBy=default.target\r\n' >web.container
	cat >k8s.yaml <<-'EOF'
		# web, as deployed
		apiVersion: apps/v1
		kind: Deployment
		metadata:
		  name: web
		spec:
		  template:
		    spec:
		      containers:
		        - name: web
		          image: nginx:1.25   # pinned
		          ports:
		            - containerPort: 80
		---
		apiVersion: v1
		kind: Service
		metadata: {name: web}
		spec: {ports: [{port: 80}]}
	EOF
}

@test "fix -f on a Quadlet unit: a diff patch -p1 applies, --write, lint passes it, a second fix finds nothing" {
	cp web.container orig.container
	run --separate-stderr rootlock fix --plan plan.json -f web.container
	echo "$output"
	[ "$status" -eq 1 ]
	echo "$output" >fix.diff
	git init -q g && cp orig.container g/web.container
	(cd g && git apply ../fix.diff)
	mkdir -p pp && cp orig.container pp/web.container
	(cd pp && patch -s -p1 <../fix.diff)
	cmp g/web.container pp/web.container
	cmp web.container orig.container

	run rootlock fix --plan plan.json -f web.container --write
	[ "$status" -eq 1 ]
	cmp web.container g/web.container
	# Every other byte kept: CRLF, comments, the [Install] section.
	grep -q $'^ReadOnly=true\r$' web.container
	grep -q $'^Tmpfs=/var/cache/nginx:mode=0755,uid=101,gid=101,size=64m\r$' web.container
	grep -q $'^Volume=web-var-lib-app:/var/lib/app\r$' web.container
	grep -q $'^; port\r$' web.container
	[ "$(grep -c $'\r$' web.container)" -eq "$(wc -l <web.container)" ]

	run rootlock lint web.container
	echo "$output"
	[ "$status" -eq 0 ]

	run --separate-stderr rootlock fix --plan plan.json -f web.container
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "fix -f --drop-in: NAME.container.d/50-rootlock.conf with what the unit lacks, the unit untouched" {
	cp web.container orig.container
	run rootlock fix --plan plan.json -f web.container --drop-in --write
	echo "$output"
	[ "$status" -eq 1 ]
	cmp web.container orig.container
	[ -f web.container.d/50-rootlock.conf ]
	grep -q $'^\\[Container\\]\r$' web.container.d/50-rootlock.conf
	grep -q $'^ReadOnly=true\r$' web.container.d/50-rootlock.conf
	run rootlock lint web.container
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "fix -f on Kubernetes manifests: the plan's image matched as Docker does, emptyDirs, a note for the volume" {
	cp k8s.yaml orig.yaml
	run --separate-stderr rootlock fix --plan plan.json -f k8s.yaml
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[[ $stderr == *"/var/lib/app needs storage that persists: add a PersistentVolumeClaim"* ]]
	echo "$output" >fix.diff
	mkdir g && cp orig.yaml g/k8s.yaml
	(cd g && git apply ../fix.diff)

	run rootlock fix --plan plan.json -f k8s.yaml --write
	[ "$status" -eq 1 ]
	cmp k8s.yaml g/k8s.yaml
	grep -q '          image: nginx:1.25   # pinned' k8s.yaml
	grep -q 'readOnlyRootFilesystem: true' k8s.yaml
	grep -q 'sizeLimit: 64Mi' k8s.yaml
	! grep -q 'mountPath: /var/lib/app' k8s.yaml

	run rootlock lint k8s.yaml
	echo "$output"
	[ "$status" -eq 0 ]
	run --separate-stderr rootlock fix --plan plan.json -f k8s.yaml
	[ "$status" -eq 0 ]
	[ -z "$output" ]

	# Another image: nothing to change.
	run --separate-stderr rootlock fix --plan plan.json -f k8s.yaml --image redis
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "fix -f refuses a unit without [Container] and invalid YAML in one line, writing nothing" {
	printf '[Service]\nExecStart=/bin/true\n' >bad.container
	cp bad.container orig.container
	run rootlock fix --plan plan.json -f bad.container --write
	echo "$output"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == *"bad.container: no [Container] section"* ]]
	cmp bad.container orig.container

	printf 'apiVersion: v1\nkind: Pod\nspec: {containers: [\n' >bad.yaml
	cp bad.yaml orig.yaml
	run rootlock fix --plan plan.json -f bad.yaml --write
	echo "$output"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 1 ]
	cmp bad.yaml orig.yaml
	[ -z "$(ls -A | grep rootlock- || true)" ]
}
