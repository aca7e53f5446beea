package sls

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/py/fnmatch"
	"github.com/brine-cm/brine/pkg/tree"
)

// IsGlob reports whether an SLS name is a pattern (web.*, app.[ab]),
// which Salt matches with fnmatch against the environment's SLS names.
func IsGlob(name string) bool { return strings.ContainsAny(name, "*?[") }

// MatchSLS lists the SLS names of an environment's tree that a glob
// matches, sorted: a/b.sls is a.b and a/init.sls is a, as Salt's
// list_states names them. Leading dots of the pattern are dropped, as
// Salt's pillar include does.
func MatchSLS(ctx context.Context, files tree.FileSource, env, pattern string) ([]string, error) {
	names, err := ListSLS(ctx, files, env)
	if err != nil {
		return nil, fmt.Errorf("%w (for the glob %q)", err, pattern)
	}
	return FilterSLS(names, pattern), nil
}

// ListSLS lists the SLS names of an environment's tree, sorted, as
// Salt's list_states does; an environment with no tree has none.
func ListSLS(ctx context.Context, files tree.FileSource, env string) ([]string, error) {
	l, ok := files.(tree.FileLister)
	if !ok {
		return nil, errors.New("this file source cannot list files")
	}
	list, err := l.ListDir(ctx, saltURL(".", env))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, f := range list {
		if !strings.HasSuffix(f, ".sls") {
			continue
		}
		n := strings.TrimSuffix(f, ".sls")
		if rest, isInit := strings.CutSuffix(n, "/init"); isInit {
			n = rest
		}
		n = strings.ReplaceAll(n, "/", ".")
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

// FilterSLS is the names a glob matches (Salt's fnmatch.filter), its
// leading dots dropped and its slashes read as dots.
func FilterSLS(names []string, pattern string) []string {
	pat := fnmatch.Compile(strings.ReplaceAll(strings.TrimLeft(pattern, "."), "/", "."))
	var out []string
	for _, n := range names {
		if pat.Match(n) {
			out = append(out, n)
		}
	}
	return out
}
