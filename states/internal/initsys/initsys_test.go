package initsys

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

func TestUnitName(t *testing.T) {
	cases := map[string][2]string{
		"nginx":         {"nginx.service", "nginx"},
		"nginx.service": {"nginx.service", "nginx"},
		"cron.timer":    {"cron.timer", "cron.timer"},
		"mnt-x.mount":   {"mnt-x.mount", "mnt-x.mount"},
		"getty@tty1":    {"getty@tty1.service", "getty@tty1"},
	}
	for in, want := range cases {
		if got := UnitName(in); got != want[0] {
			t.Errorf("UnitName(%q) = %q; want %q", in, got, want[0])
		}
		if got := ScriptName(in); got != want[1] {
			t.Errorf("ScriptName(%q) = %q; want %q", in, got, want[1])
		}
	}
	for _, bad := range []string{"", "-x", "a/b", "..", "a b", "x\n"} {
		if ValidName(bad) == nil {
			t.Errorf("ValidName(%q) = nil; want an error", bad)
		}
	}
}

func TestParseLSB(t *testing.T) {
	cases := []struct {
		in   string
		want LSB
	}{
		{"#!/bin/sh\n### BEGIN INIT INFO\n# Provides: x\n# Default-Start:     2 3 4 5\n# Default-Stop:      0 1 6\n### END INIT INFO\n",
			LSB{Start: []string{"2", "3", "4", "5"}, Stop: []string{"0", "1", "6"}}},
		{"#!/bin/sh\n### BEGIN INIT INFO\n# Default-Start: S\n# Default-Stop:\n### END INIT INFO\n# Default-Start: 9\n",
			LSB{Start: []string{"S"}, Stop: []string{}}},
		{"#!/bin/sh\necho no header\n", LSB{Start: []string{"2", "3", "4", "5"}, Stop: []string{"0", "1", "6"}}},
	}
	for _, c := range cases {
		got := ParseLSB([]byte(c.in))
		if len(got.Stop) == 0 {
			got.Stop = []string{}
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseLSB(%q) = %+v; want %+v", c.in, got, c.want)
		}
	}
}

func rcTree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	links, _ := filepath.Glob(filepath.Join(root, "etc/rc?.d/*"))
	for _, l := range links {
		target, err := os.Readlink(l)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(filepath.Join(root, "etc"), l)
		out = append(out, rel+"->"+target)
	}
	sort.Strings(out)
	return out
}

