package top

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// show prints a top as "env: expr[match]=sls,sls; …", environments and
// targets in order, an item of another environment as env:sls.
func show(t *Top) string {
	var envs []string
	for _, e := range t.Environments {
		var tgs []string
		for _, tg := range e.Targets {
			var items []string
			for _, it := range tg.Items {
				if it.Env != e.Name {
					items = append(items, it.Env+":"+it.SLS)
				} else {
					items = append(items, it.SLS)
				}
			}
			tgs = append(tgs, fmt.Sprintf("%s[%s]=%s", tg.Expr, tg.Match, strings.Join(items, ",")))
		}
		envs = append(envs, e.Name+": "+strings.Join(tgs, " "))
	}
	return strings.Join(envs, "; ")
}

// mustParse parses a top file; "" is none (nil).
func mustParse(t *testing.T, src string) *Top {
	t.Helper()
	if src == "" {
		return nil
	}
	tp, err := Parse("top.sls", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

// The three strategies, as salt/state.py's _merge_tops_merge, _same and
// _merge_all give them for the same top files.
func TestMerge(t *testing.T) {
	parse := func(src string) *Top { return mustParse(t, src) }
	base := parse("base:\n  '*':\n    - core\ndev:\n  'web*':\n    - from.base\n")
	dev := parse("dev:\n  'web*':\n    - from.dev\n  'db*':\n    - db\nbase:\n  '*':\n    - ignored\n")
	prod := parse("prod:\n  'os:Debian':\n    - match: grain\n    - app\nbase:\n  '*':\n    - extra\n")
	qa := parse("")
	tops := []EnvTop{{"base", base}, {"dev", dev}, {"prod", prod}, {"qa", qa}}

	tests := []struct {
		strategy, defaultTop string
		tops                 []EnvTop
		want                 string
	}{
		// base's dev section wins over dev's own; prod's gives prod.
		{"merge", "", tops, "base: *[compound]=core; dev: web*[compound]=from.base; prod: os:Debian[grain]=app"},
		{"", "", tops, "base: *[compound]=core; dev: web*[compound]=from.base; prod: os:Debian[grain]=app"},
		{"bogus", "", tops, "base: *[compound]=core; dev: web*[compound]=from.base; prod: os:Debian[grain]=app"},
		// No base top file: the other environments' own sections.
		{"merge", "", []EnvTop{{"base", nil}, {"dev", dev}}, "dev: web*[compound]=from.dev db*[compound]=db"},
		// same: each environment's own file; qa has none, so base's
		// (default_top) qa section, which it lacks.
		{"same", "", tops, "base: *[compound]=core; dev: web*[compound]=from.dev db*[compound]=db; prod: os:Debian[grain]=app"},
		{"same", "dev", []EnvTop{{"base", nil}, {"dev", dev}}, "base: *[compound]=ignored; dev: web*[compound]=from.dev db*[compound]=db"},
		// merge_all: every section; a repeated target takes the SLS
		// it lacks, in file order.
		{"merge_all", "", tops, "base: *[compound]=core,ignored,extra; dev: web*[compound]=from.base,from.dev db*[compound]=db; prod: os:Debian[grain]=app"},
	}
	for _, tt := range tests {
		name := tt.strategy + "/" + tt.defaultTop + "/" + fmt.Sprint(len(tt.tops))
		t.Run(name, func(t *testing.T) {
			if got := show(Merge(tt.strategy, tt.defaultTop, tt.tops)); got != tt.want {
				t.Errorf("Merge =\n  %s\nwant\n  %s", got, tt.want)
			}
		})
	}
	// merge_all takes a later file's matcher for a target both name.
	a := parse("base:\n  'web*':\n    - a\n")
	b := parse("base:\n  'web*':\n    - match: glob\n    - b\n")
	if got, want := show(Merge(MergeAll, "", []EnvTop{{"base", a}, {"dev", b}})), "base: web*[glob]=a,b"; got != want {
		t.Errorf("merge_all's matcher: %s; want %s", got, want)
	}
	// Merging leaves the top files as they were.
	if got := show(base); got != "base: *[compound]=core; dev: web*[compound]=from.base" {
		t.Errorf("base's top changed: %s", got)
	}
}

// A top file's include: is not an environment; the files it names come
// after their environment's top.sls, and base's give each target in
// place: a target given again takes the later list where it stood.
func TestIncludeParsedAndMerged(t *testing.T) {
	for src, want := range map[string]string{
		"include:\n  - a\n  - 'tops.*'\nbase:\n  '*':\n    - x\n": "[a tops.*]",
		"include: a\n":    "[a]",
		"include:\n":      "[]",
		"include: [a, b]": "[a b]",
	} {
		tp := mustParse(t, src)
		if got := fmt.Sprint(tp.Include); got != want || slices.Contains(tp.Envs(), "include") {
			t.Errorf("%q: include %s, environments %v; want %s", src, got, tp.Envs(), want)
		}
	}
	for _, bad := range []string{"include:\n  a: b\n", "include:\n  - [a]\n", "include:\n  - ''\n"} {
		if _, err := Parse("top.sls", []byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	parse := func(src string) *Top { return mustParse(t, src) }
	top := parse("include: [more]\nbase:\n  '*':\n    - a\n  'web*':\n    - w\n")
	more := parse("base:\n  '*':\n    - b\n  'db*':\n    - d\n")
	dev := parse("dev:\n  '*':\n    - d1\n")
	devMore := parse("dev:\n  '*':\n    - d2\n")
	tops := []EnvTop{{"base", top}, {"base", more}, {"dev", dev}, {"dev", devMore}}
	for strategy, want := range map[string]string{
		MergeDefault: "base: *[compound]=b web*[compound]=w db*[compound]=d; dev: *[compound]=d1",
		MergeSame:    "base: *[compound]=b web*[compound]=w db*[compound]=d; dev: *[compound]=d2",
		MergeAll:     "base: *[compound]=a,b web*[compound]=w db*[compound]=d; dev: *[compound]=d1,d2",
	} {
		if got := show(Merge(strategy, "", tops)); got != want {
			t.Errorf("%s:\n  %s\nwant\n  %s", strategy, got, want)
		}
	}
}

// Salt's Pillar.merge_tops: every section of every pillar top file; a
// target given again replaces the earlier one in its place.
func TestMergePillar(t *testing.T) {
	parse := func(src string) *Top { return mustParse(t, src) }
	base := parse("base:\n  '*':\n    - common\n  'web*':\n    - web\n")
	dev := parse("dev:\n  '*':\n    - devdata\nbase:\n  '*':\n    - common\n    - more\n  'db*':\n    - db\n")
	got := show(MergePillar([]EnvTop{{"base", base}, {"dev", dev}, {"qa", nil}}))
	if want := "base: *[compound]=common,more web*[compound]=web db*[compound]=db; dev: *[compound]=devdata"; got != want {
		t.Errorf("MergePillar =\n  %s\nwant\n  %s", got, want)
	}
	if got := show(base); got != "base: *[compound]=common web*[compound]=web" {
		t.Errorf("base's top changed: %s", got)
	}
}
