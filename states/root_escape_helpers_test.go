package states

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// The --root confinement tests of every module share this shape: an image
// folder three levels down in a temp dir, a folder "outside" beside it
// holding one file, and links planted in the image that point at outside.
// Whatever a state does, nothing but the image may change.

// escapeCase is one state call against a prepared image.
type escapeCase struct {
	name string
	// files and links are made in the image first. In a link target,
	// $OUT is the outside folder's absolute host path and $REL a relative
	// path from the link's own folder up and over to it; a file's path
	// may hold $OUT too, for a file under an absolute link rebased on
	// the image.
	files map[string]string
	links map[string]string
	run   func(root string) Result
	// arg is the argument a failure must name; "" when the state must
	// succeed, inside the image.
	arg string
	// fails, for a path no argument names (/etc/shadow), is text the
	// failure must hold instead of an argument.
	fails string
	// inside, when the state succeeds, is a file it must have written in
	// the image, with $OUT as above.
	inside string
	// insideHas, when set, is text the inside file must hold afterwards.
	insideHas string
}

// escapeImage returns the image folder, the outside folder and the temp
// dir holding both.
func escapeImage(t *testing.T) (root, outside, base string) {
	t.Helper()
	base = t.TempDir()
	root = filepath.Join(base, "x", "y", "img")
	outside = filepath.Join(base, "outside")
	fileWriteT(t, filepath.Join(outside, "keep"), "outside\n")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	return root, outside, base
}

// escapeTarget expands $OUT and $REL in a link target planted at name.
func escapeTarget(name, target, outside string) string {
	// From the link's folder up to the temp dir: its depth in the image,
	// then img, y and x.
	depth := strings.Count(strings.Trim(name, "/"), "/") + 3
	rel := strings.Repeat("../", depth) + "outside"
	return strings.NewReplacer("$OUT", outside, "$REL", rel).Replace(target)
}

// escapeSnapshot records every file under base but the image: names,
// modes, owners, mtimes, content and link targets.
func escapeSnapshot(t *testing.T, base, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return filepath.SkipDir
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		v := fmt.Sprintf("%v %d:%d %d", fi.Mode(), st.Uid, st.Gid, fi.ModTime().UnixNano())
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			v += " -> " + l
		case fi.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			v += " " + string(b)
		}
		out[p] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// escapeRun runs the cases, each on a fresh image, and checks that a
// failure names its argument and that nothing outside the image changed.
func escapeRun(t *testing.T, cases []escapeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root, outside, base := escapeImage(t)
			for p, body := range tc.files {
				fileWriteT(t, filepath.Join(root, escapeTarget("", p, outside)), body)
			}
			for p, target := range tc.links {
				full := filepath.Join(root, p)
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(escapeTarget(p, target, outside), full); err != nil {
					t.Fatal(err)
				}
			}
			before := escapeSnapshot(t, base, root)
			r := tc.run(root)
			switch {
			case tc.arg != "" && (r.Result != False || !strings.Contains(r.Comment, `"`+tc.arg+`"`)):
				t.Errorf("result = %v %q; want False naming argument %q", r.Result, r.Comment, tc.arg)
			case (tc.arg != "" || tc.fails != "") && len(r.Changes) != 0:
				t.Errorf("failed with changes %v; want none", r.Changes)
			case tc.fails != "" && (r.Result != False || !strings.Contains(r.Comment, tc.fails)):
				t.Errorf("result = %v %q; want False naming %q", r.Result, r.Comment, tc.fails)
			case tc.arg == "" && tc.fails == "" && r.Result == False:
				t.Errorf("result = False %q; want the state to work inside the image", r.Comment)
			}
			if tc.inside != "" {
				p := filepath.Join(root, escapeTarget("", tc.inside, outside))
				if _, err := os.Lstat(p); err != nil {
					t.Errorf("want %s made in the image: %v", p, err)
				} else if b, err := os.ReadFile(p); tc.insideHas != "" && !strings.Contains(string(b), tc.insideHas) {
					t.Errorf("%s = %q, %v; want it to hold %q", p, b, err, tc.insideHas)
				}
			}
			if after := escapeSnapshot(t, base, root); !reflect.DeepEqual(before, after) {
				t.Errorf("outside the image changed:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}
