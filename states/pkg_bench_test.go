package states

import (
	"context"
	"os"
	"sort"
	"testing"

	"github.com/brine-cm/brine/states/internal/pkgbackend"
)

// pkgBenchNames picks 20 packages installed on this machine, so that the
// benchmark is the W2 no-op: everything is there, nothing runs but the
// one read of the dpkg database.
func pkgBenchNames(b *testing.B) []string {
	b.Helper()
	data, err := os.ReadFile("/var/lib/dpkg/status")
	if err != nil {
		b.Skipf("no dpkg database on this host: %v", err)
	}
	db := pkgbackend.ParseDpkgStatus(data)
	var names []string
	for n, p := range db {
		if p.Installed() {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	if len(names) < 20 {
		b.Skipf("only %d packages installed", len(names))
	}
	step := len(names) / 20
	var out []string
	for i := 0; i < 20; i++ {
		out = append(out, names[i*step])
	}
	return out
}

func pkgBenchRun(b *testing.B, names []string, asOne bool) {
	ctx := context.Background()
	fn, err := Lookup("pkg.installed")
	if err != nil {
		b.Fatal(err)
	}
	pkgs := make([]any, len(names))
	for i, n := range names {
		pkgs[i] = n
	}
	b.ReportAllocs()
	for b.Loop() {
		// A fresh cache per iteration: each iteration is one run, which
		// reads the database once.
		env := &Env{Cache: &RunCache{}, Grains: map[string]any{"os_family": "Debian"}}
		if asOne {
			res := fn(ctx, &Request{ID: "w2", Name: "w2", Func: "pkg.installed", Args: NewArgs(map[string]any{"pkgs": pkgs}), Env: env})
			if res.Result != True || res.Changed() {
				b.Fatalf("pkgs no-op = %+v", res)
			}
			continue
		}
		for _, n := range names {
			res := fn(ctx, &Request{ID: n, Name: n, Func: "pkg.installed", Args: NewArgs(nil), Env: env})
			if res.Result != True || res.Changed() {
				b.Fatalf("%s no-op = %+v", n, res)
			}
		}
	}
}

// BenchmarkPkgNoopW2 is the W2 shape on this machine's real dpkg status:
// 20 installed packages as one pkgs state and as 20 states, test=False.
func BenchmarkPkgNoopW2(b *testing.B) {
	names := pkgBenchNames(b)
	b.Run("pkgs=20", func(b *testing.B) { pkgBenchRun(b, names, true) })
	b.Run("states=20", func(b *testing.B) { pkgBenchRun(b, names, false) })
}

func BenchmarkParseDpkgStatus(b *testing.B) {
	data, err := os.ReadFile("/var/lib/dpkg/status")
	if err != nil {
		b.Skipf("no dpkg database: %v", err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		pkgbackend.ParseDpkgStatus(data)
	}
}