func TestRCLinks(t *testing.T) {
	root := t.TempDir()
	script := "#!/bin/sh\n### BEGIN INIT INFO\n# Default-Start: 2 3 4 5\n# Default-Stop: 0 1 6\n### END INIT INFO\n"
	os.MkdirAll(filepath.Join(root, "etc/init.d"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/init.d/foo"), []byte(script), 0o755)
	// A link of another script with a longer name must be left alone.
	os.MkdirAll(filepath.Join(root, "etc/rc2.d"), 0o755)
	os.Symlink("../init.d/foobar", filepath.Join(root, "etc/rc2.d/S02foobar"))
	rc := RCLinks{Root: root}
	if !rc.HasScript("foo") || rc.HasScript("bar") {
		t.Fatalf("HasScript wrong")
	}
	if on, _ := rc.Enabled("foo"); on {
		t.Fatalf("enabled before Enable")
	}
	if err := rc.Enable("foo"); err != nil {
		t.Fatal(err)
	}
	want := []string{"rc0.d/K01foo->../init.d/foo", "rc1.d/K01foo->../init.d/foo", "rc2.d/S01foo->../init.d/foo",
		"rc2.d/S02foobar->../init.d/foobar", "rc3.d/S01foo->../init.d/foo", "rc4.d/S01foo->../init.d/foo",
		"rc5.d/S01foo->../init.d/foo", "rc6.d/K01foo->../init.d/foo"}
	if got := rcTree(t, root); !reflect.DeepEqual(got, want) {
		t.Errorf("after Enable:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if on, _ := rc.Enabled("foo"); !on {
		t.Errorf("not enabled after Enable")
	}
	if err := rc.Enable("foo"); err != nil {
		t.Fatal(err)
	}
	if got := rcTree(t, root); !reflect.DeepEqual(got, want) {
		t.Errorf("Enable is not idempotent: %v", got)
	}
	if err := rc.Disable("foo"); err != nil {
		t.Fatal(err)
	}
	got := rcTree(t, root)
	for _, l := range got {
		if strings.Contains(l, "S01foo") {
			t.Errorf("start link left after Disable: %s", l)
		}
	}
	if len(got) != len(want) {
		t.Errorf("after Disable: %v", got)
	}
	if on, _ := rc.Enabled("foo"); on {
		t.Errorf("enabled after Disable")
	}
	if err := rc.Enable("missing"); err == nil {
		t.Errorf("Enable of a missing script: want an error")
	}
}

type fakeRunner struct {
	calls [][]string
	out   map[string]string
	err   map[string]error
}

func (f *fakeRunner) Run(ctx context.Context, argv ...string) ([]byte, error) {
	f.calls = append(f.calls, argv)
	k := strings.Join(argv, " ")
	return []byte(f.out[k]), f.err[k]
}

func TestOffline(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "lib/systemd/system"), 0o755)
	os.WriteFile(filepath.Join(root, "lib/systemd/system/atd.service"), []byte("[Unit]\n"), 0o644)
	os.MkdirAll(filepath.Join(root, "etc/init.d"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/init.d/legacy"), []byte("#!/bin/sh\n"), 0o755)
	r := &fakeRunner{
		out: map[string]string{"systemctl --root=" + root + " is-enabled -- atd.service": "disabled\n"},
		err: map[string]error{"systemctl --root=" + root + " is-enabled -- atd.service": errors.New("exit status 1")},
	}
	o := &Offline{Root: root, Run: r}
	ctx := context.Background()
	st, err := o.Status(ctx, "atd")
	if err != nil || !st.Exists || st.Enabled() || st.Active {
		t.Errorf("Status(atd) = %+v, %v", st, err)
	}
	if err := o.Enable(ctx, "atd"); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.calls[len(r.calls)-1], " "); got != "systemctl --root="+root+" enable -- atd.service" {
		t.Errorf("enable argv = %s", got)
	}
	if err := o.Start(ctx, "atd"); !errors.Is(err, ErrNotRunnable) {
		t.Errorf("Start under --root = %v; want ErrNotRunnable", err)
	}
	if st, _ := o.Status(ctx, "legacy"); !st.Exists || st.Enabled() {
		t.Errorf("Status(legacy) = %+v", st)
	}
	n := len(r.calls)
	if err := o.Enable(ctx, "legacy.service"); err != nil {
		t.Fatal(err)
	}
	if len(r.calls) != n {
		t.Errorf("an init script went through systemctl: %v", r.calls[n:])
	}
	if st, _ := o.Status(ctx, "legacy"); !st.Enabled() {
		t.Errorf("legacy not enabled after Enable: %+v", st)
	}
	if st, _ := o.Status(ctx, "nothing"); st.Exists {
		t.Errorf("Status(nothing) = %+v", st)
	}
	r.out["systemctl --root="+root+" is-enabled -- atd.service"] = "Failed to get unit file state\n"
	if _, err := o.Status(ctx, "atd"); err == nil {
		t.Errorf("Status with an unknown is-enabled word: want an error")
	}
}

func TestSysVLive(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/init.d"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/init.d/foo"), []byte("#!/bin/sh\n"), 0o755)
	r := &fakeRunner{err: map[string]error{"/etc/init.d/foo status": errors.New("exit status 3")}}
	s := &SysV{Root: root, Run: r, Live: true, LookPath: func(n string) (string, error) {
		if n == "update-rc.d" {
			return "/usr/sbin/update-rc.d", nil
		}
		return "", errors.New("not found")
	}}
	ctx := context.Background()
	st, err := s.Status(ctx, "foo.service")
	if err != nil || !st.Exists || st.Active {
		t.Errorf("Status = %+v, %v", st, err)
	}
	if err := s.Restart(ctx, "foo"); err != nil {
		t.Fatal(err)
	}
	if err := s.Enable(ctx, "foo"); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range r.calls {
		got = append(got, strings.Join(c, " "))
	}
	want := []string{"/etc/init.d/foo status", "/etc/init.d/foo restart", "update-rc.d foo defaults", "update-rc.d foo enable"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q; want %q", got, want)
	}
	if err := s.Mask(ctx, "foo", false); err == nil {
		t.Errorf("Mask on SysV: want an error")
	}
}

