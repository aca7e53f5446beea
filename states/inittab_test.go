package states

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestInittabParse(t *testing.T) {
	tests := []struct {
		in        string
		entries   []string // String() of active entries
		commented []string // ids of commented entries
		wantErr   string
	}{
		{in: ""},
		{in: "# just a comment\n\n"},
		{in: "id:3:initdefault:\n", entries: []string{"id:3:initdefault:"}},
		{in: "1:2345:respawn:/sbin/getty 38400 tty1\n#2:23:respawn:/sbin/getty tty2\n# x:y\n",
			entries: []string{"1:2345:respawn:/sbin/getty 38400 tty1"}, commented: []string{"2"}},
		{in: "T0:23:respawn:/sbin/getty -L ttyS0 9600 vt100 -- a:b", entries: []string{"T0:23:respawn:/sbin/getty -L ttyS0 9600 vt100 -- a:b"}},
		{in: "# ok\nsi::sysinit\n", wantErr: "/etc/inittab:2: want id:runlevels:action:process"},
		{in: "1:2345:respawnn:/sbin/getty\n", wantErr: `/etc/inittab:1: unknown action "respawnn"`},
		{in: "toolong:2345:respawn:/x\n", wantErr: "/etc/inittab:1:"},
	}
	for _, tt := range tests {
		lines, err := inittabParse("/etc/inittab", []byte(tt.in))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("inittabParse(%q) error = %v; want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("inittabParse(%q): %v", tt.in, err)
			continue
		}
		var entries, commented []string
		for _, l := range lines {
			if l.Entry != nil {
				entries = append(entries, l.Entry.String())
			}
			if l.Commented != nil {
				commented = append(commented, l.Commented.ID)
			}
		}
		if !reflect.DeepEqual(entries, tt.entries) || !reflect.DeepEqual(commented, tt.commented) {
			t.Errorf("inittabParse(%q) = %q, commented %q; want %q, %q", tt.in, entries, commented, tt.entries, tt.commented)
		}
	}
}

func TestInittabEdits(t *testing.T) {
	in := "# c\n1:2345:respawn:/a\n#2:2345:respawn:/b\nx:5:respawn:/x"
	lines, err := inittabParse("f", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  func() ([]byte, any)
		want string
		what any
	}{
		{"set appends after no final newline", func() ([]byte, any) {
			b, old, _ := inittabSet([]byte(in), lines, inittabEntry{"co", "2345", "respawn", "/sbin/mingetty console"})
			return b, old
		}, in + "\nco:2345:respawn:/sbin/mingetty console\n", ""},
		{"set rewrites its line only", func() ([]byte, any) {
			b, old, _ := inittabSet([]byte(in), lines, inittabEntry{"1", "23", "respawn", "/a"})
			return b, old
		}, "# c\n1:23:respawn:/a\n#2:2345:respawn:/b\nx:5:respawn:/x", "1:2345:respawn:/a"},
		{"comment", func() ([]byte, any) { return inittabComment([]byte(in), lines, []string{"1", "2", "x", "9"}) },
			"# c\n#1:2345:respawn:/a\n#2:2345:respawn:/b\n#x:5:respawn:/x", []string{"1", "x"}},
		{"uncomment", func() ([]byte, any) { return inittabUncomment([]byte(in), lines, []string{"1", "2"}) },
			"# c\n1:2345:respawn:/a\n2:2345:respawn:/b\nx:5:respawn:/x", []string{"2"}},
		{"remove", func() ([]byte, any) { return inittabRemove([]byte(in), lines, "x") },
			"# c\n1:2345:respawn:/a\n#2:2345:respawn:/b", []string{"x:5:respawn:/x"}},
	}
	for _, tt := range tests {
		got, what := tt.got()
		if string(got) != tt.want || !reflect.DeepEqual(what, tt.what) {
			t.Errorf("%s: got %q, %v; want %q, %v", tt.name, got, what, tt.want, tt.what)
		}
	}
}

// fakeInit is a sysvinit host that counts telinit q.
type fakeInit struct {
	sysv    bool
	rereads int
}

func (f *fakeInit) host() inittabHost {
	return inittabHost{
		sysv:    func() bool { return f.sysv },
		telinit: func(context.Context) error { f.rereads++; return nil },
	}
}

