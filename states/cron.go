package states

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/osuser"
)

func init() {
	Register("cron.present", cronPresent,
		Param{Name: "name", Type: String, Doc: `the command the job runs, written as given: cron reads a % in it as a newline, so write \% for a literal one (Salt does not escape either).`},
		cronUser,
		Param{Name: "minute", Type: String, Default: "*", Doc: cronFieldDoc},
		Param{Name: "hour", Type: String, Default: "*", Doc: cronFieldDoc},
		Param{Name: "daymonth", Type: String, Default: "*", Doc: cronFieldDoc},
		Param{Name: "month", Type: String, Default: "*", Doc: cronFieldDoc},
		Param{Name: "dayweek", Type: String, Default: "*", Doc: cronFieldDoc},
		Param{Name: "comment", Type: String, Doc: "a comment written on the line above the job."},
		Param{Name: "commented", Type: Bool, Default: false, Doc: "True writes the job disabled (#DISABLED# before it)."},
		Param{Name: "identifier", Type: Any, Doc: `what finds the job again when its command changes; the name when not given (or False). Written as "# SALT_CRON_IDENTIFIER:identifier".`},
		Param{Name: "special", Type: String, Doc: "@reboot, @hourly, @daily, @weekly, @monthly, @yearly, @annually or @midnight instead of the time fields."},
	)
	Register("cron.absent", cronAbsent,
		Param{Name: "name", Type: String, Doc: "the command of the job."},
		cronUser,
		Param{Name: "identifier", Type: Any, Doc: "the job's SALT_CRON_IDENTIFIER; the name when not given (or False). A job with no identifier is found by its command."},
		Param{Name: "special", Type: String, Doc: "remove the @special line of this keyword instead of a timed job."},
	)
	Register("cron.env_present", cronEnvPresent,
		Param{Name: "name", Type: String, Doc: "the variable, such as MAILTO."},
		Param{Name: "value", Type: String, Default: "", Doc: `its value (empty is written NAME="").`},
		cronUser,
	)
	Register("cron.env_absent", cronEnvAbsent,
		Param{Name: "name", Type: String, Doc: "the variable."},
		cronUser,
	)
}

var cronUser = Param{Name: "user", Type: String, Default: "root", Doc: "whose crontab."}

// cronFieldDoc is the doc of the five time fields.
const cronFieldDoc = "a time field, as crontab(5) writes it; random draws a value once (kept on later runs), a:b draws one in that range."

// cronSpoolDir is where Debian's cron keeps each user's crontab.
const cronSpoolDir = "/var/spool/cron/crontabs"

