package states

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

func init() {
	common := []Param{
		{Name: "user", Type: String, Doc: "run supervisorctl as this user."},
		{Name: "conf_file", Type: String, Doc: "supervisorctl's configuration file (-c)."},
		{Name: "bin_env", Type: String, Doc: "the supervisorctl program, or a virtualenv whose bin/ has it; default: supervisorctl on PATH."},
		saltKwargs,
	}
	Register("supervisord.running", supervisordRunning, append([]Param{
		{Name: "name", Type: String, Doc: `the program, or a group as "group:" (or "group:*").`},
		{Name: "restart", Type: Bool, Default: false, Doc: "restart it when it already runs."},
		{Name: "update", Type: Bool, Default: false, Doc: "run supervisorctl update first (reread the configuration, apply it)."},
	}, common...)...)
	Register("supervisord.dead", supervisordDead, append([]Param{
		{Name: "name", Type: String, Doc: `the program, or a group as "group:".`},
	}, common...)...)
	RegisterWatch("supervisord", supervisordModWatch)
}

// supervisorctl is a run of Salt's modules/supervisord.py: the program
// (_get_supervisorctl_bin), its -c, and the user it runs as.
type supervisorctl struct {
	bin, conf, user string
	req             *Request
}

// SupervisorctlMissingError is a supervisorctl that cannot be found; its
// text is Salt's CommandNotFoundError's.
type SupervisorctlMissingError struct{}

func (e *SupervisorctlMissingError) Error() string {
	return "Could not find a `supervisorctl` binary"
}

func supervisorOpen(req *Request) (*supervisorctl, error) {
	a := &req.Args
	s := &supervisorctl{conf: a.String("conf_file", ""), user: a.String("user", ""), req: req}
	binEnv := a.String("bin_env", "")
	if err := a.Err(); err != nil {
		return nil, err
	}
	switch fi, err := os.Stat(binEnv); {
	case binEnv == "":
		p, err := exec.LookPath("supervisorctl")
		if err != nil {
			return nil, &SupervisorctlMissingError{}
		}
		s.bin = p
	case err == nil && fi.IsDir():
		p := filepath.Join(binEnv, "bin", "supervisorctl")
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
			return nil, &SupervisorctlMissingError{}
		}
		s.bin = p
	default:
		s.bin = binEnv
	}
	return s, nil
}

// run is _ctl_cmd and _get_return: supervisorctl's stdout, with "ERROR: "
// put before it when it exited non-zero and did not say ERROR itself.
// supervisorctl 4 exits 3 from status when a program is not running, and
// Salt's status then reads "ERROR:" as the first program's name; brine
// reads it the same way, so that the states decide as Salt's do.
func (s *supervisorctl) run(ctx context.Context, cmd, name string) (string, error) {
	argv := []string{s.bin}
	if s.conf != "" {
		argv = append(argv, "-c", s.conf)
	}
	argv = append(argv, cmd)
	if name != "" {
		argv = append(argv, name)
	}
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = cmdShellQuote(a)
	}
	args := map[string]any{}
	if s.user != "" {
		args["runas"] = s.user
	}
	var grains map[string]any
	if s.req.Env != nil {
		grains = s.req.Env.Grains
	}
	sub := &Request{ID: s.req.ID, Name: s.req.Name, Func: "cmd.run_all", Args: NewArgs(args), Env: &Env{Grains: grains, Log: s.req.Log()}}
	out, err := RunCmd(ctx, sub, strings.Join(quoted, " "))
	if err != nil {
		return "", fmt.Errorf("supervisorctl %s: %w", cmd, err)
	}
	msg := out.Stdout
	if out.Retcode != 0 && !strings.Contains(msg, "ERROR") {
		msg = "ERROR: " + msg
	}
	return msg, nil
}

// supervisorProc is one line of supervisorctl status.
type supervisorProc struct{ state, reason string }

// status is Salt's supervisord.status: each line's first word is the
// process, the second its state.
func (s *supervisorctl) status(ctx context.Context) (map[string]supervisorProc, error) {
	out, err := s.run(ctx, "status", "")
	if err != nil {
		return nil, err
	}
	all := map[string]supervisorProc{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) > 2:
			// split(None, 2): the reason keeps its inner spaces.
			rest := strings.TrimSpace(line)
			for range 2 {
				rest = strings.TrimLeft(rest[strings.IndexAny(rest, " \t"):], " \t")
			}
			all[f[0]] = supervisorProc{state: f[1], reason: rest}
		case len(f) == 2:
			all[f[0]] = supervisorProc{state: f[1]}
		}
		// Salt's unpacking of a line of fewer words raises; supervisorctl
		// prints none.
	}
	return all, nil
}