// inittabRun runs one inittab state with a fake init.
func inittabRun(req *Request, h inittabHost) Result {
	if req.Func == "inittab.present" {
		return inittabPresentOn(context.Background(), req, h)
	}
	return inittabEdit(context.Background(), req, h, strings.TrimPrefix(req.Func, "inittab."))
}

// TestInittabSeed002 makes a CentOS 5 inittab fit a Xen guest, as seed
// 002 asks: a console getty, tty1..tty6 commented out. Each state's dry
// run predicts its real run, a rerun changes nothing, and only the
// entries' own lines change.
func TestInittabSeed002(t *testing.T) {
	orig, err := os.ReadFile("testdata/inittab_centos5.txt")
	if err != nil {
		t.Fatal(err)
	}
	steps := []*Request{
		{ID: "xen-console", Name: "xen-console", Func: "inittab.present", Args: NewArgs(map[string]any{
			"id": "co", "runlevels": 2345, "action": "respawn", "process": "/sbin/mingetty console"})},
		{ID: "no-ttys", Name: "no-ttys", Func: "inittab.commented", Args: NewArgs(map[string]any{
			"ids": []any{"1", "2", "3", "4", "5", "6"}})},
	}
	for _, live := range []bool{false, true} {
		dir := t.TempDir()
		root, config := dir, "/etc/inittab"
		if live {
			root, config = "", filepath.Join(dir, "etc/inittab")
		}
		path := filepath.Join(dir, "etc/inittab")
		os.MkdirAll(filepath.Dir(path), 0o755)
		os.WriteFile(path, orig, 0o644)
		f := &fakeInit{sysv: true}
		wantRereads := 0
		for _, step := range steps {
			step.Args.Map()["config"] = config
			step.Root = root
			before, _ := os.ReadFile(path)
			step.Test = true
			dry := inittabRun(step, f.host())
			if after, _ := os.ReadFile(path); dry.Result != None || !bytes.Equal(before, after) || f.rereads != wantRereads {
				t.Fatalf("live=%v %s: test run = %v %q, wrote %v, rereads %d", live, step.Func, dry.Result, dry.Comment, !bytes.Equal(before, after), f.rereads)
			}
			step.Test = false
			real := inittabRun(step, f.host())
			if real.Result != True || !reflect.DeepEqual(real.Changes, dry.Changes) {
				t.Fatalf("live=%v %s: real run = %v %v %q; test predicted %v", live, step.Func, real.Result, real.Changes, real.Comment, dry.Changes)
			}
			if live {
				wantRereads++
			}
			if f.rereads != wantRereads {
				t.Errorf("live=%v %s: telinit q ran %d times; want %d", live, step.Func, f.rereads, wantRereads)
			}
			again := inittabRun(step, f.host())
			if again.Result != True || len(again.Changes) != 0 || f.rereads != wantRereads {
				t.Errorf("live=%v %s: rerun = %v %v %q", live, step.Func, again.Result, again.Changes, again.Comment)
			}
		}
		got, _ := os.ReadFile(path)
		sysGolden(t, "inittab_seed002.golden", got)
		// Every line but the six gettys and the new console is the same.
		var kept []string
		for _, l := range strings.Split(string(got), "\n") {
			if !strings.HasPrefix(l, "#") || !strings.Contains(l, "mingetty tty") {
				kept = append(kept, l)
			}
		}
		var origKept []string
		for _, l := range strings.Split(string(orig), "\n") {
			if !strings.Contains(l, "mingetty tty") {
				origKept = append(origKept, l)
			}
		}
		origKept = append(origKept[:len(origKept)-1], "co:2345:respawn:/sbin/mingetty console", "")
		if !reflect.DeepEqual(kept, origKept) {
			t.Errorf("other lines changed:\n%q\nwant\n%q", kept, origKept)
		}
	}
}

