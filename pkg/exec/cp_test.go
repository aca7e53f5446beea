package exec

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/proto"
)

func gzip64(t *testing.T, b []byte) string {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func TestCpFunctions(t *testing.T) {
	h, root := fileRoot(t)
	tree := h.Files.(*fileroot.Source).Roots["base"][0]
	for p, text := range map[string]string{"motd": "hello {{ grains['os'] }}\n", "app/a.conf": "a\n", "app/sub/b.conf": "b\n"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(tree, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tree, p), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
		return string(b)
	}
	steps := []struct {
		fun   string
		words []string
		want  any
		code  int
	}{
		{"cp.get_file", []string{"salt://motd", "/etc/motd.new"}, "/etc/motd.new", 0},
		{"cp.get_file", []string{"salt://motd", "/etc/"}, "/etc/motd", 0},
		{"cp.get_file", []string{"salt://motd", "/srv/x/motd"}, nil, 1},
		{"cp.get_file", []string{"salt://motd", "/srv/x/motd", "makedirs=True", "template=jinja"}, "/srv/x/motd", 0},
		{"cp.get_file", []string{"salt://nope", "/etc/nope"}, nil, 1},
		{"cp.get_file", []string{"/etc/passwd", "/etc/x"}, nil, 1},
		{"cp.get_file", []string{"salt://../motd", "/etc/x"}, nil, 1},
		{"cp.get_dir", []string{"salt://app", "/srv"}, []string{"/srv/app/a.conf", "/srv/app/sub/b.conf"}, 0},
		{"cp.list_master", nil, []string{"app/a.conf", "app/sub/b.conf", "motd"}, 0},
		{"cp.list_master", []string{"prefix=app/sub"}, []string{"app/sub/b.conf"}, 0},
		{"cp.hash_file", []string{"salt://app/a.conf"}, map[string]any{"hsum": "87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7", "hash_type": "sha256"}, 0},
		{"cp.hash_file", []string{"salt://nope"}, map[string]any{}, 0},
	}
	for _, s := range steps {
		ret := callWords(t, h, s.fun, s.words...)
		if ret.Retcode != s.code || (s.want != nil && !reflect.DeepEqual(ret.Value, s.want)) {
			t.Fatalf("%s %q = %#v (%d); want %#v (%d)", s.fun, s.words, ret.Value, ret.Retcode, s.want, s.code)
		}
	}
	if got := read("etc/motd.new"); got != "hello {{ grains['os'] }}\n" {
		t.Errorf("get_file: %q", got)
	}
	if got := read("srv/x/motd"); got != "hello Debian\n" {
		t.Errorf("get_file template=jinja: %q", got)
	}
	if got := read("srv/app/sub/b.conf"); got != "b\n" {
		t.Errorf("get_dir: %q", got)
	}
}

// TestCpCacheFile: cp.cache_file writes under the minion's cachedir and
// returns where; a file the tree lacks is False, not an error, as Salt's.
func TestCpCacheFile(t *testing.T) {
	h, _ := fileRoot(t)
	cache := t.TempDir()
	h.Opts = map[string]any{"cachedir": cache}
	tree := h.Files.(*fileroot.Source).Roots["base"][0]
	if err := os.WriteFile(filepath.Join(tree, "motd"), []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(cache, "cached", "base", "motd")
	if ret := callWords(t, h, "cp.cache_file", "salt://motd"); ret.Value != want || ret.Retcode != 0 {
		t.Errorf("cp.cache_file = %#v (%d); want %q", ret.Value, ret.Retcode, want)
	}
	if b, err := os.ReadFile(want); err != nil || string(b) != "hi\n" {
		t.Errorf("cached file = %q, %v", b, err)
	}
	if ret := callWords(t, h, "cp.cache_file", "salt://nope"); ret.Value != false || ret.Retcode != 0 {
		t.Errorf("cp.cache_file of no file = %#v (%d); want False", ret.Value, ret.Retcode)
	}
}

// TestCpGetFileStr: cp.get_file_str is the file's text, False when the
// tree has no such file, as Salt's.
func TestCpGetFileStr(t *testing.T) {
	h, _ := fileRoot(t)
	h.Opts = map[string]any{"cachedir": t.TempDir()}
	tree := h.Files.(*fileroot.Source).Roots["base"][0]
	if err := os.WriteFile(filepath.Join(tree, "motd"), []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if ret := callWords(t, h, "cp.get_file_str", "salt://motd"); ret.Value != "hi\n" || ret.Retcode != 0 {
		t.Errorf("cp.get_file_str = %#v (%d); want hi", ret.Value, ret.Retcode)
	}
	if ret := callWords(t, h, "cp.get_file_str", "salt://nope"); ret.Value != false || ret.Retcode != 0 {
		t.Errorf("cp.get_file_str of no file = %#v (%d); want False", ret.Value, ret.Retcode)
	}
}

func TestCpRecvChunked(t *testing.T) {
	h, root := fileRoot(t)
	data := bytes.Repeat([]byte("0123456789abcdef"), proto.CpChunkSize/16+100)
	one, two := data[:proto.CpChunkSize], data[proto.CpChunkSize:]
	ret := Call(t.Context(), h, "cp.recv_chunked", []any{"/srv/big", gzip64(t, one)}, map[string]any{"final": false, "mode": "0750"})
	if ret.Value != true {
		t.Fatalf("first chunk = %#v", ret.Value)
	}
	if _, err := os.Stat(filepath.Join(root, "srv/big")); !os.IsNotExist(err) {
		t.Fatalf("dest exists before the last chunk: %v", err)
	}
	ret = Call(t.Context(), h, "cp.recv_chunked", []any{"/srv/big", gzip64(t, two)}, map[string]any{"append": true, "mode": "0750", "size": len(data)})
	if !reflect.DeepEqual(ret.Value, map[string]any{"/srv/big": true}) {
		t.Fatalf("last chunk = %#v", ret.Value)
	}
	got, err := os.ReadFile(filepath.Join(root, "srv/big"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("file: %d bytes, %v; want %d", len(got), err, len(data))
	}
	if fi, _ := os.Stat(filepath.Join(root, "srv/big")); fi.Mode().Perm() != 0o750 {
		t.Errorf("mode %v", fi.Mode())
	}
	ents, _ := os.ReadDir(filepath.Join(root, "srv"))
	if len(ents) != 1 {
		t.Errorf("left behind: %v", ents)
	}
	// A wrong size, a chunk too large, an append with no start, and
	// plain base64.
	ret = Call(t.Context(), h, "cp.recv_chunked", []any{"/srv/s", gzip64(t, []byte("abc"))}, map[string]any{"size": 4})
	if ret.Retcode == 0 || !strings.Contains(ret.Value.(string), "a chunk went missing") {
		t.Errorf("short file = %#v", ret.Value)
	}
	if _, err := os.Stat(filepath.Join(root, "srv/s")); !os.IsNotExist(err) {
		t.Errorf("a short file took its name")
	}
	if ret = Call(t.Context(), h, "cp.recv_chunked", []any{"/srv/s", gzip64(t, append(one, 'x'))}, nil); ret.Retcode == 0 {
		t.Errorf("oversize chunk = %#v", ret.Value)
	}
	if ret = Call(t.Context(), h, "cp.recv_chunked", []any{"/srv/t", gzip64(t, one)}, map[string]any{"append": true}); ret.Retcode == 0 {
		t.Errorf("append with no start = %#v", ret.Value)
	}
	ret = Call(t.Context(), h, "cp.recv_chunked", []any{"/srv/plain", base64.StdEncoding.EncodeToString([]byte("hi"))}, map[string]any{"compressed": false})
	if ret.Retcode != 0 || read(t, root, "srv/plain") != "hi" {
		t.Errorf("uncompressed = %#v", ret.Value)
	}
	// A link planted where the chunks gather is not written through.
	if err := os.Symlink(filepath.Join(root, "etc/motd"), cpStaging(filepath.Join(root, "srv/evil"))); err != nil {
		t.Fatal(err)
	}
	if ret = Call(t.Context(), h, "cp.recv_chunked", []any{"/srv/evil", gzip64(t, []byte("pwned"))}, nil); ret.Retcode == 0 || read(t, root, "etc/motd") != "hello" {
		t.Errorf("through a planted link = %#v", ret.Value)
	}
}

func read(t *testing.T, root, p string) string {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(root, p))
	return string(b)
}
