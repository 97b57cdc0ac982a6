# SPDX-License-Identifier: MIT
# The real servers (Debian packages, images from scripts/test-images) that
# tests/cli/realservers.bats and bench/servers prove read-only with
# `rootlock try`. One table: server -> image, the port it listens on, and a
# probe that makes it write and reads the data back. Probes are sh -c code
# run inside the container (docker exec, or try --exec): nothing is ever
# sent to a container address.
#
# Needs: d (the docker CLI on the engine) and RUN (a name prefix).
# The probes are sh code for the container: nothing expands here.
# shellcheck disable=SC2016,SC2034

REALSERVERS=(nginx redis apache2 lighttpd postgresql mariadb unbound haproxy squid varnish
	memcached mosquitto s6 pyapp)

declare -gA RS_PORT RS_PROBE
# Each image is rootlock-test/<server>. Its port: TCP, except unbound (UDP).
RS_PORT=([nginx]=80 [redis]=6379 [apache2]=80 [lighttpd]=80 [postgresql]=5432 [mariadb]=3306
	[unbound]=53 [haproxy]=8080 [squid]=3128 [varnish]=6081 [memcached]=11211 [mosquitto]=1883
	[s6]=8000 [pyapp]=8000)

# Write, then read back what was written. Each may run many times.
RS_PROBE[nginx]='head -c 1000000 /dev/zero | curl -sfS --data-binary @- http://127.0.0.1:8080/upload | grep -qx stored &&
	grep -q "POST /upload" /var/log/nginx/access.log'
RS_PROBE[redis]='redis-cli SET rootlock written >/dev/null && redis-cli SAVE | grep -qx OK &&
	redis-cli GET rootlock | grep -qx written'
RS_PROBE[apache2]='echo written | curl -sfS -T - http://127.0.0.1/dav/probe.txt -o /dev/null &&
	curl -sfS http://127.0.0.1/dav/probe.txt | grep -qx written'
RS_PROBE[lighttpd]='curl -sfS -o /dev/null "http://127.0.0.1/?rootlock-probe" &&
	grep -q "rootlock-probe" /var/log/lighttpd/access.log'
RS_PROBE[postgresql]='runuser -u postgres -- psql -qAt -v ON_ERROR_STOP=1 -c "CREATE TABLE IF NOT EXISTS probe (v text)" \
	-c "INSERT INTO probe VALUES ('"'written'"')" -c "CHECKPOINT" -c "SELECT DISTINCT v FROM probe" | grep -qx written'
RS_PROBE[mariadb]='mariadb -N -e "CREATE DATABASE IF NOT EXISTS probe; CREATE TABLE IF NOT EXISTS probe.t (v VARCHAR(20));
	INSERT INTO probe.t VALUES ('"'written'"'); SELECT DISTINCT v FROM probe.t" | grep -qx written'
RS_PROBE[unbound]='unbound-control local_data probe.rootlock.test. 300 IN A 192.0.2.7 | grep -qx ok &&
	dig +short @127.0.0.1 probe.rootlock.test | grep -qx 192.0.2.7'
RS_PROBE[haproxy]='echo "add map /etc/haproxy/kv.map /probe written" | socat - UNIX-CONNECT:/run/haproxy/admin.sock >/dev/null &&
	curl -sfS http://127.0.0.1:8080/probe | grep -qx written'
RS_PROBE[squid]='curl -sfS http://127.0.0.1:3128/squid-internal-mgr/info | grep -q "Squid Object Cache" &&
	for i in $(seq 50); do grep -q "squid-internal-mgr/info" /var/log/squid/access.log && exit 0; sleep 0.1; done; exit 1'
# A new VCL, compiled to a shared object and loaded, then answering.
RS_PROBE[varnish]='vcl=probe$(date +%s%N) &&
	{ echo "vcl.inline $vcl << EOVCL"; sed s/v1/written/ /etc/varnish/rootlock.vcl; echo EOVCL; echo "vcl.use $vcl"; } |
	varnishadm >/dev/null && curl -sfS http://127.0.0.1:6081/ | grep -qx written'
RS_PROBE[memcached]='printf "set probe 0 0 7\r\nwritten\r\nget probe\r\nquit\r\n" | nc -N 127.0.0.1 11211 |
	grep -q "^written"'
RS_PROBE[mosquitto]='mosquitto_pub -h 127.0.0.1 -q 1 -r -t rootlock/probe -m written &&
	mosquitto_sub -h 127.0.0.1 -t rootlock/probe -C 1 -W 5 | grep -qx written'
RS_PROBE[s6]='curl -sfS -o /dev/null "http://127.0.0.1:8000/?rootlock-probe" &&
	for i in $(seq 50); do grep -q rootlock-probe /var/log/web/current && exit 0; sleep 0.1; done; exit 1'
RS_PROBE[pyapp]='curl -sfS -d written http://127.0.0.1:8000/notes | grep -qx stored &&
	curl -sfS http://127.0.0.1:8000/notes | grep -qx written'

# rs_listening SERVER: sh code true once the server listens on its port
# (read from /proc/net, so it sends no traffic).
rs_listening() {
	printf 'cat /proc/net/tcp /proc/net/tcp6 /proc/net/udp | awk '\''$2 ~ /:%04X$/ && ($4 == "0A" || $4 == "07") { f = 1 } END { exit !f }'\''' \
		"${RS_PORT[$1]}"
}

# rs_wait C CODE [SECONDS]: run CODE in C until it succeeds, while C runs.
rs_wait() {
	local c=$1 code=$2 deadline=$((SECONDS + ${3:-60}))
	while ((SECONDS < deadline)); do
		d exec "$c" sh -c "$code" >/dev/null 2>&1 && return 0
		[ "$(d inspect -f '{{.State.Running}}' "$c" 2>/dev/null)" = true ] || break
		sleep 0.2
	done
	echo "'$code' never succeeded in $c (running: $(d inspect -f '{{.State.Status}}' "$c" 2>&1)); its log:" >&2
	d logs "$c" 2>&1 | tail -n 20 >&2
	return 1
}

# rs_wait_ready C SERVER: ready by its own account, with no traffic: healthy
# when the image has a HEALTHCHECK, else listening on its port.
rs_wait_ready() {
	local c=$1 deadline=$((SECONDS + 60)) h
	if [ -n "$(d inspect -f '{{if .Config.Healthcheck}}y{{end}}' "$c")" ]; then
		while ((SECONDS < deadline)); do
			h=$(d inspect -f '{{.State.Health.Status}}' "$c" 2>/dev/null)
			[ "$h" = healthy ] && return 0
			[ "$(d inspect -f '{{.State.Running}}' "$c" 2>/dev/null)" = true ] || break
			sleep 0.2
		done
		echo "$c never became healthy ($h); its log:" >&2
		d logs "$c" 2>&1 | tail -n 20 >&2
		return 1
	fi
	rs_wait "$c" "$(rs_listening "$2")"
}

# rs_start NAME SERVER: start it writable as a user would (its entrypoint,
# the engine's default network).
rs_start() {
	d run -d --label "rootlock.test=$RUN" --name "$1" "rootlock-test/$2:latest" >/dev/null
}

# rs_remove NAME: the container and every volume it had (anonymous ones,
# and the named ones its run line made).
rs_remove() {
	local vols v
	vols=$(d inspect -f '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}' "$1" 2>/dev/null) || return 0
	d rm -f -v "$1" >/dev/null
	for v in $vols; do d volume rm "$v" >/dev/null 2>&1 || true; done
}
