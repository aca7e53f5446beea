package states

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/brine-cm/brine/pkg/osuser"
)

func init() {
	Register("cmd.run", cmdRun)
	Register("cmd.wait", cmdWait)
	Register("cmd.script", cmdScript)
	RegisterWatch("cmd", cmdModWatch)
}

// Run runs a shell command. The engine handles unless and onlyif before
// the state is called.
//
// Arguments:
//   - name: the command, run with the shell's -c (the SLS author wrote it, as in Salt).
//   - cwd: the working directory (default: the --root directory when set, else the runas user's home, else /root or /); under --root a cwd resolves inside the root, links included, and one that would leave it fails the state.
//   - env: environment variables, a mapping or a list of one-key mappings, added to the minion's environment.
//   - runas: run as this user (name or uid, looked up in the host's /etc/passwd), with its primary and supplementary groups.
//   - shell: the shell (default /bin/sh).
//   - timeout: kill the command and its children after this many seconds.
//   - creates: a path or a list of paths; when all exist the command is not run. Under --root they resolve inside the root, as cwd does.
//   - success_retcodes: exit codes besides 0 that count as success (an integer or a list).
//   - stateful: the command's last line of output says whether it changed anything, as JSON {"changed": bool, "comment": "..."} or as changed=yes comment='...'.
//   - stdin: text fed to the command's standard input.
//   - hide_output: leave stdout and stderr out of the changes (default False).
//   - output_loglevel: accepted and ignored.
//
// Salt: with --root the command runs on the host, in the root directory, not chrooted. Under test the command is never run, stateful or not. A timeout fails with "Command \"X\" timed out after D" (Salt reports it in stderr).
func cmdRun(ctx context.Context, req *Request) Result {
	return cmdExec(ctx, req, req.Name, nil)
}

// Wait runs a command only when a state it watches changed; called
// directly it does nothing.
//
// Arguments:
//   - name: the command, run with the shell's -c.
//   - cwd, env, runas, shell, timeout, creates, success_retcodes, stateful, stdin, hide_output: as for cmd.run.
//
// Salt: the same; prefer cmd.run with onchanges.
func cmdWait(ctx context.Context, req *Request) Result {
	return Result{Name: req.Name, Result: True, Comment: "", Changes: map[string]any{}}
}

// Script fetches a script from the state tree and runs it.
//
// Arguments:
//   - name: the script's salt:// URL when source is not given, else a label.
//   - source: the script's salt:// URL or absolute local path.
//   - args: arguments appended to the script's command line (shell syntax).
//   - template: "jinja" renders the script with context and defaults first.
//   - context: variables for the template; they override defaults.
//   - defaults: default variables for the template.
//   - cwd, env, runas, shell, timeout, creates, success_retcodes, stateful, stdin, hide_output: as for cmd.run.
//
// Salt: the script is written to a private temporary directory on the host and removed afterwards.
func cmdScript(ctx context.Context, req *Request) Result {
	a := &req.Args
	source := a.String("source", req.Name)
	args := a.String("args", "")
	template := a.String("template", "")
	if err := a.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if template != "" && template != "jinja" {
		return Failf(req.Name, "%v", &ArgError{Arg: "template", Err: fmt.Errorf(`want "jinja", got %q`, template)})
	}
	if err := fileCheckURL(source); err != nil {
		return Failf(req.Name, "%v", &ArgError{Arg: "source", Err: err})
	}
	var script []byte
	fetch := func() (string, error) {
		data, err := fileFetch(ctx, req, source)
		if err != nil {
			// A local source outside --root is already an ArgError
			// naming source; other fetch errors are wrapped here.
			var ae *ArgError
			if errors.As(err, &ae) {
				return "", err
			}
			return "", &ArgError{Arg: "source", Err: err}
		}
		if template == "jinja" {
			if data, err = fileRender(ctx, req, source, data); err != nil {
				return "", err
			}
		}
		script = data
		dir, err := os.MkdirTemp("", "brine-script-")
		if err != nil {
			return "", err
		}
		p := filepath.Join(dir, "script")
		if err := os.WriteFile(p, script, 0o700); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
		return dir, nil
	}
	return cmdExec(ctx, req, "", func(shellQuote func(string) string) (string, func(), error) {
		dir, err := fetch()
		if err != nil {
			return "", nil, err
		}
		line := shellQuote(filepath.Join(dir, "script"))
		if args != "" {
			line += " " + args
		}
		return line, func() { os.RemoveAll(dir) }, nil
	})
}

// cmdModWatch runs the command of a cmd.run, cmd.wait or cmd.script state
// when a state it watches has changed (under test it reports that it
// would).
func cmdModWatch(ctx context.Context, req *Request) Result {
	switch req.Func {
	case "cmd.script":
		return cmdScript(ctx, req)
	case "cmd.run", "cmd.wait", "":
		return cmdExec(ctx, req, req.Name, nil)
	}
	return Failf(req.Name, "cmd has no watch action for %s", req.Func)
}

