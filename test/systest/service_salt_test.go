//go:build systest

package systest

import (
	"reflect"
	"strings"
	"testing"

	"github.com/brine-cm/brine/test/testbed"
)

// The service states and functions against a booted systemd, case by
// case as Salt 3006's service states and systemd_service module answer
// them (result, comment and changes of the dry run, the real run and
// the rerun).

// Units the cases use, beyond atd from the root's repository.
var svcUnits = map[string]string{
	"/etc/systemd/system/failer.service":   "[Service]\nType=oneshot\nExecStart=/bin/false\n[Install]\nWantedBy=multi-user.target\n",
	"/etc/systemd/system/sleeper.service":  "[Service]\nExecStart=/bin/sleep infinity\nExecReload=/bin/true\n[Install]\nWantedBy=multi-user.target\n",
	"/etc/systemd/system/noreload.service": "[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n",
	"/etc/systemd/system/lonely.service":   "[Service]\nExecStart=/bin/sleep infinity\n",
	"/etc/systemd/system/inst@.service":    "[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n",
	"/etc/init.d/legacy": `#!/bin/sh
### BEGIN INIT INFO
# Provides:          legacy
# Required-Start:
# Required-Stop:
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
### END INIT INFO
case "$1" in
start) start-stop-daemon --start --background --make-pidfile --pidfile /run/legacy.pid --exec /bin/sleep -- infinity ;;
stop) start-stop-daemon --stop --pidfile /run/legacy.pid --remove-pidfile --retry 5; exit 0 ;;
status) start-stop-daemon --status --pidfile /run/legacy.pid ;;
*) exit 3 ;;
esac
`,
}

type svcPhase struct {
	result  string // "True", "False", "None"
	comment string
	changes map[string]any
}

func ph(result, comment string, changes map[string]any) *svcPhase {
	return &svcPhase{result, comment, changes}
}

