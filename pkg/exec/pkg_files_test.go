package exec

import (
	"context"
	"os"
	osexec "os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"
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

// TestPkgInfoInstalled: pkg.info_installed as Salt's aptpkg over
// dpkg_lowpkg.info, from a root's dpkg database: dpkg's keys renamed
// (name, packager, group, url), empty fields and installed_size left
// out, the install date from the file list, the copyright's licenses.
func TestPkgInfoInstalled(t *testing.T) {
	if _, err := osexec.LookPath("dpkg-query"); err != nil {
		t.Skip("no dpkg-query here")
	}
	h := testHost(t)
	for name, body := range map[string]string{
		"var/lib/dpkg/status": "Package: hello\nStatus: install ok installed\nPriority: optional\nSection: devel\nInstalled-Size: 280\n" +
			"Maintainer: Someone <s@example.org>\nArchitecture: amd64\nVersion: 2.10-3\nHomepage: https://www.gnu.org/software/hello/\n" +
			"Description: example package\n A longer text.\n\n" +
			"Package: gone\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0\nDescription: removed\n",
		"var/lib/dpkg/info/hello.list":     "/usr/bin/hello\n",
		"usr/share/doc/hello/copyright":    "Files: *\nLicense: GPL-3+\n\nFiles: x\nLicense: GPL-3+\nLicense: BSD\n",
		"var/lib/dpkg/available":           "",
		"var/lib/dpkg/info/format-version": "",
	} {
		p := filepath.Join(h.Root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(h.Root, "var/lib/dpkg/info/hello.list"), when, when); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"hello": map[string]any{"name": "hello", "architecture": "amd64", "version": "2.10-3", "group": "devel",
		"packager": "Someone <s@example.org>", "url": "https://www.gnu.org/software/hello/", "source": "hello",
		"description": "example package\n A longer text.\n", "install_date": "2024-05-06T07:08:09Z", "license": "BSD, GPL-3+"}}
	ret := callWords(t, h, "pkg.info_installed")
	if !reflect.DeepEqual(ret.Value, want) {
		t.Errorf("pkg.info_installed = %#v\nwant %#v", ret.Value, want)
	}
	if ret := callWords(t, h, "pkg.info_installed", "hello", "attr=version,name"); !reflect.DeepEqual(ret.Value, map[string]any{"hello": map[string]any{"name": "hello", "version": "2.10-3"}}) {
		t.Errorf("pkg.info_installed attr=version,name = %#v", ret.Value)
	}
	if ret := callWords(t, h, "pkg.info_installed", "hello", "nope"); ret.Retcode != RetError {
		t.Errorf("pkg.info_installed of a package not there = %#v; want an error", ret.Value)
	}
	if ret := callWords(t, h, "pkg.info_installed", "nope", "failhard=False"); !reflect.DeepEqual(ret.Value, map[string]any{}) || ret.Retcode != 0 {
		t.Errorf("pkg.info_installed failhard=False = %#v; want {}", ret.Value)
	}
}
