package states

import (
	"github.com/brine-cm/brine/pkg/proc"

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
	Register("cmd.run", cmdRun, append(cmdParams(
		Param{Name: "name", Type: String, Doc: "the command, run with the shell's -c (the SLS author wrote it, as in Salt)."}), saltKwargs)...)
	Register("cmd.wait", cmdWait, append(cmdParams(
		Param{Name: "name", Type: String, Doc: "the command, run with the shell's -c."}), saltKwargs)...)
	Register("cmd.script", cmdScript, cmdScriptParams()...)
	Register("cmd.wait_script", cmdWaitScript, cmdScriptParams()...)
	RegisterWatch("cmd", cmdModWatch)
}

// cmdScriptParams are the arguments of cmd.script and cmd.wait_script.
func cmdScriptParams() []Param {
	return cmdParams(
		Param{Name: "name", Type: String, Doc: "the script's salt:// URL when source is not given, else a label."},
		Param{Name: "source", Type: String, Doc: "the script's salt:// URL or absolute local path."},
		Param{Name: "args", Type: String, Doc: "arguments appended to the script's command line (shell syntax)."},
		Param{Name: "template", Type: String, Doc: `"jinja" renders the script with context and defaults first.`},
		Param{Name: "context", Type: Map, Doc: "variables for the template; they override defaults."},
		Param{Name: "defaults", Type: Map, Doc: "default variables for the template."},
		Param{Name: "(any other argument)", Rest: true, With: "template", Doc: "with template set, a variable for the template."})
}

// cmdRunParams are the arguments of how a command runs, which the cmd
// states and the cmd.* execution functions (pkg/exec) take alike, and read
// through RunCmd: one implementation for both.
var cmdRunParams = []Param{
	{Name: "cwd", Type: Path, Doc: "the working directory (default: the --root directory when set, else the runas user's home, else /root or /); under --root a cwd resolves inside the root, links included, and one that would leave it fails."},
	{Name: "env", Type: Map, Doc: "environment variables, a mapping or a list of one-key mappings, added to the minion's environment."},
	{Name: "runas", Type: String, Doc: "run as this user (name or uid, looked up in the host's /etc/passwd), with its primary and supplementary groups."},
	{Name: "shell", Type: Path, Doc: "the shell, which runs the command with -c (default: the host's shell grain, as in Salt: $SHELL where brine started, else /bin/sh)."},
	{Name: "timeout", Type: Int, Doc: "kill the command and its children after this many seconds (default: no limit)."},
	{Name: "stdin", Type: String, Doc: "text fed to the command's standard input; a \\n written in it is a newline, as Salt's."},
	{Name: "stdin_raw_newlines", Type: Bool, Default: false, Doc: "keep a \\n in stdin as it is."},
	{Name: "reset_system_locale", Type: Bool, Default: true, Doc: "run with the LC_* variables and LANGUAGE that env does not set set to C, as Salt's (it parses English output); False keeps the minion's locale."},
	{Name: "prepend_path", Type: String, Doc: "directories put before $PATH (a colon-separated string), as Salt does."},
	{Name: "umask", Type: String, Doc: "the umask the command runs with, in octal such as 027."},
	{Name: "clean_env", Type: Bool, Default: false, Doc: "start from an empty environment: only env (and runas's HOME, USER and LOGNAME) is set."},
	{Name: "success_retcodes", Type: List, Doc: "exit codes besides 0 that count as success (an integer or a list); the retcode then reads 0, as in Salt."},
	{Name: "success_stdout", Type: StringList, Doc: "texts that, found in the command's output, make it a success (retcode 0) whatever its exit code."},
	{Name: "success_stderr", Type: StringList, Doc: "as success_stdout, for its error output."},
	{Name: "ignore_timeout", Type: Bool, Default: false, Doc: "a command killed at its timeout counts as a success (Salt's, for nohup'd daemons)."},
	{Name: "use_vt", Type: Bool, Default: false, Doc: "accepted and ignored: output is read whole."},
	{Name: "output_loglevel", Type: Any, Doc: "accepted and ignored."},
}

