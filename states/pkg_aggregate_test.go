package states

import (
	"fmt"
	"testing"
)

// TestPkgModAggregate pins Salt 3006's pkg.mod_aggregate
// (salt/states/pkg.py): same function, not run, not aggregated, same
// fromrepo, no hold; sources or pkgs, whichever comes first; a name's
// version goes in as {name: version} and leaves that call.
func TestPkgModAggregate(t *testing.T) {
	type c struct {
		fun  string
		name string
		args map[string]any
		ran  bool
		agg  bool
	}
	tests := []struct {
		name   string
		low    int
		chunks []c
		want   string // low's args after
		aggs   string // each chunk's Agg after
		after  string // each chunk's args after
	}{
		{"names of the same function",
			0, []c{{"pkg.installed", "vim", map[string]any{}, false, false}, {"pkg.installed", "git", map[string]any{}, false, false}, {"pkg.removed", "nano", map[string]any{}, false, false}},
			"map[pkgs:[vim git]]", "[true true false]", "[map[pkgs:[vim git]] map[] map[]]"},
		{"a version goes with its name and leaves the call",
			1, []c{{"pkg.installed", "vim", map[string]any{"version": "2:9.0"}, false, false}, {"pkg.installed", "git", map[string]any{}, false, false}},
			"map[pkgs:[map[vim:2:9.0] git]]", "[true true]", "[map[] map[pkgs:[map[vim:2:9.0] git]]]"},
		{"own pkgs are extended (twice, as Salt's)",
			0, []c{{"pkg.installed", "x", map[string]any{"pkgs": []any{"a"}}, false, false}, {"pkg.installed", "b", map[string]any{}, false, false}},
			"map[pkgs:[a a b]]", "[true true]", "[map[pkgs:[a a b]] map[]]"},
		{"ran, aggregated, held or another fromrepo are left",
			0, []c{
				{"pkg.installed", "a", map[string]any{}, false, false},
				{"pkg.installed", "b", map[string]any{}, true, false},
				{"pkg.installed", "c", map[string]any{}, false, true},
				{"pkg.installed", "d", map[string]any{"hold": true}, false, false},
				{"pkg.installed", "e", map[string]any{"fromrepo": "backports"}, false, false},
				{"pkg.installed", "f", map[string]any{}, false, false},
			},
			"map[pkgs:[a f]]", "[true false true false false true]", ""},
		{"sources first: only sources (own twice, as Salt's; pkgSources keeps one)",
			0, []c{{"pkg.installed", "a", map[string]any{"sources": []any{map[string]any{"a": "salt://a.deb"}}}, false, false}, {"pkg.installed", "b", map[string]any{}, false, false}},
			"map[sources:[map[a:salt://a.deb] map[a:salt://a.deb]]]", "[true false]", ""},
		{"pkgs first: sources left",
			0, []c{{"pkg.installed", "a", map[string]any{}, false, false}, {"pkg.installed", "b", map[string]any{"sources": []any{map[string]any{"b": "/b.deb"}}}, false, false}},
			"map[pkgs:[a]]", "[true false]", ""},
		{"not an aggregating function",
			0, []c{{"pkg.held", "a", map[string]any{}, false, false}, {"pkg.held", "b", map[string]any{}, false, false}},
			"map[]", "[false false]", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lows := make([]*Low, len(tc.chunks))
			for i, x := range tc.chunks {
				lows[i] = &Low{Func: x.fun, Name: x.name, Args: x.args, Ran: x.ran, Agg: x.agg}
			}
			pkgModAggregate(lows[tc.low], lows)
			if got := fmt.Sprint(lows[tc.low].Args); got != tc.want {
				t.Errorf("low args %s, want %s", got, tc.want)
			}
			var aggs []bool
			var after []map[string]any
			for _, l := range lows {
				aggs = append(aggs, l.Agg)
				after = append(after, l.Args)
			}
			if got := fmt.Sprint(aggs); got != tc.aggs {
				t.Errorf("agg %s, want %s", got, tc.aggs)
			}
			if got := fmt.Sprint(after); tc.after != "" && got != tc.after {
				t.Errorf("args after %s, want %s", got, tc.after)
			}
		})
	}
}
