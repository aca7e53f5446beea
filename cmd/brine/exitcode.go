package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/exec"
	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/pkg/proto"
)

// ExitCode is the status a brine command exits with. The constants and
// exitCodes below are the only definition of the table: `brine --help`
// prints it (and so docs/cli.md, made from the help), and a test checks
// every copy of it in docs/ against it.
//
// The codes are Salt's where Salt has one: salt-call --retcode-passthrough
// exits 1 when the tree does not compile (EX_STATE_COMPILER_ERROR) and 2
// when a state fails (EX_STATE_FAILURE), and Salt's option parser exits 64
// (EX_USAGE). A minion's own retcode is in the same terms, so brine call
// passes it through. Salt has no code for a minion that did not return (it
// exits 1, or 0, #37802); brine gives it 3, as Ansible gives unreachable
// hosts.
type ExitCode int

const (
	ExitOK          ExitCode = 0
	ExitError       ExitCode = 1
	ExitStateFailed ExitCode = 2
	ExitNoReturn    ExitCode = 3
	ExitUsage       ExitCode = 64
)

// exitCodes documents each code, in the order of the table.
var exitCodes = []struct {
	code    ExitCode
	meaning string
	salt    string
}{
	{ExitOK, "all succeeded: every targeted minion returned, and every state and function succeeded", "EX_OK"},
	{ExitError, "the state tree failed to render or compile, a function failed, or brine could not do its part (no master, a bad config)", "EX_GENERIC, EX_STATE_COMPILER_ERROR"},
	{ExitStateFailed, "a state failed (Result: False)", "EX_STATE_FAILURE"},
	{ExitNoReturn, "a targeted minion did not return (still running, no response, not connected), or no minion matched the target", "none: salt exits 2 (and prints ERROR: No return received) when no minion matched or none returned, else its minions' largest retcode"},
	{ExitUsage, "a usage error: an unknown command, flag or --out, a missing argument, a confirmation with no terminal to ask on; nothing ran", "EX_USAGE (salt's own option errors exit 2)"},
}

// driftExitCodes are brine drift's codes: the same numbers read for the
// question drift asks, as terraform plan -detailed-exitcode and puppet
// agent --detailed-exitcodes give 2 for "changes pending". Documented
// next to the table in docs/ (between <!-- drift-exit-codes --> and
// <!-- /drift-exit-codes -->) and in brine drift --help.
var driftExitCodes = []struct {
	code    ExitCode
	meaning string
}{
	{ExitOK, "no targeted minion drifted: each one's latest dry run would change nothing"},
	{ExitError, "a targeted minion's latest dry run failed (its tree did not compile, or a state failed), or brine could not ask the master"},
	{ExitStateFailed, "drift: a targeted minion's latest dry run would change something"},
	{ExitNoReturn, "a targeted minion has no dry run in the job cache (its drift is unknown), or no minion matched the target"},
	{ExitUsage, "a usage error; nothing ran"},
}

// driftPrecedence is the sentence that goes with drift's table.
const driftPrecedence = "When minions differ, the code is the first that applies of 3, 1, 2, as for every command: an unknown minion could have drifted, and a failed dry run says nothing of drift."

// driftExit is drift's code for a report.
func driftExit(ms []proto.DriftMinion) ExitCode {
	code := ExitOK
	if len(ms) == 0 {
		return ExitNoReturn
	}
	for _, d := range ms {
		switch d.Status {
		case proto.DriftDrifted:
			code = worse(code, ExitStateFailed)
		case proto.DriftFailed:
			code = worse(code, ExitError)
		case proto.DriftUnknown:
			code = worse(code, ExitNoReturn)
		}
	}
	return code
}

// driftExitHelp is drift's table as brine drift --help prints it.
func driftExitHelp() string {
	var b strings.Builder
	b.WriteString("Exit status:\n")
	for _, e := range driftExitCodes {
		exitHelpRow(&b, e.code, e.meaning)
	}
	b.WriteString("\n" + wrap(driftPrecedence, 74))
	return b.String()
}

// driftExitMarkdown is drift's table as docs/ hold it.
func driftExitMarkdown() string {
	var b strings.Builder
	b.WriteString("| code | brine drift |\n|---:|---|\n")
	for _, e := range driftExitCodes {
		fmt.Fprintf(&b, "| %d | %s |\n", e.code, e.meaning)
	}
	b.WriteString("\n" + driftPrecedence + "\n")
	return b.String()
}

// exitPrecedence is the sentence that goes with the table.
const exitPrecedence = "When minions end differently, the code is the first that applies of 3, 1, 2: a minion that did not return leaves the run's outcome unknown, and a tree that did not compile ran nothing there. brine ssh alone exits as salt-ssh does: 20 when any host failed (docs/ssh.md)."