// DefaultShell is the shell that runs a command when the state names
// none: the host's shell grain, as Salt's cmd states and onlyif/unless
// checks use (the grain is $SHELL where the minion or salt-call started,
// else /bin/sh), or /bin/sh when the grain is not an absolute path.
func DefaultShell(grains map[string]any) string {
	if s, ok := grains["shell"].(string); ok && filepath.IsAbs(s) {
		return s
	}
	return "/bin/sh"
}

// CmdRunParams returns the arguments RunCmd reads, for the execution
// functions to declare.
func CmdRunParams() []Param { return append([]Param(nil), cmdRunParams...) }

// cmdParams are a cmd state's arguments: its own, then cmdRunParams, then
// what every cmd state takes about the result.
func cmdParams(own ...Param) []Param {
	out := append(own, cmdRunParams...)
	return append(out,
		Param{Name: "stateful", Type: Any, Default: false, Doc: `the command says what it changed, as Salt reads it: its output a JSON object, or its last line name=value pairs (changed=yes comment="..." and any others, which join the changes); changed is yes/no, true/false or 1/0, no when missing. Salt's list form, [{test_name: COMMAND}], also runs COMMAND under test=True (it must change nothing) and reads its output the same way.`},
		Param{Name: "hide_output", Type: Bool, Default: false, Doc: "leave stdout and stderr out of the changes."},
		Param{Name: "user", Type: String, Doc: "accepted and ignored, as Salt 3006's cmd states ignore it: runas is the user."},
	)
}

// Run runs a shell command. The engine handles unless, onlyif and creates
// before the state is called.
//
// Salt: with --root the command runs on the host, in the root directory, not chrooted. Under test the command is never run, stateful or not. A timeout fails with "Command \"X\" timed out after D" (Salt reports it in stderr).
func cmdRun(ctx context.Context, req *Request) Result {
	return cmdExec(ctx, req, req.Name, nil)
}

// Wait runs a command only when a state it watches changed; called
// directly it does nothing.
//
// Salt: the same; prefer cmd.run with onchanges.
func cmdWait(ctx context.Context, req *Request) Result {
	return Result{Name: req.Name, Result: True, Comment: "", Changes: map[string]any{}}
}

// WaitScript runs a script only when a state it watches changed; called
// directly it does nothing.
//
// Salt: the same (Salt 3006's cmd.wait_script, whose mod_watch runs
// cmd.script); prefer cmd.script with onchanges.
func cmdWaitScript(ctx context.Context, req *Request) Result {
	return Result{Name: req.Name, Result: True, Comment: "", Changes: map[string]any{}}
}

// Script fetches a script from the state tree and runs it.
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
	case "cmd.script", "cmd.wait_script":
		return cmdScript(ctx, req)
	case "cmd.run", "cmd.wait", "":
		return cmdExec(ctx, req, req.Name, nil)
	}
	return Failf(req.Name, "cmd has no watch action for %s", req.Func)
}

// cmdOptions are the arguments every cmd state shares.
type cmdOptions struct {
	cwd, shell, stdin  string
	env                []string
	cred               *syscall.Credential
	home               string
	timeout            time.Duration
	creates            []string
	okCodes            map[int]bool
	okStdout, okStderr []string
	testName           string // stateful's test_name: the command a dry run runs
	ignoreTimeout      bool
	umask              string
	stateful, hide     bool
	// noUser is a runas user the host does not have: nothing runs (never
	// as root instead), and the state fails with Salt's NoUserError when
	// it would start the command, not in a dry run.
	noUser string
}

// NoUserError is a runas user the host does not have: Salt's cmdmod
// raises "User 'x' is not available", which its cmd states report.
type NoUserError struct{ User string }

func (e *NoUserError) Error() string { return fmt.Sprintf("User '%s' is not available", e.User) }

