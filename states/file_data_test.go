package states

import (
	"context"
	"github.com/brine-cm/brine/pkg/odict"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

func TestFileSerializeFormats(t *testing.T) {
	data := map[string]any{"b": 1, "a": map[string]any{"x": []any{"p", "q"}, "z": true}}
	for _, c := range []struct{ format, want string }{
		{"json", "{\n  \"a\": {\n    \"x\": [\n      \"p\",\n      \"q\"\n    ],\n    \"z\": true\n  },\n  \"b\": 1\n}\n"},
		{"yaml", "a:\n  x:\n  - p\n  - q\n  z: true\nb: 1\n"},
	} {
		got, err := fileSerializeData(c.format, data)
		if err != nil || string(got) != c.want {
			t.Errorf("%s = %q, %v\nwant %q", c.format, got, err, c.want)
		}
		back, err := fileDeserialize(c.format, got)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := fileSerializeData(c.format, back)
		if string(again) != string(got) {
			t.Errorf("%s round trip = %q", c.format, again)
		}
	}
	ini, err := fileSerializeData("ini", map[string]any{"main": map[string]any{"port": 80, "host": "a"}, "db": map[string]any{"name": "x"}})
	if err != nil || string(ini) != "[db]\nname = x\n\n[main]\nhost = a\nport = 80\n\n" {
		t.Errorf("ini = %q, %v", ini, err)
	}
	if _, err := fileSerializeData("ini", map[string]any{"k": "v"}); err == nil {
		t.Error("ini without sections was accepted")
	}
	got := fileMerge(map[string]any{"a": map[string]any{"x": 1, "y": 2}, "keep": 1}, map[string]any{"a": map[string]any{"y": 3}})
	if !reflect.DeepEqual(got, map[string]any{"a": map[string]any{"x": 1, "y": 3}, "keep": 1}) {
		t.Errorf("merge = %v", got)
	}
}

func TestSaltFidelityFileSerialize(t *testing.T) {
	conf := "/etc/app.json"
	fidRunAll(t, []fidCase{{
		name:   "file.serialize: json created",
		salt:   "serialize()",
		setup:  fidFile("file.serialize", conf, map[string]any{"dataset": map[string]any{"port": 80}, "serializer": "json"}, map[string]string{"etc/.keep": ""}),
		test:   fidW(None, "Dataset will be serialized and stored into "+conf, map[string]any{"diff": "New file", "mode": "0644"}),
		real:   fidW(True, "File "+conf+" updated", map[string]any{"diff": "New file", "mode": "0644"}),
		rerun:  fidW(True, "File "+conf+" is in the correct state", nil),
		retest: fidW(True, "The file "+conf+" is in the correct state", nil),
	}, {
		name:   "file.serialize: merge_if_exists",
		salt:   "serialize(merge_if_exists=True)",
		setup:  fidFile("file.serialize", conf, map[string]any{"dataset": map[string]any{"port": 81}, "formatter": "json", "merge_if_exists": true}, map[string]string{"etc/app.json": "{\"host\": \"a\", \"port\": 80}\n"}),
		test:   fidW(None, "Dataset will be serialized and stored into "+conf, map[string]any{"diff": fidAny}),
		real:   fidW(True, "File "+conf+" updated", map[string]any{"diff": fidAny}),
		rerun:  fidW(True, "The file "+conf+" is in the correct state", nil),
		retest: fidW(True, "The file "+conf+" is in the correct state", nil),
	}})
	// The data already there, laid out otherwise: Salt compares the data
	// and leaves the file alone.
	same := fileTestRoot(t)
	fileWriteT(t, filepath.Join(same, "etc/app.json"), "{\"port\": 81.0, \"host\": \"a\"}")
	res := fileCall(t, same, "file.serialize", conf, map[string]any{"dataset": map[string]any{"port": 81}, "serializer": "json", "merge_if_exists": true}, false)
	if res.Result != True || len(res.Changes) != 0 || res.Comment != "The file "+conf+" is in the correct state" {
		t.Errorf("same data = %v %q %v; want True, no changes", res.Result, res.Comment, res.Changes)
	}
	if got := fileReadT(t, filepath.Join(same, "etc/app.json")); got != "{\"port\": 81.0, \"host\": \"a\"}" {
		t.Errorf("same data: the file was rewritten: %q", got)
	}
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "etc/app.json"), "{\"host\": \"a\", \"port\": 80}\n")
	fileCall(t, root, "file.serialize", conf, map[string]any{"dataset": map[string]any{"port": 81}, "serializer": "json", "merge_if_exists": true}, false)
	if got := fileReadT(t, filepath.Join(root, "etc/app.json")); got != "{\n  \"host\": \"a\",\n  \"port\": 81\n}\n" {
		t.Errorf("merged = %q", got)
	}
}

