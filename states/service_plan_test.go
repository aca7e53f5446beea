package states

import (
	"testing"

	"github.com/brine-cm/brine/states/internal/initsys"
)

// TestPlanService: the plan is what the dry run reports and the real run
// carries out, read from the status alone.
func TestPlanService(t *testing.T) {
	on, off := true, false
	run := func(b *bool) string {
		if b == nil {
			return "-"
		}
		return map[bool]string{true: "T", false: "F"}[*b]
	}
	tests := []struct {
		name          string
		want          serviceWant
		st            initsys.Status
		canRun, unmsk bool
		runs, enables string
		unmask, err   bool
		rootNote      bool
	}{
		{"start and enable", serviceWant{run: &on, enable: &on}, initsys.Status{Exists: true, EnableState: "disabled"}, true, false, "T", "T", false, false, false},
		{"settled", serviceWant{run: &on, enable: &on}, initsys.Status{Exists: true, Active: true, EnableState: "enabled"}, true, false, "-", "-", false, false, false},
		{"stop only", serviceWant{run: &off}, initsys.Status{Exists: true, Active: true, EnableState: "enabled"}, true, false, "F", "-", false, false, false},
		{"static unit: boot config not ours", serviceWant{run: &on, enable: &off}, initsys.Status{Exists: true, EnableState: "static"}, true, false, "T", "-", false, false, false},
		{"--root: no start, a note", serviceWant{run: &on, enable: &on}, initsys.Status{Exists: true, EnableState: "disabled"}, false, false, "-", "T", false, false, true},
		{"masked, unmask: True", serviceWant{run: &on}, initsys.Status{Exists: true, Masked: true, EnableState: "masked"}, true, true, "T", "-", true, false, false},
		{"masked, no unmask", serviceWant{run: &on}, initsys.Status{Exists: true, Masked: true, EnableState: "masked"}, true, false, "", "", false, true, false},
		{"masked and dead is fine", serviceWant{run: &off}, initsys.Status{Exists: true, Masked: true, EnableState: "masked"}, true, false, "-", "-", false, false, false},
	}
	for _, tt := range tests {
		p, err := planService("svc", tt.want, tt.st, tt.canRun, tt.unmsk)
		if (err != nil) != tt.err {
			t.Errorf("%s: err %v; want error %v", tt.name, err, tt.err)
			continue
		}
		if err != nil {
			continue
		}
		if run(p.run) != tt.runs || run(p.enable) != tt.enables || p.unmask != tt.unmask || (p.rootNote != "") != tt.rootNote {
			t.Errorf("%s: run %s enable %s unmask %v rootNote %q; want %s %s %v %v", tt.name, run(p.run), run(p.enable), p.unmask, p.rootNote, tt.runs, tt.enables, tt.unmask, tt.rootNote)
		}
	}
}
