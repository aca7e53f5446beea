package jinja

import (
	"encoding/json"
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

// TestIPFiltersLikeSalt runs Salt's IP filters in Python, with Python's
// ipaddress, on the same values and options as brine's.
func TestIPFiltersLikeSalt(t *testing.T) {
	addrs := []any{"8.8.8.8", "10.0.0.1", "127.0.0.1", "169.254.1.1", "224.0.0.1", "240.0.0.1", "0.0.0.0", "100.64.0.1",
		"192.168.1.5/24", "2001:db8::1", "2001:db8::1/64", "fe80::1", "::1", "ff02::1", "fec0::1", "::", "2606:4700::1",
		"::ffff:10.0.0.1", "nope", "10.0.0.256"}
	var cases [][]any
	for _, f := range []string{"is_ip", "is_ipv4", "is_ipv6", "ipaddr", "ipv4", "ipv6"} {
		for _, o := range []string{"", "private", "public", "global", "loopback", "link-local", "multicast", "reserved", "site-local", "unspecified", "private,loopback"} {
			for _, a := range addrs {
				cases = append(cases, []any{f, a, o})
			}
			if f == "ipaddr" || f == "ipv4" || f == "ipv6" {
				cases = append(cases, []any{f, addrs, o})
			}
		}
	}
	for _, n := range []string{"10.0.0.0/24", "10.0.0.1", "10.0.0.1/30", "2001:db8::/120", "::1"} {
		cases = append(cases, []any{"network_size", n, ""})
	}
	var want []json.RawMessage
	pyref.Run(t, "testdata/ip_filters_ref.py", nil, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("ip_filters_ref.py returned %d results for %d cases", len(want), len(cases))
	}
	for i, c := range cases {
		name, v, opts := c[0].(string), c[1], c[2].(string)
		args := []any{}
		if opts != "" {
			args = append(args, opts)
		}
		got, err := filters[name](nil, fromGo(v, 0), args, nil)
		if err != nil {
			t.Errorf("%s(%v, %q): %v", name, v, opts, err)
			continue
		}
		gotJSON, _ := json.Marshal(plain(got, 0))
		if canonJSON(t, string(gotJSON)) != canonJSON(t, string(want[i])) {
			t.Errorf("%s(%v, %q) = %s; Salt: %s", name, v, opts, gotJSON, want[i])
		}
	}
}

func canonJSON(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