// TestKVEdit: file.keyvalue's edits and diffs, as Salt 3006's
// keyvalue() makes them for the same arguments.
func TestKVEdit(t *testing.T) {
	const in = "# c\nA=1\n#B=2\nC = 3\nA=9\n"
	for _, c := range []struct {
		name       string
		text       string
		ed         kvEdit
		want, diff string
		n          int
	}{
		{"uncomment, extra lines removed, 'C = 3' not C's, appended", in,
			kvEdit{keys: []string{"A", "B", "C", "D"}, want: map[string]string{"A": "2", "B": "2", "C": "3", "D": "4"}, sep: "=", uncomment: "#", count: 1, appendNF: true},
			"# c\nA=2\nB=2\nC = 3\nC=3\nD=4\n", "- A=1\n+ A=2\n- #B=2\n+ B=2\n- A=9\n- <EOF>\n+ C=3\n+ D=4\n+ <EOF>\n", 5},
		{"count -1 sets every line", in, kvEdit{keys: []string{"A"}, want: map[string]string{"A": "2"}, sep: "=", count: -1},
			"# c\nA=2\n#B=2\nC = 3\nA=2\n", "- A=1\n+ A=2\n- A=9\n+ A=2\n", 2},
		{"key_ignore_case keeps the file's spelling", "port 22\n", kvEdit{keys: []string{"Port"}, want: map[string]string{"Port": "2222"}, sep: " ", count: 1, keyCase: true},
			"port 2222\n", "- port 22\n+ port 2222\n", 1},
		{"an indented line is rewritten unindented", "  A=1\nB=2\n", kvEdit{keys: []string{"A"}, want: map[string]string{"A": "1"}, sep: "=", count: 1},
			"A=1\nB=2\n", "-   A=1\n+ A=1\n", 1},
		{"count 0 removes the key", "A=1\nA=2\n", kvEdit{keys: []string{"A"}, want: map[string]string{"A": "1"}, sep: "=", count: 0},
			"", "- A=1\n- A=2\n", 2},
		{"prepended, each at the top in turn", "x\n", kvEdit{keys: []string{"K", "J"}, want: map[string]string{"K": "v", "J": "w"}, sep: "=", count: 1, prependN: true},
			"J=w\nK=v\nx\n", "  <SOF>\n+ J=w\n+ K=v\n", 2},
		{"a value that was no string", "ENABLED=no\n", kvEdit{keys: []string{"ENABLED"}, want: map[string]string{"ENABLED": "True"}, types: map[string]string{"ENABLED": "bool"}, sep: "=", count: 1},
			"ENABLED=True\n", "- ENABLED=no\n+ ENABLED=True (from bool type)\n", 1},
	} {
		got, diff, n := c.ed.apply(c.text)
		if got != c.want || diff != c.diff || n != c.n {
			t.Errorf("%s:\n got %q %q %d\nwant %q %q %d", c.name, got, diff, n, c.want, c.diff, c.n)
		}
	}
}

func TestSaltFidelityFileKeyvalue(t *testing.T) {
	name := "/etc/default/app"
	fidRunAll(t, []fidCase{{
		name:   "file.keyvalue: changed",
		salt:   "keyvalue()",
		setup:  fidFile("file.keyvalue", name, map[string]any{"key_values": map[string]any{"ENABLED": "yes", "OPTS": "-v"}, "append_if_not_found": true}, map[string]string{"etc/default/app": "# defaults\nENABLED=no\n"}),
		test:   fidW(None, "File "+name+" is set to be changed (2 lines)\nPredicted diff:\n\r\t\t- ENABLED=no\n\r\t\t+ ENABLED=yes\n\r\t\t- <EOF>\n\r\t\t+ OPTS=-v\n\r\t\t+ <EOF>\n", map[string]any{"diff": fidAny}),
		real:   fidW(True, "Changed 2 lines", map[string]any{"diff": fidAny}),
		rerun:  fidW(True, "", nil),
		retest: fidW(True, "", nil),
	}, {
		name:  "file.keyvalue: missing file",
		salt:  "keyvalue()",
		setup: fidFile("file.keyvalue", name, map[string]any{"key": "A", "value": "1"}, nil),
		test:  fidW(False, "unable to open "+name, nil),
	}})
}

