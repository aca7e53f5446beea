package pkgbackend

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/brine-cm/brine/pkg/rootfs"
)

// escapeImage makes an image three levels down in a temp dir and an
// "outside" folder beside it that stands for the host.
func escapeImage(t *testing.T) (root, outside string) {
	t.Helper()
	base := t.TempDir()
	root = filepath.Join(base, "x", "y", "img")
	outside = filepath.Join(base, "outside")
	for _, d := range []string{root, outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root, outside
}

func escapeWrite(t *testing.T, p, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func escapeLink(t *testing.T, target, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

// TestPolicyRCDRootEscape: the policy-rc.d written for an install lands
// in the image, never in a host folder the image links to.
func TestPolicyRCDRootEscape(t *testing.T) {
	root, outside := escapeImage(t)
	escapeLink(t, "../../../../outside", filepath.Join(root, "usr/sbin"))
	_, err := PolicyRCD(root)
	var esc *rootfs.EscapeError
	if !errors.As(err, &esc) {
		t.Errorf("PolicyRCD through a link out = %v; want an EscapeError", err)
	}
	if _, err := os.Lstat(filepath.Join(outside, "policy-rc.d")); err == nil {
		t.Error("policy-rc.d written outside the image")
	}

	// An absolute link is the image's own: written and removed there.
	root, outside = escapeImage(t)
	escapeLink(t, outside, filepath.Join(root, "usr/sbin"))
	inside := filepath.Join(root, outside, "policy-rc.d")
	escapeWrite(t, filepath.Join(root, outside, ".keep"), "")
	undo, err := PolicyRCD(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(inside); err != nil {
		t.Errorf("policy-rc.d not in the image: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(outside, "policy-rc.d")); err == nil {
		t.Error("policy-rc.d written outside the image")
	}
	undo()
	if _, err := os.Lstat(inside); err == nil {
		t.Error("policy-rc.d left in the image")
	}
}

// TestRootReadsStayInImage: the dpkg database and os-release of an image
// are the image's, even when they are links.
func TestRootReadsStayInImage(t *testing.T) {
	root, outside := escapeImage(t)
	escapeWrite(t, filepath.Join(outside, "dpkg/status"), "Package: host-only\nStatus: install ok installed\nVersion: 1\n\n")
	escapeLink(t, "../../../../../outside/dpkg", filepath.Join(root, "var/lib/dpkg"))
	_, err := (&Apt{Root: root, Run: &recRunner{}}).Installed(context.Background())
	var esc *rootfs.EscapeError
	if !errors.As(err, &esc) {
		t.Errorf("Installed through a link out = %v; want an EscapeError", err)
	}

	// os-release is an absolute link on some images: the image's file is
	// read, not the host's.
	root, outside = escapeImage(t)
	escapeWrite(t, filepath.Join(outside, "os-release"), "ID=fedora\n")
	escapeWrite(t, filepath.Join(root, outside, "os-release"), "ID=debian\n")
	escapeLink(t, filepath.Join(outside, "os-release"), filepath.Join(root, "etc/os-release"))
	if got := OSFamily(root); got != "Debian" {
		t.Errorf("OSFamily = %q; want the image's Debian", got)
	}
	root, _ = escapeImage(t)
	escapeLink(t, "../../../../outside/os-release", filepath.Join(root, "etc/os-release"))
	if got := OSFamily(root); got != "" {
		t.Errorf("OSFamily through a link out = %q; want none", got)
	}
}
