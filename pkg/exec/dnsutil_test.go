package exec

import (
	"context"
	"errors"
	"net"
	"reflect"
	"testing"
)

// dnsutil.A and AAAA answer as Salt's: dig's +short lines that are
// addresses when the host has dig (an empty list when dig fails), else
// the resolver's addresses or "Unable to resolve NAME"; a nameserver
// without dig is Salt's message.
func TestDnsutil(t *testing.T) {
	oldDig, oldResolve := dnsDig, dnsResolve
	t.Cleanup(func() { dnsDig, dnsResolve = oldDig, oldResolve })
	var gotArgs []string
	digOut, digCode, haveDig := "", 0, true
	dnsDig = func(_ context.Context, args []string) (string, int, bool, error) {
		gotArgs = args
		return digOut, digCode, haveDig, nil
	}
	dnsResolve = func(_ context.Context, network, host string) ([]net.IP, error) {
		if host == "db.example" && network == "ip4" {
			return []net.IP{net.ParseIP("10.0.0.7"), net.ParseIP("10.0.0.8")}, nil
		}
		if host == "db.example" && network == "ip6" {
			return []net.IP{net.ParseIP("fd00::7")}, nil
		}
		return nil, errors.New("no such host")
	}
	h := testHost(t)
	call := func(fun string, args ...any) any {
		t.Helper()
		r := Call(context.Background(), h, fun, args, nil)
		if r.Retcode != 0 {
			t.Fatalf("%s%v: %#v", fun, args, r)
		}
		return r.Value
	}

	digOut = "web.example.\n10.0.0.5\n10.0.0.6\n"
	if got, want := call("dnsutil.A", "www.example"), []any{"10.0.0.5", "10.0.0.6"}; !reflect.DeepEqual(got, want) {
		t.Errorf("dig: %#v; want %#v", got, want)
	}
	if want := []string{"+short", "www.example", "A"}; !reflect.DeepEqual(gotArgs, want) {
		t.Errorf("dig args %q; want %q", gotArgs, want)
	}
	call("dnsutil.AAAA", "www.example", "192.0.2.53")
	if want := []string{"+short", "www.example", "AAAA", "@192.0.2.53"}; !reflect.DeepEqual(gotArgs, want) {
		t.Errorf("dig args %q; want %q", gotArgs, want)
	}
	digOut, digCode = "", 9
	if got := call("dnsutil.A", "www.example"); !reflect.DeepEqual(got, []any{}) {
		t.Errorf("failing dig: %#v; want []", got)
	}

	haveDig = false
	if got, want := call("dnsutil.A", "db.example"), []any{"10.0.0.7", "10.0.0.8"}; !reflect.DeepEqual(got, want) {
		t.Errorf("resolver: %#v; want %#v", got, want)
	}
	if got, want := call("dnsutil.AAAA", "db.example"), []any{"fd00::7"}; !reflect.DeepEqual(got, want) {
		t.Errorf("resolver v6: %#v; want %#v", got, want)
	}
	if got := call("dnsutil.A", "nope.example"); got != "Unable to resolve nope.example" {
		t.Errorf("unresolvable: %#v", got)
	}
	if got := call("dnsutil.A", "db.example", "192.0.2.53"); got != "This function requires dig, which is not currently available" {
		t.Errorf("nameserver without dig: %#v", got)
	}
	for s, want := range map[string]bool{"10.0.0.1": true, "10.0.0.0/8": true, "10.0.0.0/33": false, "fd00::1/64": true, "web.example.": false, "": false, "10.0.0.1/x": false} {
		if digCheckIP(s) != want {
			t.Errorf("digCheckIP(%q) = %v", s, !want)
		}
	}
}
