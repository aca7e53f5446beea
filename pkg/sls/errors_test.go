package sls

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
)

// Each bad tree must fail with a message naming the file and line (and
// the state ID where there is one).
func TestErrors(t *testing.T) {
	tests := []struct {
		name  string
		sls   string
		files map[string]string
		stage string // "render" or "compile"
		want  []string
	}{
		{
			name:  "missing requisite_in",
			sls:   "web",
			files: map[string]string{"web.sls": "conf:\n  file.managed:\n    - require_in:\n      - service: nginx\n"},
			stage: "compile",
			want:  []string{"web.sls:3: ", "state 'conf' has require_in service: nginx, which no state declares"},
		},
		{
			name: "duplicate ID across files",
			sls:  "a b",
			files: map[string]string{
				"a.sls": "x:\n  pkg.installed: []\nnginx:\n  pkg.installed: []\n",
				"b.sls": "\n\nnginx:\n  service.running: []\n"},
			stage: "render",
			want:  []string{"b.sls:3: ", "Detected conflicting IDs, SLS IDs need to be globally unique.\n    The conflicting ID is 'nginx' and is found in SLS 'base:a' and SLS 'base:b' (a.sls:3 and b.sls:3)"},
		},
		{
			name:  "duplicate key in one file",
			sls:   "web",
			files: map[string]string{"web/init.sls": "nginx:\n  pkg.installed: []\ncurl:\n  pkg.installed: []\nnginx:\n  service.running: []\n"},
			stage: "render",
			want:  []string{"web/init.sls:5: ", "duplicate key 'nginx' (first at line 1)"},
		},
		{
			name:  "duplicate argument key",
			sls:   "web",
			files: map[string]string{"web.sls": "nginx:\n  file.managed:\n    - user: root\n      user: www\n"},
			stage: "render",
			want:  []string{"web.sls:4: ", "duplicate key 'user' (first at line 3)"},
		},
		{
			name:  "bad indentation",
			sls:   "web",
			files: map[string]string{"web.sls": "nginx:\n  pkg.installed:\n    - name: nginx\n   - refresh: true\n"},
			stage: "render",
			want:  []string{"web.sls:4: ", "YAML: "},
		},
		{
			name:  "tab indentation",
			sls:   "web",
			files: map[string]string{"web.sls": "nginx:\n\tpkg.installed: []\n"},
			stage: "render",
			want:  []string{"web.sls:2: ", "YAML: "},
		},
		{
			name:  "unknown SLS in top",
			sls:   "nope",
			files: map[string]string{"web.sls": "a:\n  pkg.installed: []\n"},
			stage: "render",
			want:  []string{"No matching sls found for 'nope' in env 'base' (looked for nope.sls and nope/init.sls)"},
		},
		{
			name:  "unknown SLS in include",
			sls:   "web",
			files: map[string]string{"web/init.sls": "\ninclude:\n  - .missing\na:\n  pkg.installed: []\n"},
			stage: "render",
			want:  []string{"web/init.sls:3: ", "Unknown include: Specified SLS base: web.missing is not available on the salt master in saltenv(s): base (looked for web/missing.sls and web/missing/init.sls)"},
		},
		{
			// Salt's render_state: an include glob matching nothing is
			// an unknown include too.
			name:  "include glob matching nothing",
			sls:   "web",
			files: map[string]string{"web.sls": "include:\n  - nothing.*\na:\n  pkg.installed: []\n"},
			stage: "render",
			want:  []string{"web.sls:2: ", "Unknown include: Specified SLS base: nothing.* is not available on the salt master in saltenv(s): base"},
		},
		{
			name:  "relative include above the top",
			sls:   "web",
			files: map[string]string{"web.sls": "include:\n  - ..x\n"},
			stage: "render",
			want:  []string{"web.sls:2: ", "Attempted relative include of '..x' within SLS 'base:web' goes beyond top level package"},
		},
		{
			name:  "ID not a mapping",
			sls:   "web",
			files: map[string]string{"web.sls": "a:\n  pkg.installed: []\nbroken: just text\n"},
			stage: "render",
			want:  []string{"web.sls:3: ", "state 'broken': want a mapping of state modules", `the string "just text"`},
		},
		{
			name:  "ID with a list",
			sls:   "web",
			files: map[string]string{"web.sls": "broken:\n  - pkg.installed\n"},
			stage: "render",
			want:  []string{"web.sls:2: ", "state 'broken': want a mapping of state modules", "got a list"},
		},
		{
			name:  "ID with nothing",
			sls:   "web",
			files: map[string]string{"web.sls": "broken:\n"},
			stage: "render",
			want:  []string{"web.sls:1: ", "state 'broken': want a mapping", "nothing (null)"},
		},
		{
			name:  "two functions for one module",
			sls:   "web",
			files: map[string]string{"web.sls": "nginx:\n  pkg:\n    - installed\n    - latest\n"},
			stage: "render",
			want:  []string{"web.sls:4: ", "Too many functions declared in state 'pkg' in SLS 'web' (ID 'nginx' gives 'installed' and 'latest'"},
		},
		{
			name:  "one module declared twice",
			sls:   "web",
			files: map[string]string{"web.sls": "nginx:\n  pkg.installed: []\n  pkg.removed: []\n"},
			stage: "render",
			want:  []string{"web.sls:3: ", "state 'nginx': module 'pkg' is declared twice (pkg.installed at line 2, pkg.removed here)"},
		},
		{
			name:  "module without function",
			sls:   "web",
			files: map[string]string{"web.sls": "nginx:\n  pkg:\n    - name: nginx\n"},
			stage: "render",
			want:  []string{"web.sls:2: ", "No function declared in state 'pkg' in SLS 'web' (ID 'nginx'"},
		},
		{
			name:  "top level not a mapping",
			sls:   "web",
			files: map[string]string{"web.sls": "- a\n- b\n"},
			stage: "render",
			want:  []string{"web.sls:1: ", "an SLS file must be a mapping of state IDs, got a list"},
		},
		{
			name:  "extend of an unknown ID",
			sls:   "web",
			files: map[string]string{"web.sls": "a:\n  pkg.installed: []\nextend:\n  ghost:\n    pkg:\n      - version: 1\n"},
			stage: "render",
			want: []string{"web.sls:4: ", "Cannot extend ID 'ghost' in 'base:web'. It is not part of the high state.\n" +
				"This is likely due to a missing include statement or an incorrectly typed ID.\n" +
				"Ensure that a state with an ID of 'ghost' is available\nin environment 'base' and to SLS 'web'"},
		},
		// Salt's verify_high refuses a direct loop of two states that
		// name each other `- module: ID`, and a state naming itself so;
		// longer loops fail their states at run time (pkg/engine).
		{
			name: "two-state requisite loop",
			sls:  "web",
			files: map[string]string{"web.sls": "a:\n  cmd.run:\n    - require:\n      - cmd: b\n" +
				"b:\n  cmd.run:\n    - watch:\n      - cmd: a\n"},
			stage: "compile",
			want:  []string{"web.sls:7: ", `A recursive requisite was found, SLS "web" ID "b" ID "a"`},
		},
		{
			name:  "self requisite",
			sls:   "web",
			files: map[string]string{"web.sls": "a:\n  cmd.run:\n    - require:\n      - cmd: a\n"},
			stage: "compile",
			want:  []string{"web.sls:3: ", `A recursive requisite was found, SLS "web" ID "a" ID "a"`},
		},
		{
			name:  "use with a bad target",
			sls:   "web",
			files: map[string]string{"web.sls": "a:\n  cmd.run:\n    - use:\n      - cmd: [{x: 1}]\nb:\n  cmd.run: []\n"},
			stage: "compile",
			want:  []string{"web.sls:3: ", "use: cmd: want an ID or name"},
		},
		// What Salt 3006's verify_high refuses (salt/state.py), with its
		// messages: refused before anything runs, as show_sls refuses it.
		{
			name:  "bad requisite entry",
			sls:   "web",
			files: map[string]string{"web.sls": "a:\n  cmd.run:\n    - require:\n      - [x, y]\n"},
			stage: "render",
			want:  []string{"web.sls:3: ", "Requisite declaration ['x', 'y'] in SLS web is not formed as a single key dictionary"},
		},
		{
			name:  "null requisite entry",
			sls:   "web",
			files: map[string]string{"web.sls": "a:\n  cmd.run:\n    - watch:\n      -\n"},
			stage: "render",
			want:  []string{"web.sls:3: ", "Requisite declaration None in SLS web is not formed as a single key dictionary"},
		},
		{
			name:  "requisite target is a list",
			sls:   "web",
			files: map[string]string{"web.sls": "a:\n  cmd.run:\n    - require:\n      - pkg: [vim, curl]\n"},
			stage: "render",
			want:  []string{"web.sls:3: ", `Illegal requisite "['vim', 'curl']", please check your syntax.`},
		},
		{
			name:  "dotted requisite type",
			sls:   "web",
			files: map[string]string{"web.sls": "a:\n  cmd.run:\n    - onchanges:\n      - file.managed: conf\n"},
			stage: "render",
			want:  []string{"web.sls:3: ", "Invalid requisite type 'file.managed' in state 'a', in SLS 'web'. Requisite types must not contain dots, did you mean 'file'?"},
		},
		{
			name:  "requisite shares its list item",
			sls:   "web",
			files: map[string]string{"web.sls": "a:\n  cmd.run:\n    - require:\n      - pkg: vim\n      cwd: /tmp\n"},
			stage: "render",
			want:  []string{"web.sls:5: ", "Multiple dictionaries defined in argument of state 'a' in SLS 'web'"},
		},
		{
			name:  "include with nothing under it",
			sls:   "web",
			files: map[string]string{"web.sls": "include:\n{% for x in [] %}\n  - {{ x }}\n{% endfor %}\na:\n  pkg.installed: []\n"},
			stage: "render",
			want:  []string{"web.sls:", "Include Declaration in SLS web is not formed as a list"},
		},
		{
			name:  "include as a bare name",
			sls:   "web",
			files: map[string]string{"web.sls": "include: base\n", "base.sls": ""},
			stage: "render",
			want:  []string{"web.sls:1: ", "Include Declaration in SLS web is not formed as a list"},
		},
		{
			name:  "exclude as a mapping",
			sls:   "web",
			files: map[string]string{"web.sls": "exclude:\n  id: a\n"},
			stage: "render",
			want:  []string{"web.sls:", "Exclude Declaration in SLS web is not formed as a list"},
		},
		{
			// Salt's find_name: a name shared by two states names neither.
			name: "extend by a name two states have",
			sls:  "web",
			files: map[string]string{"web.sls": "a:\n  pkg.installed:\n    - name: nginx\nb:\n  pkg.latest:\n    - name: nginx\n" +
				"extend:\n  nginx:\n    pkg:\n      - version: 1\n"},
			stage: "render",
			want:  []string{"web.sls:8: ", "Cannot extend ID 'nginx' in 'base:web'"},
		},
		{
			name:  "extend adding a module without a function",
			sls:   "web",
			files: map[string]string{"web.sls": "a:\n  pkg.installed: []\nextend:\n  a:\n    service:\n      - enable: True\n"},
			stage: "render",
			want:  []string{"web.sls:5: ", "No function declared in state 'service' in SLS 'web'"},
		},
		{
			name:  "extend as a list",
			sls:   "web",
			files: map[string]string{"web.sls": "extend:\n  - a\n"},
			stage: "render",
			want:  []string{"web.sls:", "Extension value in SLS 'web' is not a dictionary"},
		},
		{
			name:  "names not a list",
			sls:   "web",
			files: map[string]string{"web.sls": "a:\n  pkg.installed:\n    - names: vim\n"},
			stage: "render",
			want:  []string{"web.sls:3: ", "The 'names' argument in state 'a' in SLS 'web' needs to be formed as a list"},
		},
		{
			name:  "ID read as a number",
			sls:   "web",
			files: map[string]string{"web.sls": "ok:\n  pkg.installed: []\n8080:\n  pkg.installed: []\n"},
			stage: "render",
			want:  []string{"web.sls:3: ", "ID '8080' in SLS 'web' is not formed as a string, but is type int. It may need to be quoted."},
		},
		{
			name:  "ID read as a boolean",
			sls:   "web",
			files: map[string]string{"web.sls": "yes:\n  pkg.installed: []\n"},
			stage: "render",
			want:  []string{"web.sls:1: ", "ID 'True' in SLS 'web' is not formed as a string, but is type bool."},
		},
		{
			name:  "trailing colon",
			sls:   "web",
			files: map[string]string{"web.sls": "a:\n  service.running:\n"},
			stage: "render",
			want: []string{"web.sls:2: ", "ID 'a' in SLS 'web' contains a short declaration (service.running) with a trailing colon. " +
				"When not passing any arguments to a state, the colon must be omitted."},
		},
		{
			name:  "arguments as a mapping",
			sls:   "web",
			files: map[string]string{"web.sls": "a:\n  file.managed:\n    name: /etc/motd\n"},
			stage: "render",
			want:  []string{"web.sls:2: ", "State 'a' in SLS 'web' is not formed as a list"},
		},
		{
			name:  "function as a bare value",
			sls:   "web",
			files: map[string]string{"web.sls": "a:\n  pkg: installed\n"},
			stage: "render",
			want:  []string{"web.sls:2: ", "State 'a' in SLS 'web' is not formed as a list"},
		},
		{
			name:  "argument missing its colon",
			sls:   "web",
			files: map[string]string{"web.sls": "a:\n  file.managed:\n    - user root\n"},
			stage: "render",
			want:  []string{"web.sls:3: ", `The function "user root" in state "a" in SLS "web" has whitespace`},
		},
		{
			name:  "two documents",
			sls:   "web",
			files: map[string]string{"web.sls": "a:\n  pkg.installed: []\n---\nb:\n  pkg.installed: []\n"},
			stage: "render",
			want:  []string{"web.sls:3: ", "a second document"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := writeTree(t, tt.files)
			high, err := c.HighState(context.Background(), strings.Fields(tt.sls))
			stage := "render"
			if err == nil {
				stage = "compile"
				_, err = high.Compile()
			}
			if err == nil {
				t.Fatalf("no error; want one containing %q", tt.want)
			}
			if stage != tt.stage {
				t.Errorf("failed at %s, want at %s: %v", stage, tt.stage, err)
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Errorf("error is %T, want an ErrorList", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\n does not contain %q", err, w)
				}
			}
		})
	}
}

