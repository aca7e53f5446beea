#!/usr/bin/env bash
# make demo: the main job on loopback with the embedded NATS server.
#
# Starts a master and three minions (web1, web2, db1), each configuring
# its own folder (--root) so the host is left alone; accepts their keys;
# runs a highstate of examples/demo on all of them; prints the results;
# stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
BRINE=${BRINE:-$PWD/bin/brine}
TREE=$PWD/examples/demo
work=$(mktemp -d /tmp/brine-demo.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	if [ "${KEEP:-}" = 1 ]; then echo "demo: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# A free loopback port for the embedded NATS server.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 14222)

mkdir -p "$work/etc"
cat > "$work/etc/master.yaml" <<YAML
port: $port
state_dir: $work/master
file_roots: {base: [$TREE/states]}
pillar_roots: {base: [$TREE/pillar]}
YAML

say "starting the master (embedded NATS on 127.0.0.1:$port)"
"$BRINE" master -c "$work/etc" >"$work/master.log" 2>&1 &
pids+=($!)
wait_log() { # file pattern seconds
	for _ in $(seq $(( $3 * 10 ))); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	echo "demo: timed out waiting for '$2' in $1:"; tail -20 "$1"; exit 1
}
wait_log "$work/master.log" "master ready" 20

# Each minion configures an image-like folder: a skeleton /etc is enough.
start_minion() { # id grains
	local id=$1 dir=$work/$1
	mkdir -p "$dir/root/etc" "$dir/root/root"
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$dir/root/etc/passwd"
	printf 'root:x:0:\n' >"$dir/root/etc/group"
	printf '# /etc/fstab: static file system information.\nproc /proc proc defaults 0 0\n' >"$dir/root/etc/fstab"
	# The os grains read the image's os-release: this host's, for the demo.
	cp /etc/os-release "$dir/root/etc/os-release" 2>/dev/null || true
	cat >"$dir/minion.yaml" <<YAML
id: $id
master: nats://127.0.0.1:$port
state_dir: $dir/state
cache_dir: $dir/cache
root: $dir/root
grains: {$2}
YAML
	"$BRINE" minion -c "$dir" >"$dir/minion.log" 2>&1 &
	pids+=($!)
}
say "starting three minions: web1, web2 (role web) and db1 (role db)"
start_minion web1 "role: web"
start_minion web2 "role: web"
start_minion db1 "role: db"

say "accepting their keys"
for _ in $(seq 100); do
	n=$("$BRINE" key list -c "$work/etc" 2>/dev/null | grep -cE '^(web1|web2|db1)$' || true)
	[ "$n" = 3 ] && break
	sleep 0.1
done
"$BRINE" key accept -A -y -c "$work/etc"
"$BRINE" key list -c "$work/etc"
for id in web1 web2 db1; do wait_log "$work/$id/minion.log" "minion ready" 20; done

say "brine '*' test.ping"
"$BRINE" '*' test.ping -c "$work/etc" -t 10

say "brine '*' state.highstate test=True   (a dry run: nothing changes)"
"$BRINE" '*' state.highstate test=True --state-output=terse -c "$work/etc" -t 30 || true

say "brine '*' state.highstate"
rc=0
"$BRINE" '*' state.highstate -c "$work/etc" -t 30 || rc=$?

say "what web1's folder now holds"
(cd "$work/web1/root" && find . -type f | sort | sed 's/^\.//')
echo "--- /etc/motd"; cat "$work/web1/root/etc/motd"

say "someone edits web1's /etc/motd by hand; a dry run finds it, and brine drift says where"
echo "edited by hand" >>"$work/web1/root/etc/motd"
"$BRINE" '*' state.highstate test=True -c "$work/etc" -t 30 >/dev/null || true
drift=0
"$BRINE" drift -c "$work/etc" || drift=$?
[ "$drift" = 2 ] || { echo "demo: brine drift exited $drift; want 2 (drift found)" >&2; rc=1; }

say "brine '*' state.highstate again: only the hand edit is put back"
"$BRINE" '*' state.highstate --state-verbose=false -c "$work/etc" -t 30 || rc=$?
exit $rc
