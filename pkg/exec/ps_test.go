package exec

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// ps.pgrep as Salt's over psutil: the name (stat's, or the program's
// when stat cut it at 15 characters) or, with full, the command line;
// a regex with pattern_is_regex; None when nothing matches.
func TestPsPgrep(t *testing.T) {
	dir := t.TempDir()
	old := procDir
	procDir = dir
	t.Cleanup(func() { procDir = old })
	add := func(pid, comm, cmdline string) {
		p := filepath.Join(dir, pid)
		os.MkdirAll(p, 0o755)
		os.WriteFile(filepath.Join(p, "stat"), []byte(pid+" ("+comm+") S 1 1"), 0o644)
		os.WriteFile(filepath.Join(p, "cmdline"), []byte(cmdline), 0o644)
		os.WriteFile(filepath.Join(p, "status"), []byte("Name:\t"+comm+"\nUid:\t0\t0\t0\t0\n"), 0o644)
	}
	add("1", "systemd", "/sbin/init\x00splash\x00")
	add("20", "nginx", "nginx: master process /usr/sbin/nginx\x00")
	add("300", "systemd-journal", "/lib/systemd/systemd-journald\x00")
	add("4000", "python3", "/usr/bin/python3\x00/opt/app/server.py\x00--port\x008080\x00")
	os.MkdirAll(filepath.Join(dir, "self"), 0o755)
	h := testHost(t)
	tests := []struct {
		args []any
		kw   map[string]any
		want any
	}{
		{[]any{"systemd"}, nil, []any{1, 300}},
		{[]any{"journald"}, nil, []any{300}},
		{[]any{"server.py"}, nil, nil},
		{[]any{"server.py"}, map[string]any{"full": true}, []any{4000}},
		{[]any{"^nginx$"}, map[string]any{"pattern_is_regex": true}, []any{20}},
		{[]any{"python"}, map[string]any{"user": "root"}, []any{4000}},
		{[]any{"python"}, map[string]any{"user": "nobody-at-all"}, nil},
	}
	for _, tt := range tests {
		r := Call(context.Background(), h, "ps.pgrep", tt.args, tt.kw)
		if !reflect.DeepEqual(r.Value, tt.want) {
			t.Errorf("ps.pgrep%v %v = %#v; want %#v", tt.args, tt.kw, r.Value, tt.want)
		}
	}
}
