package exec

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestParseDf(t *testing.T) {
	out := "Filesystem     1024-blocks    Used Available Capacity Mounted on\n" +
		"/dev/sda1         10000000 4000000   6000000      40% /\n" +
		"tmpfs                 1024       0      1024       0% /run/user/0\n"
	got := parseDf(out)
	want := map[string]any{
		"/":           map[string]any{"filesystem": "/dev/sda1", "1K-blocks": "10000000", "used": "4000000", "available": "6000000", "capacity": "40%"},
		"/run/user/0": map[string]any{"filesystem": "tmpfs", "1K-blocks": "1024", "used": "0", "available": "1024", "capacity": "0%"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseDf = %#v", got)
	}
}

func TestParseProc(t *testing.T) {
	now := time.Unix(1000000, 0).UTC()
	up, err := parseUptime("90061.50 100.00\n", now)
	if err != nil || up["seconds"] != 90061 || up["days"] != 1 || up["time"] != "1:1" || up["since_t"] != 1000000-90061 || up["since_iso"] != "1970-01-11T12:45:39" {
		t.Errorf("parseUptime = %v, %v", up, err)
	}
	up, _ = parseUptime("60.5 1\n", time.Unix(1000000, 250000000))
	if up["since_iso"] != "1970-01-12T13:45:40.250000" || up["time"] != "0:1" {
		t.Errorf("parseUptime with a fraction = %v", up)
	}
	if _, err := parseUptime("", now); err == nil {
		t.Error("parseUptime of nothing: no error")
	}
	la, err := parseLoadavg("0.52 0.58 0.59 1/467 12345\n")
	if err != nil || !reflect.DeepEqual(la, map[string]any{"1-min": 0.52, "5-min": 0.58, "15-min": 0.59}) {
		t.Errorf("parseLoadavg = %v, %v", la, err)
	}
	if _, err := parseLoadavg("x y z"); err == nil {
		t.Error("parseLoadavg of junk: no error")
	}
	mi := parseMeminfo("MemTotal:       16314140 kB\nHugePages_Total:       0\n")
	if !reflect.DeepEqual(mi, map[string]any{"MemTotal": map[string]any{"value": "16314140", "unit": "kB"}, "HugePages_Total": map[string]any{"value": "0"}}) {
		t.Errorf("parseMeminfo = %v", mi)
	}
	m := parseMountinfo("36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 - ext3 /dev/root rw,errors=continue\n" +
		"22 1 0:21 / /proc rw,nosuid shared:12 - proc proc rw\n")
	want := map[string]any{"mountid": "36", "parentid": "35", "major": "98", "minor": "0", "root": "/mnt1",
		"opts": []string{"rw", "noatime"}, "fstype": "ext3", "device": "/dev/root", "superopts": []string{"rw", "errors=continue"}}
	if !reflect.DeepEqual(m["/mnt/with space"], want) || m["/proc"] == nil {
		t.Errorf("parseMountinfo = %#v", m)
	}
	f := parseFstab("# comment\nUUID=abc / ext4 errors=remount-ro 0 1\ntmpfs /tmp tmpfs defaults\n")
	if !reflect.DeepEqual(f["/"], map[string]any{"device": "UUID=abc", "fstype": "ext4", "opts": []string{"errors=remount-ro"}, "dump": "0", "pass": "1"}) ||
		!reflect.DeepEqual(f["/tmp"], map[string]any{"device": "tmpfs", "fstype": "tmpfs", "opts": []string{"defaults"}, "dump": "0", "pass": "0"}) || len(f) != 2 {
		t.Errorf("parseFstab = %#v", f)
	}
	s := parseSysctlConf("# c\n; c\nnet.ipv4.ip_forward = 1\n-kernel.x=  2 3 \n")
	if !reflect.DeepEqual(s, map[string]any{"net.ipv4.ip_forward": "1", "kernel.x": "2 3"}) {
		t.Errorf("parseSysctlConf = %v", s)
	}
}

func TestHostFunctions(t *testing.T) {
	h, root := fileRoot(t)
	h.Grains["ip4_interfaces"] = map[string]any{"eth0": []any{"10.0.0.5", "203.0.113.9"}, "lo": []any{"127.0.0.1"}}
	if err := os.WriteFile(root+"/etc/fstab", []byte("tmpfs /tmp tmpfs defaults 0 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(root+"/etc/sysctl.conf", []byte("vm.swappiness = 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		fun   string
		words []string
		want  any
		code  int
	}{
		{"network.ip_addrs", nil, []string{"10.0.0.5", "203.0.113.9"}, 0},
		{"network.ip_addrs", []string{"include_loopback=True", "interface=lo"}, []string{"127.0.0.1"}, 0},
		{"network.ip_addrs", []string{"cidr=10.0.0.0/8"}, []string{"10.0.0.5"}, 0},
		{"network.ip_addrs", []string{"type=public"}, []string{"203.0.113.9"}, 0},
		{"network.ip_addrs", []string{"type=mine"}, nil, 1},
		{"user.info", []string{"nobody"}, map[string]any{}, 0},
		{"user.list_users", nil, []string{"alice", "root"}, 0},
		{"group.info", []string{"alice"}, map[string]any{"name": "alice", "gid": 1000, "members": []string{}, "passwd": "x"}, 0},
		{"group.info", []string{"nobody"}, map[string]any{}, 0},
		{"mount.fstab", nil, map[string]any{"/tmp": map[string]any{"device": "tmpfs", "fstype": "tmpfs", "opts": []string{"defaults"}, "dump": "0", "pass": "0"}}, 0},
		{"sysctl.show", []string{"config_file=True"}, map[string]any{"vm.swappiness": "10"}, 0},
		{"sysctl.get", []string{"vm.swappiness"}, nil, 1}, // --root: no kernel
		{"sysctl.get", []string{"../../etc/passwd"}, nil, 1},
	}
	for _, tt := range tests {
		ret := callWords(t, h, tt.fun, tt.words...)
		if ret.Retcode != tt.code || (tt.want != nil && !reflect.DeepEqual(ret.Value, tt.want)) {
			t.Errorf("%s %q = %#v (%d); want %#v (%d)", tt.fun, tt.words, ret.Value, ret.Retcode, tt.want, tt.code)
		}
	}
	ret := callWords(t, h, "user.info", "alice")
	if u, _ := ret.Value.(map[string]any); u["uid"] != 1000 || u["home"] != "/home/alice" || !reflect.DeepEqual(u["groups"], []string{"alice"}) {
		t.Errorf("user.info alice = %#v", ret.Value)
	}

	live := liveHost(t)
	for _, fun := range []string{"status.uptime", "status.loadavg", "status.meminfo", "mount.active", "disk.usage", "network.interfaces", "network.get_hostname"} {
		if ret := callWords(t, live, fun); ret.Retcode != 0 {
			t.Errorf("%s = %v", fun, ret.Value)
		}
	}
	if ret := callWords(t, live, "mount.active"); ret.Value.(map[string]any)["/proc"] == nil {
		t.Errorf("mount.active has no /proc: %v", ret.Value)
	}
	if ret := callWords(t, live, "disk.usage"); ret.Value.(map[string]any)["/"] == nil {
		t.Errorf("disk.usage has no /: %v", ret.Value)
	}
	if ret := callWords(t, live, "sysctl.get", "kernel.ostype"); ret.Value != "Linux" {
		t.Errorf("sysctl.get kernel.ostype = %v", ret.Value)
	}
	if ret := callWords(t, live, "network.ping", "127.0.0.1", "return_boolean=True", "timeout=5"); ret.Value != true {
		t.Errorf("network.ping 127.0.0.1 = %v", ret.Value)
	}
	if ret := callWords(t, live, "network.ping", "-f"); ret.Retcode == 0 {
		t.Errorf("network.ping -f = %v; want refused", ret.Value)
	}
}

// TestAccountFunctions: user.list_groups, user.getent and group.getent
// as Salt's useradd and groupadd shape them, over the root's files; the
// GECOS field splits at its first four commas only.
func TestAccountFunctions(t *testing.T) {
	h := testHost(t)
	if err := os.MkdirAll(filepath.Join(h.Root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice A,1,2,3,x,y:/home/alice:/bin/bash\n",
		"etc/group":  "root:x:0:\nalice:x:1000:\nadm:x:4:alice,bob\n",
	} {
		if err := os.WriteFile(filepath.Join(h.Root, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	alice := map[string]any{"name": "alice", "uid": 1000, "gid": 1000, "home": "/home/alice", "shell": "/bin/bash", "passwd": "x",
		"groups": []string{"adm", "alice"}, "fullname": "Alice A", "roomnumber": "1", "workphone": "2", "homephone": "3", "other": "x,y"}
	root := map[string]any{"name": "root", "uid": 0, "gid": 0, "home": "/root", "shell": "/bin/sh", "passwd": "x",
		"groups": []string{"root"}, "fullname": "root", "roomnumber": "", "workphone": "", "homephone": "", "other": ""}
	tests := []struct {
		fun   string
		words []string
		want  any
	}{
		{"user.info", []string{"alice"}, alice},
		{"user.list_groups", []string{"alice"}, []string{"adm", "alice"}},
		{"user.list_groups", []string{"nobody-here"}, []string{}},
		{"user.getent", nil, []any{root, alice}},
		// Salt's first argument is refresh: 'root' is a true one.
		{"user.getent", []string{"root"}, []any{root, alice}},
		{"group.getent", nil, []any{
			map[string]any{"name": "root", "gid": 0, "members": []string{}, "passwd": "x"},
			map[string]any{"name": "alice", "gid": 1000, "members": []string{}, "passwd": "x"},
			map[string]any{"name": "adm", "gid": 4, "members": []string{"alice", "bob"}, "passwd": "x"}}},
	}
	for _, tt := range tests {
		ret := callWords(t, h, tt.fun, tt.words...)
		if !reflect.DeepEqual(ret.Value, tt.want) || ret.Retcode != 0 {
			t.Errorf("%s %q = %#v (%d); want %#v", tt.fun, tt.words, ret.Value, ret.Retcode, tt.want)
		}
	}
}
