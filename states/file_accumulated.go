package states

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"sync"

	"github.com/brine-cm/brine/pkg/odict"
)

func init() {
	Register("file.accumulated", fileAccumulated,
		Param{Name: "name", Type: String, Doc: "the accumulator's name."},
		Param{Name: "filename", Type: Path, Required: true, Doc: "the file whose file.managed or file.blockreplace state uses the text."},
		Param{Name: "text", Type: Any, Doc: "a line, or a list of lines (or of any values, for a template), added to the accumulator (once each); a mapping adds its keys."},
		saltKwargs,
	)
}

const fileAccumKey = "file.accumulators"

// fileAccums holds a run's accumulators: file → accumulator → chunks
// (lines, or any values a template reads).
type fileAccums struct {
	mu   sync.Mutex
	data map[string]map[string][]any
}

func fileAccumsOf(req *Request) *fileAccums {
	if req.Env == nil || req.Env.Cache == nil {
		return nil
	}
	v, _ := req.Env.Cache.Load(fileAccumKey, func() (any, error) {
		return &fileAccums{data: map[string]map[string][]any{}}, nil
	})
	a, _ := v.(*fileAccums)
	return a
}

// fileAccumFor returns the accumulators of a file (by the path the SLS
// names), copied: accumulator → chunks.
func fileAccumFor(req *Request, file string) map[string][]any {
	a := fileAccumsOf(req)
	if a == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	out := map[string][]any{}
	for k, v := range a.data[file] {
		out[k] = append([]any(nil), v...)
	}
	return out
}

// fileAccumLines are the accumulated lines file.blockreplace adds to its
// content, accumulators in name order: those of the file's accumulators
// the state requires (through their require_in or watch_in), or every
// one of the file's when it requires none, as Salt's blockreplace filters
// them, so that two blocks of one file each get their own.
func fileAccumLines(req *Request, file string) []string {
	acc := fileAccumFor(req, file)
	names := make([]string, 0, len(acc))
	for n := range acc {
		if slices.Contains(req.RequiredNames, n) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		for n := range acc {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []string
	for _, n := range names {
		for _, c := range acc[n] {
			out = append(out, fmt.Sprint(c))
		}
	}
	return out
}

// accumChunks reads text as Salt's file.accumulated iterates it: a
// string is one chunk, a list its items (of any kind: a template reads
// them), a mapping its keys (`for chunk in text` over a dict).
func accumChunks(text any) ([]any, error) {
	switch t := text.(type) {
	case string:
		return []any{t}, nil
	case []any:
		return t, nil
	case *odict.Map:
		out := []any{}
		for _, k := range t.Keys() {
			out = append(out, k)
		}
		return out, nil
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make([]any, len(keys))
		for i, k := range keys {
			out[i] = k
		}
		return out, nil
	case nil:
		return nil, fmt.Errorf("No text supplied for accumulator")
	}
	return nil, fmt.Errorf("argument \"text\": want a string, a list or a mapping, got %T", text)
}

// Accumulated adds text to an accumulator of a file, for a later
// file.managed (its template sees `accumulator`, a mapping of accumulator
// names to lists of lines) or file.blockreplace (the lines are added to
// its content) of the same run. The state must run before its consumer:
// give it require_in (or watch_in) on the consumer, as in Salt.
//
// The accumulator lives for the run, in test runs too, so a dry run of the
// consumer reports the content a real run writes.
//
// Salt: the comment is Salt's; an accumulator without require_in/watch_in is not refused as an orphan.
func fileAccumulated(ctx context.Context, req *Request) Result {
	file := req.Args.String("filename", "")
	// As given: a mapping keeps the SLS's order, whose keys it adds.
	raw := req.Args.asGiven["text"]
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	text, err := accumChunks(raw)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	a := fileAccumsOf(req)
	if a == nil {
		return Failf(req.Name, "accumulator %s: no state run to keep it in", req.Name)
	}
	a.mu.Lock()
	if a.data[file] == nil {
		a.data[file] = map[string][]any{}
	}
	lines := a.data[file][req.Name]
	for _, t := range text {
		dup := false
		for _, l := range lines {
			dup = dup || reflect.DeepEqual(l, t)
		}
		if !dup {
			lines = append(lines, t)
		}
	}
	a.data[file][req.Name] = lines
	a.mu.Unlock()
	return Result{Name: req.Name, Result: True, Changes: map[string]any{},
		Comment: fmt.Sprintf("Accumulator %s for file %s was charged by text", req.Name, file)}
}