func TestFileAccumulated(t *testing.T) {
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "etc/hosts.allow"), "# head\n#-- start managed zone --\n#-- end managed zone --\n")
	for _, test := range []bool{true, false} {
		env := fileEnv()
		env.Files = fileFakeSource{"salt://t.tmpl": "{{ accumulator }}\n"}
		call := func(fun, name string, args map[string]any) Result {
			fn, _ := Lookup(fun)
			return fn(context.Background(), &Request{ID: name, Name: name, Func: fun, Args: NewArgs(args), Test: test, Root: root, Env: env})
		}
		r := call("file.accumulated", "sshd", map[string]any{"filename": "/etc/hosts.allow", "text": []any{"sshd: 10.0.0.0/8", "sshd: 10.0.0.0/8"}})
		if r.Result != True || r.Comment != "Accumulator sshd for file /etc/hosts.allow was charged by text" {
			t.Fatalf("accumulated = %+v", r)
		}
		call("file.accumulated", "ftpd", map[string]any{"filename": "/etc/hosts.allow", "text": "vsftpd: ALL"})
		r = call("file.blockreplace", "/etc/hosts.allow", map[string]any{"content": "ALL: 127.0.0.1"})
		if !r.Changed() {
			t.Fatalf("blockreplace test=%v: %+v", test, r)
		}
		call("file.accumulated", "m", map[string]any{"filename": "/etc/t", "text": "x"})
		r = call("file.managed", "/etc/t", map[string]any{"source": "salt://t.tmpl", "template": "jinja"})
		if !strings.Contains(r.Changes["diff"].(string), "New file") {
			t.Fatalf("managed = %+v", r)
		}
	}
	if got := fileReadT(t, filepath.Join(root, "etc/hosts.allow")); got != "# head\n#-- start managed zone --\nALL: 127.0.0.1\nvsftpd: ALL\nsshd: 10.0.0.0/8\n#-- end managed zone --\n" {
		t.Errorf("hosts.allow = %q", got)
	}
	if got := fileReadT(t, filepath.Join(root, "etc/t")); got != "map[m:[x]]\n" {
		t.Errorf("template saw accumulator as %q", got)
	}
}

// Salt's file.accumulated wraps only a string in a tuple and then iterates
// text: a mapping adds its keys (tomcat-formula accumulates its connectors
// dict so), a list adds its items whatever they are, each once; the
// template's accumulator holds them as they are.
func TestFileAccumulatedTextShapes(t *testing.T) {
	root := fileTestRoot(t)
	env := fileEnv()
	env.Files = fileFakeSource{"salt://t.tmpl": "{{ accumulator }}\n"}
	call := func(fun, name string, args map[string]any) Result {
		fn, _ := Lookup(fun)
		return fn(context.Background(), &Request{ID: name, Name: name, Func: fun, Args: NewArgs(args), Root: root, Env: env})
	}
	conns := odict.New(2)
	conns.Set("https", map[string]any{"port": 8443})
	conns.Set("ajp", map[string]any{"port": 8009})
	for _, c := range []struct {
		id   string
		text any
	}{
		{"a_dict", conns},
		{"b_list", []any{map[string]any{"port": 1}, "x", map[string]any{"port": 1}, 5}},
		{"c_str", "one"},
	} {
		if r := call("file.accumulated", c.id, map[string]any{"filename": "/etc/t", "text": c.text}); r.Result != True {
			t.Fatalf("%s: %+v", c.id, r)
		}
	}
	if r := call("file.accumulated", "d_none", map[string]any{"filename": "/etc/t", "text": nil}); r.Result != False || !strings.Contains(r.Comment, "No text supplied for accumulator") {
		t.Errorf("text None: %+v", r)
	}
	if r := call("file.managed", "/etc/t", map[string]any{"source": "salt://t.tmpl", "template": "jinja"}); r.Result != True {
		t.Fatalf("managed: %+v", r)
	}
	// The test renderer prints Go values: each list as Salt's template
	// gets it, in order.
	want := "map[a_dict:[https ajp] b_list:[map[port:1] x 5] c_str:[one]]\n"
	if got := fileReadT(t, filepath.Join(root, "etc/t")); got != want {
		t.Errorf("template saw %q; want %q", got, want)
	}
}

