package exec

import (
	"context"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/sls"
)

// FilePrefetcher is an ability a Host's Files may have: to fetch at
// once, before a state run's first state, the salt:// files its states
// name, rather than one by one as each state asks. A minion's file
// source asks its master for the small ones its cache lacks in a few
// bundle requests (docs/protocol.md, Files). It is a hint: what it does
// not fetch, or fails to, each state fetches as before.
type FilePrefetcher interface {
	Prefetch(ctx context.Context, urls []string)
}

// maxPrefetch bounds the URLs a run hands to Prefetch.
const maxPrefetch = 4096

// prefetch hands the salt:// URLs the chunks' arguments name (a source,
// a list of sources, a template) to files, when it is a FilePrefetcher.
func prefetch(ctx context.Context, files any, chunks []sls.Chunk) {
	p, ok := files.(FilePrefetcher)
	if !ok {
		return
	}
	var urls []string
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		if len(urls) >= maxPrefetch {
			return
		}
		switch v := v.(type) {
		case string:
			if strings.HasPrefix(v, "salt://") && !seen[v] {
				seen[v] = true
				urls = append(urls, v)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case *odict.Map:
			// source_hash maps and source lists of {url: hash}: keys.
			for _, k := range v.Keys() {
				walk(k)
			}
		}
	}
	for _, c := range chunks {
		for _, v := range c.Args {
			walk(v)
		}
	}
	if len(urls) > 0 {
		p.Prefetch(ctx, urls)
	}
}
