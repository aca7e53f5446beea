package testbed

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseStateJSON(t *testing.T) {
	tests := []struct {
		name, in string
		ids      []string
		results  []string
		wantErr  bool
	}{
		{"minion level", `{"local": {"b_|-y_|-y_|-f": {"__id__": "y", "result": null, "changes": {"a": 1}, "__run_num__": 1},
			"a_|-x_|-x_|-f": {"__id__": "x", "result": true, "changes": {}, "__run_num__": 0}}}`,
			[]string{"x", "y"}, []string{"True", "None"}, false},
		{"flat", `{"a_|-x_|-x_|-f": {"__id__": "x", "result": false, "comment": "no", "__run_num__": 0}}`,
			[]string{"x"}, []string{"False"}, false},
		{"not json", `brine: error`, nil, nil, true},
	}
	for _, tt := range tests {
		got, err := ParseStateJSON([]byte(tt.in))
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: error = %v", tt.name, err)
			continue
		}
		var ids, results []string
		for _, r := range got {
			ids = append(ids, r.ID)
			switch {
			case r.Result == nil:
				results = append(results, "None")
			case *r.Result:
				results = append(results, "True")
			default:
				results = append(results, "False")
			}
		}
		if strings.Join(ids, ",") != strings.Join(tt.ids, ",") || strings.Join(results, ",") != strings.Join(tt.results, ",") {
			t.Errorf("%s: ids %v results %v; want %v %v", tt.name, ids, results, tt.ids, tt.results)
		}
	}
}

func TestKey(t *testing.T) {
	a, err := Key(Systemd)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Key(SysV)
	if a == b || !strings.HasPrefix(a, "systemd-") || !strings.HasPrefix(b, "sysvinit-") {
		t.Errorf("Key(systemd) = %q, Key(sysvinit) = %q; want distinct, prefixed keys", a, b)
	}
	if again, _ := Key(Systemd); again != a {
		t.Errorf("Key is not stable: %q then %q", a, again)
	}
	if _, err := Key("upstart"); err == nil {
		t.Error("Key(upstart) did not fail")
	}
}

func TestMirrorFrom(t *testing.T) {
	src := "Types: deb\n# URIs: http://commented.example\nURIs: http://deb.example/debian http://second\nSuites: bookworm\n"
	if m, ok := mirrorFrom(strings.NewReader(src)); !ok || m != "http://deb.example/debian" {
		t.Errorf("mirrorFrom = %q, %v", m, ok)
	}
	if _, ok := mirrorFrom(strings.NewReader("Types: deb\n")); ok {
		t.Error("mirrorFrom found a mirror in a file without URIs:")
	}
}

func TestSysvQuietGettys(t *testing.T) {
	p := filepath.Join(t.TempDir(), "inittab")
	in := "id:2:initdefault:\n1:2345:respawn:/sbin/getty --noclear 38400 tty1\n#2:23:respawn:/sbin/getty 38400 tty2\nT0:23:respawn:/bin/x\n"
	os.WriteFile(p, []byte(in), 0o644)
	if err := sysvQuietGettys(p); err != nil {
		t.Fatal(err)
	}
	want := "id:2:initdefault:\n#1:2345:respawn:/sbin/getty --noclear 38400 tty1\n#2:23:respawn:/sbin/getty 38400 tty2\nT0:23:respawn:/bin/x\n"
	if b, _ := os.ReadFile(p); string(b) != want {
		t.Errorf("inittab = %q; want %q", b, want)
	}
}