// Present makes sure a user's crontab holds a job.
//
// The crontab is the spool file /var/spool/cron/crontabs/USER, edited in
// place (also under --root), owned by the user, group crontab, mode 0600.
// Under --root the spool folder and the passwd file resolve inside the
// image, and a link that would leave it fails the state; a crontab that
// is itself a link is one cron would skip, and is replaced by a file.
// brine keeps Salt's marker line ("# Lines below here are managed by Salt,
// do not edit") and its SALT_CRON_IDENTIFIER comments, so a crontab Salt
// managed goes on being managed by brine and back. Only the job's own lines
// change; every other line is kept byte for byte. Jobs above the marker are
// the user's own: like Salt, brine never matches them (a state for the same
// command adds a managed copy). A new crontab holds the marker and the job,
// without crontab(1)'s "DO NOT EDIT" header, which crontab -l hides anyway.
// After a write the spool directory's mtime is set to now, as crontab(1)
// does: Debian's cron (3.0pl1-162, checked) looks at it every minute and
// re-reads the crontabs, so a running cron picks the job up with no signal.
//
// A job of the other kind (an @special line for a timed job, a timed job
// for a special) that the command or identifier matches is removed, as
// Salt's present() does, so that a job moved from one kind to the other
// does not go on running both ways.
//
// Salt: comments and changes ({user: name}) are Salt's, and a dry run reports those changes too (Salt's has none); a job moved between a timed line and a special one says "Cron X time specification changed" with result True and changes (Salt 3006 falls through to "failed to commit with error \nnew", result False, though it made the change), and a removed duplicate of the other kind carries changes (Salt's have none) and is "set to be updated" under test (Salt's dry run says "already present"); Salt re-renders the whole managed part, brine only the job's lines; time fields split on any blanks; a range a:b is met by any value in it (Salt redraws it every run); a bad time field or special fails naming the argument; under test a user or a spool directory still missing is read as an empty crontab; only Debian's spool layout is known.
func cronPresent(ctx context.Context, req *Request) Result {
	a := &req.Args
	name := strings.TrimSpace(req.Name)
	user := a.String("user", "root")
	w := cronWant{Cmd: name, ID: name}
	for i, f := range []string{"minute", "hour", "daymonth", "month", "dayweek"} {
		w.Fields[i] = strings.ToLower(a.String(f, "*"))
		if err := a.Err(); err == nil {
			if err := cronCheckField(w.Fields[i]); err != nil {
				return Failf(name, "argument %q: %v", f, err)
			}
		}
	}
	if a.Has("comment") {
		if v, _ := a.Get("comment"); v != nil {
			c := cronNormComment(a.String("comment", ""))
			w.Comment = &c
		}
	}
	w.Commented = a.Bool("commented", false)
	if a.Has("identifier") {
		if v, _ := a.Get("identifier"); v != false {
			w.ID = a.String("identifier", "")
		}
	}
	w.Spec = a.String("special", "")
	if err := a.Err(); err != nil {
		return Failf(name, "%v", err)
	}
	if w.Spec != "" && !slices.Contains(cronSpecials, w.Spec) {
		return Failf(name, "argument %q: %q is not one of %s", "special", w.Spec, strings.Join(cronSpecials, ", "))
	}
	if err := cronCheckText(name, w.ID, w.Comment); err != nil {
		return Failf(name, "%v", err)
	}
	return cronEdit(req, name, user, func(t *cronTab) (string, error) {
		anti := t.RmOtherKind(w.Spec != "", name, w.ID)
		status := t.SetJob(w)
		switch {
		case anti != "removed":
		case status == "present":
			status = "duplicate"
		case status == "new":
			status = "respec"
		}
		return status, nil
	}, cronPresentResult(req, "Cron", name, user))
}

// Absent makes sure a user's crontab does not hold a job.
//
// Every matching job goes, with its comment lines; other lines are kept
// byte for byte.
//
// Salt: Salt removes the first match per run, brine all of them; under test Salt looks at timed jobs even with special, brine at what a real run would remove; changes {user: name} under test too.
func cronAbsent(ctx context.Context, req *Request) Result {
	a := &req.Args
	name := strings.TrimSpace(req.Name)
	user := a.String("user", "root")
	id := name
	if a.Has("identifier") {
		if v, _ := a.Get("identifier"); v != false {
			id = a.String("identifier", "")
		}
	}
	spec := a.String("special", "")
	if err := a.Err(); err != nil {
		return Failf(name, "%v", err)
	}
	if spec != "" && !slices.Contains(cronSpecials, spec) {
		return Failf(name, "argument %q: %q is not one of %s", "special", spec, strings.Join(cronSpecials, ", "))
	}
	if err := cronCheckText(name, id, nil); err != nil {
		return Failf(name, "%v", err)
	}
	return cronEdit(req, name, user, func(t *cronTab) (string, error) { return t.RmJob(name, id, spec), nil },
		func(status string) Result {
			switch {
			case status == "absent" && req.Test:
				return Result{Name: name, Result: True, Comment: fmt.Sprintf("Cron %s is absent", name)}
			case status == "absent":
				return Result{Name: name, Result: True, Comment: fmt.Sprintf("Cron %s already absent", name)}
			case req.Test:
				return Result{Name: name, Result: None, Comment: fmt.Sprintf("Cron %s is set to be removed", name)}
			}
			return Result{Name: name, Result: True, Comment: fmt.Sprintf("Cron %s removed from %s's crontab", name, user)}
		})
}

