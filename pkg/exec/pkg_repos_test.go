package exec

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// pkg.list_repos reads apt's one-line sources as Salt 3006's SourcesList
// does: disabled lines too, options read for arch and signed-by,
// comments and other lines skipped, by URI.
func TestPkgListRepos(t *testing.T) {
	h := testHost(t)
	h.Grains = map[string]any{"os_family": "Debian"}
	os.MkdirAll(filepath.Join(h.Root, "etc/apt/sources.list.d/sub"), 0o755)
	os.WriteFile(filepath.Join(h.Root, "etc/apt/sources.list"), []byte(
		"# See the docs at http://example.org\n"+
			"deb http://deb.debian.org/debian bookworm main contrib # the main one\n"+
			"# deb-src http://deb.debian.org/debian bookworm main\n"+
			"\n"+
			"deb http://deb.debian.org/debian bookworm-updates main\n"), 0o644)
	os.WriteFile(filepath.Join(h.Root, "etc/apt/sources.list.d/docker.list"), []byte(
		"deb [arch=amd64,arm64 signed-by=/etc/apt/keyrings/docker.gpg] https://download.docker.com/linux/debian bookworm stable\n"), 0o644)
	os.WriteFile(filepath.Join(h.Root, "etc/apt/sources.list.d/debian.sources"), []byte("Types: deb\nURIs: http://x\n"), 0o644)
	r := Call(context.Background(), h, "pkg.list_repos", nil, nil)
	want := map[string]any{
		"http://deb.debian.org/debian": []any{
			map[string]any{"file": "/etc/apt/sources.list", "comps": []any{"main", "contrib"}, "disabled": false, "dist": "bookworm", "type": "deb",
				"uri": "http://deb.debian.org/debian", "line": "deb http://deb.debian.org/debian bookworm main contrib # the main one", "architectures": []any{}, "signedby": ""},
			map[string]any{"file": "/etc/apt/sources.list", "comps": []any{"main"}, "disabled": true, "dist": "bookworm", "type": "deb-src",
				"uri": "http://deb.debian.org/debian", "line": "# deb-src http://deb.debian.org/debian bookworm main", "architectures": []any{}, "signedby": ""},
			map[string]any{"file": "/etc/apt/sources.list", "comps": []any{"main"}, "disabled": false, "dist": "bookworm-updates", "type": "deb",
				"uri": "http://deb.debian.org/debian", "line": "deb http://deb.debian.org/debian bookworm-updates main", "architectures": []any{}, "signedby": ""},
		},
		"https://download.docker.com/linux/debian": []any{
			map[string]any{"file": "/etc/apt/sources.list.d/docker.list", "comps": []any{"stable"}, "disabled": false, "dist": "bookworm", "type": "deb",
				"uri": "https://download.docker.com/linux/debian", "line": "deb [arch=amd64,arm64 signed-by=/etc/apt/keyrings/docker.gpg] https://download.docker.com/linux/debian bookworm stable",
				"architectures": []any{"amd64", "arm64"}, "signedby": "/etc/apt/keyrings/docker.gpg"},
		},
	}
	if !reflect.DeepEqual(r.Value, want) {
		t.Errorf("pkg.list_repos = %#v\nwant %#v", r.Value, want)
	}
}

// parseSourceLine against Salt 3006's SourceEntry (salt/utils/pkg/deb.py,
// run on the same lines): options, a cdrom URI, a # without a space,
// too few words.
func TestParseSourceLine(t *testing.T) {
	for _, tt := range []struct {
		line string
		want map[string]any
	}{
		{"deb [trusted=yes] http://x/ stable main", map[string]any{"comps": []any{"main"}, "disabled": false, "dist": "stable", "type": "deb", "uri": "http://x/", "line": "deb [trusted=yes] http://x/ stable main", "architectures": []any{}, "signedby": ""}},
		{"deb [ arch=amd64 ] http://y/ sid main", map[string]any{"comps": []any{"main"}, "disabled": false, "dist": "sid", "type": "deb", "uri": "http://y/", "line": "deb [ arch=amd64 ] http://y/ sid main", "architectures": []any{"amd64"}, "signedby": ""}},
		{"deb cdrom:[Debian GNU/Linux 12 _Bookworm_]/ bookworm main", map[string]any{"comps": []any{"main"}, "disabled": false, "dist": "bookworm", "type": "deb", "uri": "cdrom:[Debian GNU/Linux 12 _Bookworm_]/", "line": "deb cdrom:[Debian GNU/Linux 12 _Bookworm_]/ bookworm main", "architectures": []any{}, "signedby": ""}},
		{"#deb http://z/ a b", map[string]any{"comps": []any{"b"}, "disabled": true, "dist": "a", "type": "deb", "uri": "http://z/", "line": "#deb http://z/ a b", "architectures": []any{}, "signedby": ""}},
		{"deb [arch=amd64] http://w/ a", map[string]any{"comps": []any{}, "disabled": false, "dist": "a", "type": "deb", "uri": "http://w/", "line": "deb [arch=amd64] http://w/ a", "architectures": []any{"amd64"}, "signedby": ""}},
		{"deb http://v/", nil},
		{"  deb   http://u/   d   c1   c2   # note", map[string]any{"comps": []any{"c1", "c2"}, "disabled": false, "dist": "d", "type": "deb", "uri": "http://u/", "line": "deb   http://u/   d   c1   c2   # note", "architectures": []any{}, "signedby": ""}},
		{"", nil},
	} {
		got, ok := parseSourceLine(tt.line + "\n")
		if !ok {
			got = nil
		}
		if tt.want == nil && got == nil {
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseSourceLine(%q) = %#v; want %#v", tt.line, got, tt.want)
		}
	}
}
