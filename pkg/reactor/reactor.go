// Package reactor is Salt's reactor: events of the master's bus whose
// tag matches a glob of master.yaml's `reactor:` run reaction SLS files,
// rendered with the event's tag and data, whose states publish jobs
// (local.*), run orchestrations (runner.state.orchestrate) or change keys
// (wheel.key.*). It runs in the master's process, with the operator's
// credential, on pkg/orch.
//
// With several masters on one NATS cluster, each runs its reactor, and
// each event goes to one of them only: they read the bus in one queue
// group (Group), so a reaction runs once.
package reactor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/orch"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/py/fnmatch"
	"github.com/brine-cm/brine/states"
)

// Group is the queue group the masters' reactors read the bus in.
const Group = "brine-reactor"

// Client is what the reactor asks of the master: an orchestration's
// client, and the bus read in a queue group.
type Client interface {
	orch.Client
	EventsQueue(ctx context.Context, group string, filter func(tag string) bool, on func(proto.Event) bool, ready func()) error
}

// Rule is one item of `reactor:`: a tag glob and its reaction files.
type Rule struct {
	Tag   string
	Files []string
}

// Rules reads master.yaml's `reactor:` (a list of one-key mappings).
func Rules[F ~[]string](cfg []map[string]F) []Rule {
	var out []Rule
	for _, item := range cfg {
		for tag, files := range item {
			out = append(out, Rule{Tag: tag, Files: []string(files)})
		}
	}
	return out
}

// Options configure a reactor.
type Options struct {
	Client Client
	Rules  []Rule
	// FileRoots and PillarRoots are the master's: salt:// reaction files
	// are read from FileRoots, orchestrations a reaction starts from
	// both.
	FileRoots   fileroot.Roots
	PillarRoots fileroot.Roots
	Nodegroups  map[string]string
	// Workers reactions run at once; Queue events wait for one.
	Workers, Queue int
	Log            *slog.Logger
	// OnReaction, when set, hears the end of each event's reactions
	// (tests): files are its reaction files, separated by commas.
	OnReaction func(tag, files string, res *orch.Result)
}

// Run reads the bus until ctx is done, and reacts.
func Run(ctx context.Context, o Options) error {
	if o.Log == nil {
		o.Log = slog.Default()
	}
	o.Workers, o.Queue = max(1, o.Workers), max(1, o.Queue)
	type job struct {
		e     proto.Event
		rules []Rule
	}
	queue := make(chan job, o.Queue)
	var wg sync.WaitGroup
	for range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-queue:
					var files []string
					for _, r := range j.rules {
						files = append(files, r.Files...)
					}
					react(ctx, o, j.e, files)
				}
			}
		}()
	}
	pats := make([]*fnmatch.Pattern, len(o.Rules))
	for i, r := range o.Rules {
		pats[i] = fnmatch.Compile(r.Tag)
	}
	matching := func(tag string) []Rule {
		var out []Rule
		for i, p := range pats {
			if p.Match(tag) {
				out = append(out, o.Rules[i])
			}
		}
		return out
	}
	err := o.Client.EventsQueue(ctx, Group, func(tag string) bool { return len(matching(tag)) > 0 }, func(e proto.Event) bool {
		select {
		case queue <- job{e: e, rules: matching(e.Tag)}:
		default:
			o.Log.Warn("reactor: event dropped, every worker busy and the queue full (reactor_worker_hwm)", "tag", e.Tag)
		}
		return true
	}, func() { o.Log.Info("reactor listening", "rules", len(o.Rules)) })
	wg.Wait()
	return err
}