func TestServiceStatesSaltInContainer(t *testing.T) {
	c := bootWithBrine(t, testbed.Systemd)
	run(t, c, "sh", "-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y -q at >/dev/null")
	if err := c.WriteFiles(svcUnits); err != nil {
		t.Fatal(err)
	}
	run(t, c, "chmod", "755", "/etc/init.d/legacy")
	run(t, c, "systemctl", "daemon-reload")

	cases := []struct {
		name  string
		setup []string // shell commands run first
		sls   string
		// state is the key prefix of the result checked.
		state               string
		test, real, rerun   *svcPhase
		after, afterEnabled string // is-active and is-enabled after the real run
		unit                string
	}{{
		name:  "stopped and disabled, enable: True",
		setup: []string{"systemctl stop atd", "systemctl disable atd"},
		sls:   "atd:\n  service.running:\n    - enable: True\n",
		state: "service_|-atd_|-atd_|-running",
		test:  ph("None", "Service atd is set to start", map[string]any{"atd": true}),
		real:  ph("True", "Service atd has been enabled, and is running", map[string]any{"atd": true}),
		rerun: ph("True", "The service atd is already running", nil),
		unit:  "atd", after: "active", afterEnabled: "enabled",
	}, {
		name:  "running and enabled, enable: False",
		sls:   "atd:\n  service.running:\n    - enable: False\n",
		state: "service_|-atd_|-atd_|-running",
		test:  ph("None", "Service atd set to be disabled", map[string]any{"atd": true}),
		real:  ph("True", "Service atd has been disabled, and is in the desired state", map[string]any{"atd": true}),
		rerun: ph("True", "The service atd is already running", nil),
		unit:  "atd", after: "active", afterEnabled: "disabled",
	}, {
		name:  "a unit whose start fails: systemctl's words",
		sls:   "failer:\n  service.running: []\n",
		state: "service_|-failer_|-failer_|-running",
		test:  ph("None", "Service failer is set to start", map[string]any{"failer": true}),
		real: ph("False", "Job for failer.service failed because the control process exited with error code.\n"+
			"See \"systemctl status failer.service\" and \"journalctl -xeu failer.service\" for details.", nil),
		unit: "failer", after: "failed",
	}, {
		name:  "masked, no unmask: None under test, systemctl's error for real",
		setup: []string{"systemctl stop atd", "systemctl mask atd"},
		sls:   "atd:\n  service.running: []\n",
		state: "service_|-atd_|-atd_|-running",
		test:  ph("None", "Service atd is set to start", map[string]any{"atd": true}),
		real:  ph("False", "Failed to start atd.service: Unit atd.service is masked.", nil),
		unit:  "atd", after: "inactive", afterEnabled: "masked",
	}, {
		name:  "masked, unmask: True",
		sls:   "atd:\n  service.running:\n    - unmask: True\n",
		state: "service_|-atd_|-atd_|-running",
		test:  ph("None", "Service atd is set to start\nService atd would be unmasked", map[string]any{"atd": true}),
		real:  ph("True", "Started service atd\nService atd was unmasked", map[string]any{"atd": true}),
		rerun: ph("True", "The service atd is already running\nService atd was already unmasked", nil),
		unit:  "atd", after: "active", afterEnabled: "disabled",
	}, {
		name:  "runtime-masked: masked() manages the indefinite mask alone",
		setup: []string{"systemctl mask --runtime atd"},
		sls:   "atd:\n  service.unmasked: []\n",
		state: "service_|-atd_|-atd_|-unmasked",
		test:  ph("True", "Service atd was already unmasked", nil),
		real:  ph("True", "Service atd was already unmasked", nil),
		unit:  "atd", afterEnabled: "masked-runtime",
	}, {
		name:  "runtime-masked: unmasked runtime: True",
		sls:   "atd:\n  service.unmasked:\n    - runtime: True\n",
		state: "service_|-atd_|-atd_|-unmasked",
		test:  ph("None", "Service atd would be runtime unmasked", map[string]any{"runtime masked": map[string]any{"old": true, "new": false}}),
		real:  ph("True", "Service atd was runtime unmasked", map[string]any{"runtime masked": map[string]any{"old": true, "new": false}}),
		rerun: ph("True", "Service atd was already runtime unmasked", nil),
		unit:  "atd", afterEnabled: "disabled",
	}, {
		name:  "masked runtime: True",
		sls:   "atd:\n  service.masked:\n    - runtime: True\n",
		state: "service_|-atd_|-atd_|-masked",
		test:  ph("None", "Service atd would be runtime masked", map[string]any{"runtime masked": map[string]any{"old": false, "new": true}}),
		real:  ph("True", "Service atd was runtime masked", map[string]any{"runtime masked": map[string]any{"old": false, "new": true}}),
		rerun: ph("True", "Service atd is already runtime masked", nil),
		unit:  "atd", afterEnabled: "masked-runtime",
	}, {
		name:  "not present",
		sls:   "nothere:\n  service.running: []\n",
		state: "service_|-nothere_|-nothere_|-running",
		test:  ph("None", "Service nothere not present; if created in this state run, it would have been started", nil),
		real:  ph("False", "The named service nothere is not available", nil),
	}, {
		name:  "not present, disabled",
		sls:   "nothere:\n  service.disabled: []\n",
		state: "service_|-nothere_|-nothere_|-disabled",
		test:  ph("True", "The named service nothere is not available", nil),
		real:  ph("True", "The named service nothere is not available", nil),
	}, {
		name:  "static unit, enable: True: already enabled",
		sls:   "lonely:\n  service.running:\n    - enable: True\n",
		state: "service_|-lonely_|-lonely_|-running",
		test:  ph("None", "Service lonely is set to start", map[string]any{"lonely": true}),
		real:  ph("True", "Service lonely is already enabled, and is running", map[string]any{"lonely": true}),
		rerun: ph("True", "The service lonely is already running", nil),
		unit:  "lonely", after: "active", afterEnabled: "static",
	}, {
		name:  "static unit, disabled: Salt says it has been, and nothing changes",
		sls:   "lonely:\n  service.disabled: []\n",
		state: "service_|-lonely_|-lonely_|-disabled",
		test:  ph("None", "Service lonely set to be disabled", nil),
		real:  ph("True", "Service lonely has been disabled, and is in the desired state", nil),
		rerun: ph("True", "Service lonely has been disabled, and is in the desired state", nil),
		unit:  "lonely", afterEnabled: "static",
	}, {
		name:  "template instance",
		sls:   "inst@one:\n  service.running:\n    - enable: True\n",
		state: "service_|-inst@one_|-inst@one_|-running",
		test:  ph("None", "Service inst@one is set to start", map[string]any{"inst@one": true}),
		real:  ph("True", "Service inst@one has been enabled, and is running", map[string]any{"inst@one": true}),
		rerun: ph("True", "The service inst@one is already running", nil),
		unit:  "inst@one", after: "active", afterEnabled: "enabled",
	}, {
		// nspawn has no tty2: systemd skips the start (a condition), the
		// job succeeds and the unit stays dead; Salt's status check after
		// the start then fails the state, and _enable() words it.
		name:  "template instance that stays dead: getty@tty2",
		sls:   "getty@tty2:\n  service.running:\n    - enable: True\n",
		state: "service_|-getty@tty2_|-getty@tty2_|-running",
		test:  ph("None", "Service getty@tty2 is set to start", map[string]any{"getty@tty2": true}),
		real:  ph("False", "Service getty@tty2 has been enabled, and is dead", map[string]any{"getty@tty2": true}),
		rerun: ph("False", "Service getty@tty2 is already enabled, and is dead", nil),
		unit:  "getty@tty2", after: "inactive", afterEnabled: "enabled",
	}, {
		name:  "SysV-only service",
		sls:   "legacy:\n  service.running:\n    - enable: True\n",
		state: "service_|-legacy_|-legacy_|-running",
		test:  ph("None", "Service legacy is set to start", map[string]any{"legacy": true}),
		real:  ph("True", "Service legacy has been enabled, and is running", map[string]any{"legacy": true}),
		rerun: ph("True", "The service legacy is already running", nil),
		unit:  "legacy", after: "active", afterEnabled: "enabled",
	}, {
		name:  "dead, enable: False",
		sls:   "legacy:\n  service.dead:\n    - enable: False\n",
		state: "service_|-legacy_|-legacy_|-dead",
		test:  ph("None", "Service legacy is set to be killed", map[string]any{"legacy": true}),
		real:  ph("True", "Service legacy has been disabled, and is dead", map[string]any{"legacy": true}),
		rerun: ph("True", "The service legacy is already dead", nil),
		unit:  "legacy", after: "inactive", afterEnabled: "disabled",
	}, {
		name:  "enabled is a typo",
		sls:   "sleeper:\n  service.running:\n    - enabled: True\n",
		state: "service_|-sleeper_|-sleeper_|-running",
		test:  ph("False", `Service sleeper uses non-existent option "enabled".  Perhaps "enable" option was intended?`, nil),
		real:  ph("False", `Service sleeper uses non-existent option "enabled".  Perhaps "enable" option was intended?`, nil),
	}, {
		name:  "watch on a stopped service: running() starts it, mod_watch is not called",
		setup: []string{"systemctl stop sleeper", "rm -f /etc/brine-w1"},
		sls:   "/etc/brine-w1:\n  file.managed:\n    - contents: one\nsleeper:\n  service.running:\n    - sig: sleep\n    - reload: True\n    - watch:\n      - file: /etc/brine-w1\n",
		state: "service_|-sleeper_|-sleeper_|-running",
		test:  ph("None", "Service sleeper is set to start", map[string]any{"sleeper": true}),
		real:  ph("True", "Started service sleeper", map[string]any{"sleeper": true}),
		rerun: ph("True", "The service sleeper is already running", nil),
		unit:  "sleeper", after: "active",
	}, {
		name:  "watch, reload: True",
		setup: []string{"rm -f /etc/brine-w1"},
		sls:   "/etc/brine-w1:\n  file.managed:\n    - contents: two\nsleeper:\n  service.running:\n    - reload: True\n    - watch:\n      - file: /etc/brine-w1\n",
		state: "service_|-sleeper_|-sleeper_|-running",
		test:  ph("None", "Service is set to be reloaded", map[string]any{"sleeper": true}),
		real:  ph("True", "Service reloaded", map[string]any{"sleeper": true}),
		rerun: ph("True", "The service sleeper is already running", nil),
		unit:  "sleeper", after: "active",
	}, {
		name:  "watch, restart",
		setup: []string{"rm -f /etc/brine-w1"},
		sls:   "/etc/brine-w1:\n  file.managed:\n    - contents: three\nsleeper:\n  service.running:\n    - watch:\n      - file: /etc/brine-w1\n",
		state: "service_|-sleeper_|-sleeper_|-running",
		test:  ph("None", "Service is set to be restarted", map[string]any{"sleeper": true}),
		real:  ph("True", "Service restarted", map[string]any{"sleeper": true}),
		unit:  "sleeper", after: "active",
	}, {
		name:  "watch, reload: True on a unit that cannot reload",
		setup: []string{"systemctl start noreload", "rm -f /etc/brine-w1"},
		sls:   "/etc/brine-w1:\n  file.managed:\n    - contents: four\nnoreload:\n  service.running:\n    - reload: True\n    - watch:\n      - file: /etc/brine-w1\n",
		state: "service_|-noreload_|-noreload_|-running",
		test:  ph("None", "Service is set to be reloaded", map[string]any{"noreload": true}),
		real:  ph("False", "Failed to reload noreload.service: Job type reload is not applicable for unit noreload.service.", nil),
	}, {
		name:  "watch, reload and force: a force-reload restarts what cannot reload",
		setup: []string{"rm -f /etc/brine-w1"},
		sls:   "/etc/brine-w1:\n  file.managed:\n    - contents: five\nnoreload:\n  service.running:\n    - reload: True\n    - force: True\n    - watch:\n      - file: /etc/brine-w1\n",
		state: "service_|-noreload_|-noreload_|-running",
		test:  ph("None", "Service is set to be forcefully reloaded", map[string]any{"noreload": true}),
		real:  ph("True", "Service forcefully reloaded", map[string]any{"noreload": true}),
		unit:  "noreload", after: "active",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, cmd := range tc.setup {
				run(t, c, "sh", "-c", cmd)
			}
			if err := c.WriteFiles(map[string]string{"/srv/salt/case.sls": tc.sls}); err != nil {
				t.Fatal(err)
			}
			check := func(phase string, want *svcPhase, test bool) {
				if want == nil {
					return
				}
				got := find(t, brineApply(t, c, "case", test), tc.state)
				if fmtResult(got.Result) != want.result || got.Comment != want.comment || !reflect.DeepEqual(norm(got.Changes), norm(want.changes)) {
					t.Errorf("%s run:\n got %s %q %v\nwant %s %q %v", phase, fmtResult(got.Result), got.Comment, got.Changes, want.result, want.comment, want.changes)
				}
			}
			check("test", tc.test, true)
			check("real", tc.real, false)
			if tc.unit != "" && tc.after != "" {
				if got := ctlOut(t, c, "is-active", tc.unit); got != tc.after {
					t.Errorf("%s is %q after the real run; want %q", tc.unit, got, tc.after)
				}
			}
			if tc.unit != "" && tc.afterEnabled != "" {
				got := ctlOut(t, c, "is-enabled", tc.unit)
				if i := strings.LastIndexByte(got, '\n'); i >= 0 {
					got = got[i+1:] // a SysV script's answer follows systemctl's notes
				}
				if got != tc.afterEnabled {
					t.Errorf("%s is %q at boot after the real run; want %q", tc.unit, got, tc.afterEnabled)
				}
			}
			check("rerun", tc.rerun, false)
		})
	}
}

