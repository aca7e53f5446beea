package jinja

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// TestFileFilters checks Salt's file filters on files under --root: the
// template names the image's paths, and the values are those Salt's
// functions (salt.utils.files is_text, is_binary, is_empty, list_files;
// salt.utils.hashutils.get_hash) give for the same bytes.
func TestFileFilters(t *testing.T) {
	root := t.TempDir()
	write := func(p string, b []byte) {
		t.Helper()
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/app/text.conf", []byte("key = value\n"))
	write("etc/app/empty", nil)
	write("etc/app/nul.bin", []byte("ab\x00cd"))
	write("etc/app/latin1", []byte("caf\xe9 na\xefve r\xe9sum\xe9 ok")) // not UTF-8, 3 of 23 bytes not text
	write("etc/app/noise", []byte("\x80\x81\x82\x83\x84\x85ab"))        // not UTF-8, 6 of 8 not text
	write("etc/app/ctrl", []byte("\x01\x02\x03\x04 text"))              // UTF-8, 4 of 9 characters not text
	write("etc/app/sub/deep.txt", []byte("x"))
	if err := os.Symlink("/etc/app/sub", filepath.Join(root, "etc/app/link")); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("key = value\n"))
	vars := SaltVars(SaltContext{Root: root}, "", "t.sls", "base")
	tests := []struct{ src, want string }{
		{"{{ '/etc/app/text.conf'|is_text_file }} {{ '/etc/app/empty'|is_text_file }} {{ '/etc/app/nul.bin'|is_text_file }}", "True True False"},
		{"{{ '/etc/app/latin1'|is_text_file }} {{ '/etc/app/noise'|is_text_file }} {{ '/etc/app/missing'|is_text_file }}", "True False False"},
		{"{{ '/etc/app/noise'|is_text_file(blocksize=0) }}", "True"},
		{"{{ '/etc/app/text.conf'|is_bin_file }} {{ '/etc/app/latin1'|is_bin_file }} {{ '/etc/app/nul.bin'|is_bin_file }}", "False True True"},
		{"{{ '/etc/app/ctrl'|is_bin_file }} {{ '/etc/app/empty'|is_bin_file }} {{ '/etc/app'|is_bin_file }} {{ '/nope'|is_bin_file }}", "True False False False"},
		{"{{ '/etc/app/empty'|is_empty }} {{ '/etc/app/text.conf'|is_empty }} {{ '/nope'|is_empty }}", "True False False"},
		{"{{ '/etc/app/text.conf'|file_hashsum }}", hex.EncodeToString(sum[:])},
		{"{{ '/etc/app/empty'|file_hashsum('md5') }}", "d41d8cd98f00b204e9800998ecf8427e"},
		{"{{ '/etc/app/sub/'|list_files|join(',') }}", "/etc/app/sub/,/etc/app/sub/deep.txt"},
		// the link and sub are one directory, walked once (safe_walk's
		// inode check), under whichever name comes first
		{"{{ '/etc/app'|list_files|length }} {{ '/etc/app/link' in '/etc/app'|list_files }}", "10 True"},
	}
	for _, tt := range tests {
		got, err := Render("t.sls", []byte(tt.src), vars, Options{})
		if err != nil || got != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.src, got, err, tt.want)
		}
	}
	for _, bad := range []string{"{{ '/nope'|file_hashsum }}", "{{ '/etc/app/empty'|file_hashsum('crc') }}", "{{ 5|is_empty }}"} {
		if _, err := Render("t.sls", []byte(bad), vars, Options{}); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// TestImportsAnAbsolutePath: a template named by an absolute path is the
// host's file, under --root, as Salt's loader joins a search path with
// an absolute name (import_text of a certificate, a pillar tree's
// secrets); where the render's reads are confined to a tree (a master's
// pillar), it is looked up in the tree, as is a path the host lacks.
func TestImportsAnAbsolutePath(t *testing.T) {
	root, tree := t.TempDir(), t.TempDir()
	for dir, body := range map[string]string{root: "host", tree: "tree"} {
		if err := os.MkdirAll(filepath.Join(dir, "etc/ssl"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "etc/ssl/cert.pem"), []byte(body+" cert\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(tree, "only-tree.txt"), []byte("from the tree"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "only-tree.txt"), 0o755); err != nil { // not a regular file on the host
		t.Fatal(err)
	}
	src := "{% import_text '/etc/ssl/cert.pem' as c %}{{ c|trim }}; {% include '/only-tree.txt' %}"
	tests := []struct {
		name string
		ctx  SaltContext
		want string
	}{
		{"a host under --root", SaltContext{Root: root}, "host cert; from the tree"},
		{"confined to a tree", SaltContext{Files: os.DirFS(tree)}, "tree cert; from the tree"},
	}
	for _, tt := range tests {
		got, err := Render("t.sls", []byte(src), SaltVars(tt.ctx, "", "t.sls", "base"), Options{Loader: dirLoader(tree)})
		if err != nil || got != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
