package exec

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// hosts.* read the hosts file as Salt 3006's _list_hosts does; the wants
// are what Salt's code returns for the same file.
func TestHostsRead(t *testing.T) {
	h := testHost(t)
	if err := os.MkdirAll(filepath.Join(h.Root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	hosts := "# static table\n127.0.0.1\tlocalhost\n\n10.0.0.5 db1 db1.example  # the database\n10.0.0.6 web1\n  # second comment\n10.0.0.5 db-alias\n::1 localhost ip6-localhost\n10.0.0.7 bare #\n"
	if err := os.WriteFile(filepath.Join(h.Root, "etc/hosts"), []byte(hosts), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		fun  string
		args []any
		want any
	}{
		{"hosts.get_ip", []any{"db1.example"}, "10.0.0.5"},
		{"hosts.get_ip", []any{"db-alias"}, "10.0.0.5"},
		{"hosts.get_ip", []any{"localhost"}, "127.0.0.1"}, // the first line that has it
		{"hosts.get_ip", []any{"nowhere"}, ""},
		{"hosts.get_alias", []any{"10.0.0.5"}, []any{"db1", "db1.example", "db-alias"}},
		{"hosts.get_alias", []any{"10.9.9.9"}, []any{}},
		{"hosts.has_pair", []any{"10.0.0.6", "web1"}, true},
		{"hosts.has_pair", []any{"10.0.0.6", "db1"}, false},
		{"hosts.has_pair", []any{"10.0.0.5", []any{"db1", "db-alias"}}, true},
		{"hosts.has_pair", []any{"10.9.9.9", "x"}, false},
		{"hosts.list_hosts", nil, map[string]any{
			"comment-0": []any{"# static table"},
			"comment-1": []any{"# second comment"},
			"127.0.0.1": map[string]any{"aliases": []any{"localhost"}},
			"10.0.0.5":  map[string]any{"aliases": []any{"db1", "db1.example", "db-alias"}, "comment": "the database"},
			"10.0.0.6":  map[string]any{"aliases": []any{"web1"}},
			"::1":       map[string]any{"aliases": []any{"localhost", "ip6-localhost"}},
			"10.0.0.7":  map[string]any{"aliases": []any{"bare"}},
		}},
	}
	for _, tt := range tests {
		r := Call(context.Background(), h, tt.fun, tt.args, nil)
		if r.Retcode != 0 || !reflect.DeepEqual(r.Value, tt.want) {
			t.Errorf("%s%v = %#v (retcode %d); want %#v", tt.fun, tt.args, r.Value, r.Retcode, tt.want)
		}
	}
	// No hosts file: Salt's empty answers (ENOENT ignored).
	if err := os.Remove(filepath.Join(h.Root, "etc/hosts")); err != nil {
		t.Fatal(err)
	}
	if r := Call(context.Background(), h, "hosts.get_ip", []any{"db1"}, nil); r.Value != "" || r.Retcode != 0 {
		t.Errorf("hosts.get_ip without a hosts file = %#v", r)
	}
}

// environ.item as Salt's: a name or a list, default for the unset.
func TestEnvironItem(t *testing.T) {
	t.Setenv("BRINE_ENV_ITEM_A", "a")
	h := testHost(t)
	tests := []struct {
		args []any
		kw   map[string]any
		want any
	}{
		{[]any{"BRINE_ENV_ITEM_A"}, nil, map[string]any{"BRINE_ENV_ITEM_A": "a"}},
		{[]any{[]any{"BRINE_ENV_ITEM_A", "BRINE_ENV_ITEM_UNSET"}}, nil, map[string]any{"BRINE_ENV_ITEM_A": "a", "BRINE_ENV_ITEM_UNSET": ""}},
		{[]any{"BRINE_ENV_ITEM_UNSET"}, map[string]any{"default": "x"}, map[string]any{"BRINE_ENV_ITEM_UNSET": "x"}},
		{[]any{5}, nil, map[string]any{}},
	}
	for _, tt := range tests {
		r := Call(context.Background(), h, "environ.item", tt.args, tt.kw)
		if r.Retcode != 0 || !reflect.DeepEqual(r.Value, tt.want) {
			t.Errorf("environ.item%v %v = %#v; want %#v", tt.args, tt.kw, r.Value, tt.want)
		}
	}
}
