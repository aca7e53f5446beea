package exec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/brine-cm/brine/states"
)

// aptFake answers apt and dpkg commands from a package database it keeps
// in the root's dpkg status file, as apt would leave it.
type aptFake struct {
	t     *testing.T
	root  string
	db    map[string][2]string // name → version, selection (install/hold)
	repo  map[string]string    // name → candidate
	calls []string
}

func newAptFake(t *testing.T, root string) *aptFake {
	f := &aptFake{t: t, root: root,
		db:   map[string][2]string{"dpkg": {"1.21.22", "install"}, "curl": {"7.88.1-1", "install"}, "tree": {"2.1.0-1", "install"}},
		repo: map[string]string{"curl": "7.88.1-2", "tree": "2.1.0-1", "jq": "1.6-2", "dpkg": "1.21.22"},
	}
	for _, d := range []string{"etc", "var/lib/dpkg"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "etc/os-release"), []byte("ID=debian\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.save()
	return f
}

func (f *aptFake) save() {
	var b strings.Builder
	names := make([]string, 0, len(f.db))
	for n := range f.db {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "Package: %s\nStatus: %s ok installed\nArchitecture: amd64\nVersion: %s\n\n", n, f.db[n][1], f.db[n][0])
	}
	if err := os.WriteFile(filepath.Join(f.root, "var/lib/dpkg/status"), []byte(b.String()), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func (f *aptFake) Run(_ context.Context, c states.PkgCmd) ([]byte, error) {
	args := c.Args
	f.calls = append(f.calls, strings.Join(args, " "))
	simulate := false
	var words []string
	for i := 1; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-o" || a == "-t":
			i++
		case a == "-s":
			simulate = true
		case strings.HasPrefix(a, "-"):
		default:
			words = append(words, a)
		}
	}
	var out strings.Builder
	switch {
	case args[0] == "apt-cache":
		for _, n := range words[1:] {
			if v, ok := f.repo[n]; ok {
				fmt.Fprintf(&out, "%s:\n  Installed: %s\n  Candidate: %s\n  Version table:\n     %s 500\n", n, f.db[n][0], v, v)
			}
		}
	case args[0] == "dpkg":
		for _, line := range strings.Split(string(c.Stdin), "\n") {
			if fs := strings.Fields(line); len(fs) == 2 {
				f.db[fs[0]] = [2]string{f.db[fs[0]][0], fs[1]}
			}
		}
		f.save()
	case words[0] == "update":
	case words[0] == "install":
		for _, n := range words[1:] {
			name, ver, _ := strings.Cut(n, "=")
			if ver == "" {
				ver = f.repo[name]
			}
			if ver == "" {
				return nil, fmt.Errorf("E: Unable to locate package %s", name)
			}
			if simulate {
				fmt.Fprintf(&out, "Inst %s (%s Debian:12 [amd64])\n", name, ver)
			} else {
				f.db[name] = [2]string{ver, "install"}
			}
		}
	case words[0] == "remove" || words[0] == "purge":
		for _, n := range words[1:] {
			if simulate {
				fmt.Fprintf(&out, "Remv %s [%s]\n", n, f.db[n][0])
			} else {
				delete(f.db, n)
			}
		}
	case words[0] == "upgrade" || words[0] == "dist-upgrade":
		for n, v := range f.db {
			if c := f.repo[n]; c != "" && c != v[0] {
				if simulate {
					fmt.Fprintf(&out, "Inst %s [%s] (%s Debian:12 [amd64])\n", n, v[0], c)
				} else {
					f.db[n] = [2]string{c, v[1]}
				}
			}
		}
	default:
		return nil, fmt.Errorf("unexpected command %q", args)
	}
	if !simulate {
		f.save()
	}
	return []byte(out.String()), nil
}

