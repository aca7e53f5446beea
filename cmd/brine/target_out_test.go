package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/proto"
)

// writes counts the writes it gets, as a pipe would see them.
type writes struct {
	bytes.Buffer
	n int
}

func (w *writes) Write(b []byte) (int, error) {
	w.n++
	return w.Buffer.Write(b)
}

// Returns printed to a pipe are written a batch at a time (drain, at
// each Drained event and at the end); to an --out-file, a return at a
// time, as Salt's display_output appends them.
func TestPrinterBuffersAPipe(t *testing.T) {
	stdout, stderr := &writes{}, &writes{}
	s := &streams{in: strings.NewReader(""), out: stdout, err: stderr}
	o := &netOutput{}
	p := o.printer(s)
	p.buffer(s.out)
	for _, id := range []string{"m1", "m2", "m3"} {
		p.minion(id, &proto.Return{ID: id, Return: true})
	}
	p.missing("m4", "No response")
	if stdout.n != 0 {
		t.Fatalf("%d writes before the drain; want none", stdout.n)
	}
	p.drain()
	if stdout.n != 1 {
		t.Errorf("%d writes for a batch of four minions; want 1", stdout.n)
	}
	for _, want := range []string{"m1:\n    True\n", "m3:\n    True\n", "m4:\n    Minion did not return. [No response]\n"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	if err := p.flush(); err != nil {
		t.Fatal(err)
	}

	file := filepath.Join(t.TempDir(), "out")
	o = &netOutput{f: outputFlags{outFile: file}}
	p = o.printer(s)
	p.buffer(s.out)
	if p.buf != nil {
		t.Error("an --out-file is buffered; want each return on disk as printed")
	}
}

// TestTargetOutputFromMaster: master.yaml's outputter options are the
// target command's defaults, as salt reads state_output, state_verbose
// and the rest from the master config; a flag given wins.
func TestTargetOutputFromMaster(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "master.yaml"), []byte("state_output: mixed\nstate_verbose: false\nstate_output_pct: true\nstate_output_profile: false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := master.LoadConfig(dir)
	if err != nil {
		t.Fatalf("master.yaml with Salt's outputter options: %v", err)
	}
	tests := []struct {
		args                 []string
		stateOutput          string
		hideClean, pct, noPr bool
	}{
		{nil, "mixed", true, true, true},
		{[]string{"--state-output=changes", "--state-verbose=true"}, "changes", false, true, true},
		{[]string{"--state_output", "terse"}, "terse", true, true, true},
	}
	for _, tc := range tests {
		fs := pflag.NewFlagSet("brine", pflag.ContinueOnError)
		fs.SetNormalizeFunc(saltFlagNames)
		addTargetFlagSet(fs)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		o, err := netOutputFrom(fs)
		if err != nil {
			t.Fatal(err)
		}
		o.fromMaster(cfg)
		got := o.f.options(&bytes.Buffer{}, nil)
		if got.StateOutput != tc.stateOutput || got.HideClean != tc.hideClean || got.Pct != tc.pct || got.NoProfile != tc.noPr {
			t.Errorf("%v: StateOutput %q HideClean %v Pct %v NoProfile %v; want %q %v %v %v", tc.args,
				got.StateOutput, got.HideClean, got.Pct, got.NoProfile, tc.stateOutput, tc.hideClean, tc.pct, tc.noPr)
		}
	}
}
