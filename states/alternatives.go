package states

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

func init() {
	Register("alternatives.install", alternativesInstall,
		Param{Name: "name", Type: String, Doc: "the link group's master name, such as editor."},
		Param{Name: "link", Type: Path, Required: true, Doc: "the generic link, such as /usr/bin/editor."},
		Param{Name: "path", Type: Path, Required: true, Doc: "the alternative, such as /usr/bin/vim.basic."},
		Param{Name: "priority", Type: Int, Required: true, Doc: "its priority in automatic mode (higher wins)."},
	)
	Register("alternatives.remove", alternativesRemove,
		Param{Name: "name", Type: String, Doc: "the link group's master name."},
		Param{Name: "path", Type: Path, Required: true, Doc: "the alternative to unregister."},
	)
	Register("alternatives.auto", alternativesAuto,
		Param{Name: "name", Type: String, Doc: "the link group's master name."},
	)
	Register("alternatives.set", alternativesSet,
		Param{Name: "name", Type: String, Doc: "the link group's master name."},
		Param{Name: "path", Type: Path, Required: true, Doc: "the alternative to select (manual mode)."},
	)
}

// altQuery is what `update-alternatives --query` says of a group.
type altQuery struct {
	Link   string
	Status string // auto or manual
	Value  string // the current choice
	Alts   map[string]int
	Order  []string // the alternatives in the order the tool lists them
}

// altParseQuery reads `update-alternatives --query NAME` output.
func altParseQuery(out []byte) altQuery {
	q := altQuery{Alts: map[string]int{}}
	cur := ""
	for _, l := range linesSplit(out) {
		k, v, ok := strings.Cut(l, ": ")
		if !ok || strings.HasPrefix(l, " ") {
			continue
		}
		switch k {
		case "Link":
			q.Link = v
		case "Status":
			q.Status = v
		case "Value":
			q.Value = v
		case "Alternative":
			cur = v
			q.Alts[cur] = 0
			q.Order = append(q.Order, cur)
		case "Priority":
			if cur != "" {
				q.Alts[cur], _ = strconv.Atoi(v)
			}
		}
	}
	return q
}

// altTool runs update-alternatives for the request's root (its own
// --root option, as apt's and systemctl's).
func altTool(req *Request) []string {
	argv := []string{"update-alternatives"}
	if !req.Live() {
		argv = append(argv, "--root", req.Root)
	}
	return argv
}

func altValid(name string) bool {
	return name != "" && !strings.HasPrefix(name, "-") && !strings.ContainsAny(name, "/ \t\n")
}

// altRead queries a group; a group that does not exist reads as empty.
func altRead(ctx context.Context, req *Request, run sysRunner, name string) altQuery {
	out, err := run(ctx, nil, append(altTool(req), "--query", name)...)
	if err != nil {
		return altQuery{Alts: map[string]int{}}
	}
	return altParseQuery(out)
}

// Install registers an alternative of a link group (update-alternatives
// --install), under --root with the tool's own --root.
//
// Salt: comments and changes ({name, link, path, priority}) are Salt's, and a dry run reports those changes too; an alternative registered with another priority is registered again (Salt leaves it).
func alternativesInstall(ctx context.Context, req *Request) Result {
	return alternativesInstallWith(ctx, req, sysExec)
}

func alternativesInstallWith(ctx context.Context, req *Request, run sysRunner) Result {
	a := &req.Args
	link := a.String("link", "")
	path := a.String("path", "")
	prio := a.Int("priority", 0)
	if bad := altBad(req); bad != nil {
		return *bad
	}
	q := altRead(ctx, req, run, req.Name)
	if p, ok := q.Alts[path]; ok && p == prio && q.Link == link {
		return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: fmt.Sprintf("Alternative %s for %s is already registered", path, req.Name)}
	}
	changes := map[string]any{"name": req.Name, "link": link, "path": path, "priority": prio}
	if req.Test {
		return Result{Name: req.Name, Result: None, Changes: changes, Comment: fmt.Sprintf("Alternative will be set for %s to %s with priority %d", req.Name, path, prio)}
	}
	if _, err := run(ctx, nil, append(altTool(req), "--install", link, req.Name, path, strconv.Itoa(prio))...); err != nil {
		return Failf(req.Name, "Alternative for %s not installed: %v", req.Name, err)
	}
	q = altRead(ctx, req, run, req.Name)
	if _, ok := q.Alts[path]; !ok {
		return Failf(req.Name, "Alternative for %s not installed", req.Name)
	}
	if q.Value == path {
		return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("Alternative for %s set to path %s with priority %d", req.Name, path, prio)}
	}
	return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("Alternative %s for %s registered with priority %d and not set to default", path, req.Name, prio)}
}

// Set selects an alternative of a link group (update-alternatives --set),
// which puts the group in manual mode.
//
// Salt: comments and changes ({path: path}) are Salt's, and a dry run reports those changes too.
func alternativesSet(ctx context.Context, req *Request) Result {
	return alternativesSetWith(ctx, req, sysExec)
}

