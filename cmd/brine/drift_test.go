package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

type fakeDrift struct {
	ms           []proto.DriftMinion
	tgt, tgtType string
}

func (f *fakeDrift) Drift(_ context.Context, tgt, tgtType string) ([]proto.DriftMinion, error) {
	f.tgt, f.tgtType = tgt, tgtType
	return f.ms, nil
}
func (f *fakeDrift) Close() {}

func driftCmd(t *testing.T, f *fakeDrift, args ...string) (string, string, int) {
	t.Helper()
	old := dialDrift
	t.Cleanup(func() { dialDrift = old })
	dialDrift = func(*connFlags) (driftClient, error) { return f, nil }
	var out, errb bytes.Buffer
	code := run(append([]string{"drift"}, args...), &streams{in: strings.NewReader(""), out: &out, err: &errb})
	return out.String(), errb.String(), code
}

func TestDriftOutputsAndCodes(t *testing.T) {
	at := time.Date(2026, 12, 6, 5, 0, 0, 0, time.Local)
	clean := proto.DriftMinion{ID: "db1", Status: proto.DriftClean, JID: "20261206050000000001", Time: at, Total: 3}
	drifted := proto.DriftMinion{ID: "web1", Status: proto.DriftDrifted, JID: "20261206050000000002", Time: at, Schedule: "drift-check", Total: 3,
		States: []proto.DriftState{{ID: "motd", Name: "/etc/motd", Func: "file.managed", SLS: "base", Comment: "The file /etc/motd is set to be changed\nNote: No changes made",
			Changes: map[string]any{"diff": "--- \n+++ \n@@ -1 +1 @@\n-hacked\x1b[2J\n+hello\n"}}}}
	unknown := proto.DriftMinion{ID: "new1", Status: proto.DriftUnknown}
	failed := proto.DriftMinion{ID: "bad1", Status: proto.DriftFailed, JID: "20261206050000000003", Time: at, Error: "Rendering SLS 'base:web' failed"}

	f := &fakeDrift{ms: []proto.DriftMinion{clean, drifted}}
	out, _, code := driftCmd(t, f, "-G", "role:web")
	if code != int(ExitStateFailed) || f.tgt != "role:web" || f.tgtType != proto.TargetGrain {
		t.Errorf("drift -G role:web: exit %d, target %q %q; want 2, role:web grain", code, f.tgt, f.tgtType)
	}
	for _, want := range []string{"web1    drifted   1/3", "db1     clean     0/3", "(drift-check)",
		"file.managed /etc/motd (id motd, sls base): would change",
		"    The file /etc/motd is set to be changed\n    Note: No changes made\n", "\n        @@ -1 +1 @@\n        -hacked\\x1b[2J\n        +hello\n", "2 minions: 1 drifted, 1 clean"} {
		if !strings.Contains(out, want) {
			t.Errorf("drift table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("drift table paints the terminal:\n%q", out)
	}
	for _, tc := range []struct {
		ms   []proto.DriftMinion
		want ExitCode
	}{
		{[]proto.DriftMinion{clean}, ExitOK},
		{[]proto.DriftMinion{clean, drifted}, ExitStateFailed},
		{[]proto.DriftMinion{drifted, failed}, ExitError},
		{[]proto.DriftMinion{drifted, failed, unknown}, ExitNoReturn},
		{nil, ExitNoReturn},
	} {
		out, _, code := driftCmd(t, &fakeDrift{ms: tc.ms}, "--json")
		if code != int(tc.want) {
			t.Errorf("drift of %d minions: exit %d; want %d", len(tc.ms), code, tc.want)
		}
		var doc struct {
			Minions []proto.DriftMinion `json:"minions"`
			Drifted []string            `json:"drifted"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Minions) != len(tc.ms) || doc.Drifted == nil {
			t.Errorf("drift --json: %v\n%s", err, out)
		}
	}
	if _, _, code := driftCmd(t, &fakeDrift{}, "-G", "-L", "x"); code != int(ExitUsage) {
		t.Errorf("drift -G -L: exit %d; want %d", code, ExitUsage)
	}
}

var driftBlock = regexp.MustCompile(`(?s)<!-- drift-exit-codes -->\n(.*?)<!-- /drift-exit-codes -->`)

// docs/schedule.md and docs/operations.md hold drift's table as
// exitcode.go has it (-update rewrites them).
func TestDriftExitCodeDocs(t *testing.T) {
	for _, name := range []string{"schedule.md", "operations.md"} {
		p := filepath.Join("..", "..", "docs", name)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if *updateDocs {
			s = driftBlock.ReplaceAllString(s, "<!-- drift-exit-codes -->\n"+strings.ReplaceAll(driftExitMarkdown(), "$", "$$")+"<!-- /drift-exit-codes -->")
			if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		m := driftBlock.FindStringSubmatch(s)
		if m == nil || m[1] != driftExitMarkdown() {
			t.Errorf("docs/%s: drift's exit-code table differs from exitcode.go (go test ./cmd/brine -run DriftExitCodeDocs -update)", name)
		}
	}
}
