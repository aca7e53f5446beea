package states

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
)

// fileTestRoot makes a --root tree with a passwd and group file that know
// alice (1000) and the staff group (50).
func fileTestRoot(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	fileWriteT(t, filepath.Join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n")
	fileWriteT(t, filepath.Join(root, "etc/group"), "root:x:0:\nstaff:x:50:alice\nalice:x:1000:\n")
	return root
}

func fileWriteT(t testing.TB, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func fileReadT(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fileFakeSource is a salt:// tree in memory that can list directories.
type fileFakeSource map[string]string

func (s fileFakeSource) ReadFile(_ context.Context, url string) ([]byte, error) {
	if v, ok := s[url]; ok {
		return []byte(v), nil
	}
	return nil, fmt.Errorf("%s: %w", url, fs.ErrNotExist)
}

func (s fileFakeSource) ListDir(_ context.Context, url string) ([]string, error) {
	var out []string
	for k := range s {
		if rel, ok := strings.CutPrefix(k, url+"/"); ok {
			out = append(out, rel)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w", url, fs.ErrNotExist)
	}
	sort.Strings(out)
	return out, nil
}

// fileFakeRenderer replaces {{ key }} with vars[key], and "grains.id" with
// a fixed id, enough to see that context and defaults reach the template.
type fileFakeRenderer struct{}

var fileFakeVar = regexp.MustCompile(`\{\{\s*([\w.]+)\s*\}\}`)

func (fileFakeRenderer) Render(_ context.Context, name string, src []byte, vars map[string]any) ([]byte, error) {
	var missing error
	out := fileFakeVar.ReplaceAllStringFunc(string(src), func(m string) string {
		k := fileFakeVar.FindStringSubmatch(m)[1]
		if k == "grains.id" {
			return "m001"
		}
		v, ok := vars[k]
		if !ok {
			missing = fmt.Errorf("%s: %s is undefined", name, k)
		}
		return fmt.Sprint(v)
	})
	return []byte(out), missing
}

func fileEnv() *Env {
	return &Env{
		Files: fileFakeSource{
			"salt://app/app.conf":      "port = 80\n",
			"salt://app/app.conf.tmpl": "port = {{ port }}\nhost = {{ host }}\nid = {{ grains.id }}\n",
			"salt://app/bin.dat":       "\x00\x01\x02",
			"salt://tree/a.conf":       "a\n",
			"salt://tree/sub/b.conf":   "b\n",
			"salt://tree/sub/c.tmpl":   "c={{ c }}\n",
			"salt://scripts/hello.sh":  "#!/bin/sh\necho hello \"$1\"\n",
		},
		Render: fileFakeRenderer{},
		Pillar: map[string]any{"app": map[string]any{"config": "from pillar",
			// contents_pillar values of other shapes (TestFileManagedContentsLikeSalt)
			"crlf": "a\r\nb\r\n", "twoeol": "a\n\n", "empty": "", "num": 42, "zero": 0,
			"items": []any{"x", "", 7, nil}, "nothing": nil,
			"servers": []any{map[string]any{"web": "w1"}, map[string]any{"db": "d1"}}}},
		Grains: map[string]any{"os_family": "Debian", "ipv4": []any{"10.0.0.5", "127.0.0.1"}},
		Cache:  &RunCache{},
	}
}

func fileReq(root, fun, name string, args map[string]any, test bool) *Request {
	return &Request{ID: name, Name: name, Func: fun, Args: NewArgs(args), Test: test, Root: root, Env: fileEnv()}
}

// fileCall runs a registered state function.
func fileCall(t *testing.T, root, fun, name string, args map[string]any, test bool) Result {
	t.Helper()
	fn, err := Lookup(fun)
	if err != nil {
		t.Fatal(err)
	}
	return fn(context.Background(), fileReq(root, fun, name, fileCopyArgs(args), test))
}

func fileCopyArgs(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// fileSnapshot records every entry under root: type, mode, owner, content
// or link target.
func fileSnapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		v := fmt.Sprintf("%v %d:%d", fi.Mode(), st.Uid, st.Gid)
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			v += " -> " + l
		case fi.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			v += " " + string(b)
		}
		snap[p] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// fileCycle runs a state under test, checks that nothing was written and
// that the result is None (or True when nothing is to do), then runs it
// for real and checks that the real changes equal the test changes, then
// runs it again and checks it is a no-op. It returns the real result.
func fileCycle(t *testing.T, root, fun, name string, args map[string]any) Result {
	t.Helper()
	before := fileSnapshot(t, root)
	tr := fileCall(t, root, fun, name, args, true)
	if after := fileSnapshot(t, root); !reflect.DeepEqual(before, after) {
		t.Fatalf("%s test=True wrote to disk:\nbefore %v\nafter  %v", fun, before, after)
	}
	if tr.Result == False {
		t.Fatalf("%s test=True failed: %s", fun, tr.Comment)
	}
	if len(tr.Changes) > 0 && tr.Result != None {
		t.Fatalf("%s test=True with changes: result %v; want None", fun, tr.Result)
	}
	rr := fileCall(t, root, fun, name, args, false)
	if rr.Result != True {
		t.Fatalf("%s: result %v (%s); want True", fun, rr.Result, rr.Comment)
	}
	if !reflect.DeepEqual(tr.Changes, rr.Changes) {
		t.Fatalf("%s: test changes differ from real changes:\ntest %#v\nreal %#v", fun, tr.Changes, rr.Changes)
	}
	again := fileCall(t, root, fun, name, args, false)
	if again.Result != True || len(again.Changes) != 0 {
		t.Fatalf("%s rerun: %v %q %#v; want True, no changes", fun, again.Result, again.Comment, again.Changes)
	}
	fileNoTemp(t, root)
	return rr
}

// fileNoTemp fails when an atomic write left a temp file behind.
func fileNoTemp(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.Contains(path.Base(p), ".brine-") {
			t.Errorf("temp file left behind: %s", p)
		}
		return nil
	})
}

func fileOwner(t *testing.T, p string) (int, int, fs.FileMode) {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return int(st.Uid), int(st.Gid), fi.Mode()
}

func fileMD5(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

func fileSHA256(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
