package states

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/brine-cm/brine/pkg/atomicfile"
)

// Salt has no inittab state; these follow the shape of brine's other
// shared-file states. The file is SysV init's /etc/inittab (inittab(5)),
// one entry a line: id:runlevels:action:process.

func init() {
	id := Param{Name: "id", Type: String, Doc: "the entry's id, when name is a description."}
	config := Param{Name: "config", Type: Path, Default: "/etc/inittab", Doc: "the file; with --root it resolves inside the image (links included) or fails."}
	Register("inittab.present", inittabPresent,
		Param{Name: "name", Type: String, Doc: "the entry's id (1 to 4 characters), unless id is given."},
		id,
		Param{Name: "runlevels", Type: String, Default: "", Doc: "the runlevels, such as 2345."},
		Param{Name: "action", Type: String, Required: true, Doc: "one of respawn, wait, once, boot, bootwait, off, ondemand, initdefault, sysinit, powerwait, powerfail, powerokwait, powerfailnow, ctrlaltdel, kbrequest."},
		Param{Name: "process", Type: String, Default: "", Doc: "the command (required, except for initdefault)."},
		config)
	Register("inittab.absent", inittabAbsent,
		Param{Name: "name", Type: String, Doc: "the entry's id, unless id is given."}, id, config)
	ids := Param{Name: "ids", Type: StringList, Doc: "a list of ids (or one id)."}
	one := Param{Name: "id", Type: String, Doc: "one id, when name is a description (or give ids)."}
	Register("inittab.commented", inittabCommented,
		Param{Name: "name", Type: String, Doc: "an id, unless id or ids is given."}, one, ids, config)
	Register("inittab.uncommented", inittabUncommented,
		Param{Name: "name", Type: String, Doc: "an id, unless id or ids is given."}, one, ids, config)
}

// inittabActions are the actions sysvinit knows (inittab(5)).
var inittabActions = map[string]bool{
	"respawn": true, "wait": true, "once": true, "boot": true, "bootwait": true,
	"off": true, "ondemand": true, "initdefault": true, "sysinit": true,
	"powerwait": true, "powerfail": true, "powerokwait": true, "powerfailnow": true,
	"ctrlaltdel": true, "kbrequest": true,
}

// inittabHost tells whether sysvinit runs the host and makes it reread
// inittab; unit tests replace it.
type inittabHost struct {
	sysv    func() bool
	telinit func(ctx context.Context) error
}

func inittabLiveHost() inittabHost {
	return inittabHost{
		sysv: func() bool {
			comm, err := os.ReadFile("/proc/1/comm")
			if err != nil || strings.TrimSpace(string(comm)) != "init" {
				return false
			}
			_, err = os.Stat("/sbin/telinit")
			return err == nil
		},
		telinit: func(ctx context.Context) error {
			out, err := exec.CommandContext(ctx, "/sbin/telinit", "q").CombinedOutput()
			if err != nil {
				return fmt.Errorf("telinit q: %v: %s", err, strings.TrimSpace(string(out)))
			}
			return nil
		},
	}
}

// Present makes sure /etc/inittab has an entry.
//
// An entry with the same id is rewritten in place; otherwise the line is
// appended. Every other line is kept byte for byte. On a live host whose
// PID 1 is sysvinit, `telinit q` makes init reread the file; never with
// --root.
//
// Salt: no such state in Salt.
func inittabPresent(ctx context.Context, req *Request) Result {
	return inittabPresentOn(ctx, req, inittabLiveHost())
}

// Absent makes sure /etc/inittab has no entry with an id.
//
// Commented-out lines are left alone. telinit q follows a change, as for
// inittab.present.
//
// Salt: no such state in Salt.
func inittabAbsent(ctx context.Context, req *Request) Result {
	return inittabEdit(ctx, req, inittabLiveHost(), "absent")
}

// Commented comments out entries by id, so that init no longer runs them
// but the line stays for the reader (for example a Xen guest's tty1..tty6).
//
// Each matching line gets a leading '#', nothing else changes. An id with
// no active entry is not an error: the comment says whether it is already
// commented or has no line at all. telinit q follows a change.
//
// Salt: no such state in Salt.
func inittabCommented(ctx context.Context, req *Request) Result {
	return inittabEdit(ctx, req, inittabLiveHost(), "commented")
}

