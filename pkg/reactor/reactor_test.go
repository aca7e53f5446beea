package reactor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/fileroot"
)

func TestLocate(t *testing.T) {
	roots := fileroot.Roots{"base": {"/srv/salt"}}
	for _, tc := range []struct {
		file, dir, name string
		bad             bool
	}{
		{"salt://reactor/start.sls", "/srv/salt", "reactor.start", false},
		{"salt://start.sls?saltenv=base", "/srv/salt", "start", false},
		{"/srv/reactor/auth.sls", "/srv/reactor", "auth", false},
		{"salt://../etc/x.sls", "", "", true},
		{"salt://r.sls?saltenv=prod", "", "", true},
		{"reactor/start.sls", "", "", true},
		{"/srv/reactor/a.b.sls", "", "", true},
		{"/srv/reactor/start.txt", "", "", true},
	} {
		r, name, err := locate(tc.file, roots)
		if tc.bad {
			if err == nil {
				t.Errorf("locate(%q) = %v %q; want an error", tc.file, r, name)
			}
			continue
		}
		if err != nil || name != tc.name || r["base"][0] != tc.dir {
			t.Errorf("locate(%q) = %v %q %v; want %s %q", tc.file, r, name, err, tc.dir, tc.name)
		}
	}
}

func TestRules(t *testing.T) {
	got := Rules([]map[string][]string{{"salt/auth": {"/a.sls"}}, {"salt/minion/*/start": {"/b.sls", "/c.sls"}}})
	if len(got) != 2 || got[0].Tag != "salt/auth" || len(got[1].Files) != 2 {
		t.Fatalf("Rules = %+v", got)
	}
}

// TestExpand: a path of `reactor:` is a glob, as Salt's render_reaction
// globs it: every file it matches, in name order.
func TestExpand(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b.sls", "a.sls", "c.txt"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("{}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := expand(filepath.Join(dir, "*.sls"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range got {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "a,b" {
		t.Errorf("expand(*.sls) = %v; want a,b", names)
	}
	if _, err := expand(filepath.Join(dir, "*.none"), nil); err == nil {
		t.Errorf("expand of a glob that matches nothing: no error")
	}
	if got, err := expand(filepath.Join(dir, "a.sls"), nil); err != nil || len(got) != 1 || got[0].Name != "a" {
		t.Errorf("expand(a.sls) = %v, %v", got, err)
	}
}
