package rootfs

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// testImage builds a small image with the links the table walks through,
// and a folder beside it that no resolution may reach.
func testImage(t *testing.T) (root, outside string) {
	t.Helper()
	base := t.TempDir()
	root = filepath.Join(base, "img")
	outside = filepath.Join(base, "outside")
	for _, d := range []string{"etc", "run", "usr/lib/alt", "deep/a/b"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/passwd"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"var/run":      "/run",                 // Debian's: absolute, inside
		"etc/alt":      "../usr/lib/alt",       // relative, inside
		"etc/esc":      "../../outside",        // relative, climbs out
		"etc/abs":      outside,                // absolute host path: rebased
		"deep/up":      "../../..",             // climbs out by ".." alone
		"deep/a/b/top": "/",                    // absolute "/": the root
		"dotdot":       "..",                   // from "/": out
		"loop1":        "loop2",                // a cycle
		"loop2":        "loop1",                //
		"self":         "self",                 //
		"dangling":     "/nonexistent/file",    // absolute, dangling
		"danglingrel":  "missing/file",         // relative, dangling
		"chain":        "etc/alt",              // a link to a link
		"etc/twice":    "/etc/../etc/../../up", // absolute, then out
	}
	for name, target := range links {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	return root, outside
}

func TestResolve(t *testing.T) {
	root, outside := testImage(t)
	const escape, loop = "escape", "loop"
	tests := []struct {
		p          string
		followLast bool
		want       string // inside the root, or escape or loop
		link       string // for escape: the link to blame
	}{
		{"/etc/passwd", true, "/etc/passwd", ""},
		{"/etc/../etc/./passwd", true, "/etc/passwd", ""},
		{"etc/passwd", true, "/etc/passwd", ""},
		{"/", true, "/", ""},
		{"/etc/passwd/", false, "/etc/passwd", ""},

		// ".." in the path itself.
		{"/..", true, escape, ""},
		{"/../etc/passwd", true, escape, ""},
		{"/etc/../../escape.conf", false, escape, ""},
		{"/../../escape.conf", false, escape, ""},
		{"/missing/../../x", false, escape, ""},

		// Absolute links start again at the root.
		{"/var/run", false, "/var/run", ""},
		{"/var/run", true, "/run", ""},
		{"/var/run/x.pid", false, "/run/x.pid", ""},
		{"/etc/abs/f", false, outside + "/f", ""},
		{"/deep/a/b/top/etc/passwd", true, "/etc/passwd", ""},

		// Relative links resolve from where they are; ".." after a link
		// climbs from its target, as the kernel does.
		{"/etc/alt/f", true, "/usr/lib/alt/f", ""},
		{"/etc/alt/../x", true, "/usr/lib/x", ""},
		{"/chain/f", true, "/usr/lib/alt/f", ""},

		// Links whose ".." climbs out.
		{"/etc/esc/f", false, escape, "/etc/esc"},
		{"/etc/esc", true, escape, "/etc/esc"},
		{"/etc/esc", false, "/etc/esc", ""}, // the link itself is inside
		{"/deep/up/x", false, escape, "/deep/up"},
		{"/dotdot/x", false, escape, "/dotdot"},
		{"/etc/twice", true, escape, "/etc/twice"},

		// Loops are bounded.
		{"/loop1", true, loop, ""},
		{"/loop1/x", false, loop, ""},
		{"/self/x", false, loop, ""},
		{"/loop1", false, "/loop1", ""},

		// Missing tails and dangling links resolve to where they would be
		// made.
		{"/new/dir/file", false, "/new/dir/file", ""},
		{"/etc/new.conf", true, "/etc/new.conf", ""},
		{"/etc/alt/new/deeper", true, "/usr/lib/alt/new/deeper", ""},
		{"/missing/../etc/alt", true, "/usr/lib/alt", ""},
		{"/dangling", true, "/nonexistent/file", ""},
		{"/dangling", false, "/dangling", ""},
		{"/danglingrel", true, "/missing/file", ""},
		{"/etc/passwd/x", true, "/etc/passwd/x", ""}, // ENOTDIR: left to the caller's open
	}
	for _, tt := range tests {
		got, err := Resolve(root, tt.p, tt.followLast)
		var esc *EscapeError
		switch tt.want {
		case escape:
			if !errors.As(err, &esc) {
				t.Errorf("Resolve(%q, %v) = %q, %v; want an EscapeError", tt.p, tt.followLast, got, err)
				continue
			}
			if esc.Root != root || esc.Link != tt.link {
				t.Errorf("Resolve(%q, %v) = %+v; want root %s, link %q", tt.p, tt.followLast, esc, root, tt.link)
			}
			if !strings.Contains(esc.Error(), "resolves outside the root "+root) {
				t.Errorf("Resolve(%q) error = %q; want it to say it leaves the root", tt.p, esc.Error())
			}
		case loop:
			if !errors.Is(err, syscall.ELOOP) {
				t.Errorf("Resolve(%q, %v) = %q, %v; want ELOOP", tt.p, tt.followLast, got, err)
			}
		default:
			want := filepath.Join(root, tt.want)
			if err != nil || got != want {
				t.Errorf("Resolve(%q, %v) = %q, %v; want %q", tt.p, tt.followLast, got, err, want)
			}
			if err == nil && (got != root && !strings.HasPrefix(got, root+"/")) {
				t.Errorf("Resolve(%q, %v) = %q: not under the root", tt.p, tt.followLast, got)
			}
		}
	}
}

// TestResolveLive: with no root the path is the host's, only cleaned.
func TestResolveLive(t *testing.T) {
	for _, root := range []string{"", "/", "//"} {
		for _, tt := range []struct{ p, want string }{
			{"/etc/fstab", "/etc/fstab"},
			{"/etc/../etc//fstab", "/etc/fstab"},
			{"/../x", "/x"},
			{"rel/x", "/rel/x"},
		} {
			if got, err := Resolve(root, tt.p, true); err != nil || got != tt.want {
				t.Errorf("Resolve(%q, %q) = %q, %v; want %q", root, tt.p, got, err, tt.want)
			}
		}
	}
}

// TestResolveUnreadable: a directory that cannot be searched is an
// error, not a guess that nothing there is a link.
func TestResolveUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root searches any directory")
	}
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "locked/in"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(root, "locked"), 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(root, "locked"), 0o755) })
	_, err := Resolve(root, "/locked/in/x", true)
	if !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Resolve under a locked directory = %v; want a permission error", err)
	}
}

func TestRel(t *testing.T) {
	for _, tt := range []struct{ root, p, want string }{
		{"/img", "/img/etc/fstab", "/etc/fstab"},
		{"/img/", "/img", "/"},
		{"/img", "/elsewhere/x", "/elsewhere/x"},
		{"", "/etc/fstab", "/etc/fstab"},
	} {
		if got := Rel(tt.root, tt.p); got != tt.want {
			t.Errorf("Rel(%q, %q) = %q; want %q", tt.root, tt.p, got, tt.want)
		}
	}
}
