package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/minion"
	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/py/fnmatch"
)

type eventsOptions struct {
	conn   connFlags
	tag    string
	pretty bool
	count  int
}

func newEventsCmd(s *streams) *cobra.Command {
	o := &eventsOptions{}
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Print the master's event bus as it goes (salt-run state.event)",
		Long: `Print every event of the master's bus from now on, one per line: the tag, a
tab, and the data as JSON, as salt-run state.event prints them. With several
masters on one cluster, the events of all of them.

The read-only credential sees the events redacted: of a job's return how it
ended, not what it holds (docs/events.md).`,
		Example: `  # Everything, as it happens
  brine events --pretty

  # The returns of jobs only
  brine events --tag 'salt/job/*/ret/*'

  # Wait for one event a minion sends, then stop
  brine events --tag 'minion/web1/deploy/*' --count 1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.count < 0 {
				return usagef("--count: want 0 (no end) or more")
			}
			return o.run(cmd.Context(), s)
		},
	}
	o.conn.add(cmd.Flags())
	cmd.Flags().StringVar(&o.tag, "tag", "*", "print only the events whose tag matches this glob (fnmatch, as Salt's tagmatch)")
	cmd.Flags().BoolVar(&o.pretty, "pretty", false, "print the data indented, as state.event pretty=True")
	cmd.Flags().IntVar(&o.count, "count", 0, "stop after this many events (0: run until interrupted)")
	return cmd
}

func (o *eventsOptions) run(ctx context.Context, s *streams) error {
	c, err := o.conn.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	sctx, cancel := signalContext()
	defer cancel()
	if ctx != nil {
		stop := context.AfterFunc(ctx, cancel)
		defer stop()
	}
	pat := fnmatch.Compile(o.tag)
	n := 0
	return c.Events(sctx, pat.Match, func(e proto.Event) bool {
		if err := printEvent(s.out, e, o.pretty); err != nil {
			return false
		}
		n++
		return o.count == 0 || n < o.count
	})
}

// printEvent prints an event as salt-run state.event does: the tag, a
// tab, the data with its _stamp as Python's json.dumps(sort_keys=True)
// writes it (on one line; indented by four with pretty). Numbers keep
// their digits.
func printEvent(w io.Writer, e proto.Event, pretty bool) error {
	var data any
	d := json.NewDecoder(bytes.NewReader(e.Data))
	d.UseNumber()
	if err := d.Decode(&data); err != nil {
		data = string(e.Data)
	}
	if m, ok := data.(map[string]any); ok {
		m["_stamp"] = e.Stamp.UTC().Format("2006-01-02T15:04:05.000000")
	}
	text := output.JSONLine(data)
	if pretty {
		text = output.JSON(data)
	}
	_, err := fmt.Fprintf(w, "%s\t%s\n", output.Safe(e.Tag), output.SafeText(text))
	return err
}

type eventSendOptions struct {
	configDir string
}

// newEventSendCmd is `brine event send`, on a minion's host.
func newEventSendCmd(s *streams) *cobra.Command {
	o := &eventSendOptions{}
	cmd := &cobra.Command{
		Use:   "send TAG [DATA]",
		Short: "Send an event to the master's bus as this minion (salt-call event.send)",
		Long: `Send an event to the master's event bus as the minion of this host: it logs
in with the minion's key (so it runs as root, next to the minion), and the
master publishes the event as minion/<id>/TAG, with the minion's id in its
data. DATA is a YAML or JSON mapping.

A minion sends events under its own namespace only; the master bounds their
size and rate (limits.minion_events_per_sec), docs/events.md.`,
		Example: `  # Tell the master a deploy is done; the bus shows minion/web1/deploy/done
  brine event send deploy/done '{"version": "1.2.3"}'`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var data json.RawMessage
			if len(args) == 2 {
				var v any
				if err := yaml.Unmarshal([]byte(args[1]), &v); err != nil {
					return usagef("event data: %v", err)
				}
				if _, ok := v.(map[string]any); !ok && v != nil {
					return usagef("event data: want a mapping, such as '{\"key\": \"value\"}'")
				}
				data, _ = json.Marshal(v)
			}
			if err := proto.ValidEventTag(args[0]); err != nil {
				return usage(err)
			}
			if err := checkConfigDir(o.configDir, cmd.Flags().Changed("config-dir")); err != nil {
				return err
			}
			cfg, err := minion.LoadConfig(o.configDir)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := minion.SendEvent(ctx, cfg, args[0], data); err != nil {
				return err
			}
			fmt.Fprintln(s.out, "True")
			return nil
		},
	}
	cmd.Flags().StringVarP(&o.configDir, "config-dir", "c", master.DefaultDir, "directory holding minion.yaml")
	return cmd
}

// newEventCmd is `brine event`, the parent of `brine event send`.
func newEventCmd(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "event",
		Short: "Send events to the master's bus from a minion's host",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newEventSendCmd(s))
	return cmd
}
