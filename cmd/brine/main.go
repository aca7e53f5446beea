// Command brine is the one binary: master, minion, call, key, jobs, and the
// Salt-style form `brine TARGET FUNCTION [ARGS…]`. It parses flags and wires
// packages together; the logic lives in the packages.
package main

import (
	"io"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// streams are the command's standard files, passed in so that tests can
// run commands in-process.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

func main() {
	// BRINE_CPUPROFILE=FILE writes a CPU profile of the command, for
	// performance reports (go tool pprof FILE).
	if p := os.Getenv("BRINE_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				code := run(os.Args[1:], &streams{in: os.Stdin, out: os.Stdout, err: os.Stderr})
				pprof.StopCPUProfile()
				f.Close()
				os.Exit(code)
			}
		}
	}
	os.Exit(run(os.Args[1:], &streams{in: os.Stdin, out: os.Stdout, err: os.Stderr}))
}

// run executes the command line and returns the exit status, one of
// the table in exitcode.go.
func run(args []string, s *streams) int {
	root := newRootCmd(s)
	root.SetArgs(saltBoolValues(args))
	cmd, err := root.ExecuteC()
	return int(exitCodeOf(s.err, cmd, err))
}

func newRootCmd(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "brine [flags] TARGET FUNCTION [ARG…] [KEY=VALUE…]",
		Short: "Salt-style configuration management over NATS",
		Long: `brine applies Salt-style states (YAML + Jinja, top.sls targeting) to hosts.

A master publishes jobs over NATS to its minions; each minion renders and
applies its states and streams the results back. The same engine runs on
one host with no master: brine call --local.

The target form is Salt's salt command: its targeting flags, -t, -b, -s,
-v, --show-jid, --async, --summary, -l, the output flags, and master.yaml's
state_output, state_verbose and other outputter options. It differs from
salt in: the exit status (below); -t, which waits for a minion's ack and
then for as long as its heartbeats say it works, not for gather_job_timeout
rounds; -l, which logs this command's own doings (the job published, each
return), not the master's; and what it has not: returners (--return),
--metadata, eauth, --batch-safe-limit, -R ranges, --args-stdin, and the
key, table and profile outputters.

` + exitCodeHelp(),
		Example: `  # Ping every minion
  brine '*' test.ping

  # Dry-run the highstate on the Debian minions
  brine -G os:Debian state.apply test=True

  # Apply states on this host alone, no master
  brine call --local --file-root ./states state.apply`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return runTarget(cmd, args, s)
		},
	}
	root.SetGlobalNormalizationFunc(saltFlagNames)
	root.SetIn(s.in)
	root.SetOut(s.out)
	root.SetErr(s.err)
	addTargetFlags(root)
	root.AddCommand(newCallCmd(s))
	root.AddCommand(netCommands(s)...)
	addVersion(root)
	addGenMan(root)
	addCompletions(root)
	markUsageErrors(root)
	return root
}
