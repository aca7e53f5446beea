package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/minion"
)

// cluster is a master and one minion run in this process, on loopback,
// so that the commands that talk to a master run in-process too.
type cluster struct {
	t      *testing.T
	etc    string // -c for brine: master.yaml
	master *master.Master
	stop   context.CancelFunc // stops the minion
	done   chan struct{}      // closed when the minion has stopped
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitFor polls f until it returns nil or total runs out.
func waitFor(t *testing.T, total time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still failing after %v: %v", total, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startCluster starts a master over TLS with the state tree files, and a
// minion m1 whose key it accepts.
func startCluster(t *testing.T, files map[string]string) *cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a master and a minion")
	}
	dir := t.TempDir()
	c := &cluster{t: t, etc: filepath.Join(dir, "etc"), done: make(chan struct{})}
	roots := tree(t, files)
	if err := os.MkdirAll(c.etc, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf("interface: 127.0.0.1\nport: %d\nstate_dir: %s\ntls: true\nfile_roots:\n  base:\n    - %s\n",
		freePort(t), filepath.Join(dir, "master"), roots)
	if err := os.WriteFile(filepath.Join(c.etc, "master.yaml"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := master.LoadConfig(c.etc)
	if err != nil {
		t.Fatal(err)
	}
	c.master = master.New(cfg, master.Options{Log: quietLog})
	mctx, mcancel := context.WithCancel(context.Background())
	if err := c.master.Start(mctx); err != nil {
		mcancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { mcancel(); c.master.Shutdown() })

	mcfg := minion.Defaults()
	mcfg.ID = "m1"
	mcfg.Master = c.master.ClientURL()
	mcfg.StateDir = filepath.Join(dir, "minion")
	mcfg.CacheDir = filepath.Join(dir, "cache")
	mcfg.Root = t.TempDir()
	mcfg.HeartbeatInterval = minion.Duration(200 * time.Millisecond)
	mn := minion.New(&mcfg, quietLog)
	ctx, cancel := context.WithCancel(context.Background())
	c.stop = cancel
	go func() { defer close(c.done); _ = mn.Run(ctx) }()
	t.Cleanup(c.stopMinion)

	waitFor(t, 20*time.Second, func() error {
		out, _, _ := c.brine("key", "list", "--out", "json")
		if !strings.Contains(out, `"m1"`) {
			return fmt.Errorf("m1 not pending yet: %s", out)
		}
		return nil
	})
	if out, errOut, code := c.brine("key", "accept", "m1", "-y"); code != 0 {
		t.Fatalf("key accept m1: exit %d\n%s%s", code, out, errOut)
	}
	waitFor(t, 20*time.Second, func() error {
		if out, errOut, code := c.brine("m1", "test.ping", "-t", "2"); code != 0 {
			return fmt.Errorf("test.ping: exit %d\n%s%s", code, out, errOut)
		}
		return nil
	})
	return c
}

func (c *cluster) stopMinion() {
	c.stop()
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		c.t.Errorf("the minion did not stop")
	}
}

// brine runs a command in-process against the cluster's master.
func (c *cluster) brine(args ...string) (string, string, int) {
	c.t.Helper()
	return brine(c.t, append(args, "-c", c.etc)...)
}

var clusterTree = map[string]string{
	"fail.sls":   "bad:\n  test.fail_without_changes:\n    - name: it fails\n",
	"ok.sls":     "good:\n  test.succeed_without_changes:\n    - name: it works\n",
	"broken.sls": "a:\n  test.nop:\n  b: [\n",
	"hostile.sls": "evil:\n  test.configurable_test_state:\n    - name: \"x\\e[2J\"\n    - changes: True\n    - result: True\n" +
		"    - comment: \"clear\\e[2J title\\e]0;owned\\a cr\\rSucceeded: 99 fake\\e[32mSucceeded: 99\\e[0m c1\\u009b2J\"\n",
}

// Each code of the table, from the commands an operator runs.
func TestExitCodesThroughAMaster(t *testing.T) {
	c := startCluster(t, clusterTree)
	tests := []struct {
		name string
		args []string
		code ExitCode
		want string // in stdout or stderr
	}{
		{"all succeeded", []string{"m1", "state.apply", "ok", "-t", "20"}, ExitOK, "Succeeded: 1"},
		{"a state failed", []string{"m1", "state.apply", "fail", "-t", "20"}, ExitStateFailed, "Result: False"},
		{"the tree did not compile", []string{"m1", "state.apply", "broken", "-t", "20"}, ExitError, "Data failed to compile"},
		{"the function failed", []string{"m1", "cmd.run", "exit 7", "-t", "20"}, ExitError, "m1:"},
		{"no minion matched", []string{"nosuch*", "test.ping"}, ExitNoReturn, "No minions matched the target"},
		{"unknown --out", []string{"m1", "test.ping", "--out", "xml"}, ExitUsage, `unknown outputter "xml"`},
		{"unknown flag", []string{"m1", "test.ping", "--bogus"}, ExitUsage, "unknown flag: --bogus"},
		{"missing function", []string{"m1"}, ExitUsage, "want TARGET FUNCTION"},
		{"unknown jobs command", []string{"jobs", "frobnicate"}, ExitUsage, `unknown command "frobnicate"`},
		{"jobs lookup without a jid", []string{"jobs", "lookup"}, ExitUsage, "accepts 1 arg"},
		{"jobs list --out xml", []string{"jobs", "list", "--out", "xml"}, ExitUsage, `unknown outputter "xml"`},
		{"key list --out xml", []string{"key", "list", "--out", "xml"}, ExitUsage, `unknown outputter "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := c.brine(tt.args...)
			if code != int(tt.code) {
				t.Fatalf("exit %d; want %d\n%s%s", code, tt.code, out, errOut)
			}
			if !strings.Contains(out+errOut, tt.want) {
				t.Errorf("output lacks %q:\n%s%s", tt.want, out, errOut)
			}
			// Salt's stderr line for a minion's non-zero retcode, and
			// for a target that matched nothing.
			if line := "ERROR: Minions returned with non-zero exit code"; (tt.code == ExitStateFailed || tt.code == ExitError && tt.args[0] == "m1") != strings.Contains(errOut, line) {
				t.Errorf("stderr and %q disagree with exit %d:\n%s", line, tt.code, errOut)
			}
			if tt.name == "no minion matched" && (!strings.Contains(out, "No minions matched the target") || !strings.Contains(errOut, "ERROR: No return received")) {
				t.Errorf("no match: stdout %q stderr %q", out, errOut)
			}
		})
	}

	// jobs lookup gives the code of the job it shows.
	out, _, code := c.brine("m1", "state.apply", "fail", "--async")
	jid := strings.TrimSpace(strings.TrimPrefix(out, "Executed command with job ID:"))
	if code != 0 || jid == "" {
		t.Fatalf("--async: %d %q", code, out)
	}
	waitFor(t, 20*time.Second, func() error {
		out, errOut, code := c.brine("jobs", "lookup", jid)
		if code != int(ExitStateFailed) {
			return fmt.Errorf("jobs lookup %s: exit %d; want %d\n%s%s", jid, code, ExitStateFailed, out, errOut)
		}
		return nil
	})

	// A minion that is gone: 3, whatever else happened.
	c.stopMinion()
	out, errOut, code := c.brine("m1", "test.ping", "-t", "2")
	if code != int(ExitNoReturn) || !strings.Contains(out, "m1:\n    Minion did not return.") {
		t.Errorf("minion gone: exit %d; want %d\n%s%s", code, ExitNoReturn, out, errOut)
	}
}

// What a minion sends cannot drive the operator's terminal: its escape
// sequences come out escaped in the human outputters, and exact in JSON.
func TestMinionEscapesAreShownNotObeyed(t *testing.T) {
	c := startCluster(t, clusterTree)
	for _, args := range [][]string{
		{"m1", "state.apply", "hostile"},
		{"m1", "state.apply", "hostile", "--force-color"},
		{"m1", "state.apply", "hostile", "--state-output", "terse"},
		{"m1", "cmd.run", `printf 'clear\033[2J title\033]0;owned\007 cr\rSucceeded: 99 c1\302\233'`},
		{"m1", "cmd.run", `printf 'a\033[2J\nb'`, "--out", "txt"},
		{"m1", "cmd.run", `printf 'a\033[2J\nb'`, "--out", "newline_values_only"},
		{"m1", "cmd.run", `printf 'a\033[2J'`, "--out", "nested", "--static"},
	} {
		out, errOut, code := c.brine(args...)
		if code > int(ExitStateFailed) {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
		assertNoEscapes(t, strings.Join(args, " "), out)
	}
	out, _, _ := c.brine("m1", "state.apply", "hostile", "--out", "json")
	var v map[string]map[string]map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, st := range v["m1"] {
		if cm, _ := st["comment"].(string); !strings.Contains(cm, "\x1b[2J") || !strings.Contains(cm, "\u009b2J") {
			t.Errorf("JSON changed the comment: %q", cm)
		}
	}
}

// assertNoEscapes fails when out holds a control character other than
// newline and tab, once brine's own colours are taken out.
func assertNoEscapes(t *testing.T, name, out string) {
	t.Helper()
	for _, p := range []string{"\x1b[32m", "\x1b[36m", "\x1b[31m", "\x1b[1;31m", "\x1b[33m", "\x1b[1;33m", "\x1b[0m"} {
		out = strings.ReplaceAll(out, p, "")
	}
	for i, r := range out {
		if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r < 0xa0) {
			t.Errorf("%s: raw %U at byte %d:\n%s", name, r, i, out)
			return
		}
	}
	if !strings.Contains(out, `\x1b[2J`) {
		t.Errorf("%s: the escape is not shown:\n%s", name, out)
	}
}

// --out json on every command that prints data, --out-file and --static.
func TestDataOutputThroughAMaster(t *testing.T) {
	c := startCluster(t, clusterTree)
	out, errOut, code := c.brine("m1", "test.ping", "--async")
	if code != 0 {
		t.Fatalf("--async: %d\n%s%s", code, out, errOut)
	}
	jid := strings.TrimSpace(strings.TrimPrefix(out, "Executed command with job ID:"))

	var jobs map[string]map[string]any
	out, errOut, code = c.brine("jobs", "list", "--out", "json")
	if err := json.Unmarshal([]byte(out), &jobs); err != nil || code != 0 {
		t.Fatalf("jobs list --out json: %d %v\n%s%s", code, err, out, errOut)
	}
	if j := jobs[jid]; j == nil || j["Function"] != "test.ping" || j["Target"] != "m1" || j["Target-type"] != "glob" {
		t.Errorf("jobs list lacks %s in Salt's shape: %v", jid, jobs)
	}
	out, errOut, code = c.brine("jobs", "active", "--out", "json")
	if err := json.Unmarshal([]byte(out), &jobs); err != nil || code != 0 {
		t.Errorf("jobs active --out json: %d %v\n%s%s", code, err, out, errOut)
	}
	out, errOut, code = c.brine("jobs", "kill", jid, "--out", "json")
	var killed map[string][]string
	if err := json.Unmarshal([]byte(out), &killed); code == 0 && (err != nil || killed[jid] == nil) {
		t.Errorf("jobs kill --out json: %v\n%s%s", err, out, errOut)
	}

	var keys map[string][]string
	out, _, code = c.brine("key", "list", "--out", "json")
	if err := json.Unmarshal([]byte(out), &keys); err != nil || code != 0 {
		t.Fatalf("key list --out json: %d %v\n%s", code, err, out)
	}
	if len(keys["minions"]) != 1 || keys["minions"][0] != "m1" || keys["minions_pre"] == nil || keys["minions_rejected"] == nil {
		t.Errorf("key list --out json = %v; want Salt's shape with m1 accepted", keys)
	}
	out, _, _ = c.brine("key", "list", "--out", "newline_values_only")
	if out != "m1\n" {
		t.Errorf("key list --out newline_values_only = %q", out)
	}

	// --static: one JSON document, at the end, in --out-file.
	file := filepath.Join(t.TempDir(), "out.json")
	if err := os.WriteFile(file, []byte("old content\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = c.brine("m1", "test.ping", "--out", "json", "--static", "--out-file", file)
	if code != 0 || out != "" {
		t.Fatalf("--out-file: exit %d, stdout %q\n%s", code, out, errOut)
	}
	b, _ := os.ReadFile(file)
	if string(b) != "{\n    \"m1\": true\n}\n" {
		t.Errorf("--out-file holds %q", b)
	}
	if _, _, code = c.brine("m1", "test.ping", "--out", "txt", "--out-file", file, "--out-file-append"); code != 0 {
		t.Fatalf("--out-file-append: exit %d", code)
	}
	b, _ = os.ReadFile(file)
	if string(b) != "{\n    \"m1\": true\n}\nm1: True\n" {
		t.Errorf("--out-file-append holds %q", b)
	}
	if _, errOut, code = c.brine("m1", "test.ping", "--out-file", filepath.Join(file, "no", "such")); code != int(ExitUsage) {
		t.Errorf("unwritable --out-file: exit %d; want %d\n%s", code, ExitUsage, errOut)
	}
}

// brine key finger shows the master's own keys, from its state dir.
func TestKeyFingerShowsTheMastersKeys(t *testing.T) {
	c := startCluster(t, clusterTree)
	out, errOut, code := c.brine("key", "finger")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	want := "Local Keys:\nca.pem:  " + c.master.CAFinger() + "\njobkey.nk:  " + c.master.JobKey() + "\nAccepted Keys:\nm1:  "
	if c.master.CAFinger() == "" || !strings.HasPrefix(out, want) {
		t.Errorf("key finger =\n%s\nwant it to start\n%s", out, want)
	}
	var doc map[string]map[string]string
	out, _, _ = c.brine("key", "-F", "--out", "json")
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if doc["local"]["jobkey.nk"] != c.master.JobKey() || doc["minions"]["m1"] == "" {
		t.Errorf("key -F --out json = %v", doc)
	}
	// -f GLOB shows the keys it matches; the master's only when it
	// matches their names, as salt-key -f does.
	out, _, _ = c.brine("key", "-f", "m*")
	if strings.Contains(out, "Local Keys:") || !strings.Contains(out, "Accepted Keys:\nm1:  ") {
		t.Errorf("key -f 'm*' =\n%s", out)
	}
	out, _, _ = c.brine("key", "finger", "*.pem")
	if !strings.HasPrefix(out, "Local Keys:\nca.pem:  ") || strings.Contains(out, "jobkey.nk") || strings.Contains(out, "m1:") {
		t.Errorf("key finger '*.pem' =\n%s", out)
	}
}

// Salt's CLI habits through a master: salt -l debug logs on stderr and
// leaves stdout to the output, and master.yaml's outputter options
// (state_output, state_output_pct…) are the target command's defaults,
// as the master config is salt's; a flag wins.
func TestSaltHabitsThroughAMaster(t *testing.T) {
	c := startCluster(t, clusterTree)
	out, errOut, code := c.brine("-l", "debug", "m1", "test.ping", "-t", "20")
	if code != 0 || out != "m1:\n    True\n" {
		t.Errorf("-l debug: exit %d, stdout %q; want m1's True alone", code, out)
	}
	for _, want := range []string{"[DEBUG   ] Published job jid=", " fun=test.ping tgt=m1 minions=1\n", "[DEBUG   ] Got return jid=", " minion=m1 retcode=0\n"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("-l debug: stderr lacks %q:\n%s", want, errOut)
		}
	}
	if _, errOut, _ := c.brine("m1", "test.ping", "-t", "20"); errOut != "" {
		t.Errorf("default level: stderr %q; want nothing", errOut)
	}

	f, err := os.OpenFile(filepath.Join(c.etc, "master.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("state_output: terse\nstate_output_pct: true\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = c.brine("m1", "state.apply", "ok", "-t", "20")
	if code != 0 || !strings.Contains(out, "  Name: it works - Function: test.succeed_without_changes - Result: Clean") || !strings.Contains(out, "Success %: 100.0\n") {
		t.Errorf("master.yaml state_output terse, state_output_pct: exit %d\n%s%s", code, out, errOut)
	}
	out, _, _ = c.brine("m1", "state.apply", "ok", "-t", "20", "--state-output", "full")
	if !strings.Contains(out, "          ID: good\n") || !strings.Contains(out, "Success %: 100.0\n") {
		t.Errorf("--state-output full over master.yaml's terse:\n%s", out)
	}
}