func TestInittabNoTelinit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "inittab")
	args := map[string]any{"runlevels": "2345", "action": "respawn", "process": "/bin/x", "config": path}
	// A live host whose init is not sysvinit: written, not reread.
	f := &fakeInit{sysv: false}
	r := inittabRun(&Request{Name: "zz", Func: "inittab.present", Args: NewArgs(args)}, f.host())
	if r.Result != True || f.rereads != 0 || strings.Contains(r.Comment, "telinit") {
		t.Errorf("non-sysv host: %v %q, rereads %d", r.Result, r.Comment, f.rereads)
	}
	if b, _ := os.ReadFile(path); string(b) != "zz:2345:respawn:/bin/x\n" {
		t.Errorf("file = %q", b)
	}
	abs := inittabRun(&Request{Name: "zz", Func: "inittab.absent", Args: NewArgs(map[string]any{"config": path})}, f.host())
	if abs.Result != True || !reflect.DeepEqual(abs.Changes, map[string]any{"zz": map[string]any{"old": "zz:2345:respawn:/bin/x", "new": ""}}) {
		t.Errorf("absent = %v %v %q", abs.Result, abs.Changes, abs.Comment)
	}
}

func TestInittabBadArgs(t *testing.T) {
	root := t.TempDir()
	for _, tc := range []struct {
		fn, name string
		args     map[string]any
		arg      string
	}{
		{"inittab.present", "co", map[string]any{"runlevels": "2345", "process": "/x"}, `"action"`},
		{"inittab.present", "co", map[string]any{"action": "respawnn", "process": "/x"}, `"action"`},
		{"inittab.present", "co", map[string]any{"action": "respawn"}, `"process"`},
		{"inittab.present", "co", map[string]any{"action": "respawn", "process": "/x", "runlevels": "2x"}, `"runlevels"`},
		{"inittab.present", "console", map[string]any{"action": "respawn", "process": "/x"}, `"name"`},
		{"inittab.present", "desc", map[string]any{"id": "a:b", "action": "respawn", "process": "/x"}, `"id"`},
		{"inittab.commented", "ttys", map[string]any{"ids": []any{"1", "toolong"}}, `"ids"`},
		{"inittab.commented", "ttys", map[string]any{"ids": map[string]any{}}, `"ids"`},
		{"inittab.absent", "a b", map[string]any{}, `"name"`},
	} {
		r := inittabRun(&Request{Name: tc.name, Func: tc.fn, Root: root, Args: NewArgs(tc.args)}, (&fakeInit{}).host())
		if r.Result != False || !strings.Contains(r.Comment, tc.arg) {
			t.Errorf("%s %s %v = %v %q; want False naming %s", tc.fn, tc.name, tc.args, r.Result, r.Comment, tc.arg)
		}
	}
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/inittab"), []byte("# ok\nbad line\n"), 0o644)
	r := inittabRun(&Request{Name: "co", Func: "inittab.present", Root: root, Args: NewArgs(map[string]any{"action": "respawn", "process": "/x"})}, (&fakeInit{}).host())
	if r.Result != False || !strings.Contains(r.Comment, "/etc/inittab:2") {
		t.Errorf("broken file = %v %q; want False naming /etc/inittab:2", r.Result, r.Comment)
	}
}

// TestInittabRootEscape: config is an absolute path inside the image,
// however it is reached.
func TestInittabRootEscape(t *testing.T) {
	run := func(fn, config string) func(string) Result {
		return func(root string) Result {
			args := map[string]any{"action": "respawn", "process": "/sbin/getty 38400 hvc0"}
			if fn != "inittab.present" {
				args = map[string]any{}
			}
			if config != "" {
				args["config"] = config
			}
			return inittabRun(&Request{Name: "co", Func: fn, Root: root, Args: NewArgs(args)}, (&fakeInit{}).host())
		}
	}
	tab := map[string]string{"etc/inittab": "id:3:initdefault:\nco:2345:respawn:/sbin/agetty\n"}
	escapeRun(t, []escapeCase{
		{name: "config climbs out", run: run("inittab.present", "/../../escape.conf"), arg: "config"},
		{name: "relative config", run: run("inittab.present", "etc/inittab"), arg: "config"},
		{name: "inittab links out", links: map[string]string{"etc/inittab": "$REL/keep"}, run: run("inittab.present", ""), arg: "config"},
		{name: "absent: etc links out", links: map[string]string{"etc": "$REL"}, run: run("inittab.absent", ""), arg: "config"},
		{name: "commented: climbs out", run: run("inittab.commented", "/etc/../../inittab"), arg: "config"},
		{name: "uncommented: relative config", run: run("inittab.uncommented", "inittab"), arg: "config"},
		{name: "absolute link stays in", files: map[string]string{"$OUT/inittab": tab["etc/inittab"]}, links: map[string]string{"etc/inittab": "$OUT/inittab"}, run: run("inittab.commented", ""), inside: "$OUT/inittab", insideHas: "#co:"},
		{name: "plain image", files: tab, run: run("inittab.commented", ""), inside: "/etc/inittab", insideHas: "#co:"},
	})
}

