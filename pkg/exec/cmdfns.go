package exec

import (
	"context"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/pyfmt"
	"github.com/brine-cm/brine/pkg/rootfs"
	"github.com/brine-cm/brine/pkg/sls/jinja"
	"github.com/brine-cm/brine/states"
)

// The cmd.* execution functions, as Salt 3006's salt/modules/cmdmod.py
// has them. They run through states.RunCmd, the code of the cmd.run
// state, so that an operator's command honours cwd, env, runas, shell,
// stdin and timeout as an SLS's does.

func init() {
	run := cmdFuncParams()
	register("cmd.run", cmdRun, "Run a command and return its output, stdout and stderr interleaved as written (as Salt's): cmd.run 'uptime'. It runs as the cmd.run state runs its command.", run...)
	register("cmd.run_all", cmdRunAll, "Run a command and return pid, retcode, stdout and stderr, as cmd.run runs it.", run...)
	register("cmd.run_stdout", cmdRunStdout, "Run a command and return its standard output only.", run...)
	register("cmd.run_stderr", cmdRunStderr, "Run a command and return its error output only.", run...)
	register("cmd.retcode", cmdRetcodeFn, "Run a command and return its exit status.", run...)
	register("cmd.shell", cmdRun, "cmd.run with python_shell=True: the command line is the shell's.", run...)
	register("cmd.script", cmdScript, "Fetch a script from the state tree, run it with args, and return pid, retcode, stdout and stderr, as Salt's: cmd.script salt://scripts/setup.sh args='-v x'.",
		cmdScriptParams()...)
	register("cmd.script_retcode", cmdScriptRetcode, "cmd.script, returning the script's exit status only.", cmdScriptParams()...)
	register("cmd.run_bg", cmdRunBg, "Start a command in the background and return {pid}, as Salt's: it runs on after the call returns, its output discarded.", run...)
	register("cmd.shells", cmdShells, "Return the shells /etc/shells lists.")
	register("cmd.which", cmdWhich, "Return the full path of an executable found in $PATH, or None.",
		states.Param{Name: "cmd", Type: states.String, Required: true, Doc: "the executable's name."})
	register("cmd.has_exec", cmdHasExec, "Return True when an executable is found in $PATH (or is an executable path).",
		states.Param{Name: "cmd", Type: states.String, Required: true, Doc: "the executable's name or path."})
	register("cmd.which_bin", cmdWhichBin, "Return the full path of the first of the executables found in $PATH, or None.",
		states.Param{Name: "cmds", Type: states.StringList, Required: true, Doc: "the executables' names, a list."})
}

// cmdFuncParams are cmd.run's arguments in the order of Salt's cmdmod.run
// signature, so that a positional argument lands where it does in Salt
// (cmd.run 'ls' /tmp runs in /tmp): the command, how the cmd states run
// theirs (states.CmdRunParams), and the execution function's own.
func cmdFuncParams() []states.Param {
	byName := map[string]states.Param{}
	for _, p := range states.CmdRunParams() {
		byName[p.Name] = p
	}
	own := map[string]states.Param{
		"cmd":             {Name: "cmd", Type: states.String, Required: true, Doc: "the command line, run with the shell's -c (the operator wrote it)."},
		"python_shell":    {Name: "python_shell", Type: states.Bool, Default: true, Doc: "False runs the command without a shell: its words split as a POSIX shell would (shlex), with no pipes, redirections, globs or $VARS, as Salt's."},
		"rstrip":          {Name: "rstrip", Type: states.Bool, Default: true, Doc: "accepted: trailing whitespace is always stripped from the output."},
		"hide_output":     {Name: "hide_output", Type: states.Bool, Default: false, Doc: "return an empty output (cmd.run_all keeps pid and retcode), as Salt's."},
		"ignore_retcode":  {Name: "ignore_retcode", Type: states.Bool, Default: false, Doc: "a non-zero exit status does not fail the call (cmd.run_all and cmd.retcode still return it)."},
		"raise_err":       {Name: "raise_err", Type: states.Bool, Default: false, Doc: "a non-zero exit status is an error whose message is the command's output, as Salt's CommandExecutionError."},
		"saltenv":         {Name: "saltenv", Type: states.String, Doc: "accepted and ignored (Salt's, for template)."},
		"template":        {Name: "template", Type: states.String, Doc: "jinja: render the command (and cwd) first, with grains and pillar, as Salt's."},
		"output_encoding": {Name: "output_encoding", Type: states.String, Doc: "accepted and ignored: output is read as UTF-8."},
		"redirect_stderr": {Name: "redirect_stderr", Type: states.Bool, Default: false, Doc: "cmd.run_all: put the error output into stdout (stderr is then empty), as Salt's."},
	}
	order := []string{"cmd", "cwd", "stdin", "runas", "shell", "python_shell", "env", "clean_env", "template", "rstrip", "umask",
		"output_encoding", "output_loglevel", "hide_output", "timeout", "reset_system_locale", "ignore_retcode", "saltenv", "use_vt", "raise_err",
		"prepend_path", "success_retcodes", "success_stdout", "success_stderr", "stdin_raw_newlines", "ignore_timeout", "redirect_stderr"}
	out := make([]states.Param, 0, len(order))
	for _, n := range order {
		p, ok := own[n]
		if !ok {
			p, ok = byName[n]
		}
		if !ok {
			panic("exec: cmd.run: no argument " + n)
		}
		out = append(out, p)
	}
	return out
}

