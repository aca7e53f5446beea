package initsys

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/brine-cm/brine/pkg/rootfs"
)

// rootEscapeImage makes an image three levels down in a temp dir with an
// init script, and beside it an "outside" folder that stands for the
// host's /etc: an rc2.d with a link of the host's own, and a unit folder.
func rootEscapeImage(t *testing.T) (root, outside string) {
	t.Helper()
	base := t.TempDir()
	root = filepath.Join(base, "x", "y", "img")
	outside = filepath.Join(base, "outside")
	script := "#!/bin/sh\n### BEGIN INIT INFO\n# Default-Start: 2 3 4 5\n# Default-Stop: 0 1 6\n### END INIT INFO\n"
	for p, body := range map[string]string{
		filepath.Join(root, "etc/init.d/foo"):                    script,
		filepath.Join(outside, "lib/systemd/system/atd.service"): "[Unit]\n",
	} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(outside, "rc2.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../init.d/foo", filepath.Join(outside, "rc2.d/S01foo")); err != nil {
		t.Fatal(err)
	}
	return root, outside
}

// rootEscapeTree lists everything under dir, with link targets.
func rootEscapeTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		l, _ := os.Readlink(p)
		out = append(out, p+" -> "+l)
		return nil
	})
	return out
}

// TestRCLinksRootEscape: an rcN.d linked out of the image is refused
// (relative) or read inside the image (absolute), never the host's.
func TestRCLinksRootEscape(t *testing.T) {
	for _, tc := range []struct {
		name   string
		target func(outside string) string // of IMG/etc/rc2.d
		escape bool
	}{
		{"relative link climbs out", func(string) string { return "../../../../outside/rc2.d" }, true},
		{"absolute link stays in", func(outside string) string { return filepath.Join(outside, "rc2.d") }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, outside := rootEscapeImage(t)
			if err := os.Symlink(tc.target(outside), filepath.Join(root, "etc/rc2.d")); err != nil {
				t.Fatal(err)
			}
			before := rootEscapeTree(t, outside)
			rc := RCLinks{Root: root}
			for _, op := range []func(string) error{rc.Enable, rc.Disable} {
				err := op("foo")
				var esc *rootfs.EscapeError
				if tc.escape != errors.As(err, &esc) {
					t.Errorf("Enable/Disable = %v; want an EscapeError: %v", err, tc.escape)
				}
			}
			if _, err := rc.Enabled("foo"); tc.escape && err == nil {
				t.Errorf("Enabled read an rc2.d outside the image")
			}
			if after := rootEscapeTree(t, outside); !reflect.DeepEqual(before, after) {
				t.Errorf("outside the image changed:\nbefore %v\nafter  %v", before, after)
			}
			if !tc.escape {
				if _, err := os.Lstat(filepath.Join(root, outside, "rc2.d/K01foo")); err != nil {
					t.Errorf("no K01foo in the image's rc2.d: %v", err)
				}
			}
		})
	}
}

// TestOfflineUnitsRootEscape: a unit folder linked to the host's does not
// lend the host's units to the image.
func TestOfflineUnitsRootEscape(t *testing.T) {
	root, outside := rootEscapeImage(t)
	if err := os.MkdirAll(filepath.Join(root, "lib/systemd"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "lib/systemd/system"), filepath.Join(root, "lib/systemd/system")); err != nil {
		t.Fatal(err)
	}
	o := &Offline{Root: root, Run: &fakeRunner{}}
	if o.hasUnit("atd.service") {
		t.Error("hasUnit found the unit outside the image")
	}
	st, err := o.Status(context.Background(), "atd")
	if err != nil || st.Exists {
		t.Errorf("Status(atd) = %+v, %v; want no such service in the image", st, err)
	}
}
