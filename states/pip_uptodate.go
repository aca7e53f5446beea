package states

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

func init() {
	Register("pip.uptodate", pipUptodate,
		Param{Name: "name", Type: String, Doc: "a label."},
		Param{Name: "bin_env", Type: String, Doc: "a virtualenv directory, a python executable or a pip executable; python3 -m pip when not given (on the live host; under --root it is required)."},
		Param{Name: "user", Type: String, Doc: "run pip as this user."},
		Param{Name: "cwd", Type: String, Doc: "the directory pip runs in."},
		Param{Name: "use_vt", Type: Any, Doc: "accepted and ignored."},
	)
}

// pipUptodate upgrades every Python package pip list --outdated names,
// from the index pip is set up for (pip.conf, PIP_* variables).
//
// Changes are {package: {old, new}} for each version that changed.
//
// Salt: comments and changes are Salt 3006's pip.uptodate
// (pip.list_upgrades, then pip.upgrade).
func pipUptodate(ctx context.Context, req *Request) Result {
	r := Result{Name: req.Name, Result: False, Comment: "Failed to update.", Changes: map[string]any{}}
	p, err := pipOpen(req)
	if err != nil {
		r.Comment = err.Error()
		return r
	}
	out, errOut, code, err := p.run(ctx, "list", "--outdated", "--format=json")
	if err != nil || code != 0 {
		r.Comment = strings.TrimSpace(errOut)
		if err != nil {
			r.Comment = err.Error()
		}
		return r
	}
	var outdated []struct {
		Name          string `json:"name"`
		LatestVersion string `json:"latest_version"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &outdated); err != nil {
		r.Comment = fmt.Sprintf("pip list --outdated: %v", err)
		return r
	}
	if len(outdated) == 0 {
		r.Result, r.Comment = True, "System is already up-to-date."
		return r
	}
	if req.Test {
		r.Result, r.Comment = None, "System update will be performed"
		return r
	}
	before, err := p.list(ctx)
	if err != nil {
		r.Comment = err.Error()
		return r
	}
	names := make([]string, len(outdated))
	for i, o := range outdated {
		names[i] = o.Name
	}
	sort.Strings(names)
	if _, errOut, code, err := p.run(ctx, append([]string{"install", "-U", "--disable-pip-version-check"}, names...)...); err != nil || code != 0 {
		r.Comment = strings.TrimSpace(errOut)
		return r
	}
	after, err := p.list(ctx)
	if err != nil {
		r.Comment = err.Error()
		return r
	}
	// Salt's compare_dicts of pip.list before and after.
	for k, v := range after {
		if old, ok := before[k]; !ok || old != v {
			var o any = ""
			if ok {
				o = old
			}
			r.Changes[k] = map[string]any{"old": o, "new": v}
		}
	}
	for k, old := range before {
		if _, ok := after[k]; !ok {
			r.Changes[k] = map[string]any{"old": old, "new": ""}
		}
	}
	if len(r.Changes) == 0 {
		r.Comment = "Upgrade failed."
		return r
	}
	r.Result, r.Comment = True, "Upgrade successful."
	return r
}