func TestPkgFunctions(t *testing.T) {
	h := testHost(t)
	f := newAptFake(t, h.Root)
	h.Sys = &SysHooks{PkgRunner: f}
	steps := []struct {
		fun   string
		words []string
		want  any
		code  int
	}{
		{"pkg.version", []string{"curl"}, "7.88.1-1", 0},
		{"pkg.version", []string{"curl", "jq"}, map[string]any{"curl": "7.88.1-1", "jq": ""}, 0},
		{"pkg.version", []string{"cu*"}, map[string]any{"curl": "7.88.1-1"}, 0},
		{"pkg.version", []string{"curl", "versions_as_list=True"}, []any{"7.88.1-1"}, 0},
		{"pkg.version", nil, map[string]any{}, 0},
		{"pkg.latest_version", []string{"curl", "tree", "jq"}, map[string]any{"curl": "7.88.1-2", "tree": "", "jq": "1.6-2"}, 0},
		{"pkg.latest_version", []string{"tree", "refresh=False"}, "", 0},
		{"pkg.upgrade_available", []string{"curl"}, true, 0},
		{"pkg.upgrade_available", []string{"tree", "refresh=False"}, false, 0},
		{"pkg.list_upgrades", nil, map[string]any{"curl": "7.88.1-2"}, 0},
		{"pkg.install", []string{"jq"}, map[string]any{"jq": map[string]any{"old": "", "new": "1.6-2"}}, 0},
		{"pkg.install", []string{"jq"}, map[string]any{}, 0},
		{"pkg.install", []string{"nope"}, nil, 1},
		{"pkg.install", []string{"pkgs=[jq, tree]"}, map[string]any{}, 0},
		{"pkg.hold", []string{"jq"}, map[string]any{"jq": map[string]any{"name": "jq", "result": true, "comment": "Package jq is now being held.", "changes": map[string]any{"old": "install", "new": "hold"}}}, 0},
		{"pkg.hold", []string{"jq"}, map[string]any{"jq": map[string]any{"name": "jq", "result": true, "comment": "Package jq is already set to be held.", "changes": map[string]any{}}}, 0},
		{"pkg.unhold", []string{"pkgs=[jq]"}, map[string]any{"jq": map[string]any{"name": "jq", "result": true, "comment": "Package jq is no longer being held.", "changes": map[string]any{"old": "hold", "new": "install"}}}, 0},
		{"pkg.hold", []string{"nope"}, nil, 1},
		{"pkg.remove", []string{"jq"}, map[string]any{"jq": map[string]any{"old": "1.6-2", "new": ""}}, 0},
		{"pkg.purge", []string{"jq"}, map[string]any{}, 0},
		{"pkg.upgrade", nil, map[string]any{"curl": map[string]any{"old": "7.88.1-1", "new": "7.88.1-2"}}, 0},
		{"pkg.list_upgrades", []string{"refresh=False"}, map[string]any{}, 0},
		{"pkg.refresh_db", nil, true, 0},
		{"pkg.install", nil, nil, 1},
		{"pkg.install", []string{"jq", "versoin=1"}, nil, 1},
	}
	for _, s := range steps {
		ret := callWords(t, h, s.fun, s.words...)
		if ret.Retcode != s.code || (s.want != nil && !reflect.DeepEqual(ret.Value, s.want)) {
			t.Fatalf("%s %q = %#v (%d); want %#v (%d)\ncalls: %q", s.fun, s.words, ret.Value, ret.Retcode, s.want, s.code, f.calls)
		}
	}
	ret := callWords(t, h, "pkg.list_pkgs")
	if l, _ := ret.Value.(map[string]any); l["curl"] != "7.88.1-2" || l["jq"] != nil || len(l) != 3 {
		t.Errorf("pkg.list_pkgs = %#v", ret.Value)
	}
	ret = callWords(t, h, "pkg.list_pkgs", "versions_as_list=True")
	if l, _ := ret.Value.(map[string]any); !reflect.DeepEqual(l["tree"], []string{"2.1.0-1"}) {
		t.Errorf("pkg.list_pkgs versions_as_list = %#v", ret.Value)
	}
	// Every command went as argv, never through a shell, and apt
	// worked on the root's files.
	for _, c := range f.calls {
		if strings.HasPrefix(c, "sh ") || strings.HasPrefix(c, "/bin/sh") {
			t.Errorf("a shell ran: %q", c)
		}
	}
}
