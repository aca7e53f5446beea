package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

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
