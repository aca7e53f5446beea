package states

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// The values Salt's _Ini reads, checked against a stand-in of Salt 3006's
// salt/modules/ini_manage.py (get_ini) run on the same text.
func TestIniReadAsSalt(t *testing.T) {
	for _, c := range []struct {
		name, text, sep string
		want            map[string]any
	}{{
		name: "comments, continuation, unknown lines, duplicates",
		text: "# top comment\ntop=1\n\n[main]\n#port = 80\nname = a b  \nmulti = x\n   y\n  z\n\n\n; c\nk: v\n[other]\n  lead = 1\ndup = 1\ndup = 2\n\n",
		sep:  "=",
		want: map[string]any{"top": "1", "main": map[string]any{"name": "a b  ", "multi": "x\n   y\n  z"}, "other": map[string]any{"dup": "2"}},
	}, {
		name: "colon separator",
		text: "[s]\na: 1\nb = 2\n",
		sep:  ":",
		want: map[string]any{"s": map[string]any{"a": "1"}},
	}, {
		name: "space separator",
		text: "key value with spaces\n[s]\n  x y\n",
		sep:  " ",
		want: map[string]any{"key": "value with spaces", "s": map[string]any{}},
	}, {
		name: "empty",
		text: "",
		sep:  "=",
		want: map[string]any{},
	}} {
		t.Run(c.name, func(t *testing.T) {
			got := iniRead([]byte(c.text), c.sep).ini()
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("iniRead(%q).ini() = %#v; want %#v", c.text, got, c.want)
			}
		})
	}
}

// The text an edit leaves: only the lines of the keys set or removed
// change, each written as Salt's gen_ini writes it.
func TestIniEditText(t *testing.T) {
	const t1 = "# top comment\ntop=1\n\n[main]\n#port = 80\nname = a b  \nmulti = x\n   y\n  z\n\n\n; c\nk: v\n[other]\n  lead = 1\ndup = 1\ndup = 2\n\n"
	for _, c := range []struct {
		name, text string
		edit       func(e *iniEdit)
		want       string
	}{{
		name: "set keys: in place, uncommented, appended; duplicates collapse",
		text: t1,
		edit: func(e *iniEdit) {
			d := e.d
			e.set(d.top, "top", "2")
			e.set(d.top, "x", "y")
			e.set(d.sect("main"), "port", "81")
			e.set(d.sect("main"), "new", "n")
			e.set(d.sect("other"), "dup", "3")
		},
		want: "# top comment\ntop = 2\nx = y\n\n[main]\nport = 81\nname = a b  \nmulti = x\n   y\n  z\n\n\n; c\nk: v\nnew = n\n[other]\n  lead = 1\ndup = 3\n",
	}, {
		name: "a multi-line value is replaced whole",
		text: t1,
		edit: func(e *iniEdit) { e.set(e.d.sect("main"), "multi", "one") },
		want: "# top comment\ntop=1\n\n[main]\n#port = 80\nname = a b  \nmulti = one\n\n\n; c\nk: v\n[other]\n  lead = 1\ndup = 1\ndup = 2\n",
	}, {
		name: "a new key before the first section",
		text: "[a]\nx = 1\n",
		edit: func(e *iniEdit) { e.set(e.d.top, "t", "1") },
		want: "t = 1\n\n[a]\nx = 1\n",
	}, {
		name: "a new section at the end, a section removed",
		text: "[a]\nx = 1\n\n[b]\ny = 2\n\n[c]\nz = 3\n",
		edit: func(e *iniEdit) {
			e.removeSection(e.d.sect("b"))
			e.addSection("d", []string{"k"}, map[string]string{"k": "v"})
		},
		want: "[a]\nx = 1\n\n[c]\nz = 3\n\n[d]\nk = v\n",
	}, {
		name: "the last section removed, a key removed",
		text: "[a]\nx = 1\nw = 0\n\n[b]\ny = 2\n",
		edit: func(e *iniEdit) {
			e.removeSection(e.d.sect("b"))
			e.remove(e.d.sect("a"), "w")
		},
		want: "[a]\nx = 1\n",
	}} {
		t.Run(c.name, func(t *testing.T) {
			e := newIniEdit(iniRead([]byte(c.text), "="), false)
			c.edit(e)
			if got := string(e.text()); got != c.want {
				t.Errorf("text after edit = %q; want %q", got, c.want)
			}
		})
	}
}

func iniRootFile(t *testing.T, root, p string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, p))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
