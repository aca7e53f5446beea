package states

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSysctlParse(t *testing.T) {
	tests := []struct {
		in      string
		keys    []string
		values  []string
		wantErr string
	}{
		{in: "", keys: nil},
		{in: "# c\n; c\n\n", keys: []string{"", "", ""}, values: []string{"", "", ""}},
		{in: "vm.swappiness = 10\n", keys: []string{"vm.swappiness"}, values: []string{"10"}},
		{in: "net.ipv4.ip_forward=1", keys: []string{"net.ipv4.ip_forward"}, values: []string{"1"}},
		{in: "-kernel.foo =  2 3\t \n", keys: []string{"kernel.foo"}, values: []string{"2 3"}},
		{in: "net/ipv4/ip_forward = 0\n", keys: []string{"net.ipv4.ip_forward"}, values: []string{"0"}},
		{in: "a.b = 1\nnot a line\n", wantErr: "sysctl.conf:2: want key = value"},
		{in: " = 1\n", wantErr: "sysctl.conf:1: no key"},
	}
	for _, tt := range tests {
		lines, err := sysctlParse("sysctl.conf", []byte(tt.in))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("sysctlParse(%q) error = %v; want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("sysctlParse(%q): %v", tt.in, err)
			continue
		}
		var keys, values []string
		for _, l := range lines {
			keys = append(keys, l.Key)
			values = append(values, l.Value)
		}
		if !reflect.DeepEqual(keys, tt.keys) || (tt.values != nil && !reflect.DeepEqual(values, tt.values)) {
			t.Errorf("sysctlParse(%q) = keys %q values %q; want %q %q", tt.in, keys, values, tt.keys, tt.values)
		}
	}
}

func TestSysctlSet(t *testing.T) {
	tests := []struct {
		name, in, key, value, want string
		changed                    bool
	}{
		{"append to empty", "", "a.b", "1", "a.b = 1\n", true},
		{"append keeps the rest", "# top\nx.y=2\n", "a.b", "1", "# top\nx.y=2\na.b = 1\n", true},
		{"append after no final newline", "x.y=2", "a.b", "1", "x.y=2\na.b = 1\n", true},
		{"replace only the value", "# c\n  a.b\t=  0   \nx.y = 2\n", "a.b", "1", "# c\n  a.b\t=  1   \nx.y = 2\n", true},
		{"replace without final newline", "a.b=0", "a.b", "1", "a.b=1", true},
		{"every line of the key", "a.b = 0\nx = 1\na/b = 3\n", "a.b", "1", "a.b = 1\nx = 1\na/b = 1\n", true},
		{"already set", "a.b = 4  5\n", "a.b", "4 5", "a.b = 4  5\n", false},
		{"crlf kept", "a.b = 0\r\nx = 1\r\n", "a.b", "1", "a.b = 1\r\nx = 1\r\n", true},
	}
	for _, tt := range tests {
		lines, err := sysctlParse("f", []byte(tt.in))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got, changed := sysctlSet([]byte(tt.in), lines, tt.key, tt.value)
		if string(got) != tt.want || changed != tt.changed {
			t.Errorf("%s: sysctlSet(%q, %s=%s) = %q, %v; want %q, %v", tt.name, tt.in, tt.key, tt.value, got, changed, tt.want, tt.changed)
		}
	}
}

func sysctlReq(root, name string, args map[string]any, test bool) *Request {
	return &Request{ID: name, Name: name, Func: "sysctl.present", Args: NewArgs(args), Test: test, Root: root}
}

