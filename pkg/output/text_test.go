package output

import (
	"bytes"
	"strings"
	"testing"
)

// printAll prints minions in order through one printer and flushes it.
func printAll(t *testing.T, o Options, rets ...KV) string {
	t.Helper()
	var b bytes.Buffer
	p := NewPrinter(&b, o)
	for _, kv := range rets {
		if err := p.Print(kv.Key, kv.Value); err != nil {
			t.Fatalf("Print(%s): %v", kv.Key, err)
		}
	}
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The examples are those of Salt's own outputters' docstrings.
func TestTextOutputters(t *testing.T) {
	tests := []struct {
		name string
		out  string
		rets []KV
		want string
	}{
		{"newline_values_only lists", OutNewlineValuesOnly,
			[]KV{{"myminion", []any{"127.0.0.1", "10.0.0.1"}}, {"second-minion", []any{"127.0.0.1", "10.0.0.2"}}},
			"127.0.0.1\n10.0.0.1\n127.0.0.1\n10.0.0.2\n"},
		{"newline_values_only scalars", OutNewlineValuesOnly,
			[]KV{{"myminion", 8}, {"second-minion", 10}, {"third", true}, {"fourth", nil}},
			"8\n10\nTrue\nNone\n"},
		{"newline_values_only a mapping is its repr", OutNewlineValuesOnly,
			[]KV{{"m", map[string]any{"os": "Debian", "cpus": 2}}},
			"{'cpus': 2, 'os': 'Debian'}\n"},
		{"txt lines of a string", OutTxt,
			[]KV{{"web1", "Filesystem Size\n/dev/sda1 10G\n"}, {"web2", "up 3 days"}},
			"web1: Filesystem Size\nweb1: /dev/sda1 10G\nweb2: up 3 days\n"},
		{"txt other values", OutTxt,
			[]KV{{"web1", true}, {"web2", []any{"a", 1}}, {"web3", ""}},
			"web1: True\nweb2: ['a', 1]\n"},
		{"text is txt", "text", []KV{{"m", "x"}}, "m: x\n"},
		{"no_return strings and mappings", OutNoReturn,
			[]KV{{"m1", "Minion did not return. [No response]"}, {"m2", map[string]any{"b": "two\nlines", "a": "one"}}, {"m3", true}},
			"m1:\n    Minion did not return. [No response]\nm2:\n    a:\n        one\n    b:\n        two\n        lines\nm3:\n"},
		{"quiet", OutQuiet, []KV{{"m", "x"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := printAll(t, Options{Out: tt.out}, tt.rets...); got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestTxtOfAStateRunIsItsRepr(t *testing.T) {
	got := printAll(t, Options{Out: OutTxt}, KV{"m1", sample()[:1]})
	if !strings.HasPrefix(got, "m1: {'file_|-sample_file_|-/tmp/x/sample.conf_|-managed': {'name': '/tmp/x/sample.conf', ") {
		t.Errorf("txt of a state run = %q", got)
	}
}

func TestMissing(t *testing.T) {
	tests := []struct {
		out, want string
	}{
		{"", "m9:\n    Minion did not return. [No response]\n"},
		{OutHighstate, "m9:\n    Minion did not return. [No response]\n"},
		{OutNested, "m9:\n    Minion did not return. [No response]\n"},
		{OutJSON, "{\n    \"m9\": \"Minion did not return. [No response]\"\n}\n"},
		{OutTxt, "m9: Minion did not return. [No response]\n"},
		{OutQuiet, ""},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := NewPrinter(&b, Options{Out: tt.out}).Missing("m9", "No response"); err != nil {
			t.Fatal(err)
		}
		if b.String() != tt.want {
			t.Errorf("Missing with --out %q = %q; want %q", tt.out, b.String(), tt.want)
		}
	}
	var b bytes.Buffer
	NewPrinter(&b, Options{Color: true}).Missing("m9", "Not connected")
	if want := "\x1b[36mm9\x1b[0m:\n\x1b[31m    Minion did not return. [Not connected]\x1b[0m\n"; b.String() != want {
		t.Errorf("coloured = %q; want Salt's no_return colours %q", b.String(), want)
	}
}

// --static holds everything back until Flush, then writes one document
// (json, yaml, raw), one tree (nested), or each minion in arrival order.
func TestStatic(t *testing.T) {
	for _, out := range []string{OutJSON, OutYAML, OutRaw, OutNested, OutHighstate, OutTxt, OutNewlineValuesOnly, OutNoReturn, OutQuiet, ""} {
		t.Run("out="+out, func(t *testing.T) {
			var b bytes.Buffer
			p := NewPrinter(&b, Options{Out: out, Static: true})
			p.Print("web2", "up")
			p.Print("web1", sample()[:1])
			p.Missing("web3", "No response")
			if b.Len() != 0 {
				t.Fatalf("printed before Flush: %q", b.String())
			}
			if err := p.Flush(); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			switch out {
			case OutJSON:
				if strings.Count(got, "\n{") != 0 || !strings.HasPrefix(got, "{\n    \"web2\": \"up\",\n    \"web1\": {") ||
					!strings.HasSuffix(got, "\"web3\": \"Minion did not return. [No response]\"\n}\n") {
					t.Errorf("want one JSON document in arrival order:\n%s", got)
				}
			case OutYAML:
				if !strings.HasPrefix(got, "web2: up\nweb1:\n") || !strings.Contains(got, "web3: Minion did not return. [No response]") {
					t.Errorf("want one YAML document:\n%s", got)
				}
			case OutRaw:
				if !strings.HasPrefix(got, "{'web2': 'up', 'web1': {") || strings.Count(got, "\n") != 1 {
					t.Errorf("want one repr:\n%s", got)
				}
			case OutNested:
				if i1, i2, i3 := strings.Index(got, "web1:"), strings.Index(got, "web2:"), strings.Index(got, "web3:"); !(i1 == 0 && i1 < i2 && i2 < i3) {
					t.Errorf("want one tree, sorted:\n%s", got)
				}
			case OutHighstate, "":
				if !strings.HasPrefix(got, "web2:\n    up\nweb1:\n----------\n") || !strings.HasSuffix(got, "web3:\n    Minion did not return. [No response]\n") {
					t.Errorf("want each minion in arrival order:\n%s", got)
				}
			case OutTxt:
				if !strings.HasPrefix(got, "web2: up\nweb1: {") || !strings.HasSuffix(got, "web3: Minion did not return. [No response]\n") {
					t.Errorf("txt:\n%s", got)
				}
			case OutNewlineValuesOnly:
				if !strings.HasPrefix(got, "up\n{") || !strings.HasSuffix(got, "\nMinion did not return. [No response]\n") {
					t.Errorf("newline_values_only:\n%s", got)
				}
			case OutNoReturn:
				// A state run is mappings and strings: no_return walks it.
				if !strings.HasPrefix(got, "web2:\n    up\nweb1:\n    file_|-sample_file_|-/tmp/x/sample.conf_|-managed:\n        __id__:\n            sample_file\n        __run_num__:\n") ||
					!strings.HasSuffix(got, "web3:\n    Minion did not return. [No response]\n") {
					t.Errorf("no_return = %q", got)
				}
			case OutQuiet:
				if got != "" {
					t.Errorf("quiet = %q", got)
				}
			}
		})
	}
}

func TestKnownOutputters(t *testing.T) {
	for _, o := range append(Outputters(), "", "text", "JSON") {
		if !Known(o) {
			t.Errorf("Known(%q) = false", o)
		}
	}
	for _, o := range []string{"xml", "pprint ", "jsonx"} {
		if Known(o) {
			t.Errorf("Known(%q) = true", o)
		}
	}
}