// supervisorGroups are the "group:" prefixes of the processes.
func supervisorGroups(all map[string]supervisorProc) []string {
	set := map[string]bool{}
	for p := range all {
		if i := strings.Index(p, ":"); i >= 0 {
			set[p[:i+1]] = true
		}
	}
	out := make([]string, 0, len(set))
	for g := range set {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

func supervisorStopped(state string) bool {
	switch state {
	case "STOPPED", "STOPPING", "EXITED", "FATAL", "BACKOFF":
		return true
	}
	return false
}

// supervisorCheck is Salt's _check_error: an ERROR that only says the
// program was already where asked is success.
func supervisorCheck(r *Result, result, success string) {
	if strings.Contains(result, "ERROR") {
		for _, ok := range []string{"already started", "not running", "process group already active"} {
			if strings.Contains(result, ok) {
				r.Comment = success
				return
			}
		}
		r.Comment = result
		r.Result = False
		return
	}
	r.Comment = success
}

// supervisordRunning makes sure a supervisor program (or every program of
// a group) runs, as Salt 3006's supervisord.running: supervisorctl add
// for one supervisor does not know yet, update with update, start, and
// restart with restart. Changes are {NAME: "Starting: NAME"} and the like.
//
// Salt: comments and changes are Salt's, read from supervisorctl's words
// as Salt reads them (supervisorctl 4's status exits 3 when a program is
// stopped, and the first line is then taken for a process named
// "ERROR:", in Salt as here). The dry run words its comment as Salt's and
// reports the changes the real run makes (Salt's reports none; for a
// running program with restart, Salt's says "already running" and
// brine's "Service X will be restarted").
func supervisordRunning(ctx context.Context, req *Request) Result {
	return supervisorRunning(ctx, req, req.Args.Bool("restart", false))
}

func supervisordModWatch(ctx context.Context, req *Request) Result {
	if req.Func == "supervisord.dead" {
		return supervisordDead(ctx, req)
	}
	// Salt's mod_watch always restarts.
	return supervisorRunning(ctx, req, true)
}

func supervisorRunning(ctx context.Context, req *Request, restart bool) Result {
	name := req.Name
	if strings.HasSuffix(name, ":*") {
		name = strings.TrimSuffix(name, "*")
	}
	update := req.Args.Bool("update", false)
	s, err := supervisorOpen(req)
	if err != nil {
		return Failf(name, "%v", err)
	}
	all, err := s.status(ctx)
	if err != nil {
		return Failf(name, "%v", err)
	}
	groups := supervisorGroups(all)
	isGroup := false
	for _, g := range groups {
		isGroup = isGroup || g == name
	}
	matches := map[string]bool{}
	if p, ok := all[name]; ok {
		matches[name] = strings.ToLower(p.state) == "running"
	} else if isGroup {
		for p, st := range all {
			if strings.HasPrefix(p, name) {
				matches[p] = strings.ToLower(st.state) == "running"
			}
		}
	}
	toAdd := len(matches) == 0
	r := Result{Name: name, Result: True, Changes: map[string]any{}}
	testComment := ""
	if req.Test {
		switch {
		case toAdd && strings.HasSuffix(name, ":"):
			testComment = fmt.Sprintf("Group '%s' will be added and started", name)
		case toAdd:
			testComment = fmt.Sprintf("Service %s will be added and started", name)
		default:
			var toStart []string
			for p, running := range matches {
				if !running {
					toStart = append(toStart, p)
				}
			}
			sort.Strings(toStart)
			switch {
			case len(toStart) > 0 && strings.HasSuffix(name, ":") && len(toStart) == len(matches):
				testComment = fmt.Sprintf("All services in group '%s' will be started", name)
			case len(toStart) > 0 && strings.HasSuffix(name, ":"):
				testComment = "The following services will be started: " + strings.Join(toStart, " ")
			case len(toStart) > 0:
				testComment = fmt.Sprintf("Service %s will be started", name)
			case strings.HasSuffix(name, ":"):
				testComment = fmt.Sprintf("All services in group '%s' are already running", name)
			default:
				testComment = fmt.Sprintf("Service %s is already running", name)
			}
		}
	}
	var changes []string
	justUpdated := false
	ctl := func(cmd, arg string) (string, bool) {
		if req.Test {
			// A dry run goes the real run's way, each command taken as
			// done, to report the changes it would make.
			return "", true
		}
		out, err := s.run(ctx, cmd, arg)
		if err != nil {
			r = Failf(name, "%v", err)
			return "", false
		}
		return out, true
	}
	switch {
	case update:
		comment := "Updating supervisor"
		out, ok := ctl("update", "") // Salt's state updates every program

		if !ok {
			return r
		}
		supervisorCheck(&r, out, comment)
		justUpdated = strings.Contains(out, name+": updated")
	case toAdd:
		comment := "Adding service: " + name
		if _, ok := ctl("reread", ""); !ok {
			return r
		}
		addName := strings.TrimSuffix(name, ":")
		out, ok := ctl("add", addName)
		if !ok {
			return r
		}
		supervisorCheck(&r, out, comment)
		changes = append(changes, comment)
	}
	processType := ""
	stopped, known := false, false
	if isGroup {
		processType, known = " group", true
		for p, st := range all {
			if strings.HasPrefix(p, name) && supervisorStopped(st.state) {
				stopped = true
			}
		}
	} else if p, ok := all[name]; ok {
		processType, known = " service", true
		stopped = supervisorStopped(p.state)
	}
	switch {
	case known && !stopped && restart && !justUpdated:
		comment := "Restarting" + processType + ": " + name
		out, ok := ctl("restart", name)
		if !ok {
			return r
		}
		supervisorCheck(&r, out, comment)
		changes = append(changes, comment)
	case known && !stopped && justUpdated:
		r.Comment = "Not starting updated" + processType + ": " + name
	case known && !stopped:
		r.Comment = "Not starting already running" + processType + ": " + name
	case !justUpdated:
		comment := "Starting" + processType + ": " + name
		changes = append(changes, comment)
		out, ok := ctl("start", name)
		if !ok {
			return r
		}
		supervisorCheck(&r, out, comment)
	}
	if r.Result == True && len(changes) > 0 {
		r.Changes[name] = strings.Join(changes, " ")
	}
	if req.Test {
		r.Comment = testComment
		if len(r.Changes) > 0 {
			r.Result = None
			if restart && !toAdd && r.Changes[name] == "Restarting"+processType+": "+name {
				// Salt's dry run says it is already running.
				r.Comment = fmt.Sprintf("Service %s will be restarted", name)
			}
		}
	}
	return r
}

// supervisordDead makes sure a supervisor program (or group) is stopped,
// as Salt 3006's supervisord.dead.
//
// Salt: Salt's dry run says "Service X is set to be stopped" (None) with
// no changes whatever the program's state; brine's says so with the
// changes of a program that runs, and words a stopped or unknown one as
// the real run does. The real run reports success for whatever
// supervisorctl stop said (Salt's _check_error looks for ERROR among the
// keys of a dict), as Salt's.
func supervisordDead(ctx context.Context, req *Request) Result {
	name := req.Name
	r := Result{Name: name, Result: True, Changes: map[string]any{}}
	s, err := supervisorOpen(req)
	if err != nil {
		return Failf(name, "%v", err)
	}
	all, err := s.status(ctx)
	if err != nil {
		return Failf(name, "%v", err)
	}
	stopped := false
	switch p, ok := all[name]; {
	case slices.Contains(supervisorGroups(all), name):
		for q, st := range all {
			if strings.HasPrefix(q, name) && supervisorStopped(st.state) {
				stopped = true
			}
		}
	case ok:
		stopped = supervisorStopped(p.state)
	default:
		r.Comment = fmt.Sprintf("Service %s doesn't exist", name)
		return r
	}
	if stopped {
		r.Comment = fmt.Sprintf("Service %s is not running", name)
		return r
	}
	comment := "Stopping service: " + name
	if req.Test {
		r.Result, r.Comment = None, fmt.Sprintf("Service %s is set to be stopped", name)
		r.Changes[name] = comment
		return r
	}
	if _, err := s.run(ctx, "stop", name); err != nil {
		return Failf(name, "%v", err)
	}
	r.Comment = comment
	r.Changes[name] = comment
	return r
}