func TestErrorsAreAllReported(t *testing.T) {
	c := writeTree(t, map[string]string{"web.sls": "a: 1\nb: text\nc:\n  pkg: [x, y]\nd:\n  pkg.installed: []\n"})
	_, err := c.RenderSLS(context.Background(), "web")
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("err = %v, want an ErrorList", err)
	}
	if len(list) != 3 {
		t.Fatalf("got %d errors, want 3 (a, b, c):\n%v", len(list), err)
	}
	for i, id := range []string{"a", "b", "c"} {
		if list[i].ID != id || list[i].Pos.File != "web.sls" || list[i].Pos.Line == 0 {
			t.Errorf("error %d = %+v, want ID %q in web.sls with a line", i, list[i], id)
		}
	}
}

func TestNotFoundIsNotExist(t *testing.T) {
	c := writeTree(t, map[string]string{"x.sls": ""})
	_, err := c.RenderSLS(context.Background(), "nope.deeper")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("errors.Is(%v, fs.ErrNotExist) = false", err)
	}
	var nf *NotFoundError
	if !errors.As(err, &nf) || nf.Name != "nope.deeper" || nf.Env != "base" {
		t.Fatalf("errors.As NotFoundError: %+v", nf)
	}
	if !strings.Contains(err.Error(), "looked for nope/deeper.sls and nope/deeper/init.sls") {
		t.Errorf("message %q does not list both places", err)
	}
}

