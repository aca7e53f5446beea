package jinja

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// file.grep is Salt's: grep with no shell, each option a word of its own,
// the path's glob (or the path, when it globs to nothing) after the
// pattern; the cmd.run_all dict back, stripped. Under a root the files
// are the image's.
func TestFileGrep(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"etc/os-release", "etc/os-release.d"} {
		if err := os.WriteFile(filepath.Join(root, f), []byte("ID=debian\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var ran []string
	c := SaltContext{Root: root, RunCmd: func(cmd string, merge, shell bool) (CmdResult, error) {
		if merge || shell {
			t.Errorf("file.grep ran %q with merge=%v shell=%v; want neither", cmd, merge, shell)
		}
		ran = append(ran, cmd)
		return CmdResult{Pid: 7, Stdout: "ID=debian\n\n", Retcode: 0}, nil
	}}
	f := SaltFuncs(c)["file.grep"]
	tests := []struct {
		args []any
		want string
	}{
		{[]any{"/etc/os-release", "ID="}, "'grep' 'ID=' '" + root + "/etc/os-release'"},
		{[]any{"/etc/os-release", "^ID=", "-c", "-E"}, "'grep' '-c' '-E' '^ID=' '" + root + "/etc/os-release'"},
		{[]any{"/etc/os-rel*", "x"}, "'grep' 'x' '" + root + "/etc/os-release' '" + root + "/etc/os-release.d'"},
		// Nothing globbed: the path itself, for grep to say it is missing.
		{[]any{"/etc/nothing*", "x"}, "'grep' 'x' '" + root + "/etc/nothing*'"},
	}
	for _, tt := range tests {
		ran = nil
		got, err := f(tt.args, nil)
		if err != nil {
			t.Errorf("file.grep%v: %v", tt.args, err)
			continue
		}
		if len(ran) != 1 || ran[0] != tt.want {
			t.Errorf("file.grep%v ran %q; want %q", tt.args, ran, tt.want)
		}
		want := map[string]any{"pid": 7, "retcode": 0, "stdout": "ID=debian", "stderr": ""}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("file.grep%v = %#v; want %#v", tt.args, got, want)
		}
	}
	_, err := f([]any{"/etc/os-release", "x", "-i -v"}, nil)
	if err == nil || !strings.Contains(err.Error(), "please pass the following arguments separately: -i -v") {
		t.Errorf("two options in one string: err = %v; want Salt's refusal", err)
	}
}