// severity orders the codes for worse. A usage error stops a command
// before it runs anything, so it never meets another code; it still
// ranks first, so that nothing hides it.
func (c ExitCode) severity() int {
	switch c {
	case ExitOK:
		return 0
	case ExitStateFailed:
		return 1
	case ExitError:
		return 2
	case ExitNoReturn:
		return 3
	}
	return 4
}

// worse returns the more severe of two codes.
func worse(a, b ExitCode) ExitCode {
	if b.severity() > a.severity() {
		return b
	}
	return a
}

// retcodeExit maps a minion's retcode (exec's, which is Salt's) to the
// table: 2 is a failed state, anything else not 0 is an error (the tree
// did not compile, the function failed, the minion was busy).
func retcodeExit(retcode int) ExitCode {
	switch retcode {
	case exec.RetOK:
		return ExitOK
	case exec.RetStateFailure:
		return ExitStateFailed
	}
	return ExitError
}

// returnExit is the code of one expected minion: nil is no return.
func returnExit(ret *proto.Return) ExitCode {
	if ret == nil {
		return ExitNoReturn
	}
	return retcodeExit(ret.Retcode)
}

// resultExit is the code of one job's wait: the worst of its minions.
func resultExit(res *client.Result) ExitCode {
	code := ExitOK
	for id, st := range res.Status {
		if st != client.Returned {
			code = worse(code, ExitNoReturn)
			continue
		}
		code = worse(code, returnExit(res.Returns[id]))
	}
	return code
}

// exitError ends a command with a code of the table, once the command has
// said what went wrong.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// exitWith is the error that ends a command with code (nil for ExitOK).
func exitWith(code ExitCode) error {
	if code == ExitOK {
		return nil
	}
	return &exitError{code: int(code)}
}

// usageError is a command used wrongly: nothing ran. It exits 64.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usage marks err as a usage error.
func usage(err error) error {
	if err == nil {
		return nil
	}
	return &usageError{err: err}
}

func usagef(format string, a ...any) error { return usage(fmt.Errorf(format, a...)) }

// exitCodeOf reports err on w (unless the command already did) and
// returns the code to exit with. Errors are told apart by type, never by
// their text.
func exitCodeOf(w io.Writer, cmd *cobra.Command, err error) ExitCode {
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ExitCode(ee.code)
	}
	// An error can carry what a minion sent (its id, its words): it is
	// escaped like any other output for a terminal.
	fmt.Fprintf(w, "brine: %s\n", output.SafeText(err.Error()))
	var ue *usageError
	if errors.As(err, &ue) {
		path := "brine"
		if cmd != nil {
			path = cmd.CommandPath()
		}
		fmt.Fprintf(w, "Run '%s --help' for usage.\n", path)
		return ExitUsage
	}
	return ExitError
}

// markUsageErrors makes every argument and flag error of the command tree
// a usage error: cobra's own errors are plain ones.
func markUsageErrors(root *cobra.Command) {
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usage(err) })
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if args := c.Args; args != nil {
			c.Args = func(cmd *cobra.Command, a []string) error { return usage(args(cmd, a)) }
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// exitCodeHelp is the table as `brine --help` prints it.
func exitCodeHelp() string {
	var b strings.Builder
	b.WriteString("Exit status, the same for every command:\n")
	for _, e := range exitCodes {
		exitHelpRow(&b, e.code, e.meaning)
	}
	b.WriteString("\n" + wrap(exitPrecedence, 74))
	return b.String()
}

// exitCodeMarkdown is the table as docs/ hold it, between the markers
// <!-- exit-codes --> and <!-- /exit-codes -->.
func exitCodeMarkdown() string {
	var b strings.Builder
	b.WriteString("| code | meaning | Salt's |\n|---:|---|---|\n")
	for _, e := range exitCodes {
		fmt.Fprintf(&b, "| %d | %s | %s |\n", e.code, e.meaning, e.salt)
	}
	b.WriteString("\n" + exitPrecedence + "\n")
	return b.String()
}

// exitHelpRow writes one code of a table as --help prints it, so that
// both tables (every command's and drift's) line up alike: the code, then
// its meaning wrapped, each further line indented under the first.
func exitHelpRow(b *strings.Builder, code ExitCode, meaning string) {
	lines := strings.Split(strings.TrimSuffix(wrap(meaning, 70), "\n"), "\n")
	fmt.Fprintf(b, "  %-3d %s\n", code, strings.Join(lines, "\n      "))
}

// wrap breaks text into lines of at most width, at spaces.
func wrap(text string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(text) {
		if n > 0 && n+1+len(w) > width {
			b.WriteByte('\n')
			n = 0
		} else if n > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String() + "\n"
}