// cmdOptions are the arguments every cmd state shares.
type cmdOptions struct {
	cwd, shell, stdin string
	env               []string
	cred              *syscall.Credential
	home              string
	timeout           time.Duration
	creates           []string
	okCodes           map[int]bool
	stateful, hide    bool
}

func cmdReadOptions(req *Request) (cmdOptions, error) {
	docWarnUnknown(req)
	a := &req.Args
	o := cmdOptions{okCodes: map[int]bool{0: true}}
	cwd := a.String("cwd", "")
	o.shell = a.String("shell", "/bin/sh")
	o.stdin = a.String("stdin", "")
	runas := a.String("runas", "")
	timeout := a.Int("timeout", 0)
	o.creates = a.StringList("creates")
	o.stateful = a.Bool("stateful", false)
	o.hide = a.Bool("hide_output", false)
	env := a.Dict("env")
	codes := a.List("success_retcodes")
	if err := a.Err(); err != nil {
		return o, err
	}
	for i, c := range codes {
		n, err := cmdInt(c)
		if err != nil {
			return o, &ArgError{Arg: "success_retcodes", Err: fmt.Errorf("item %d: want an integer, got %v", i, c)}
		}
		o.okCodes[n] = true
	}
	if timeout < 0 {
		return o, &ArgError{Arg: "timeout", Err: fmt.Errorf("want seconds, 0 or more, got %d", timeout)}
	}
	o.timeout = time.Duration(timeout) * time.Second
	if !filepath.IsAbs(o.shell) {
		return o, &ArgError{Arg: "shell", Err: fmt.Errorf("want an absolute path such as /bin/bash, got %q", o.shell)}
	}
	for i, c := range o.creates {
		if !filepath.IsAbs(c) {
			return o, &ArgError{Arg: "creates", Err: fmt.Errorf("item %d: want an absolute path, got %q", i, c)}
		}
	}
	if cwd != "" && !filepath.IsAbs(cwd) {
		return o, &ArgError{Arg: "cwd", Err: fmt.Errorf("want an absolute path, got %q", cwd)}
	}
	o.env = os.Environ()
	if runas != "" {
		db, err := osuser.Load("")
		if err != nil {
			return o, err
		}
		u, err := db.User(runas)
		if err != nil {
			return o, &ArgError{Arg: "runas", Err: fmt.Errorf("no user %q in /etc/passwd", runas)}
		}
		gid := u.GID
		if gid < 0 {
			gid = u.UID
		}
		o.cred = &syscall.Credential{Uid: uint32(u.UID), Gid: uint32(gid), Groups: db.SupplementaryGroups(u.Name)}
		o.home = u.Home
		o.env = append(o.env, "HOME="+u.Home, "USER="+u.Name, "LOGNAME="+u.Name)
	}
	for k, v := range env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return o, &ArgError{Arg: "env", Err: fmt.Errorf("bad variable name %q", k)}
		}
		s, err := cmdEnvValue(v)
		if err != nil {
			return o, &ArgError{Arg: "env", Err: fmt.Errorf("%s: %v", k, err)}
		}
		o.env = append(o.env, k+"="+s)
	}
	switch {
	case cwd != "":
		var err error
		if o.cwd, err = fileRootPath(req, cwd, true); err != nil {
			return o, &ArgError{Arg: "cwd", Err: err}
		}
	case !req.Live():
		o.cwd = req.Root
	case o.home != "" && cmdIsDir(o.home):
		o.cwd = o.home
	default:
		o.cwd = "/"
		if o.cred == nil && cmdIsDir("/root") {
			o.cwd = "/root"
		}
	}
	return o, nil
}

func cmdInt(v any) (int, error) {
	switch t := v.(type) {
	case int:
		return t, nil
	case int64:
		return int(t), nil
	case float64:
		if t == float64(int(t)) {
			return int(t), nil
		}
	case string:
		return strconv.Atoi(strings.TrimSpace(t))
	}
	return 0, fmt.Errorf("not an integer: %v", v)
}

func cmdEnvValue(v any) (string, error) {
	switch t := v.(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	case bool:
		// PyYAML would have made "yes" a bool; Salt passes str(True).
		if t {
			return "True", nil
		}
		return "False", nil
	case int, int64, uint64, float64:
		return fmt.Sprint(t), nil
	}
	return "", fmt.Errorf("want a string, got %s", typeName(v))
}

// cmdScriptLine builds a script's command line; it returns the line, a
// cleanup to run after the command, or an error.
type cmdScriptLine func(shellQuote func(string) string) (string, func(), error)

