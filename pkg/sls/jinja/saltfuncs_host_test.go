package jinja

import (
	"encoding/json"
	"errors"
	"github.com/brine-cm/brine/pkg/odict"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The read-only host functions look under SaltContext.Root, as the
// states of a --root run do.
func TestHostFuncs(t *testing.T) {
	root := t.TempDir()
	for name, body := range map[string]string{
		"etc/passwd":      "root:x:0:0:root:/root:/bin/bash\nann:x:1000:1000:Ann Example,,,:/home/ann:/bin/zsh\n",
		"etc/group":       "root:x:0:\nann:x:1000:\nwheel:x:10:ann\nsrc:x:40:bob\n",
		"etc/ssh/sshd.cf": "Port 22\n#PermitRootLogin yes\nPermitRootLogin no\n",
	} {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("sshd.cf", filepath.Join(root, "etc/ssh/link")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BRINE_TEST_ENV", "set")
	grains := map[string]any{
		"fqdn":           "web1.example.com",
		"ip4_interfaces": map[string]any{"lo": []any{"127.0.0.1"}, "eth0": []any{"10.0.0.5", "192.0.2.7"}, "eth1": []any{"203.0.113.9"}},
		"ip6_interfaces": map[string]any{"lo": []any{"::1"}, "eth0": []any{"fe80::1", "2001:db8::5"}},
	}
	tests := []struct{ expr, want string }{
		{"salt['file.file_exists']('/etc/passwd')", "True"},
		{"salt['file.file_exists']('/etc/ssh')", "False"},
		{"salt['file.directory_exists']('/etc/ssh')", "True"},
		{"salt['file.exists']('/nope')", "False"},
		{"salt['file.is_link']('/etc/ssh/link')", "True"},
		{"salt['file.contains']('/etc/ssh/sshd.cf', 'Port 22')", "True"},
		{"salt['file.contains']('/missing', 'x')", "False"},
		{"salt['file.contains_regex']('/etc/ssh/sshd.cf', '^PermitRootLogin no')", "True"},
		{"salt['file.search']('/etc/ssh/sshd.cf', '^#Permit')", "True"},
		{"salt['file.search']('/missing', 'x', ignore_if_missing=True)", "False"},
		{"salt['file.read']('/etc/group').splitlines()[2]", "wheel:x:10:ann"},
		{"salt['file.get_mode']('/etc/passwd')", "0640"},
		{"salt['user.info']('ann') | dictsort", "[('fullname', 'Ann Example'), ('gid', 1000), ('groups', ['ann', 'wheel']), ('home', '/home/ann'), ('name', 'ann'), ('passwd', 'x'), ('shell', '/bin/zsh'), ('uid', 1000)]"},
		{"salt['user.info']('nobody-here')", "{}"},
		{"salt['group.info']('wheel').members", "['ann']"},
		{"salt['environ.get']('BRINE_TEST_ENV')", "set"},
		{"salt['environ.get']('BRINE_NOT_SET', 'dflt')", "dflt"},
		{"salt['network.ip_addrs']()", "['10.0.0.5', '192.0.2.7', '203.0.113.9']"},
		{"salt['network.ip_addrs'](include_loopback=True, interface='lo')", "['127.0.0.1']"},
		{"salt['network.ip_addrs'](cidr='10.0.0.0/8')", "['10.0.0.5']"},
		{"salt['network.ip_addrs'](type='private')", "['10.0.0.5']"},
		{"salt['network.ip_addrs6']()", "['2001:db8::5', 'fe80::1']"},
		{"salt['network.get_fqdn']()", "web1.example.com"},
		{"salt['mine.get']('*', 'network.ip_addrs')", "{}"},
		{"salt['pillar.keys']('app')", "['b', 'a']"},
		{"salt['pillar.item']('app:a', 'zz')", "{'app:a': 1, 'zz': ''}"},
	}
	app := odict.New(2)
	app.Set("b", 2)
	app.Set("a", 1)
	pillar := odict.New(1)
	pillar.Set("app", app)
	ctx := SaltContext{Grains: grains, Pillar: pillar, Root: root}
	for _, tt := range tests {
		out, err := Render("t.sls", []byte("{{ "+tt.expr+" }}"), SaltVars(ctx, "t", "t.sls", "base"), Options{})
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if out != tt.want {
			t.Errorf("%s = %q; want %q", tt.expr, out, tt.want)
		}
	}
	// A missing file is an error for file.read and file.search, as in Salt.
	for _, expr := range []string{"salt['file.read']('/missing')", "salt['file.search']('/missing', 'x')"} {
		if _, err := Render("t.sls", []byte("{{ "+expr+" }}"), SaltVars(ctx, "t", "t.sls", "base"), Options{}); err == nil {
			t.Errorf("%s: no error", expr)
		}
	}
}

// opts carries __cli as salt-call when the caller gives none, so that
// formulas that ask which command renders them take the minion's path.
func TestOptsCLI(t *testing.T) {
	for _, tc := range []struct {
		opts map[string]any
		want string
	}{{nil, "salt-call"}, {map[string]any{"__cli": "salt-minion"}, "salt-minion"}} {
		out, err := Render("t.sls", []byte("{{ opts.get('__cli', '') }}"), SaltVars(SaltContext{Opts: tc.opts}, "t", "t.sls", "base"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if out != tc.want {
			t.Errorf("opts %v: __cli = %q; want %q", tc.opts, out, tc.want)
		}
		if tc.opts == nil {
			continue
		}
		if _, ok := tc.opts["__cli"]; !ok {
			t.Errorf("the caller's opts were changed")
		}
	}
}

// pkg.version reads the dpkg status file under the root on Debian, and
// asks rpm (through RunCmd) elsewhere.
func TestPkgVersion(t *testing.T) {
	root := t.TempDir()
	status := "Package: vim\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2:9.0.1378-2\n\n" +
		"Package: nano\nStatus: deinstall ok config-files\nVersion: 7.2-1\n\n" +
		"Package: tzdata\nStatus: install ok installed\nArchitecture: all\nVersion: 2024a-0+deb12u1\n"
	if err := os.MkdirAll(filepath.Join(root, "var/lib/dpkg"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), []byte(status), 0o644); err != nil {
		t.Fatal(err)
	}
	var ran []string
	rpm := func(cmd string, _, _ bool) (CmdResult, error) {
		ran = append(ran, cmd)
		if strings.Contains(cmd, "'bash'") {
			return CmdResult{Stdout: "(none):5.1.8-9.el9\n"}, nil
		}
		return CmdResult{Stdout: "package x is not installed\n", Retcode: 1}, nil
	}
	tests := []struct {
		family, expr, want string
	}{
		{"Debian", "salt['pkg.version']('vim')", "2:9.0.1378-2"},
		{"Debian", "salt['pkg.version']('vim:amd64')", "2:9.0.1378-2"},
		{"Debian", "salt['pkg.version']('nano') == ''", "True"},
		{"Debian", "salt['pkg.version']('tzdata', 'nope')", "{'tzdata': '2024a-0+deb12u1', 'nope': ''}"},
		{"RedHat", "salt['pkg.version']('bash')", "5.1.8-9.el9"},
		{"RedHat", "salt['pkg.version']('zsh') or 'absent'", "absent"},
	}
	for _, tt := range tests {
		ctx := SaltContext{Grains: map[string]any{"os_family": tt.family}, Root: root, RunCmd: rpm}
		out, err := Render("t.sls", []byte("{{ "+tt.expr+" }}"), SaltVars(ctx, "t", "t.sls", "base"), Options{})
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if out != tt.want {
			t.Errorf("%s on %s = %q; want %q", tt.expr, tt.family, out, tt.want)
		}
	}
	if len(ran) == 0 || !strings.Contains(ran[0], "--root '"+root+"'") {
		t.Errorf("rpm ran as %q; want it under --root", ran)
	}
}

// cp.get_file_str reads salt:// files through the render's loader, and
// local files; a file it cannot read is False, as in Salt.
func TestCpGetFileStr(t *testing.T) {
	dir := t.TempDir()
	local := filepath.Join(dir, "key.pub")
	if err := os.WriteFile(local, []byte("ssh-ed25519 AAAA me"), 0o644); err != nil {
		t.Fatal(err)
	}
	js := filepath.Join(dir, "conf.json")
	if err := os.WriteFile(js, []byte(`{"zeta": {"y": 1, "x": 2}, "alpha": [1]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ expr, want string }{
		{"salt['cp.get_file_str']('salt://lib/data.json') | load_json", "{'ports': [80, 443], 'tls': True}"},
		// load_json keeps the order of the text, as json.loads does.
		{"salt['cp.get_file_str']('" + js + "') | load_json", "{'zeta': {'y': 1, 'x': 2}, 'alpha': [1]}"},
		{"salt['cp.get_file_str']('" + local + "')", "ssh-ed25519 AAAA me"},
		{"salt['cp.get_file_str'](path='salt://no/such/file')", "False"},
	}
	for _, tt := range tests {
		out, err := Render("t.sls", []byte("{{ "+tt.expr+" }}"), SaltVars(SaltContext{}, "t", "t.sls", "base"), Options{Loader: dirLoader("testdata/tree")})
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if out != tt.want {
			t.Errorf("%s = %q; want %q", tt.expr, out, tt.want)
		}
	}
}

// Pillar that crossed the wire was decoded with UseNumber: its numbers
// are json.Number, and templates still count and compare with them.
func TestJSONNumbers(t *testing.T) {
	var pillar odict.Map
	if err := json.Unmarshal([]byte(`{"port": 8080, "ratio": 0.5, "list": [3]}`), &pillar); err != nil {
		t.Fatal(err)
	}
	src := []byte("{{ pillar.port + 1 }} {{ pillar.port > 1024 }} {{ pillar.ratio * 2 }} {{ pillar.port is number }} {{ pillar.list }} {{ pillar.port }}")
	out, err := Render("t.sls", src, SaltVars(SaltContext{Pillar: &pillar}, "t", "t.sls", "base"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "8081 True 1.0 True [3] 8080"; out != want {
		t.Errorf("got %q; want %q", out, want)
	}
}

// cmd.has_exec is salt.utils.path.which(cmd) is not None: a bare name in
// $PATH, or a path; under a root, inside it.
func TestCmdHasExec(t *testing.T) {
	root := t.TempDir()
	bin := filepath.Join(root, "usr/local/bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "only-in-root"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "not-exec"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", "/usr/local/bin:/bin:/usr/bin")
	tests := []struct {
		root, cmd string
		want      bool
	}{
		{"", "sh", true},
		{"", "/bin/sh", true},
		{"", "no-such-command-here", false},
		{"", "", false},
		{root, "only-in-root", true},
		{root, "/usr/local/bin/only-in-root", true},
		{root, "not-exec", false},
		{root, "sh", false},
	}
	for _, tt := range tests {
		fns := SaltFuncs(SaltContext{Root: tt.root})
		got, err := fns["cmd.has_exec"]([]any{tt.cmd}, nil)
		if err != nil || got != tt.want {
			t.Errorf("cmd.has_exec(%q) under %q = %v, %v; want %v", tt.cmd, tt.root, got, err, tt.want)
		}
	}
	// Pillar rendered on the master does not look at the master's host.
	fns := SaltFuncs(SaltContext{Files: os.DirFS(root)})
	if _, err := fns["cmd.has_exec"]([]any{"sh"}, nil); !errors.Is(err, ErrConfined) {
		t.Errorf("confined cmd.has_exec: err = %v; want %v", err, ErrConfined)
	}
}
