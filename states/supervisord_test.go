package states

import (
	"os"
	"path/filepath"
	"testing"
)

// fakeSupervisorctl answers as supervisorctl 4.2.5 (Debian 12's) does,
// checked in a container, from a directory of programs (one file each,
// holding its state) given as -c: status lists them sorted and exits 3
// when one is not RUNNING; start of a running program prints "ERROR
// (already started)" and add of a known one "ERROR: process group
// already active", both exiting 0.
const fakeSupervisorctl = `#!/bin/sh
[ "$1" = -c ] || { echo "no -c" >&2; exit 2; }
dir=$2; cmd=$3; name=$4
case $cmd in
status)
	rc=0
	for f in $(ls "$dir" | sort); do
		st=$(cat "$dir/$f")
		if [ "$st" = RUNNING ]; then info="pid 42, uptime 0:01:00"; else info="Dec 07 04:00 PM"; rc=3; fi
		printf '%-32s %-9s %s\n' "$f" "$st" "$info"
	done
	exit $rc;;
start)
	if [ "$(cat "$dir/$name")" = RUNNING ]; then echo "$name: ERROR (already started)"; exit 0; fi
	echo RUNNING > "$dir/$name"; echo "$name: started";;
stop)
	echo STOPPED > "$dir/$name"; echo "$name: stopped";;
restart)
	echo RUNNING > "$dir/$name"; echo "$name: stopped"; echo "$name: started";;
reread)
	echo "No config updates to processes";;
add)
	if [ -f "$dir/$name" ]; then echo "ERROR: process group already active"; exit 0; fi
	echo RUNNING > "$dir/$name"; echo "$name: added process group";;
esac
`

func fidSupervisor(fun, name string, args map[string]any, progs map[string]string) func(t *testing.T) func(bool) Result {
	return func(t *testing.T) func(bool) Result {
		bin := filepath.Join(t.TempDir(), "supervisorctl")
		if err := os.WriteFile(bin, []byte(fakeSupervisorctl), 0o755); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		for p, st := range progs {
			fileWriteT(t, filepath.Join(dir, p), st+"\n")
		}
		a := map[string]any{"bin_env": bin, "conf_file": dir}
		for k, v := range args {
			a[k] = v
		}
		root := fileTestRoot(t)
		return func(test bool) Result { return fileCall(t, root, fun, name, a, test) }
	}
}

func TestSaltFidelitySupervisord(t *testing.T) {
	fidRunAll(t, []fidCase{{
		name:   "supervisord.running: a stopped program started",
		salt:   "states/supervisord.py running(); modules/supervisord.py status(), start(), _get_return()",
		setup:  fidSupervisor("supervisord.running", "web", nil, map[string]string{"api": "RUNNING", "web": "STOPPED"}),
		test:   fidW(None, "Service web will be started", map[string]any{"web": "Starting service: web"}),
		real:   fidW(True, "Starting service: web", map[string]any{"web": "Starting service: web"}),
		rerun:  fidW(True, "Not starting already running service: web", nil),
		retest: fidW(True, "Service web is already running", nil),
	}, {
		// supervisorctl status exits 3 with a program stopped, and Salt's
		// _get_return puts "ERROR: " before the first line: that program
		// reads as unknown, and is "added" (add says the group is
		// already active, which _check_error takes as success).
		name:   "supervisord.running: the first program listed is stopped",
		salt:   "running(): to_add from status()'s \"ERROR:\" key; add(), start()",
		setup:  fidSupervisor("supervisord.running", "api", nil, map[string]string{"api": "STOPPED", "web": "RUNNING"}),
		test:   fidW(None, "Service api will be added and started", map[string]any{"api": "Adding service: api Starting: api"}),
		real:   fidW(True, "Starting: api", map[string]any{"api": "Adding service: api Starting: api"}),
		rerun:  fidW(True, "Not starting already running service: api", nil),
		retest: fidW(True, "Service api is already running", nil),
	}, {
		name:  "supervisord.running: restart",
		salt:  "running(restart=True)",
		setup: fidSupervisor("supervisord.running", "web", map[string]any{"restart": true}, map[string]string{"web": "RUNNING"}),
		test:  fidW(None, "Service web will be restarted", map[string]any{"web": "Restarting service: web"}),
		real:  fidW(True, "Restarting service: web", map[string]any{"web": "Restarting service: web"}),
	}, {
		name:   "supervisord.dead: a running program stopped",
		salt:   "states/supervisord.py dead(); modules/supervisord.py stop()",
		setup:  fidSupervisor("supervisord.dead", "web", nil, map[string]string{"api": "RUNNING", "web": "RUNNING"}),
		test:   fidW(None, "Service web is set to be stopped", map[string]any{"web": "Stopping service: web"}),
		real:   fidW(True, "Stopping service: web", map[string]any{"web": "Stopping service: web"}),
		rerun:  fidW(True, "Service web is not running", nil),
		retest: fidW(True, "Service web is not running", nil),
	}, {
		name:  "supervisord.dead: no such program",
		salt:  "dead(), the doesn't-exist branch",
		setup: fidSupervisor("supervisord.dead", "nope", nil, map[string]string{"web": "RUNNING"}),
		test:  fidW(True, "Service nope doesn't exist", nil),
		real:  fidW(True, "Service nope doesn't exist", nil),
	}, {
		name:  "supervisord.running: no supervisorctl in bin_env",
		salt:  "modules/supervisord.py _get_supervisorctl_bin(): CommandNotFoundError",
		setup: fidSupervisor("supervisord.running", "web", map[string]any{"bin_env": "/"}, nil),
		test:  fidW(False, "Could not find a `supervisorctl` binary", nil),
	}})
}