func cmdReadOptions(req *Request) (cmdOptions, error) {
	a := &req.Args
	o := cmdOptions{okCodes: map[int]bool{0: true}}
	cwd := a.String("cwd", "")
	var grains map[string]any
	if req.Env != nil {
		grains = req.Env.Grains
	}
	o.shell = a.String("shell", DefaultShell(grains))
	o.stdin = a.String("stdin", "")
	if !a.Bool("stdin_raw_newlines", false) {
		// Salt's TimedProc: a \n typed in the state is a newline.
		o.stdin = strings.ReplaceAll(o.stdin, `\n`, "\n")
	}
	resetLocale := a.Bool("reset_system_locale", true)
	runas := a.String("runas", "")
	timeout := a.Int("timeout", 0)
	o.creates = a.StringList("creates")
	var err error
	if o.stateful, o.testName, err = cmdStateful(a); err != nil {
		return o, err
	}
	o.hide = a.Bool("hide_output", false)
	env := a.Dict("env")
	codes := a.List("success_retcodes")
	o.okStdout = a.StringList("success_stdout")
	o.okStderr = a.StringList("success_stderr")
	o.ignoreTimeout = a.Bool("ignore_timeout", false)
	prepend := a.String("prepend_path", "")
	o.umask = a.String("umask", "")
	clean := a.Bool("clean_env", false)
	if err := a.Err(); err != nil {
		return o, err
	}
	if o.umask != "" {
		if n, err := strconv.ParseUint(o.umask, 8, 32); err != nil || n > 0o777 {
			return o, &ArgError{Arg: "umask", Err: fmt.Errorf("want an octal umask such as 027, got %q", o.umask)}
		}
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
	if clean {
		o.env = nil
	}
	if runas != "" {
		db, err := osuser.Load("")
		if err != nil {
			return o, err
		}
		if u, err := db.User(runas); err != nil {
			o.noUser = runas
		} else {
			gid := u.GID
			if gid < 0 {
				gid = u.UID
			}
			o.cred = &syscall.Credential{Uid: uint32(u.UID), Gid: uint32(gid), Groups: db.SupplementaryGroups(u.Name)}
			o.home = u.Home
			o.env = append(o.env, "HOME="+u.Home, "USER="+u.Name, "LOGNAME="+u.Name)
		}
	}
	if resetLocale {
		for _, k := range CmdLocaleVars {
			if _, set := env[k]; !set {
				o.env = append(o.env, k+"=C")
			}
		}
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
	if prepend != "" {
		o.env = cmdPrependPath(o.env, prepend)
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

// CmdLocaleVars are the variables Salt's reset_system_locale sets to C
// unless env gives them (its cmd functions parse English output).
var CmdLocaleVars = []string{"LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE", "LC_MONETARY", "LC_MESSAGES", "LC_PAPER",
	"LC_NAME", "LC_ADDRESS", "LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION", "LANGUAGE"}

// cmdPrependPath puts dirs before the PATH of env (the last PATH= wins,
// as exec's does), as Salt's prepend_path: dirs + ":" + PATH.
func cmdPrependPath(env []string, dirs string) []string {
	path := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	if path == "" {
		return append(env, "PATH="+dirs)
	}
	return append(env, "PATH="+dirs+":"+path)
}

// cmdStateful reads stateful: a boolean, or Salt's [{test_name: CMD}].
func cmdStateful(a *Args) (stateful bool, testName string, err error) {
	v, ok := a.Get("stateful")
	if !ok || v == nil {
		return false, "", nil
	}
	if l, isList := v.([]any); isList {
		if len(l) > 0 {
			if m, isMap := l[0].(map[string]any); isMap {
				if t, has := m["test_name"]; has {
					s, isStr := t.(string)
					if !isStr || strings.TrimSpace(s) == "" {
						return false, "", &ArgError{Arg: "stateful", Err: fmt.Errorf("test_name: want a command, got %v", t)}
					}
					return true, s, nil
				}
			}
		}
		return true, "", nil // Salt: a list is true
	}
	b, err := ParseBool(v)
	if err != nil {
		return false, "", &ArgError{Arg: "stateful", Err: err}
	}
	return b, "", nil
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
	if req.Test && o.testName == "" {
		return Result{Name: req.Name, Result: None, Changes: map[string]any{},
			Comment: "Command " + label + " would have been executed"}
	}
	if req.Test {
		// Salt's stateful test_name: the dry run runs the command that
		// says, without changing anything, what the real one would do.
		command, script = o.testName, nil
		label = `"` + command + `"`
	}
	if script != nil {
		line, cleanup, err := script(cmdShellQuote)
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		defer cleanup()
		command = line
	}
	if o.noUser != "" {
		return Failf(req.Name, "%v", &NoUserError{User: o.noUser})
	}
	if err := o.checkCwd(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	out, err := cmdStart(ctx, req, command, o)
	if err != nil {
		return Failf(req.Name, "Unable to run command %s: %v", label, err)
	}
	return cmdResult(req, label, out, o)
}

// CmdOutput is what a command that RunCmd ran did.
type CmdOutput struct {
	PID     int
	Retcode int    // the exit status; 128+N for a command killed by signal N
	Stdout  string // trailing blanks and newlines trimmed
	Stderr  string
	// TimedOut reports a command killed at its timeout, which was Timeout.
	TimedOut bool
	Timeout  time.Duration
}

// RunCmd runs command with the shell (-c), as the cmd states run theirs:
// with cwd, env, runas, shell, stdin and timeout (CmdRunParams) read from
// req.Args, and cwd resolved inside req.Root. pkg/exec's cmd.run and
// cmd.run_all call it, so that an operator's command honours the same
// arguments as a state's, through the same code. A bad argument is an
// *ArgError; a command that could not start, another error. A command
// that ran and failed is not an error: its Retcode says so.
func RunCmd(ctx context.Context, req *Request, command string) (CmdOutput, error) {
	o, err := cmdReadOptions(req)
	if err != nil {
		return CmdOutput{}, err
	}
	if err := o.checkCwd(); err != nil {
		return CmdOutput{}, err
	}
	return cmdStart(ctx, req, command, o)
}

// checkCwd fails when the working directory is not a directory, before a
// command is started in it.
func (o *cmdOptions) checkCwd() error {
	if fi, err := os.Stat(o.cwd); err != nil || !fi.IsDir() {
		return fmt.Errorf("Desired working directory %q is not available", o.cwd)
	}
	return nil
}

// cmdStart runs the command and waits for it, killing its whole process
// group at the timeout.
func cmdStart(ctx context.Context, req *Request, command string, o cmdOptions) (CmdOutput, error) {
	if o.noUser != "" {
		return CmdOutput{}, &NoUserError{User: o.noUser}
	}
	runCtx := ctx
	if o.timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	if o.umask != "" {
		// The shell sets it for itself and the command, as Salt's
		// preexec_fn sets it for the child.
		command = "umask " + o.umask + "\n" + command
	}
	c := exec.CommandContext(runCtx, o.shell, "-c", command)
	c.Dir = o.cwd
	c.Env = o.env
	c.SysProcAttr = &syscall.SysProcAttr{Credential: o.cred}
	// A timed-out or killed command's children go too.
	proc.Group(c)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	if o.stdin != "" {
		c.Stdin = strings.NewReader(o.stdin)
	}
	if err := c.Start(); err != nil {
		return CmdOutput{}, err
	}
	out := CmdOutput{PID: c.Process.Pid, Timeout: o.timeout}
	err := c.Wait()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		out.Retcode = exitErr.ExitCode()
		if out.Retcode < 0 {
			out.Retcode = 128 + int(exitErr.Sys().(syscall.WaitStatus).Signal())
		}
	default:
		out.Retcode = 1
	}
	req.Log().Debug("cmd ran", "id", req.ID, "cmd", command, "pid", out.PID, "retcode", out.Retcode, "cwd", o.cwd)
	out.Stdout = strings.TrimRight(stdout.String(), " \t\r\n")
	out.Stderr = strings.TrimRight(stderr.String(), " \t\r\n")
	out.TimedOut = runCtx.Err() == context.DeadlineExceeded && ctx.Err() == nil
	// Salt's cmdmod._run: an exit code of success_retcodes, or a text of
	// success_stdout/success_stderr found in the output, reads as 0.
	if o.okCodes[out.Retcode] || cmdFound(out.Stdout, o.okStdout) || cmdFound(out.Stderr, o.okStderr) {
		out.Retcode = 0
	}
	if out.TimedOut && o.ignoreTimeout {
		out.TimedOut, out.Retcode = false, 0
	}
	return out, nil
}

// cmdFound reports whether any of texts is in out.
func cmdFound(out string, texts []string) bool {
	for _, t := range texts {
		if strings.Contains(out, t) {
			return true
		}
	}
	return false
}

// cmdResult is a cmd state's result for a command that ran.
func cmdResult(req *Request, label string, out CmdOutput, o cmdOptions) Result {
	changes := map[string]any{"pid": out.PID, "retcode": out.Retcode, "stdout": out.Stdout, "stderr": out.Stderr}
	if o.hide {
		changes["stdout"], changes["stderr"] = "", ""
	}
	res := Result{Name: req.Name, Result: True, Changes: changes, Comment: "Command " + label + " run"}
	if out.TimedOut {
		res.Result = False
		res.Comment = fmt.Sprintf("Command %s timed out after %s", label, out.Timeout)
		return res
	}
	if out.Retcode != 0 {
		res.Result = False
	}
	if o.stateful {
		// Whatever the exit code, as Salt's: the result stays False.
		res = cmdReinterpret(res)
		if req.Test && res.Result == True && len(res.Changes) > 0 {
			res.Result = None // Salt's run() under test with test_name
		}
	}
	return res
}

// cmdReinterpret is Salt's _reinterpreted_state, for stateful: the
// command's output says what changed. Its stdout is a JSON object, or its
// last line name=value pairs; "changed" (yes/no, true/false, 1/0; no when
// missing) decides whether there are changes, which are then those pairs
// with the command's pid, retcode, stderr and stdout (less its last line,
// or empty for JSON); "comment" is the comment, else none. No output at
// all is no change, the comment its stderr. The result stays the exit
// code's.
func cmdReinterpret(res Result) Result {
	ret := res.Changes
	res.Changes, res.Comment = map[string]any{}, ""
	fail := func(msg string) Result {
		res.Result, res.Comment = False, msg
		return res
	}
	stdout, _ := ret["stdout"].(string)
	if stdout == "" {
		res.Comment, _ = ret["stderr"].(string)
		return res
	}
	data := map[string]any{}
	isJSON, idx := false, -1
	var v any
	if err := json.Unmarshal([]byte(stdout), &v); err == nil {
		m, ok := v.(map[string]any)
		if !ok {
			return fail("script JSON output must be a JSON object (e.g., {})!")
		}
		data, isJSON = m, true
	} else {
		line := stdout
		if idx = strings.LastIndex(stdout, "\n"); idx != -1 {
			line = stdout[idx+1:]
		}
		fields, err := cmdSplitKV(line)
		for k, val := range fields {
			if strings.Contains(val, "=") {
				err = fmt.Errorf("%s=%s: more than one =", k, val)
			}
			data[k] = val
		}
		if err != nil {
			res = fail("Failed parsing script output! Stdout must be JSON or a line of name=value pairs.")
			res.Changes = ret
			return res
		}
	}
	flag, ok := data["changed"]
	if !ok {
		flag = "no"
	}
	changed, err := cmdPyTrue(flag)
	if err != nil {
		return fail(err.Error())
	}
	if c, ok := data["comment"]; ok {
		res.Comment = fmt.Sprint(c)
		delete(data, "comment")
	}
	if changed {
		for k, val := range ret {
			if _, ok := data[k]; !ok {
				data[k] = val
			}
		}
		switch out, _ := data["stdout"].(string); {
		case isJSON:
			data["stdout"] = ""
		case idx >= 0:
			data["stdout"] = out[:min(idx, len(out))]
		default:
			// Salt slices with the -1 rfind gave: all but the last
			// character, whatever it is.
			if n := len(out); n > 0 {
				data["stdout"] = out[:n-1]
			}
		}
		res.Changes = data
	}
	return res
}

// cmdPyTrue is Salt's cmd _is_true: true, yes, 1 or false, no, 0 in any
// case; anything else is an error.
func cmdPyTrue(v any) (bool, error) {
	switch strings.ToLower(fmt.Sprint(v)) {
	case "true", "yes", "1":
		return true, nil
	case "false", "no", "0":
		return false, nil
	}
	return false, fmt.Errorf("Failed parsing boolean value: %v", v)
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