func TestSysVSettles(t *testing.T) {
	var sys System = &SysV{}
	s, ok := sys.(Settler)
	if !ok || s.SettleWindow() <= 0 {
		t.Fatal("SysV does not give its scripts time to settle")
	}
}

// TestSystemctlErrorWords: a failed job reads as systemctl's stderr,
// which is what Salt's comment shows.
func TestSystemctlErrorWords(t *testing.T) {
	tests := []struct {
		err  SystemctlError
		want string
	}{
		{SystemctlError{Verb: "start", Unit: "x.service", Result: "failed", ServiceResult: "exit-code"},
			"Job for x.service failed because the control process exited with error code.\nSee \"systemctl status x.service\" and \"journalctl -xeu x.service\" for details."},
		{SystemctlError{Verb: "start", Unit: "x.service", Result: "failed", ServiceResult: "something-new"},
			"Job for x.service failed.\nSee \"systemctl status x.service\" and \"journalctl -xeu x.service\" for details."},
		{SystemctlError{Verb: "start", Unit: `a\x2db.service`, Result: "failed", ServiceResult: "signal"},
			"Job for a\\x2db.service failed because a fatal signal was delivered to the control process.\nSee \"systemctl status \"a\\\\x2db.service\"\" and \"journalctl -xeu \"a\\\\x2db.service\"\" for details."},
		{SystemctlError{Verb: "start", Unit: "x.service", Result: "failed", ServiceResult: "start-limit-hit"},
			"Job for x.service failed because start of the service was attempted too often.\nSee \"systemctl status x.service\" and \"journalctl -xeu x.service\" for details.\nTo force a start use \"systemctl reset-failed x.service\"\nfollowed by \"systemctl start x.service\" again."},
		{SystemctlError{Verb: "start", Unit: "x.mount", Result: "failed"}, `Job failed. See "journalctl -xe" for details.`},
		{SystemctlError{Verb: "start", Unit: "x.service", Result: "dependency"}, "A dependency job for x.service failed. See 'journalctl -xe' for details."},
		{SystemctlError{Verb: "reload", Unit: "x.service", Result: "invalid"}, "x.service is not active, cannot reload."},
		{SystemctlError{Verb: "start", Unit: "x.service", Result: "timeout"}, "Job for x.service timed out."},
		{SystemctlError{Verb: "start", Unit: "x.service", Err: dbus.Error{Name: "org.freedesktop.systemd1.UnitMasked", Body: []any{"Unit x.service is masked."}}},
			"Failed to start x.service: Unit x.service is masked."},
		{SystemctlError{Verb: "enable", Unit: "unit", Err: fmt.Errorf("wrapped: %w", dbus.Error{Name: "org.freedesktop.DBus.Error.FileNotFound", Body: []any{"Unit file x.service does not exist."}})},
			"Failed to enable unit: Unit file x.service does not exist."},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%+v:\n got %q\nwant %q", tt.err, got, tt.want)
		}
	}
	var se *SystemctlError
	if err := fmt.Errorf("ctx: %w", &tests[0].err); !errors.As(err, &se) || se.ServiceResult != "exit-code" {
		t.Errorf("SystemctlError does not unwrap from %v", err)
	}
}