// A state never reports as already in place an entry it did not find:
// an id with no line at all, active or commented, is named as missing,
// in the dry run and the real run alike. uncommented cannot bring back
// what is not there, so it fails.
func TestInittabMissingIDs(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "inittab")
	const in = "1:2345:respawn:/a\n#2:2345:respawn:/b\n"
	tests := []struct {
		fn, name string
		args     map[string]any
		result   Outcome
		changes  map[string]any
		has      []string // in the comment
		hasNot   string
	}{
		{"inittab.commented", "xen-tty9", map[string]any{"id": "9"}, True, map[string]any{},
			[]string{"no inittab entry 9 in"}, "already"},
		{"inittab.commented", "9", nil, True, map[string]any{}, []string{"no inittab entry 9 in"}, "already"},
		{"inittab.commented", "ttys", map[string]any{"ids": []any{"2"}}, True, map[string]any{},
			[]string{"inittab entries 2 are already commented"}, "no inittab entry"},
		{"inittab.commented", "ttys", map[string]any{"ids": []any{"2", "9"}}, True, map[string]any{},
			[]string{"inittab entries 2 are already commented", "no inittab entry 9 in"}, ""},
		{"inittab.commented", "ttys", map[string]any{"ids": []any{"1", "9"}}, True, map[string]any{"commented": []string{"1"}},
			[]string{"inittab entries 1 ", "commented in", "no inittab entry 9 in"}, "already"},
		{"inittab.uncommented", "back", map[string]any{"id": "9"}, False, map[string]any{},
			[]string{"no inittab entry 9, active or commented, in"}, "already"},
		{"inittab.uncommented", "back", map[string]any{"id": "1"}, True, map[string]any{},
			[]string{"inittab entries 1 are already uncommented"}, ""},
		{"inittab.absent", "9", nil, True, map[string]any{}, []string{"no inittab entry 9 in"}, ""},
		{"inittab.commented", "both", map[string]any{"id": "1", "ids": []any{"2"}}, False, nil, []string{`"id"`}, ""},
	}
	for _, tt := range tests {
		for _, test := range []bool{true, false} {
			os.WriteFile(path, []byte(in), 0o644)
			args := map[string]any{"config": path}
			for k, v := range tt.args {
				args[k] = v
			}
			r := inittabRun(&Request{Name: tt.name, Func: tt.fn, Test: test, Args: NewArgs(args)}, (&fakeInit{}).host())
			want := tt.result
			if test && want == True && len(tt.changes) > 0 {
				want = None
			}
			if r.Result != want || (tt.changes != nil && !reflect.DeepEqual(r.Changes, tt.changes)) {
				t.Errorf("%s %v test=%v = %v %v %q; want %v %v", tt.fn, tt.args, test, r.Result, r.Changes, r.Comment, want, tt.changes)
			}
			for _, s := range tt.has {
				if !strings.Contains(r.Comment, s) {
					t.Errorf("%s %v test=%v: comment %q lacks %q", tt.fn, tt.args, test, r.Comment, s)
				}
			}
			if tt.hasNot != "" && strings.Contains(r.Comment, tt.hasNot) {
				t.Errorf("%s %v test=%v: comment %q says %q", tt.fn, tt.args, test, r.Comment, tt.hasNot)
			}
		}
	}
	// No file at all: nothing is there to be "already" anything.
	gone := filepath.Join(dir, "none")
	r := inittabRun(&Request{Name: "1", Func: "inittab.commented", Args: NewArgs(map[string]any{"config": gone})}, (&fakeInit{}).host())
	if r.Result != True || strings.Contains(r.Comment, "already") || !strings.Contains(r.Comment, "does not exist") {
		t.Errorf("commented on a missing file = %v %q", r.Result, r.Comment)
	}
}
