package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/pkg/proto"
)

type driftOptions struct {
	conn    connFlags
	json    bool
	tgtType string
	pcre    bool
	list    bool
	grain   bool
	gpcre   bool
	comp    bool
	ngroup  bool
}

// driftClient is what brine drift asks of the master; tests give a fake
// one.
type driftClient interface {
	Drift(ctx context.Context, tgt, tgtType string) ([]proto.DriftMinion, error)
	Close()
}

var dialDrift = func(c *connFlags) (driftClient, error) { return c.dial() }

func newDriftCmd(s *streams) *cobra.Command {
	o := &driftOptions{}
	cmd := &cobra.Command{
		Use:   "drift [TARGET]",
		Short: "Which minions differ from their states, by their latest dry run",
		Long: `Report, for each targeted minion, whether its latest dry run (state.apply
test=True, state.test, or a highstate or sls with test=True; scheduled or
run by an operator) found it differing from its states: which states would
change, with their comments and diffs. The master keeps an index of each
minion's latest dry run; see docs/schedule.md to run one on a schedule.

` + driftExitHelp(),
		Example: `  # Every minion's drift, as a table
  brine drift

  # The web minions', as JSON for a script
  brine drift -G role:web --json

  # Exit 0 only when nothing drifted: a check for monitoring
  brine drift 'web*' >/dev/null`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			tgt := "*"
			if len(args) == 1 {
				tgt = args[0]
			}
			if err := o.complete(); err != nil {
				return usage(err)
			}
			return o.run(cmd.Context(), s, tgt)
		},
	}
	o.conn.add(cmd.Flags())
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "print the report as one JSON document")
	f.BoolVarP(&o.pcre, "pcre", "E", false, "the target is a regular expression of minion ids")
	f.BoolVarP(&o.list, "list", "L", false, "the target is a comma-separated list of minion ids")
	f.BoolVarP(&o.grain, "grain", "G", false, "the target is a grain:value glob")
	f.BoolVarP(&o.gpcre, "grain-pcre", "P", false, "the target is a grain:regex")
	f.BoolVarP(&o.comp, "compound", "C", false, "the target is a compound expression")
	f.BoolVarP(&o.ngroup, "nodegroup", "N", false, "the target is a nodegroup")
	return cmd
}

func (o *driftOptions) complete() error {
	o.tgtType = proto.TargetGlob
	n := 0
	for _, c := range []struct {
		on bool
		t  string
	}{{o.pcre, proto.TargetPCRE}, {o.list, proto.TargetList}, {o.grain, proto.TargetGrain}, {o.gpcre, proto.TargetGrainPCRE},
		{o.comp, proto.TargetCompound}, {o.ngroup, proto.TargetNodegroup}} {
		if c.on {
			n++
			o.tgtType = c.t
		}
	}
	if n > 1 {
		return fmt.Errorf("give at most one of -E, -L, -G, -P, -C, -N")
	}
	return nil
}

func (o *driftOptions) run(ctx context.Context, s *streams, tgt string) error {
	c, err := dialDrift(&o.conn)
	if err != nil {
		return err
	}
	defer c.Close()
	ms, err := c.Drift(ctxOr(ctx), tgt, o.tgtType)
	if err != nil {
		return err
	}
	if o.json {
		err = writeDriftJSON(s.out, ms)
	} else {
		err = writeOut(s.out, driftTable(ms))
	}
	if err != nil {
		return err
	}
	if len(ms) == 0 && !o.json {
		fmt.Fprintf(s.err, "brine: no minion matched %s\n", output.Safe(tgt))
	}
	return exitWith(driftExit(ms))
}