// cmdRunBg is Salt's cmd.run_bg: the command started, not waited for;
// the shell that starts it prints the background process's pid.
func cmdRunBg(ctx context.Context, c *call) Return {
	c.kw["bg"] = true
	out, ret, ok := runCmd(ctx, c)
	if !ok {
		return ret
	}
	pid, err := strconv.Atoi(strings.TrimSpace(out.Stdout))
	if err != nil {
		return failed(fmt.Sprintf("cmd.run_bg: the command did not start: %s", joinOutput(out)))
	}
	return Return{Value: map[string]any{"pid": pid}, Out: "nested"}
}

// cmdShells is Salt's cmd.shells: /etc/shells without comments and
// blank lines.
func cmdShells(_ context.Context, c *call) Return {
	out := []string{}
	p, err := rootfs.Resolve(c.host.Root, "/etc/shells", true)
	if err != nil {
		return nested(out)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nested(out)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return nested(out)
}

// cmdScriptParams are cmd.script's: the script and its arguments, then
// cmd.run's (the command aside), in Salt's order.
func cmdScriptParams() []states.Param {
	out := []states.Param{
		{Name: "source", Type: states.String, Required: true, Doc: "the script's salt:// URL."},
		{Name: "args", Type: states.String, Doc: "arguments appended to the script's command line (shell syntax)."},
	}
	for _, p := range cmdFuncParams() {
		switch p.Name {
		case "cmd", "redirect_stderr":
		case "template":
			out = append(out, states.Param{Name: "template", Type: states.String, Doc: "jinja: render the script first, with grains and pillar."})
		default:
			out = append(out, p)
		}
	}
	return out
}

// cmdScript is Salt's cmd.script: the script is fetched to a private
// temporary directory of the host, made executable, run (with the shell,
// as its path and args), and removed. A script the tree lacks returns
// Salt's cache_error mapping.
func cmdScript(ctx context.Context, c *call) Return {
	url, err := saltURL(c, c.str("source"))
	if err != nil {
		return failed(err.Error())
	}
	dir, err := os.MkdirTemp("", "brine-script-")
	if err != nil {
		return failed(fmt.Sprintf("%s: %v", c.fun, err))
	}
	defer os.RemoveAll(dir)
	rel, _, _ := strings.Cut(strings.TrimPrefix(url, "salt://"), "?")
	script := filepath.Join(dir, filepath.Base(rel))
	if err := fetch(ctx, c, url, script); err != nil {
		if states.IsNotExist(err) {
			c.host.Log.Error(fmt.Sprintf("Unable to cache script '%s' from saltenv '%s'.", c.str("source"), c.host.Env))
			return Return{Value: map[string]any{"pid": 0, "retcode": 1, "stdout": "", "stderr": "", "cache_error": true},
				Retcode: RetError, Code: 1, Out: "nested"}
		}
		return failed(fmt.Sprintf("%s %s: %v", c.fun, c.str("source"), err))
	}
	// The directory is the minion's own (0700): another user reads
	// nothing, unless the script runs as one (runas).
	mode := os.FileMode(0o700)
	if c.has("runas") {
		mode = 0o755
		if err := os.Chmod(dir, 0o755); err != nil {
			return failed(fmt.Sprintf("%s: %v", c.fun, err))
		}
	}
	if err := os.Chmod(script, mode); err != nil {
		return failed(fmt.Sprintf("%s: %v", c.fun, err))
	}
	line := noShell([]string{script})[len("exec "):]
	if a := c.str("args"); a != "" {
		line += " " + a
	}
	c.kw["cmd"] = line
	out, ret, ok := runCmd(ctx, c)
	if !ok {
		return ret
	}
	ret.Value = map[string]any{"pid": out.PID, "retcode": out.Retcode, "stdout": out.Stdout, "stderr": out.Stderr}
	return ret
}

func cmdScriptRetcode(ctx context.Context, c *call) Return {
	ret := cmdScript(ctx, c)
	if m, ok := ret.Value.(map[string]any); ok {
		ret.Value = m["retcode"]
	}
	return ret
}

// cmdRun runs an operator's command line with the shell, as Salt's cmd.run
// does from the command line (python_shell defaults to True there): the
// operator wrote it, so it is not data built into a shell string. It
// returns the output, stderr merged into stdout as Salt's merges it.
func cmdRun(ctx context.Context, c *call) Return {
	out, ret, ok := runCmd(ctx, c)
	if !ok {
		return ret
	}
	ret.Value = joinOutput(out)
	return ret
}

// logCmd is Salt's _log_cmd: a command's first word.
func logCmd(cmd string) string {
	if f := strings.Fields(cmd); len(f) > 0 {
		return f[0]
	}
	return ""
}

// joinOutput is cmd.run's output: stdout, then stderr (Salt's merges
// them as written).
func joinOutput(out states.CmdOutput) string {
	text := out.Stdout
	if out.Stderr != "" {
		if text != "" {
			text += "\n"
		}
		text += out.Stderr
	}
	return text
}

func cmdRunAll(ctx context.Context, c *call) Return {
	out, ret, ok := runCmd(ctx, c)
	if !ok {
		return ret
	}
	if c.boolean("redirect_stderr") {
		out.Stdout, out.Stderr = joinOutput(out), ""
	}
	ret.Value = map[string]any{
		"pid":     out.PID,
		"retcode": out.Retcode,
		"stdout":  out.Stdout,
		"stderr":  out.Stderr,
	}
	return ret
}

func cmdRunStdout(ctx context.Context, c *call) Return {
	out, ret, ok := runCmd(ctx, c)
	if ok {
		ret.Value = out.Stdout
	}
	return ret
}

func cmdRunStderr(ctx context.Context, c *call) Return {
	out, ret, ok := runCmd(ctx, c)
	if ok {
		ret.Value = out.Stderr
	}
	return ret
}

// cmdRetcodeFn returns the exit status, and fails the call when it is not
// 0, as Salt's does (its _run sets __context__["retcode"], so salt-call
// cmd.retcode 'exit 4' prints 4 and exits 1).
func cmdRetcodeFn(ctx context.Context, c *call) Return {
	out, ret, ok := runCmd(ctx, c)
	if ok {
		ret.Value = out.Retcode
	}
	return ret
}

// runCmd runs cmd.run's command through states.RunCmd, the code of the
// cmd.run state, with the same cwd, env, runas, shell, stdin and timeout;
// under --root it runs on the host, in the root, as the state's does.
// Around it, what Salt's cmdmod._run and run add: the template, the cwd
// check, the C locale, stdin's newlines, python_shell=False, stderr into
// stdout for cmd.run, the timeout's message. It returns the output, and
// the Return with its retcodes set (ok) or the failure (not ok): a
// command that could not start, a bad argument, or a non-zero status
// with raise_err.
func runCmd(ctx context.Context, c *call) (states.CmdOutput, Return, bool) {
	args := map[string]any{}
	for _, p := range states.CmdRunParams() {
		if v := c.kw[p.Name]; v != nil {
			args[p.Name] = v
		}
	}
	if t := c.str("template"); t != "" && !strings.HasPrefix(c.fun, "cmd.script") {
		// Salt's _render_cmd: the command and cwd through the template
		// engine, with the minion's grains and pillar (cmd.script
		// renders its script instead).
		if t != "jinja" {
			return states.CmdOutput{}, failed((&states.ArgError{Func: c.fun, Arg: "template", Err: fmt.Errorf("%q: brine renders jinja", t)}).Error()), false
		}
		vars := templateVars(ctx, c.host, c.host.Env, false)
		for _, arg := range []string{"cmd", "cwd"} {
			if src := c.str(arg); src != "" {
				out, err := jinja.Render(c.fun, []byte(src), vars, jinja.Options{})
				if err != nil {
					return states.CmdOutput{}, failed(fmt.Sprintf("%s: %s: %v", c.fun, arg, err)), false
				}
				c.kw[arg] = out
				if arg == "cwd" {
					args["cwd"] = out
				}
			}
		}
	}
	if cwd := c.str("cwd"); cwd != "" {
		// The function's own check, in Salt's words (the cmd states say
		// "Desired working directory ... is not available").
		hp, err := rootfs.Resolve(c.host.Root, cwd, true)
		if fi, serr := os.Stat(hp); err != nil || serr != nil || !fi.IsDir() {
			return states.CmdOutput{}, commandError(fmt.Sprintf("Specified cwd '%s' either not absolute or does not exist", cwd)), false
		}
	}
	line := c.str("cmd")
	// shown is the command as Salt's messages show it: the line, or the
	// list of words without a shell.
	shown := line
	if !c.boolean("python_shell") {
		words, err := shlexSplit(line)
		if err != nil {
			return states.CmdOutput{}, failed(fmt.Sprintf("%s: %v", c.fun, err)), false
		}
		// Salt's Popen fails on a program it cannot find; the shell
		// would say so only on stderr, with status 127.
		// A relative path is the command's cwd's, and PATH may be
		// env's: the shell is left to find those.
		if !c.has("prepend_path") && !envSetsPath(args["env"]) {
			if ce := programNotFound(words); ce != nil {
				return states.CmdOutput{}, errorReturn(ce), false
			}
		}
		line = noShell(words)
		shown = pyfmt.Repr(anyList(words))
	}
	if bg, _ := c.kw["bg"].(bool); bg {
		if !posixShell(c) {
			return states.CmdOutput{}, failed((&states.ArgError{Func: c.fun, Arg: "shell", Err: errors.New("a background command needs a shell of sh's syntax (sh, bash, dash, zsh, ksh)")}).Error()), false
		}
		// cmd.run_bg: a subshell in the background, nothing of it read;
		// the call returns as soon as it has started.
		line = "( " + line + "\n) </dev/null >/dev/null 2>&1 &\necho $!"
	}
	if mergesStderr(c) && posixShell(c) {
		// Salt's cmd.run (and run_all with redirect_stderr) hands the
		// command stdout as its stderr (subprocess.STDOUT): the two
		// interleave as written. The shell does the same for itself and
		// the command.
		line = "exec 2>&1; " + line
	}
	req := &states.Request{ID: c.fun, Name: c.str("cmd"), Func: c.fun, Args: states.NewArgs(args), Root: c.host.Root,
		Env: &states.Env{Log: c.host.Log, Grains: c.host.Grains}}
	out, err := states.RunCmd(ctx, req, line)
	var ae *states.ArgError
	var nu *states.NoUserError
	if errors.As(err, &nu) || errors.As(err, &ae) && ae.Arg == "runas" {
		// Salt's _run: CommandExecutionError(f"User '{runas}' is not available").
		return out, commandError(fmt.Sprintf("User '%s' is not available", c.str("runas"))), false
	}
	if err != nil {
		return out, failed(fmt.Sprintf("%s: %v", c.fun, err)), false
	}
	if out.TimedOut && !c.boolean("ignore_timeout") {
		// Salt's _run returns its TimedProcTimeoutError as the output,
		// the command's own output dropped, and status 1.
		out.Stdout = fmt.Sprintf("%s : Timed out after %d seconds", shown, int(out.Timeout.Seconds()))
		out.Stderr, out.Retcode = "", 1
	}
	ret := Return{Out: "nested"}
	failedRun := out.Retcode != 0 || out.TimedOut
	if failedRun && !c.boolean("ignore_retcode") {
		ret.Retcode, ret.Code = RetError, out.Retcode
		if ret.Code == 0 {
			ret.Code = RetError
		}
		// As Salt's cmd.run logs it (at error, on salt-call's console):
		// the program's name only (_log_cmd), so that no secret on the
		// command line reaches the log, then the output.
		c.host.Log.Error(fmt.Sprintf("Command '%s' failed with return code: %d", logCmd(c.str("cmd")), out.Retcode))
		c.host.Log.Error("output: " + joinOutput(out))
		if c.boolean("raise_err") {
			// Salt's raises CommandExecutionError with the command's
			// output as its message ("" with hide_output), which a
			// minion returns as "ERROR: " and the message.
			msg := ""
			if !c.boolean("hide_output") {
				msg = joinOutput(out)
			}
			r := commandError(msg)
			r.Code = ret.Code
			return out, r, false
		}
	}
	if c.boolean("hide_output") {
		out.Stdout, out.Stderr = "", ""
	}
	return out, ret, true
}

// posixShell reports a shell that takes sh's syntax (exec 2>&1, a
// subshell in the background): the one the command runs with.
func posixShell(c *call) bool {
	sh := c.str("shell")
	if sh == "" {
		sh = states.DefaultShell(c.host.Grains)
	}
	switch filepath.Base(sh) {
	case "sh", "bash", "dash", "ash", "ksh", "mksh", "zsh", "busybox":
		return true
	}
	return false
}

// mergesStderr reports a function whose command writes its errors into
// its output, as Salt's passes stderr=subprocess.STDOUT.
func mergesStderr(c *call) bool {
	switch c.fun {
	case "cmd.run", "cmd.shell":
		return true
	case "cmd.run_all":
		return c.boolean("redirect_stderr")
	}
	return false
}

func envSetsPath(env any) bool {
	m, _ := env.(map[string]any)
	_, ok := m["PATH"]
	return ok
}

func anyList(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// noShell is the shell line that runs words as one command with no shell
// syntax at all: each word single-quoted, so that nothing in it expands,
// and exec'd, as Salt's python_shell=False runs the shlex-split words
// directly.
func noShell(words []string) string {
	var b strings.Builder
	b.WriteString("exec")
	for _, w := range words {
		b.WriteString(" '")
		b.WriteString(strings.ReplaceAll(w, "'", `'\''`))
		b.WriteString("'")
	}
	return b.String()
}

// errShlex is a command line shlex cannot split: an open quote or a
// trailing backslash.
var errShlex = errors.New("cannot split the command line into words")

// shlexSplit splits a command line into words as Python's shlex.split
// does in POSIX mode (Salt's python_shell=False): blanks separate words,
// single quotes keep everything, double quotes keep everything but \\,
// \", \$, \` and a backslash-newline, and a backslash outside quotes
// keeps the next character.
func shlexSplit(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case r == '\\':
			if i+1 >= len(rs) {
				return nil, fmt.Errorf("%w: no escaped character", errShlex)
			}
			i++
			cur.WriteRune(rs[i])
			inWord = true
		case r == '\'':
			end := i + 1
			for end < len(rs) && rs[end] != '\'' {
				end++
			}
			if end >= len(rs) {
				return nil, fmt.Errorf("%w: no closing quotation", errShlex)
			}
			cur.WriteString(string(rs[i+1 : end]))
			i, inWord = end, true
		case r == '"':
			i++
			for ; i < len(rs) && rs[i] != '"'; i++ {
				if rs[i] == '\\' && i+1 < len(rs) && strings.ContainsRune("\\\"$`\n", rs[i+1]) {
					i++
				}
				cur.WriteRune(rs[i])
			}
			if i >= len(rs) {
				return nil, fmt.Errorf("%w: no closing quotation", errShlex)
			}
			inWord = true
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// which finds an executable as Salt's salt.utils.path.which does: a path
// with a slash must be executable itself; a name is looked up in $PATH,
// then in the usual system directories $PATH may lack.
func which(name string) (string, bool) {
	if strings.ContainsRune(name, '/') {
		if fi, err := os.Stat(name); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return name, true
		}
		return "", false
	}
	if p, err := osexec.LookPath(name); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs, true
		}
		return p, true
	}
	for _, d := range []string{"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin"} {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}

func cmdWhich(_ context.Context, c *call) Return {
	if p, ok := which(c.str("cmd")); ok {
		return nested(p)
	}
	return nested(nil)
}

func cmdHasExec(_ context.Context, c *call) Return {
	_, ok := which(c.str("cmd"))
	return nested(ok)
}

func cmdWhichBin(_ context.Context, c *call) Return {
	for _, n := range c.strings("cmds") {
		if p, ok := which(n); ok {
			return nested(p)
		}
	}
	return nested(nil)
}

// programNotFound is Salt's CommandExecutionError when Popen cannot find
// the program of a command run without a shell (python_shell=False); nil
// when it is on PATH, or when its name has a '/' (the shell is left to
// find a relative path from the command's cwd).
func programNotFound(words []string) *CommandError {
	if len(words) == 0 || strings.ContainsRune(words[0], '/') {
		return nil
	}
	if _, ok := which(words[0]); ok {
		return nil
	}
	return &CommandError{Msg: fmt.Sprintf("Unable to run command '%s', reason: [Errno 2] No such file or directory: %s",
		pyfmt.Repr(anyList(words)), pyfmt.Quote(words[0]))}
}