// EnvPresent makes sure a user's crontab sets an environment variable.
//
// The line goes below Salt's marker, after the variables already there, so
// that it applies to the jobs Salt and brine manage. A line that sets the
// variable is changed in place.
//
// Salt: same comments; changes {user: name} under test too; an empty value matches NAME="" (Salt's rewrites it every run).
func cronEnvPresent(ctx context.Context, req *Request) Result {
	name := strings.TrimSpace(req.Name)
	user := req.Args.String("user", "root")
	value := req.Args.String("value", "")
	if err := req.Args.Err(); err != nil {
		return Failf(name, "%v", err)
	}
	if err := cronCheckEnvName(name); err != nil {
		return Failf(name, "%v", err)
	}
	if strings.ContainsAny(value, "\n\r") {
		return Failf(name, "argument %q: a crontab variable's value is one line", "value")
	}
	return cronEdit(req, name, user, func(t *cronTab) (string, error) { return t.SetEnv(name, value), nil },
		cronPresentResult(req, "Cron env", name, user))
}

// EnvAbsent makes sure a user's crontab does not set an environment variable.
//
// Every line below Salt's marker that sets it is removed.
//
// Salt: Salt removes the last such line per run, brine all; changes {user: name} under test too.
func cronEnvAbsent(ctx context.Context, req *Request) Result {
	name := strings.TrimSpace(req.Name)
	user := req.Args.String("user", "root")
	if err := req.Args.Err(); err != nil {
		return Failf(name, "%v", err)
	}
	if err := cronCheckEnvName(name); err != nil {
		return Failf(name, "%v", err)
	}
	return cronEdit(req, name, user, func(t *cronTab) (string, error) { return t.RmEnv(name), nil },
		func(status string) Result {
			switch {
			case status == "absent" && req.Test:
				return Result{Name: name, Result: True, Comment: fmt.Sprintf("Cron env %s is absent", name)}
			case status == "absent":
				return Result{Name: name, Result: True, Comment: fmt.Sprintf("Cron env %s already absent", name)}
			case req.Test:
				return Result{Name: name, Result: None, Comment: fmt.Sprintf("Cron env %s is set to be removed", name)}
			}
			return Result{Name: name, Result: True, Comment: fmt.Sprintf("Cron env %s removed from %s's crontab", name, user)}
		})
}

// cronEdit reads the user's crontab, applies edit, and unless under test
// writes it back. report turns edit's status into the result; every
// status but present/absent carries the changes {user: name}.
func cronEdit(req *Request, name, user string, edit func(*cronTab) (string, error), report func(string) Result) Result {
	if user == "" || strings.ContainsAny(user, "/\n") || user == "." || user == ".." {
		return Failf(name, "argument %q: %q is not a user name", "user", user)
	}
	// The spool folder and the passwd file resolve inside the root before
	// anything else, and a failure there is never excused by test mode:
	// nothing later in the run can make such a path right.
	dir, err := rootPath(req, "user", cronSpoolDir, true)
	if err != nil {
		return Failf(name, "%v", err)
	}
	db, err := rootAccounts(req, "user")
	if err != nil {
		return Failf(name, "%v", err)
	}
	u, uerr := db.User(user)
	if uerr != nil {
		uerr = fmt.Errorf("%s: %w", osuser.PasswdPath(req.Root), uerr)
	} else if u.GID < 0 {
		uerr = fmt.Errorf("user %q has no line in %s", user, osuser.PasswdPath(req.Root))
	}
	_, derr := os.Stat(dir)
	// Under test a missing user or spool directory may come from a state
	// earlier in the same run; the crontab then reads as empty.
	if !req.Test {
		if uerr != nil {
			return Failf(name, "argument %q: %v", "user", uerr)
		}
		if derr != nil {
			return Failf(name, "cron is not installed: %v", derr)
		}
	}
	fileName := user
	if uerr == nil {
		fileName = u.Name
	}
	// A uid given as user names the file after the passwd entry, which
	// the image wrote: it gets the same check as the argument.
	if strings.ContainsAny(fileName, "/\x00") || fileName == "." || fileName == ".." || fileName == "" {
		return Failf(name, "argument %q: %q is not a user name a crontab can be named after", "user", fileName)
	}
	path := filepath.Join(dir, fileName)
	data, err := cronReadTab(path)
	if err != nil {
		return Failf(name, "crontab of %s: %v", user, err)
	}
	t := cronParse(data)
	status, err := edit(t)
	if err != nil {
		return Failf(name, "%v", err)
	}
	res := report(status)
	res.Changes = map[string]any{}
	if status == "present" || status == "absent" {
		return res
	}
	res.Changes[user] = name
	if req.Test {
		return res
	}
	if err := cronWrite(req, path, t.Bytes(), u); err != nil {
		return Failf(name, "Cron %s for user %s failed to commit with error \n%v", name, user, err)
	}
	return res
}