func alternativesSetWith(ctx context.Context, req *Request, run sysRunner) Result {
	path := req.Args.String("path", "")
	if bad := altBad(req); bad != nil {
		return *bad
	}
	q := altRead(ctx, req, run, req.Name)
	if q.Value == path {
		return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: fmt.Sprintf("Alternative for %s already set to %s", req.Name, path)}
	}
	if _, ok := q.Alts[path]; !ok {
		return Failf(req.Name, "Alternative %s for %s doesn't exist", path, req.Name)
	}
	changes := map[string]any{"path": path}
	if req.Test {
		return Result{Name: req.Name, Result: None, Changes: changes, Comment: fmt.Sprintf("Alternative for %s will be set to path %s", req.Name, path)}
	}
	if _, err := run(ctx, nil, append(altTool(req), "--set", req.Name, path)...); err != nil {
		return Failf(req.Name, "Alternative for %s not updated: %v", req.Name, err)
	}
	if q = altRead(ctx, req, run, req.Name); q.Value != path {
		return Failf(req.Name, "Alternative for %s not updated", req.Name)
	}
	return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("Alternative for %s set to path %s", req.Name, path)}
}

// Remove unregisters an alternative of a link group
// (update-alternatives --remove); the group falls back to the alternative
// of the highest priority left, or goes with its last one.
//
// Salt: comments are Salt's, and changes {path: the fallback} too; a dry run predicts that fallback; the last alternative removed reports {path: ""} (Salt's reports no change).
func alternativesRemove(ctx context.Context, req *Request) Result {
	return alternativesRemoveWith(ctx, req, sysExec)
}

func alternativesRemoveWith(ctx context.Context, req *Request, run sysRunner) Result {
	path := req.Args.String("path", "")
	if bad := altBad(req); bad != nil {
		return *bad
	}
	q := altRead(ctx, req, run, req.Name)
	if _, ok := q.Alts[path]; !ok {
		if q.Value != "" {
			return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: fmt.Sprintf("Alternative for %s is set to it's default path %s", req.Name, q.Value)}
		}
		return Failf(req.Name, "Alternative for %s doesn't exist", req.Name)
	}
	// What update-alternatives falls back to: the current choice when it
	// is another, else (auto mode again) the highest priority left, the
	// first registered of equals as the tool keeps them.
	fallback := q.Value
	if fallback == path {
		fallback = ""
		best := 0
		for _, alt := range q.Order {
			if p := q.Alts[alt]; alt != path && (fallback == "" || p > best) {
				fallback, best = alt, p
			}
		}
	}
	return altRemove(ctx, req, run, path, fallback)
}

// altRemove runs the removal of path, predicted to leave fallback.
func altRemove(ctx context.Context, req *Request, run sysRunner, path, fallback string) Result {
	changes := map[string]any{"path": fallback}
	if req.Test {
		return Result{Name: req.Name, Result: None, Changes: changes, Comment: fmt.Sprintf("Alternative for %s will be removed", req.Name)}
	}
	if _, err := run(ctx, nil, append(altTool(req), "--remove", req.Name, path)...); err != nil {
		return Failf(req.Name, "Alternative %s for %s not removed: %v", path, req.Name, err)
	}
	q := altRead(ctx, req, run, req.Name)
	changes["path"] = q.Value
	if q.Value != "" {
		return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("Alternative for %s removed. Falling back to path %s", req.Name, q.Value)}
	}
	return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("Alternative for %s removed", req.Name)}
}

// Auto puts a link group in automatic mode (update-alternatives --auto):
// the alternative of the highest priority is chosen.
//
// Salt: comments are Salt's, the real run's empty as in Salt, and changes {result: what update-alternatives printed}; a group that does not exist fails ("Alternative for X doesn't exist"), where Salt reads the tool's error as a mode.
func alternativesAuto(ctx context.Context, req *Request) Result {
	return alternativesAutoWith(ctx, req, sysExec)
}

func alternativesAutoWith(ctx context.Context, req *Request, run sysRunner) Result {
	if bad := altBad(req); bad != nil {
		return *bad
	}
	q := altRead(ctx, req, run, req.Name)
	switch {
	case len(q.Alts) == 0:
		return Failf(req.Name, "Alternative for %s doesn't exist", req.Name)
	case q.Status == "auto":
		return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: req.Name + " already in auto mode"}
	case req.Test:
		return Result{Name: req.Name, Result: None, Changes: map[string]any{}, Comment: req.Name + " will be put in auto mode"}
	}
	out, err := run(ctx, nil, append(altTool(req), "--auto", req.Name)...)
	if err != nil {
		return Failf(req.Name, "%s not put in auto mode: %v", req.Name, err)
	}
	return Result{Name: req.Name, Result: True, Changes: map[string]any{"result": strings.TrimRight(string(out), "\n")}}
}

// altBad is the failure of a call whose arguments did not read, or whose
// name cannot be a link group's; nil when both are fine.
func altBad(req *Request) *Result {
	if err := req.Args.Err(); err != nil {
		r := Failf(req.Name, "%v", err)
		return &r
	}
	if !altValid(req.Name) {
		r := Failf(req.Name, "%v", &ArgError{Arg: "name", Err: fmt.Errorf("%q is not an alternatives name", req.Name)})
		return &r
	}
	return nil
}
