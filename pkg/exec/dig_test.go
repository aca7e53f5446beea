package exec

import (
	"context"
	"log/slog"
	"reflect"
	"strings"
	"testing"
)

// dig.* as Salt's salt/modules/dig.py, over a stub of dig that answers
// from a table (no network): the wants are what Salt's code returns for
// the same dig output.
func TestDig(t *testing.T) {
	old := dnsDig
	t.Cleanup(func() { dnsDig = old })
	answers := map[string]string{
		"www.example A":       "web.example.\n10.0.0.5\n10.0.0.6\n",
		"www.example AAAA":    "fd00::5\n",
		"www.example CNAME":   "web.example.\n",
		"example MX":          "10 mx1.example.\n20 mx2.example.\n",
		"mx1.example. A":      "10.0.1.1\n",
		"mx2.example. A":      "10.0.1.2\n10.0.1.3\n",
		"example NS":          "ns1.example.\nns2.example.\n",
		"ns1.example. A":      "10.0.2.1\n",
		"ns2.example. A":      "10.0.2.2\n",
		"example TXT":         "\"v=spf1 ip4:192.0.2.0/24 include:_spf.example -all\"\n\"hello\"\n",
		"_spf.example SPF":    "",
		"_spf.example TXT":    "\"v=spf1 ip6:2001:db8::/32 ip4:bad ~all\"\n",
		"example SPF":         "",
		"redir.example SPF":   "\"v=spf1 redirect=_spf.example\"\n",
		"nothing.example A":   "",
		"nothing.example MX":  "",
		"nothing.example TXT": "",
	}
	var asked [][]string
	dnsDig = func(_ context.Context, args []string) (string, int, bool, error) {
		asked = append(asked, args)
		if out, ok := answers[args[1]+" "+args[2]]; ok {
			return out, 0, true, nil
		}
		return "", 9, true, nil // dig's exit status when no server answers
	}
	h := testHost(t)
	h.Log = slog.New(slog.DiscardHandler)
	tests := []struct {
		fun  string
		args []any
		kw   map[string]any
		want any
	}{
		{"dig.A", []any{"www.example"}, nil, []any{"10.0.0.5", "10.0.0.6"}},
		{"dig.AAAA", []any{"www.example"}, nil, []any{"fd00::5"}},
		{"dig.A", []any{"down.example"}, nil, []any{}},
		{"dig.A", []any{"nothing.example"}, nil, []any{}},
		{"dig.CNAME", []any{"www.example"}, nil, "web.example."},
		{"dig.MX", []any{"example"}, nil, []any{[]any{"10", "mx1.example."}, []any{"20", "mx2.example."}}},
		{"dig.MX", []any{"example"}, map[string]any{"resolve": true}, []any{[]any{"10", "10.0.1.1"}, []any{"20", "10.0.1.2"}}},
		// "".split("\n") is [""], each split() to [].
		{"dig.MX", []any{"nothing.example"}, nil, []any{[]any{}}},
		{"dig.MX", []any{"down.example"}, nil, []any{}},
		{"dig.NS", []any{"example"}, nil, []any{"10.0.2.1", "10.0.2.2"}},
		{"dig.NS", []any{"example"}, map[string]any{"resolve": false}, []any{"ns1.example.", "ns2.example."}},
		{"dig.TXT", []any{"example"}, nil, []any{`"v=spf1 ip4:192.0.2.0/24 include:_spf.example -all"`, `"hello"`}},
		{"dig.TXT", []any{"nothing.example"}, nil, []any{""}},
		{"dig.SPF", []any{"example", "TXT"}, nil, []any{"192.0.2.0/24", "2001:db8::/32"}},
		{"dig.SPF", []any{"redir.example"}, nil, []any{"2001:db8::/32"}},
		{"dig.check_ip", []any{"10.0.0.1/24"}, nil, true},
		{"dig.check_ip", []any{"10.0.0.1/33"}, nil, false},
		{"dig.check_ip", []any{"fd00::1/64"}, nil, true},
		{"dig.check_ip", []any{"fd00::1/4"}, nil, false}, // Salt's 8 <= prefix
		{"dig.check_ip", []any{"web.example."}, nil, false},
		{"dig.check_ip", []any{5}, nil, false},
	}
	for _, tt := range tests {
		r := Call(context.Background(), h, tt.fun, tt.args, tt.kw)
		if r.Retcode != 0 || !reflect.DeepEqual(r.Value, tt.want) {
			t.Errorf("%s%v %v = %#v (retcode %d); want %#v", tt.fun, tt.args, tt.kw, r.Value, r.Retcode, tt.want)
		}
	}
	asked = nil
	Call(context.Background(), h, "dig.A", []any{"www.example", "192.0.2.53"}, nil)
	if want := [][]string{{"+short", "www.example", "A", "@192.0.2.53"}}; !reflect.DeepEqual(asked, want) {
		t.Errorf("dig asked %q; want %q", asked, want)
	}
	// Salt's MX with resolve: a server without an address raises.
	answers["bad.example MX"] = "10 noaddr.example.\n"
	if r := Call(context.Background(), h, "dig.MX", []any{"bad.example"}, map[string]any{"resolve": true}); r.Raised == nil {
		t.Errorf("dig.MX resolve of a server without an address = %#v; want a raised error", r)
	}
	// Without dig the module is not loaded, as Salt's __virtual__.
	dnsDig = func(context.Context, []string) (string, int, bool, error) { return "", 0, false, nil }
	r := Call(context.Background(), h, "dig.A", []any{"www.example"}, nil)
	if s, _ := r.Value.(string); !r.NotRun || !strings.Contains(s, "dig binary is not in the path") {
		t.Errorf("dig.A without dig = %#v", r)
	}
}