// Uncommented brings back entries commented out with '#', by id.
//
// A commented line is restored only when no active entry has its id. An
// id with no line at all, active or commented, fails: there is nothing to
// bring back. telinit q follows a change.
//
// Salt: no such state in Salt.
func inittabUncommented(ctx context.Context, req *Request) Result {
	return inittabEdit(ctx, req, inittabLiveHost(), "uncommented")
}

// inittabID reads the id argument, falling back to name.
func inittabID(req *Request) (string, error) {
	id := req.Args.String("id", req.Name)
	if err := req.Args.Err(); err != nil {
		return "", err
	}
	arg := "name"
	if req.Args.Has("id") {
		arg = "id"
	}
	if err := inittabValidID(id); err != nil {
		return "", &ArgError{Arg: arg, Err: err}
	}
	return id, nil
}

func inittabValidID(id string) error {
	if id == "" || len(id) > 4 || strings.ContainsAny(id, ": \t\n#") {
		return fmt.Errorf("%q is not an inittab id (1 to 4 characters, no ':' or blanks)", id)
	}
	return nil
}

// inittabRead reads and parses the file under the root. It returns the
// host path that inittabFinish writes: config resolved inside the root,
// or an error naming the argument when config is not absolute (it would
// be read from brine's working directory) or would leave the root.
func inittabRead(req *Request, config string) (string, []byte, []inittabLine, error) {
	path, err := rootPath(req, "config", config, true)
	if err != nil {
		return "", nil, nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil && !IsNotExist(err) {
		return "", nil, nil, fmt.Errorf("inittab %s: %w", config, err)
	}
	lines, err := inittabParse(config, data)
	return path, data, lines, err
}

// inittabFinish writes the file at path (config, as inittabRead resolved
// it) and, on a live sysvinit host, has init reread it. It returns the
// comment's tail.
func inittabFinish(ctx context.Context, req *Request, host inittabHost, path, config string, data []byte) (string, error) {
	reread := req.Live() && host.sysv()
	if req.Test {
		if reread {
			return "; init would reread it (telinit q)", nil
		}
		return "", nil
	}
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return "", fmt.Errorf("inittab: %w", err)
	}
	if reread {
		if err := host.telinit(ctx); err != nil {
			return "", fmt.Errorf("%s written, but %w", config, err)
		}
		return "; init reread it (telinit q)", nil
	}
	return "", nil
}