func TestBadSLSNames(t *testing.T) {
	c := writeTree(t, map[string]string{"x.sls": ""})
	for _, name := range []string{"", "..", "a..b", ".x", "x.", "/etc/passwd", "a\\b", "a?b"} {
		if _, err := c.RenderSLS(context.Background(), name); err == nil {
			t.Errorf("RenderSLS(%q) = nil error; want a refusal", name)
		}
	}
}

// A requisite that names no state does not stop the run, as in Salt: the
// state that holds it fails when it runs (its one target is no chunk's
// key, and the text says why), and the others run.
func TestMissingRequisite(t *testing.T) {
	tests := []struct {
		name  string
		sls   string
		files map[string]string
		want  []string
	}{
		{"missing requisite", "web", map[string]string{"web/init.sls": "nginx:\n  pkg.installed: []\n\nsvc:\n  service.running:\n    - name: nginx\n    - require:\n      - file: /etc/nginx.conf\n"},
			[]string{"web/init.sls:7: ", "state 'svc' requires file: /etc/nginx.conf, which no state declares"}},
		{"missing requisite of another module", "web", map[string]string{"web.sls": "nginx:\n  pkg.installed: []\nsvc:\n  service.running:\n    - watch:\n      - file: nginx\n"},
			[]string{"web.sls:5: ", "state 'svc' watches file: nginx, which no state declares"}},
		{"missing sls requisite", "web", map[string]string{"web.sls": "conf:\n  file.managed:\n    - require:\n      - sls: db\n"},
			[]string{"web.sls:3: ", "state 'conf' requires sls: db, but no state read comes from SLS 'db'"}},
		{"requisite on an excluded ID", "web", map[string]string{
			"web.sls": "include: [db]\nexclude:\n  - id: db\nconf:\n  file.managed:\n    - require:\n      - pkg: db\n",
			"db.sls":  "db:\n  pkg.installed: []\n"},
			[]string{"web.sls:6: ", "state 'conf' requires pkg: db, which no state declares (ID 'db' is excluded at web.sls:3)"}},
		{"a bare string names no ID", "web", map[string]string{"web.sls": "conf:\n  file.managed: []\nsvc:\n  service.running:\n    - watch:\n      - file conf\n"},
			[]string{"web.sls:5: ", "state 'svc' watches file conf, which no state declares"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chunks := compileSLS(t, tt.files, tt.sls)
			keys := map[string]bool{}
			for _, c := range chunks {
				keys[c.Key()] = true
			}
			var got []string
			for _, c := range chunks {
				for _, r := range c.Requisites {
					for _, k := range r.Targets {
						if !keys[k] {
							got = append(got, k)
						}
					}
				}
			}
			if len(got) != 1 {
				t.Fatalf("unfound targets %q; want one", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got[0], w) {
					t.Errorf("target %q does not contain %q", got[0], w)
				}
			}
		})
	}
}