// driftDoc is the JSON report: every minion, and the ids of each status
// for a script's quick look.
func writeDriftJSON(w io.Writer, ms []proto.DriftMinion) error {
	if ms == nil {
		ms = []proto.DriftMinion{}
	}
	by := map[string][]string{proto.DriftClean: {}, proto.DriftDrifted: {}, proto.DriftFailed: {}, proto.DriftUnknown: {}}
	for _, d := range ms {
		by[d.Status] = append(by[d.Status], d.ID)
	}
	b, err := json.MarshalIndent(struct {
		Minions []proto.DriftMinion `json:"minions"`
		Clean   []string            `json:"clean"`
		Drifted []string            `json:"drifted"`
		Failed  []string            `json:"failed"`
		Unknown []string            `json:"unknown"`
	}{ms, by[proto.DriftClean], by[proto.DriftDrifted], by[proto.DriftFailed], by[proto.DriftUnknown]}, "", "    ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// indentText is a minion's text of several lines (a comment, a diff),
// escaped for the terminal but for its newlines, each line after the
// first indented.
func indentText(s, indent string) string {
	return strings.ReplaceAll(output.SafeText(s), "\n", "\n"+indent)
}

// driftTable is the report for people: one line a minion, then the
// states of each that drifted or failed, with their diffs. Everything a
// minion sent is escaped for the terminal.
func driftTable(ms []proto.DriftMinion) string {
	safe := output.Safe
	var b strings.Builder
	w := len("MINION")
	for _, d := range ms {
		w = max(w, len(safe(d.ID)))
	}
	fmt.Fprintf(&b, "%-*s  %-8s  %-7s  %-19s  %s\n", w, "MINION", "STATUS", "STATES", "DRY RUN", "JID (SCHEDULE)")
	count := map[string]int{}
	for _, d := range ms {
		count[d.Status]++
		states, when, jid := "-", "-", "-"
		if d.JID != "" {
			jid = d.JID
			if d.Schedule != "" {
				jid += " (" + safe(d.Schedule) + ")"
			}
			when = d.Time.Local().Format("2006-01-02 15:04:05")
		}
		if d.Status == proto.DriftClean || d.Status == proto.DriftDrifted || (d.Status == proto.DriftFailed && d.Error == "") {
			states = fmt.Sprintf("%d/%d", len(d.States), d.Total)
		}
		fmt.Fprintf(&b, "%-*s  %-8s  %-7s  %-19s  %s\n", w, safe(d.ID), d.Status, states, when, jid)
	}
	for _, d := range ms {
		if len(d.States) == 0 && d.Error == "" {
			continue
		}
		fmt.Fprintf(&b, "\n%s:\n", safe(d.ID))
		if d.Error != "" {
			fmt.Fprintf(&b, "    %s\n", indentText(strings.TrimSpace(d.Error), "    "))
		}
		for _, st := range d.States {
			res := "would change"
			if st.Result != nil && !*st.Result {
				res = "failed"
			} else if st.Result != nil {
				res = "changed"
			}
			fmt.Fprintf(&b, "  %s %s (id %s, sls %s): %s\n", safe(st.Func), safe(st.Name), safe(st.ID), safe(st.SLS), res)
			if st.Comment != "" {
				fmt.Fprintf(&b, "    %s\n", indentText(st.Comment, "    "))
			}
			for _, k := range sortedKeys(st.Changes) {
				v := st.Changes[k]
				if s, ok := v.(string); ok && strings.Contains(s, "\n") {
					fmt.Fprintf(&b, "    %s:\n        %s\n", safe(k), indentText(strings.TrimRight(s, "\n"), "        "))
					continue
				}
				j, _ := json.Marshal(v)
				fmt.Fprintf(&b, "    %s: %s\n", safe(k), safe(string(j)))
			}
		}
	}
	var parts []string
	for _, st := range []string{proto.DriftDrifted, proto.DriftFailed, proto.DriftUnknown, proto.DriftClean} {
		if count[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", count[st], st))
		}
	}
	fmt.Fprintf(&b, "\n%d minions: %s\n", len(ms), strings.Join(parts, ", "))
	return b.String()
}