// TestSysctlRootImage runs against a folder, as --root does: the file
// changes, nothing else does, and a dry run predicts the real run.
func TestSysctlRootImage(t *testing.T) {
	for _, tc := range []struct {
		name    string
		systemd bool
		config  string
	}{
		{"systemd image", true, "/etc/sysctl.d/99-brine.conf"},
		{"sysvinit image", false, "/etc/sysctl.conf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if tc.systemd {
				os.MkdirAll(filepath.Join(root, "lib/systemd"), 0o755)
				os.WriteFile(filepath.Join(root, "lib/systemd/systemd"), nil, 0o755)
			}
			cfg := filepath.Join(root, tc.config)
			os.MkdirAll(filepath.Dir(cfg), 0o755)
			orig := "# keep me\n;and me\nvm.swappiness = 60\n\nkernel.x=1\n"
			os.WriteFile(cfg, []byte(orig), 0o644)
			args := map[string]any{"value": 10}
			dry := sysctlPresent(context.Background(), sysctlReq(root, "vm.swappiness", args, true))
			if dry.Result != None {
				t.Fatalf("test run = %v %q; want None", dry.Result, dry.Comment)
			}
			if b, _ := os.ReadFile(cfg); string(b) != orig {
				t.Fatalf("test run wrote the file: %q", b)
			}
			real := sysctlPresent(context.Background(), sysctlReq(root, "vm.swappiness", args, false))
			if real.Result != True || !reflect.DeepEqual(real.Changes, dry.Changes) {
				t.Fatalf("real run = %v %v %q; test run predicted %v", real.Result, real.Changes, real.Comment, dry.Changes)
			}
			if !reflect.DeepEqual(real.Changes, map[string]any{"vm.swappiness": "10"}) {
				t.Errorf("changes = %v", real.Changes)
			}
			want := strings.Replace(orig, "vm.swappiness = 60", "vm.swappiness = 10", 1)
			if b, _ := os.ReadFile(cfg); string(b) != want {
				t.Errorf("file = %q; want %q", b, want)
			}
			again := sysctlPresent(context.Background(), sysctlReq(root, "vm.swappiness", args, false))
			if again.Result != True || len(again.Changes) != 0 {
				t.Errorf("rerun = %v %v %q; want True, no changes", again.Result, again.Changes, again.Comment)
			}
		})
	}
}

// TestSysctlLive drives the runtime half against a fake /proc/sys.
func TestSysctlLive(t *testing.T) {
	dir := t.TempDir()
	proc := filepath.Join(dir, "proc")
	os.MkdirAll(filepath.Join(proc, "net/ipv4"), 0o755)
	os.WriteFile(filepath.Join(proc, "net/ipv4/ip_local_port_range"), []byte("32768\t60999\n"), 0o644)
	cfg := filepath.Join(dir, "sysctl.conf")
	host := sysctlHost{procDir: proc}
	args := map[string]any{"value": "1024 65000", "config": cfg}
	name := "net.ipv4.ip_local_port_range"

	dry := sysctlApply(context.Background(), sysctlReq("", name, args, true), host)
	if dry.Result != None || dry.Changes[name] != "1024 65000" {
		t.Fatalf("test run = %v %v %q", dry.Result, dry.Changes, dry.Comment)
	}
	if b, _ := os.ReadFile(filepath.Join(proc, "net/ipv4/ip_local_port_range")); string(b) != "32768\t60999\n" {
		t.Fatalf("test run changed the live value: %q", b)
	}
	real := sysctlApply(context.Background(), sysctlReq("", name, args, false), host)
	if real.Result != True || !reflect.DeepEqual(real.Changes, dry.Changes) {
		t.Fatalf("real run = %v %v %q; test predicted %v", real.Result, real.Changes, real.Comment, dry.Changes)
	}
	if b, _ := os.ReadFile(filepath.Join(proc, "net/ipv4/ip_local_port_range")); string(b) != "1024 65000\n" {
		t.Errorf("live value = %q", b)
	}
	if b, _ := os.ReadFile(cfg); string(b) != name+" = 1024\t65000\n" {
		t.Errorf("config = %q", b)
	}
	// The kernel prints tabs; the value compares field by field.
	os.WriteFile(filepath.Join(proc, "net/ipv4/ip_local_port_range"), []byte("1024\t65000\n"), 0o644)
	again := sysctlApply(context.Background(), sysctlReq("", name, args, false), host)
	if again.Result != True || len(again.Changes) != 0 {
		t.Errorf("rerun = %v %v %q", again.Result, again.Changes, again.Comment)
	}
	// Only the live value drifted: the state still reports and fixes it.
	os.WriteFile(filepath.Join(proc, "net/ipv4/ip_local_port_range"), []byte("1\t2\n"), 0o644)
	drift := sysctlApply(context.Background(), sysctlReq("", name, args, false), host)
	if drift.Result != True || len(drift.Changes) != 1 {
		t.Errorf("drift = %v %v %q", drift.Result, drift.Changes, drift.Comment)
	}
	missing := sysctlApply(context.Background(), sysctlReq("", "net.nope", args, true), host)
	if missing.Result != False || !strings.Contains(missing.Comment, "does not exist") {
		t.Errorf("unknown key = %v %q", missing.Result, missing.Comment)
	}
}