// cmdExec is the check-and-apply of every cmd state: decide whether the
// command would run, and run it unless this is a test.
func cmdExec(ctx context.Context, req *Request, command string, script cmdScriptLine) Result {
	o, err := cmdReadOptions(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	if script == nil && strings.TrimSpace(command) == "" {
		return Failf(req.Name, "%v", &ArgError{Arg: "name", Err: errors.New("want a command, got nothing")})
	}
	if len(o.creates) > 0 {
		all := true
		for _, c := range o.creates {
			p, err := fileRootPath(req, c, true)
			if err != nil {
				return Failf(req.Name, "%v", &ArgError{Arg: "creates", Err: err})
			}
			if _, err := os.Lstat(p); err != nil {
				all = false
				break
			}
		}
		if all {
			return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: "All files in creates exist"}
		}
	}
	// Salt quotes the command verbatim: "X" for cmd.run, 'X' for
	// cmd.script (salt/states/cmd.py, run() and script()).
	label := `"` + command + `"`
	if script != nil {
		label = "'" + req.Name + "'"
	}
	if req.Test {
		return Result{Name: req.Name, Result: None, Changes: map[string]any{},
			Comment: "Command " + label + " would have been executed"}
	}
	if script != nil {
		line, cleanup, err := script(cmdShellQuote)
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		defer cleanup()
		command = line
	}
	if fi, err := os.Stat(o.cwd); err != nil || !fi.IsDir() {
		return Failf(req.Name, "Desired working directory %q is not available", o.cwd)
	}
	return cmdRunProcess(ctx, req, label, command, o)
}

func cmdRunProcess(ctx context.Context, req *Request, label, command string, o cmdOptions) Result {
	runCtx := ctx
	if o.timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	c := exec.CommandContext(runCtx, o.shell, "-c", command)
	c.Dir = o.cwd
	c.Env = o.env
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: o.cred}
	// Kill the whole process group, so a timed-out command's children go too.
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	c.WaitDelay = 2 * time.Second
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if o.stdin != "" {
		c.Stdin = strings.NewReader(o.stdin)
	}
	err := c.Start()
	if err != nil {
		return Failf(req.Name, "Unable to run command %s: %v", label, err)
	}
	pid := c.Process.Pid
	err = c.Wait()
	retcode := 0
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		retcode = exitErr.ExitCode()
		if retcode < 0 {
			retcode = 128 + int(exitErr.Sys().(syscall.WaitStatus).Signal())
		}
	default:
		retcode = 1
	}
	req.Log().Debug("cmd ran", "id", req.ID, "cmd", label, "pid", pid, "retcode", retcode, "cwd", o.cwd)
	out := strings.TrimRight(stdout.String(), " \t\r\n")
	errOut := strings.TrimRight(stderr.String(), " \t\r\n")
	changes := map[string]any{"pid": pid, "retcode": retcode, "stdout": out, "stderr": errOut}
	if o.hide {
		changes["stdout"], changes["stderr"] = "", ""
	}
	res := Result{Name: req.Name, Result: True, Changes: changes, Comment: "Command " + label + " run"}
	if runCtx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
		res.Result = False
		res.Comment = fmt.Sprintf("Command %s timed out after %s", label, o.timeout)
		return res
	}
	if !o.okCodes[retcode] {
		res.Result = False
		return res
	}
	if o.stateful {
		changed, comment, ok := cmdStatefulLine(out)
		if !ok {
			res.Result = False
			res.Comment = fmt.Sprintf("Command %s run, but its last line of output is not a stateful status", label)
			return res
		}
		if comment != "" {
			res.Comment = comment
		}
		if !changed {
			res.Changes = map[string]any{}
		}
	}
	return res
}

// cmdStatefulLine reads the status a stateful command prints last: JSON
// {"changed": bool, "comment": "..."} or changed=yes comment='text'.
func cmdStatefulLine(out string) (changed bool, comment string, ok bool) {
	lines := strings.Split(out, "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if last == "" {
		return false, "", false
	}
	if strings.HasPrefix(last, "{") {
		var st struct {
			Changed any    `json:"changed"`
			Comment string `json:"comment"`
		}
		if err := json.Unmarshal([]byte(last), &st); err != nil {
			return false, "", false
		}
		b, err := ParseBool(st.Changed)
		return b, st.Comment, err == nil
	}
	fields, err := cmdSplitKV(last)
	if err != nil {
		return false, "", false
	}
	v, has := fields["changed"]
	if !has {
		return false, "", false
	}
	b, err := ParseBool(v)
	return b, fields["comment"], err == nil
}

// cmdSplitKV splits key=value pairs where a value may be single or double
// quoted.
func cmdSplitKV(s string) (map[string]string, error) {
	out := map[string]string{}
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		k, rest, ok := strings.Cut(s, "=")
		if !ok || strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("not key=value: %q", s)
		}
		var v string
		if rest != "" && (rest[0] == '\'' || rest[0] == '"') {
			end := strings.IndexByte(rest[1:], rest[0])
			if end < 0 {
				return nil, fmt.Errorf("unterminated quote in %q", s)
			}
			v, s = rest[1:1+end], rest[2+end:]
		} else {
			v, s, _ = strings.Cut(rest, " ")
		}
		out[k] = v
	}
	return out, nil
}

// cmdShellQuote quotes a path for /bin/sh.
func cmdShellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func cmdIsDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