// TestFileAccumulatedPerBlock: two blocks of one file each take the
// accumulators they require (their require_in), not every accumulator of
// the file, as Salt's blockreplace filters them; and an accumulator's line
// follows a content that ends in a newline after an empty line, as Salt
// joins them.
func TestFileAccumulatedPerBlock(t *testing.T) {
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "etc/hosts"), "# A\n# /A\n# B\n# /B\n")
	env := fileEnv()
	call := func(fun, name string, args map[string]any, required ...string) Result {
		fn, _ := Lookup(fun)
		return fn(context.Background(), &Request{ID: name, Name: name, Func: fun, Args: NewArgs(args), Root: root, Env: env, RequiredNames: required})
	}
	call("file.accumulated", "for_a", map[string]any{"filename": "/etc/hosts", "text": "line for A"})
	call("file.accumulated", "for_b", map[string]any{"filename": "/etc/hosts", "text": "line for B"})
	for _, b := range []struct{ id, start, end, content, acc string }{
		{"block_a", "# A", "# /A", "a content\n", "for_a"},
		{"block_b", "# B", "# /B", "", "for_b"},
	} {
		fn, _ := Lookup("file.blockreplace")
		r := fn(context.Background(), &Request{ID: b.id, Name: "/etc/hosts", Func: "file.blockreplace", Root: root, Env: env,
			Args: NewArgs(map[string]any{"marker_start": b.start, "marker_end": b.end, "content": b.content}), RequiredNames: []string{b.acc}})
		if r.Result != True {
			t.Fatalf("%s = %+v", b.id, r)
		}
	}
	if got, want := fileReadT(t, filepath.Join(root, "etc/hosts")), "# A\na content\n\nline for A\n# /A\n# B\nline for B\n# /B\n"; got != want {
		t.Errorf("hosts = %q; want %q", got, want)
	}
}

// TestFileSerializeMatchesSalt: json and yaml as Salt's serializers write
// the same datasets, asked of Python itself.
func TestFileSerializeMatchesSalt(t *testing.T) {
	cases := []any{
		map[string]any{"b": 1, "a": map[string]any{"x": []any{"p", "q"}, "z": true}, "n": nil},
		map[string]any{"u": "café ☃ 😀", "f": 2.5, "tiny": 0.1, "neg": -3, "yes": "yes", "num": "10", "empty": "", "list": []any{}, "map": map[string]any{}},
		map[string]any{"long": strings.Repeat("word ", 30), "multi": "line one\nline two\n", "colon": "a: b", "tab": "a\tb", "quote": "it's \"x\""},
		map[string]any{"servers": []any{map[string]any{"name": "a", "ports": []any{80, 443}}, map[string]any{"name": "b"}}},
	}
	var want [][2]string
	pyref.Run(t, "testdata/serialize_ref.py", nil, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("serialize_ref.py returned %d results for %d cases", len(want), len(cases))
	}
	for i, c := range cases {
		for j, format := range []string{"json", "yaml"} {
			got, err := fileSerializeData(format, c)
			if err != nil {
				t.Fatal(err)
			}
			// Salt's yaml serializer strips the newline PyYAML ends
			// with; file.serialize adds one to either format.
			if format == "yaml" {
				want[i][j] = strings.TrimSuffix(want[i][j], "\n")
			}
			if string(got) != want[i][j]+"\n" {
				t.Errorf("case %d %s: brine writes\n%s\nSalt\n%s", i, format, got, want[i][j])
			}
		}
	}
}

// TestKeyvalueTypedValue: a value that is no string, given as key and
// value or in key_values, is marked in the diff as Salt marks it.
func TestKeyvalueTypedValue(t *testing.T) {
	for _, args := range []map[string]any{
		{"key": "A", "value": 2, "separator": "="},
		{"key_values": map[string]any{"A": 2}, "separator": "="},
	} {
		root := fileTestRoot(t)
		fileWriteT(t, filepath.Join(root, "etc/kv"), "A=1\n")
		r := fileCall(t, root, "file.keyvalue", "/etc/kv", args, false)
		if want := "- A=1\n+ A=2 (from int type)\n"; r.Changes["diff"] != want {
			t.Errorf("%v: diff %q; want %q", args, r.Changes["diff"], want)
		}
		if got := fileReadT(t, filepath.Join(root, "etc/kv")); got != "A=2\n" {
			t.Errorf("%v: file %q", args, got)
		}
	}
}