// The #! renderer line: jinja, yaml and json are understood (a file that
// names no jinja is not rendered), anything else is refused by name.
func TestRendererLine(t *testing.T) {
	c := writeTree(t, map[string]string{
		"plain.sls": "#!yaml\nliteral:\n  file.managed:\n    - name: /etc/x\n    - contents: '{{ not jinja }}'\n",
		"both.sls":  "#!jinja|yaml\n{% set n = 2 %}\nn{{ n }}:\n  cmd.run: []\n",
		"json.sls":  "#!json\n{\"j\": {\"cmd.run\": []}}\n",
		"py.sls":    "#!py\ndef run():\n    return {}\n",
		// Salt's gpg renderer passes data with nothing encrypted through.
		"gpg.sls": "#!jinja|yaml|gpg\ng{{ 1 }}:\n  cmd.run: []\n",
		"enc.sls": "#!yaml|gpg\ne:\n  cmd.run:\n    - env:\n        PW: |\n          -----BEGIN PGP MESSAGE-----\n          hQEMA\n          -----END PGP MESSAGE-----\n",
	})
	chunks, err := c.LowState(context.Background(), []string{"plain", "both", "json", "gpg"})
	if err != nil {
		t.Fatal(err)
	}
	if got := chunks[0].Args["contents"]; got != "{{ not jinja }}" {
		t.Errorf("#!yaml contents = %#v; want the text as written", got)
	}
	if chunks[1].ID != "n2" || chunks[2].ID != "j" || chunks[3].ID != "g1" {
		t.Errorf("ids %s %s %s; want n2 j g1", chunks[1].ID, chunks[2].ID, chunks[3].ID)
	}
	_, err = c.HighState(context.Background(), []string{"enc"})
	if err == nil || !strings.Contains(err.Error(), `enc.sls:1: renderer "gpg": line 6 holds a PGP message, which brine cannot decrypt`) {
		t.Errorf("an encrypted value: %v", err)
	}
	_, err = c.HighState(context.Background(), []string{"py"})
	if err == nil || !strings.Contains(err.Error(), `py.sls:1: renderer "py" (from the #!py line) is not supported`) {
		t.Errorf("#!py: %v", err)
	}
}