func inittabPresentOn(ctx context.Context, req *Request, host inittabHost) Result {
	id, err := inittabID(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	e := inittabEntry{ID: id,
		Runlevels: req.Args.String("runlevels", ""),
		Action:    req.Args.String("action", ""),
		Process:   req.Args.String("process", "")}
	config := req.Args.String("config", "/etc/inittab")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if !inittabActions[e.Action] {
		return Failf(req.Name, "argument %q: %q is not an inittab action; want one of respawn, wait, once, boot, bootwait, off, ondemand, initdefault, sysinit, powerwait, powerfail, powerokwait, powerfailnow, ctrlaltdel, kbrequest", "action", e.Action)
	}
	for _, c := range e.Runlevels {
		if !strings.ContainsRune("0123456789SsABCabc", c) {
			return Failf(req.Name, "argument %q: %q is not a list of runlevels such as 2345", "runlevels", e.Runlevels)
		}
	}
	if e.Process == "" && e.Action != "initdefault" {
		return Failf(req.Name, "argument %q: required for action %s", "process", e.Action)
	}
	if strings.ContainsAny(e.Process, "\n") {
		return Failf(req.Name, "argument %q: one line only", "process")
	}
	path, data, lines, err := inittabRead(req, config)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	out, old, changed := inittabSet(data, lines, e)
	if !changed {
		return Result{Name: req.Name, Result: True, Changes: map[string]any{},
			Comment: fmt.Sprintf("inittab entry %s is already set in %s", id, config)}
	}
	changes := map[string]any{id: map[string]any{"old": old, "new": e.String()}}
	verb := map[bool]string{true: "would be", false: "was"}[req.Test]
	tail, err := inittabFinish(ctx, req, host, path, config, out)
	if err != nil {
		return Result{Name: req.Name, Result: False, Changes: changes, Comment: err.Error()}
	}
	res := map[bool]Outcome{true: None, false: True}[req.Test]
	what := "added to"
	if old != "" {
		what = "updated in"
	}
	return Result{Name: req.Name, Result: res, Changes: changes,
		Comment: fmt.Sprintf("inittab entry %s %s %s %s%s", id, verb, what, config, tail)}
}

// inittabEdit is absent, commented and uncommented: each changes a set
// of lines chosen by id.
func inittabEdit(ctx context.Context, req *Request, host inittabHost, op string) Result {
	var ids []string
	if op == "absent" {
		id, err := inittabID(req)
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		ids = []string{id}
	} else {
		arg := "name"
		ids = []string{req.Name}
		switch {
		case req.Args.Has("id") && req.Args.Has("ids"):
			return Failf(req.Name, "argument %q: give id or ids, not both", "id")
		case req.Args.Has("id"):
			arg, ids = "id", []string{req.Args.String("id", "")}
		case req.Args.Has("ids"):
			arg, ids = "ids", req.Args.StringList("ids")
		}
		if err := req.Args.Err(); err != nil {
			return Failf(req.Name, "%v", err)
		}
		if len(ids) == 0 {
			return Failf(req.Name, "argument %q: no ids given", arg)
		}
		for _, id := range ids {
			if err := inittabValidID(id); err != nil {
				return Failf(req.Name, "argument %q: %v", arg, err)
			}
		}
	}
	config := req.Args.String("config", "/etc/inittab")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	path, data, lines, err := inittabRead(req, config)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	// Which ids have no line at all, active or commented: a state must not
	// call those "already commented" (or uncommented, or absent) when it
	// did not find them. uncommented cannot bring back what is not there.
	missing, already := inittabStatus(lines, ids, op)
	where := config
	if data == nil {
		where = config + " (the file does not exist)"
	}
	if op == "uncommented" && len(missing) > 0 {
		return Failf(req.Name, "no inittab entry %s, active or commented, in %s: nothing to uncomment",
			strings.Join(missing, ", "), where)
	}
	var notes []string
	if len(already) > 0 {
		notes = append(notes, fmt.Sprintf("inittab entries %s are already %s in %s", strings.Join(already, ", "), op, config))
	}
	if len(missing) > 0 {
		notes = append(notes, fmt.Sprintf("no inittab entry %s in %s", strings.Join(missing, ", "), where))
	}
	var out []byte
	var done []string
	switch op {
	case "absent":
		out, done = inittabRemove(data, lines, ids[0])
	case "commented":
		out, done = inittabComment(data, lines, ids)
	case "uncommented":
		out, done = inittabUncomment(data, lines, ids)
	}
	if len(done) == 0 {
		return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: strings.Join(notes, "; ")}
	}
	var changes map[string]any
	if op == "absent" {
		changes = map[string]any{ids[0]: map[string]any{"old": strings.Join(done, "\n"), "new": ""}}
	} else {
		changes = map[string]any{op: done}
	}
	tail, err := inittabFinish(ctx, req, host, path, config, out)
	if err != nil {
		return Result{Name: req.Name, Result: False, Changes: changes, Comment: err.Error()}
	}
	res := map[bool]Outcome{true: None, false: True}[req.Test]
	verb := map[bool]string{true: "would be", false: "were"}[req.Test]
	what := strings.Join(done, ", ")
	if op == "absent" {
		what = ids[0]
		op = "removed from"
	} else {
		op += " in"
	}
	comment := fmt.Sprintf("inittab entries %s %s %s %s%s", what, verb, op, config, tail)
	if len(missing) > 0 {
		comment += fmt.Sprintf("; no inittab entry %s in %s", strings.Join(missing, ", "), where)
	}
	return Result{Name: req.Name, Result: res, Changes: changes, Comment: comment}
}

// inittabStatus sorts the ids an edit will not change: missing have no
// line at all (absent: no active line), already are in the state op
// wants (commented: only commented lines; uncommented: an active line).
func inittabStatus(lines []inittabLine, ids []string, op string) (missing, already []string) {
	for _, id := range ids {
		active, commented := false, false
		for _, l := range lines {
			active = active || (l.Entry != nil && l.Entry.ID == id)
			commented = commented || (l.Commented != nil && l.Commented.ID == id)
		}
		switch {
		case op == "absent" && !active, !active && !commented:
			missing = append(missing, id)
		case op == "commented" && !active, op == "uncommented" && active:
			already = append(already, id)
		}
	}
	return missing, already
}