// TestServiceFunctionsSaltInContainer: the service.* functions return
// what Salt's systemd_service module returns, in type and value.
func TestServiceFunctionsSaltInContainer(t *testing.T) {
	c := bootWithBrine(t, testbed.Systemd)
	run(t, c, "mkdir", "-p", "/srv/salt")
	run(t, c, "sh", "-c", "DEBIAN_FRONTEND=noninteractive apt-get install -y -q at >/dev/null")
	if err := c.WriteFiles(svcUnits); err != nil {
		t.Fatal(err)
	}
	run(t, c, "chmod", "755", "/etc/init.d/legacy")
	run(t, c, "systemctl", "daemon-reload")
	check := func(fun string, want any, wantCode int, args ...string) any {
		t.Helper()
		got, code := callFn(t, c, fun, args...)
		if code != wantCode || (want != nil && !reflect.DeepEqual(got, want)) {
			t.Errorf("%s %q = %#v (exit %d); want %#v (exit %d)", fun, args, got, code, want, wantCode)
		}
		return got
	}
	check("service.enabled", true, 0, "lonely") // static: is-enabled exits 0
	check("service.disabled", false, 0, "lonely")
	check("service.enabled", false, 0, "failer")
	check("service.available", true, 0, "legacy")
	check("service.missing", true, 0, "nothere")
	check("service.status", false, 0, "atd")
	check("service.status", false, 0, "atd", "atd") // sig, as Salt's, is ignored
	check("service.status", map[string]any{"atd": false}, 0, "at*")
	check("service.start", "ERROR: Job for failer.service failed because the control process exited with error code.\n"+
		"See \"systemctl status failer.service\" and \"journalctl -xeu failer.service\" for details.", 1, "failer")
	check("service.start", "ERROR: Failed to start nothere.service: Unit nothere.service not found.", 1, "nothere")
	check("service.stop", false, 0, "nothere")
	check("service.enable", "ERROR: Failed to enable unit: Unit file nothere.service does not exist.", 1, "nothere")
	check("service.disable", false, 0, "nothere")
	check("service.mask", true, 0, "atd", "runtime=True")
	check("service.masked", true, 0, "atd", "runtime=True")
	check("service.masked", false, 0, "atd")
	check("service.start", "ERROR: Failed to start atd.service: Unit atd.service is masked.", 1, "atd")
	check("service.start", true, 0, "atd", "unmask_runtime=True")
	check("service.status", true, 0, "atd")
	check("service.force_reload", true, 0, "atd")
	check("service.systemctl_reload", true, 0)
	if got, _ := check("service.show", nil, 0, "atd").(map[string]any); got["Id"] != "atd.service" || got["ActiveState"] != "active" {
		t.Errorf("service.show atd: Id %v, ActiveState %v", got["Id"], got["ActiveState"])
	} else if es, ok := got["ExecStart"].(map[string]any); !ok || es["path"] != "/usr/sbin/atd" {
		t.Errorf("service.show atd: ExecStart %#v; want a mapping with path", got["ExecStart"])
	}
	all, _ := check("service.get_all", nil, 0).([]any)
	for _, want := range []string{"atd", "getty@", "inst@", "legacy", "lonely", "multi-user.target", "dbus.socket"} {
		if !contains(all, want) {
			t.Errorf("service.get_all lacks %s", want)
		}
	}
	if !sortedStrings(all) {
		t.Errorf("service.get_all is not sorted")
	}
	if st, _ := check("service.get_static", nil, 0).([]any); !contains(st, "lonely") || contains(st, "atd") {
		t.Errorf("service.get_static: lonely %v, atd %v", contains(st, "lonely"), contains(st, "atd"))
	}
	if en, _ := check("service.get_enabled", nil, 0).([]any); !contains(en, "atd") || contains(en, "lonely") {
		t.Errorf("service.get_enabled: atd %v, lonely %v", contains(en, "atd"), contains(en, "lonely"))
	}
	if dis, _ := check("service.get_disabled", nil, 0).([]any); !contains(dis, "failer") || !contains(dis, "legacy") {
		t.Errorf("service.get_disabled: failer %v, legacy %v", contains(dis, "failer"), contains(dis, "legacy"))
	}
	if r, _ := check("service.get_running", nil, 0).([]any); !contains(r, "atd") || !contains(r, "dbus") {
		t.Errorf("service.get_running: %v", r)
	}
}

func sortedStrings(l []any) bool {
	for i := 1; i < len(l); i++ {
		if l[i-1].(string) > l[i].(string) {
			return false
		}
	}
	return true
}
