package main

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

func parseTarget(t *testing.T, argv ...string) (*targetOptions, error) {
	t.Helper()
	var got *targetOptions
	cmd := &cobra.Command{Use: "brine", Args: cobra.ArbitraryArgs, RunE: func(cmd *cobra.Command, args []string) error {
		o, err := targetOptionsFrom(cmd.Flags())
		if err != nil {
			return err
		}
		if err := o.Complete(args); err != nil {
			return err
		}
		got = o
		return o.Validate()
	}}
	addTargetFlags(cmd)
	cmd.SetArgs(argv)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	return got, err
}

func TestTargetOptions(t *testing.T) {
	tests := []struct {
		argv    []string
		tgtType string
		fun     string
		args    []any
		kwargs  map[string]any
		wait    time.Duration
		wantErr string
	}{
		{argv: []string{"*", "test.ping"}, tgtType: "glob", fun: "test.ping", kwargs: map[string]any{}, wait: 5 * time.Second},
		{argv: []string{"-G", "os:Debian", "state.apply", "web", "test=True", "-t", "60"}, tgtType: "grain", fun: "state.apply",
			args: []any{"web"}, kwargs: map[string]any{"test": true}, wait: time.Minute},
		{argv: []string{"-L", "a,b", "cmd.run", "ls -l", "--timeout", "90s"}, tgtType: "list", fun: "cmd.run", args: []any{"ls -l"}, kwargs: map[string]any{}, wait: 90 * time.Second},
		{argv: []string{"-C", "G@os:Debian and web*", "test.ping"}, tgtType: "compound", fun: "test.ping", kwargs: map[string]any{}, wait: 5 * time.Second},
		{argv: []string{"-N", "webs", "test.ping", "-b", "10%"}, tgtType: "nodegroup", fun: "test.ping", kwargs: map[string]any{}, wait: 5 * time.Second},
		{argv: []string{"*"}, wantErr: "want TARGET FUNCTION"},
		{argv: []string{"-E", "-L", "x", "test.ping"}, wantErr: "at most one of"},
		{argv: []string{"*", "test.ping", "-t", "soon"}, wantErr: `--timeout "soon"`},
		{argv: []string{"*", "test.ping", "-t", "0"}, wantErr: "--timeout"},
		{argv: []string{"*", "test.ping", "--batch", "150%"}, wantErr: "--batch-size"},
		{argv: []string{"*", "test.ping", "--out", "xml"}, wantErr: "--out xml"},
		{argv: []string{"*", "test.ping", "--subset", "-1"}, wantErr: "--subset -1"},
		{argv: []string{"*", "test.ping", "-b", "1", "--batch-wait", "soon"}, wantErr: "--batch-wait soon"},
		{argv: []string{"-d", "*", "test.ping"}, tgtType: "glob", fun: "sys.doc", args: []any{"test.ping"}, kwargs: map[string]any{}, wait: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			o, err := parseTarget(t, tt.argv...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v; want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			j := o.job
			if j.TargetType != tt.tgtType || j.Fun != tt.fun || !reflect.DeepEqual(j.Args, tt.args) ||
				!reflect.DeepEqual(j.Kwargs, tt.kwargs) || o.wait != tt.wait {
				t.Errorf("got type %q fun %q args %#v kwargs %#v wait %v", j.TargetType, j.Fun, j.Args, j.Kwargs, o.wait)
			}
		})
	}
}
