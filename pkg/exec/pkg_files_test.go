package exec

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestPkgOwnerFileList: pkg.owner and pkg.file_list read dpkg's file
// lists under --root, with aptpkg's shapes (a value for one path, a
// mapping for several; {errors, files}, or dpkg's error as the value).
func TestPkgOwnerFileList(t *testing.T) {
	h := testHost(t)
	info := filepath.Join(h.Root, "var/lib/dpkg/info")
	if err := os.MkdirAll(info, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"bash.list":        "/.\n/bin\n/bin/bash\n/usr\n",
		"libc6:amd64.list": "/.\n/usr\n/usr/lib/x86_64-linux-gnu/libc.so.6\n",
		"bash.md5sums":     "x  bin/bash\n",
		"coreutils.list":   "/.\n/usr\n/usr/bin/ls\n",
	} {
		if err := os.WriteFile(filepath.Join(info, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		fun   string
		words []string
		want  any
	}{
		{"pkg.owner", []string{"/bin/bash"}, "bash"},
		{"pkg.owner", []string{"/usr/lib/x86_64-linux-gnu/libc.so.6"}, "libc6"},
		{"pkg.owner", []string{"/nope"}, ""},
		{"pkg.owner", []string{"/usr/bin/ls", "/nope"}, map[string]any{"/usr/bin/ls": "coreutils", "/nope": ""}},
		{"pkg.owner", []string{"/usr"}, "bash, coreutils, libc6"},
		{"pkg.owner", []string{"libc.so"}, "libc6"}, // dpkg -S: a substring
		{"pkg.owner", nil, ""},
		{"pkg.file_list", []string{"bash"}, map[string]any{"errors": []any{}, "files": []any{"/.", "/bin", "/bin/bash", "/usr"}}},
		{"pkg.file_list", []string{"bash", "coreutils"}, map[string]any{"errors": []any{}, "files": []any{"/.", "/bin", "/bin/bash", "/usr", "/usr/bin/ls"}}},
		{"pkg.file_list", []string{"bash", "nope"}, "Error:  dpkg-query: no packages found matching nope"},
	}
	for _, tt := range tests {
		ret := callWords(t, h, tt.fun, tt.words...)
		got := ret.Value
		if m, ok := got.(map[string]string); ok {
			g := map[string]any{}
			for k, v := range m {
				g[k] = v
			}
			got = g
		}
		if !reflect.DeepEqual(got, tt.want) || ret.Retcode != 0 {
			t.Errorf("%s %q = %#v (%d); want %#v", tt.fun, tt.words, ret.Value, ret.Retcode, tt.want)
		}
	}
	h.Root = t.TempDir()
	if ret := Call(context.Background(), h, "pkg.owner", []any{"/bin/bash"}, nil); ret.Retcode != RetError {
		t.Errorf("pkg.owner with no dpkg database = %#v; want an error", ret.Value)
	}
}