func TestSysctlBadArgs(t *testing.T) {
	root := t.TempDir()
	for _, tc := range []struct {
		name string
		args map[string]any
		arg  string
	}{
		{"a.b", map[string]any{}, `"value"`},
		{"a.b", map[string]any{"value": []any{1}}, `"value"`},
		{"a.b", map[string]any{"value": 1, "config": "rel/path"}, `"config"`},
		{"a b", map[string]any{"value": 1}, `"name"`},
		{"a.b", map[string]any{"value": "1\n2"}, `"value"`},
	} {
		r := sysctlPresent(context.Background(), sysctlReq(root, tc.name, tc.args, false))
		if r.Result != False || !strings.Contains(r.Comment, tc.arg) {
			t.Errorf("sysctl.present %s %v = %v %q; want False naming %s", tc.name, tc.args, r.Result, r.Comment, tc.arg)
		}
	}
	// A broken config file is reported with its line, not rewritten.
	cfg := filepath.Join(root, "etc/sysctl.conf")
	os.MkdirAll(filepath.Dir(cfg), 0o755)
	os.WriteFile(cfg, []byte("ok = 1\ngarbage\n"), 0o644)
	r := sysctlPresent(context.Background(), sysctlReq(root, "a.b", map[string]any{"value": 1}, false))
	if r.Result != False || !strings.Contains(r.Comment, "/etc/sysctl.conf:2") {
		t.Errorf("broken file = %v %q; want False naming /etc/sysctl.conf:2", r.Result, r.Comment)
	}
}

// TestSysctlGolden edits Debian's stock sysctl.conf: two values change in
// place, one key is appended, every comment stays.
func TestSysctlGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/sysctl_debian.conf")
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range [][2]string{{"net.ipv4.ip_forward", "1"}, {"vm.swappiness", "10"}, {"net.core.somaxconn", "1024"}, {"vm.swappiness", "10"}} {
		lines, err := sysctlParse("sysctl.conf", data)
		if err != nil {
			t.Fatal(err)
		}
		data, _ = sysctlSet(data, lines, kv[0], kv[1])
	}
	sysGolden(t, "sysctl_debian.golden", data)
}

// TestSysctlRootEscape: no config path, given or reached through a link
// planted in the image, leads outside --root; an absolute link is read
// inside the image, as chroot would.
func TestSysctlRootEscape(t *testing.T) {
	run := func(config string, test bool) func(string) Result {
		return func(root string) Result {
			args := map[string]any{"value": 10}
			if config != "" {
				args["config"] = config
			}
			return sysctlPresent(context.Background(), sysctlReq(root, "vm.swappiness", args, test))
		}
	}
	systemd := map[string]string{"lib/systemd/systemd": ""}
	escapeRun(t, []escapeCase{
		{name: "config climbs out", run: run("/../../escape.conf", false), arg: "config"},
		{name: "config climbs out under test", run: run("/../../escape.conf", true), arg: "config"},
		{name: "config climbs out midway", run: run("/etc/../../outside/keep", false), arg: "config"},
		{name: "sysctl.d links out", files: systemd, links: map[string]string{"etc/sysctl.d": "$REL"}, run: run("", false), arg: "config"},
		{name: "sysctl.conf links out", links: map[string]string{"etc/sysctl.conf": "$REL/keep"}, run: run("", false), arg: "config"},
		{name: "etc links out", links: map[string]string{"etc": "$REL"}, run: run("/etc/sysctl.d/x.conf", false), arg: "config"},
		{name: "absolute link stays in", files: systemd, links: map[string]string{"etc/sysctl.d": "$OUT"}, run: run("", false), inside: "$OUT/99-brine.conf"},
		{name: "systemd found through a link", files: map[string]string{"usr/lib/systemd/systemd": ""}, links: map[string]string{"lib": "usr/lib"}, run: run("", false), inside: "/etc/sysctl.d/99-brine.conf"},
		{name: "plain image", files: systemd, run: run("", false), inside: "/etc/sysctl.d/99-brine.conf"},
	})
}