// TestEnabledIsSystemctls: Enabled is `systemctl is-enabled` exiting 0,
// as Salt's service.enabled reads it.
func TestEnabledIsSystemctls(t *testing.T) {
	for state, want := range map[string]bool{"enabled": true, "enabled-runtime": true, "static": true, "indirect": true,
		"generated": true, "alias": true, "disabled": false, "linked": false, "linked-runtime": false,
		"masked": false, "masked-runtime": false, "transient": false, "bad": false, "": false} {
		if got := (Status{EnableState: state}).Enabled(); got != want {
			t.Errorf("Enabled(%q) = %v; want %v", state, got, want)
		}
	}
}

// TestReadMaskLinks: the indefinite and the runtime mask are read apart,
// inside the root.
func TestReadMaskLinks(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"etc/systemd/system", "run/systemd/system"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	link := func(p, to string) {
		if err := os.Symlink(to, filepath.Join(root, p)); err != nil {
			t.Fatal(err)
		}
	}
	link("etc/systemd/system/a.service", "/dev/null")
	link("run/systemd/system/b.service", "/dev/null")
	link("etc/systemd/system/c.service", "/lib/systemd/system/c.service")
	for unit, want := range map[string]MaskLinks{"a.service": {Persist: true}, "b.service": {Runtime: true}, "c.service": {}, "d.service": {}} {
		if got := ReadMaskLinks(root, unit); got != want {
			t.Errorf("ReadMaskLinks(%s) = %+v; want %+v", unit, got, want)
		}
	}
}

// TestSaltLists: get_all's unit files and init scripts, read from a root
// as Salt's _get_systemd_services and _get_sysv_services read them.
func TestSaltLists(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"usr/lib/systemd/system/atd.service":       "",
		"usr/lib/systemd/system/getty@.service":    "",
		"usr/lib/systemd/system/ssh.socket":        "",
		"usr/lib/systemd/system/init.scope":        "",
		"usr/lib/systemd/system/multi-user.target": "",
		"etc/systemd/system/local.service":         "",
		"etc/init.d/atd":                           "#!/bin/sh\n",
		"etc/init.d/legacy":                        "#!/bin/sh\n",
		"etc/init.d/rcS2only":                      "#!/bin/sh\n",
		"etc/init.d/README":                        "",
	}
	for p, s := range files {
		mode := os.FileMode(0o644)
		if strings.HasPrefix(p, "etc/init.d/") && s != "" {
			mode = 0o755
		}
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(s), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "etc/systemd/system/multi-user.target.wants"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range [][2]string{{"usr/lib", "lib"}, {"../init.d/legacy", "etc/rc2.d/S01legacy"}, {"../init.d/rcS2only", "etc/rcS.d/S01rcS2only"}} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(l[1])), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(l[0], filepath.Join(root, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"atd", "getty@", "legacy", "local", "multi-user.target", "rcS2only", "ssh.socket"}
	if got := allServices(root); !reflect.DeepEqual(got, want) {
		t.Errorf("allServices = %q; want %q", got, want)
	}
	// atd has a unit file: not an init script of its own. Runlevel 2
	// counts, rcS does not.
	if got := sysvStates(root, "2"); !reflect.DeepEqual(got, map[string]bool{"legacy": true, "rcS2only": false}) {
		t.Errorf("sysvStates = %v", got)
	}
	for unit, want := range map[string]string{"atd.service": "atd", "getty@.service": "getty@", "ssh.socket": "ssh.socket", "init.scope": "", "x.slice": "", "noext": ""} {
		if got, _ := SaltUnitName(unit); got != want {
			t.Errorf("SaltUnitName(%q) = %q; want %q", unit, got, want)
		}
	}
}