// TestLoopsLeftToTheRun: the requisite loops Salt's verify_high does not
// catch compile; the engine fails their states when they run ("Recursive
// requisite found").
func TestLoopsLeftToTheRun(t *testing.T) {
	for name, src := range map[string]string{
		"three states": "a:\n  cmd.run:\n    - require:\n      - cmd: b\nb:\n  cmd.run:\n    - require:\n      - cmd: c\nc:\n  cmd.run:\n    - require:\n      - cmd: a\n",
		"a bare ID":    "a:\n  cmd.run:\n    - require:\n      - cmd: b\nb:\n  cmd.run:\n    - require:\n      - a\n",
		"by name":      "a:\n  cmd.run:\n    - name: x\n    - require:\n      - cmd: b\nb:\n  cmd.run:\n    - require:\n      - cmd: x\n",
		"an _in form":  "a:\n  cmd.run:\n    - require:\n      - cmd: b\n    - require_in:\n      - cmd: b\nb:\n  cmd.run: []\n",
		"itself, bare": "a:\n  cmd.run:\n    - require:\n      - a\n",
		"other module": "a:\n  cmd.run:\n    - require:\n      - file: b\nb:\n  cmd.run:\n    - require:\n      - cmd: a\n",
	} {
		c := writeTree(t, map[string]string{"web.sls": src})
		high, err := c.HighState(context.Background(), []string{"web"})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := high.Compile(); err != nil && !strings.Contains(err.Error(), "which no state declares") {
			t.Errorf("%s: %v; want it to compile", name, err)
		}
	}
}

// TestExtendByName is Salt's reconcile_extend with find_name: an extend
// whose ID no state has names the one state of its module that has the
// value among its arguments (its name).
func TestExtendByName(t *testing.T) {
	c := writeTree(t, map[string]string{"web.sls": "a:\n  pkg.installed:\n    - name: nginx\nb:\n  service.running:\n    - name: nginx\n" +
		"extend:\n  nginx:\n    pkg:\n      - version: 1\n"})
	high, err := c.HighState(context.Background(), []string{"web"})
	if err != nil {
		t.Fatal(err)
	}
	chunks, err := high.Compile()
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range chunks {
		_, has := ch.Args["version"]
		if has != (ch.ID == "a") {
			t.Errorf("%s (%s): version given %v", ch.ID, ch.Func(), has)
		}
	}
}