// react runs the reaction files of one event, as Salt's
// Reactor.reactions: the files of every rule whose tag matches, in the
// order of `reactor:`, a path a glob of files, all rendered with the
// event and merged into one set of reactions (orch.React).
func react(ctx context.Context, o Options, e proto.Event, paths []string) {
	var files []orch.ReactionFile
	for _, p := range paths {
		fs, err := expand(p, o.FileRoots)
		if err != nil {
			// Salt logs a file it cannot find and goes on.
			o.Log.Warn("reaction", "tag", e.Tag, "file", p, "err", err)
			continue
		}
		files = append(files, fs...)
	}
	if len(files) == 0 {
		return
	}
	where := map[string]string{}
	for _, f := range files {
		if _, ok := where[f.Name]; !ok {
			where[f.Name] = f.Path
		}
	}
	var data any
	if err := json.Unmarshal(e.Data, &data); err != nil {
		data = map[string]any{}
	}
	res, skipped := orch.React(ctx, files, orch.Options{
		Client:          o.Client,
		FileRoots:       o.FileRoots,
		PillarRoots:     o.PillarRoots,
		OrchRoots:       o.FileRoots,
		OrchPillarRoots: o.PillarRoots,
		Nodegroups:      o.Nodegroups,
		Extra:           map[string]any{"tag": e.Tag, "data": data},
		Log:             o.Log,
	})
	for _, err := range skipped {
		var fe *orch.FileError
		if errors.As(err, &fe) {
			o.Log.Warn("reaction failed to render", "tag", e.Tag, "file", fe.Path, "err", fe.Err)
		}
	}
	switch {
	case res.Errors != nil:
		// Salt runs none of an event's reactions when they do not
		// compile together.
		o.Log.Warn("reactions failed to compile: none run", "tag", e.Tag, "files", paths, "errors", []string(res.Errors))
	case len(res.States) == 0:
		o.Log.Debug("reaction: nothing to do", "tag", e.Tag, "files", paths)
	}
	for _, s := range res.States {
		lvl := slog.LevelInfo
		if s.Result.Result == states.False {
			lvl = slog.LevelWarn
		}
		o.Log.Log(ctx, lvl, "reaction", "tag", e.Tag, "file", where[s.SLS], "id", s.ID, "function", s.Func, "result", s.Result.Result.String(), "comment", s.Comment)
	}
	if o.OnReaction != nil {
		o.OnReaction(e.Tag, strings.Join(paths, ","), res)
	}
}

// expand turns a reaction path of `reactor:` into its files: a salt://
// URL one file of the master's tree, an absolute path a glob (as Salt's
// render_reaction globs it) of files, in name order.
func expand(p string, roots fileroot.Roots) ([]orch.ReactionFile, error) {
	if strings.HasPrefix(p, "salt://") || !strings.ContainsAny(p, "*?[") {
		r, name, err := locate(p, roots)
		if err != nil {
			return nil, err
		}
		return []orch.ReactionFile{{Roots: r, Name: name, Path: p}}, nil
	}
	matches, err := filepath.Glob(p)
	if err != nil {
		return nil, fmt.Errorf("reaction file %q: %w", p, err)
	}
	if len(matches) == 0 {
		return nil, fmt.Errorf("reaction file %q: no file matches", p)
	}
	var out []orch.ReactionFile
	for _, m := range matches {
		r, name, err := locate(m, roots)
		if err != nil {
			return nil, err
		}
		out = append(out, orch.ReactionFile{Roots: r, Name: name, Path: m})
	}
	return out, nil
}

// locate turns a reaction file into the tree and SLS name that render it:
// salt://reactor/start.sls is reactor.start of the master's state tree;
// /srv/reactor/start.sls is start of a tree rooted at /srv/reactor.
func locate(file string, roots fileroot.Roots) (fileroot.Roots, string, error) {
	if rel, ok := strings.CutPrefix(file, "salt://"); ok {
		rel, env, _ := strings.Cut(rel, "?saltenv=")
		rel = strings.TrimSuffix(path.Clean(rel), ".sls")
		if rel == "" || rel == "." || strings.HasPrefix(rel, "..") {
			return nil, "", fmt.Errorf("reaction file %q: no SLS", file)
		}
		if env != "" && env != fileroot.DefaultEnv {
			return nil, "", fmt.Errorf("reaction file %q: the reactor reads the base environment", file)
		}
		return roots, strings.ReplaceAll(rel, "/", "."), nil
	}
	if !filepath.IsAbs(file) {
		return nil, "", fmt.Errorf("reaction file %q: want an absolute path or a salt:// URL", file)
	}
	name, ok := strings.CutSuffix(filepath.Base(file), ".sls")
	if !ok || name == "" || strings.Contains(name, ".") {
		return nil, "", fmt.Errorf("reaction file %q: want a NAME.sls file whose name holds no dot", file)
	}
	return fileroot.Roots{fileroot.DefaultEnv: {filepath.Dir(file)}}, name, nil
}
