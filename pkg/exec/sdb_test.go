package exec

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/brine-cm/brine/pkg/odict"
)

// sdb.* as Salt's salt/utils/sdb.py: a profile among the options, else
// in the pillar; env and yaml drivers; a string that is not an sdb URI,
// or whose profile is unknown, comes back as it is (an error with
// strict), and set/delete say False for it.
func TestSDB(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	os.WriteFile(a, []byte("db:\n  user: app\n  pass: one\nlist: [x, y]\n"), 0o644)
	os.WriteFile(b, []byte("db:\n  pass: two\n"), 0o644)
	t.Setenv("BRINE_SDB_TEST", "from-env")
	h := testHost(t)
	h.Opts = map[string]any{"osenv": map[string]any{"driver": "env"}}
	h.Pillar = odict.From(map[string]any{
		"secrets": map[string]any{"driver": "yaml", "files": []any{a, b, filepath.Join(dir, "missing.yaml")}},
		"vaulty":  map[string]any{"driver": "vault"},
	})
	tests := []struct {
		fun    string
		args   []any
		kw     map[string]any
		want   any
		raised bool
	}{
		{"sdb.get", []any{"sdb://osenv/BRINE_SDB_TEST"}, nil, "from-env", false},
		{"sdb.get", []any{"sdb://osenv/BRINE_SDB_UNSET"}, nil, nil, false},
		{"sdb.get", []any{"sdb://secrets/db:pass"}, nil, "two", false},
		{"sdb.get", []any{"sdb://secrets/db:user"}, nil, "app", false},
		{"sdb.get", []any{"sdb://secrets/list:1"}, nil, "y", false},
		{"sdb.get", []any{"sdb://secrets/nope"}, nil, nil, false},
		{"sdb.get", []any{"plain"}, nil, "plain", false},
		{"sdb.get", []any{"sdb://noprofile/key"}, nil, "sdb://noprofile/key", false},
		{"sdb.get", []any{"sdb://osenv"}, nil, "sdb://osenv", false},
		{"sdb.get", []any{"plain"}, map[string]any{"strict": true}, `ERROR: SDB uri must start with "sdb://"`, true},
		{"sdb.get", []any{"sdb://noprofile/key"}, map[string]any{"strict": true}, `ERROR: SDB profile "noprofile" wasnt found in the minion configuration`, true},
		{"sdb.set", []any{"plain", "v"}, nil, false, false},
		{"sdb.set", []any{"sdb://noprofile/key", "v"}, nil, false, false},
		{"sdb.set", []any{"sdb://osenv/BRINE_SDB_TEST", "new"}, nil, "from-env", false},
		{"sdb.set", []any{"sdb://secrets/db:pass", "x"}, nil, "ERROR: NotImplemented: edit the YAML files directly", true},
		{"sdb.delete", []any{"plain"}, nil, false, false},
		{"sdb.get_or_set_hash", []any{"plain"}, nil, false, false},
		{"sdb.get_or_set_hash", []any{"sdb://osenv/BRINE_SDB_TEST"}, nil, "from-env", false},
	}
	for _, tt := range tests {
		r := Call(context.Background(), h, tt.fun, tt.args, tt.kw)
		if !reflect.DeepEqual(r.Value, tt.want) || (r.Raised != nil) != tt.raised {
			t.Errorf("%s%v %v = %#v (raised %v); want %#v (raised %v)", tt.fun, tt.args, tt.kw, r.Value, r.Raised, tt.want, tt.raised)
		}
	}
	r := Call(context.Background(), h, "sdb.get", []any{"sdb://vaulty/k"}, nil)
	if r.Raised == nil || r.Retcode != RetError {
		t.Errorf("sdb.get of a driver brine lacks: %#v; want a CommandExecutionError", r)
	}

	// get_or_set_hash makes and keeps a value the driver lacks.
	os.Unsetenv("BRINE_SDB_NEW")
	t.Cleanup(func() { os.Unsetenv("BRINE_SDB_NEW") })
	r = Call(context.Background(), h, "sdb.get_or_set_hash", []any{"sdb://osenv/BRINE_SDB_NEW", 12}, map[string]any{"chars": "ab"})
	s, _ := r.Value.(string)
	if len(s) != 12 || os.Getenv("BRINE_SDB_NEW") != s {
		t.Errorf("get_or_set_hash = %#v, env %q; want 12 of a/b, stored", r.Value, os.Getenv("BRINE_SDB_NEW"))
	}
	for _, ch := range s {
		if ch != 'a' && ch != 'b' {
			t.Errorf("get_or_set_hash %q: want only a and b", s)
		}
	}
}

// config.get reads an sdb:// value it finds through sdb.get, as Salt's
// returns sdb.sdb_get(ret) (salt/modules/config.py).
func TestConfigGetSDB(t *testing.T) {
	t.Setenv("BRINE_SDB_PASS", "s3cret")
	h := testHost(t)
	h.Pillar = odict.From(map[string]any{
		"osenv": map[string]any{"driver": "env"},
		"db":    map[string]any{"pass": "sdb://osenv/BRINE_SDB_PASS", "other": "sdb://nosuch/x"},
	})
	for key, want := range map[string]any{"db:pass": "s3cret", "db:other": "sdb://nosuch/x"} {
		r := Call(context.Background(), h, "config.get", []any{key}, nil)
		if r.Value != want {
			t.Errorf("config.get %s = %#v; want %#v", key, r.Value, want)
		}
		r = Call(context.Background(), h, "config.get", []any{key}, map[string]any{"merge": "recurse"})
		if r.Value != want {
			t.Errorf("config.get %s merge=recurse = %#v; want %#v", key, r.Value, want)
		}
	}
}