// cronReadTab reads a spool file without following a link in its place:
// cron (Debian's and cronie alike) opens crontabs with O_NOFOLLOW and
// skips a link, so a link reads as no crontab, and cronWrite's rename then
// replaces it with a file. Following it instead would read, and let the
// chown after the write land on, whatever it points at.
func cronReadTab(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if IsNotExist(err) || errors.Is(err, syscall.ELOOP) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// cronWrite replaces the spool file, as crontab(1) leaves it: owned by
// the user, group crontab, mode 0600 (cron skips a crontab that is not),
// then touches the spool directory so that cron re-reads it.
func cronWrite(req *Request, path string, data []byte, u *osuser.User) error {
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return err
	}
	gid := u.GID
	if db, err := rootAccounts(req, ""); err == nil {
		if g, err := db.Group("crontab"); err == nil {
			gid = g.GID
		}
	}
	if err := os.Lchown(path, u.UID, gid); err != nil {
		return fmt.Errorf("chown %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return fmt.Errorf("chmod %s: %w", path, err)
	}
	now := time.Now()
	if err := os.Chtimes(filepath.Dir(path), now, now); err != nil {
		return fmt.Errorf("touch %s: %w", filepath.Dir(path), err)
	}
	return nil
}

// cronCheckText refuses what would break the crontab's line structure.
func cronCheckText(name, id string, comment *string) error {
	switch {
	case name == "":
		return &ArgError{Arg: "name", Err: fmt.Errorf("the command is empty")}
	case strings.ContainsAny(name, "\n\r"):
		return &ArgError{Arg: "name", Err: fmt.Errorf("a cron command is one line")}
	case strings.ContainsAny(id, "\n\r"):
		return &ArgError{Arg: "identifier", Err: fmt.Errorf("an identifier is one line")}
	case strings.Contains(id, cronIDMarker):
		return &ArgError{Arg: "identifier", Err: fmt.Errorf("an identifier cannot hold %s", cronIDMarker)}
	case comment != nil && strings.Contains(*comment, cronIDMarker):
		return &ArgError{Arg: "comment", Err: fmt.Errorf("a comment cannot hold %s", cronIDMarker)}
	}
	return nil
}

// cronCheckEnvName accepts what cron and Salt both read back as a variable.
func cronCheckEnvName(name string) error {
	if name == "" {
		return &ArgError{Arg: "name", Err: fmt.Errorf("the variable name is empty")}
	}
	for i, r := range name {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return &ArgError{Arg: "name", Err: fmt.Errorf("%q is not a variable name", name)}
		}
	}
	return nil
}

// cronPresentResult words a present state's result as Salt does, from
// the edit's status: "present", "new" or "updated".
func cronPresentResult(req *Request, what, name, user string) func(string) Result {
	return func(status string) Result {
		switch status {
		case "present":
			return Result{Name: name, Result: True, Comment: fmt.Sprintf("%s %s already present", what, name)}
		case "duplicate":
			// The job was there, and a copy of the other kind goes.
			if req.Test {
				return Result{Name: name, Result: None, Comment: fmt.Sprintf("%s %s is set to be updated", what, name)}
			}
			return Result{Name: name, Result: True, Comment: fmt.Sprintf("Duplicate %s %s removed", what, name)}
		case "respec":
			// A timed job became a special, or the other way round.
			if req.Test {
				return Result{Name: name, Result: None, Comment: fmt.Sprintf("%s %s is set to be added", what, name)}
			}
			return Result{Name: name, Result: True, Comment: fmt.Sprintf("%s %s time specification changed", what, name)}
		case "new":
			if req.Test {
				return Result{Name: name, Result: None, Comment: fmt.Sprintf("%s %s is set to be added", what, name)}
			}
			return Result{Name: name, Result: True, Comment: fmt.Sprintf("%s %s added to %s's crontab", what, name, user)}
		}
		if req.Test {
			return Result{Name: name, Result: None, Comment: fmt.Sprintf("%s %s is set to be updated", what, name)}
		}
		return Result{Name: name, Result: True, Comment: fmt.Sprintf("%s %s updated", what, name)}
	}
}
