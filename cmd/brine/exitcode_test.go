package main

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/exec"
	"github.com/brine-cm/brine/pkg/proto"
)

var updateDocs = flag.Bool("update", false, "rewrite the exit-code tables in docs/ from exitcode.go")

// The minion's retcodes are exec's; brine call passes them through, so
// they must be the table's.
func TestExitCodesAreTheRetcodes(t *testing.T) {
	if int(ExitOK) != exec.RetOK || int(ExitError) != exec.RetError || int(ExitStateFailed) != exec.RetStateFailure {
		t.Errorf("exec's retcodes (%d %d %d) are not the table's (%d %d %d)",
			exec.RetOK, exec.RetError, exec.RetStateFailure, ExitOK, ExitError, ExitStateFailed)
	}
	seen := map[ExitCode]bool{}
	for _, e := range exitCodes {
		if seen[e.code] {
			t.Errorf("code %d documented twice", e.code)
		}
		seen[e.code] = true
	}
	for _, c := range []ExitCode{ExitOK, ExitError, ExitStateFailed, ExitNoReturn, ExitUsage} {
		if !seen[c] {
			t.Errorf("code %d is not documented", c)
		}
	}
}

func TestResultExit(t *testing.T) {
	ret := func(rc int) *proto.Return { return &proto.Return{Retcode: rc} }
	tests := []struct {
		name   string
		status map[string]client.Status
		rets   map[string]*proto.Return
		want   ExitCode
	}{
		{"all ok", map[string]client.Status{"a": client.Returned, "b": client.Returned},
			map[string]*proto.Return{"a": ret(0), "b": ret(0)}, ExitOK},
		{"state failed", map[string]client.Status{"a": client.Returned, "b": client.Returned},
			map[string]*proto.Return{"a": ret(2), "b": ret(0)}, ExitStateFailed},
		{"compile error beats state failure", map[string]client.Status{"a": client.Returned, "b": client.Returned},
			map[string]*proto.Return{"a": ret(2), "b": ret(1)}, ExitError},
		{"an unknown retcode is an error", map[string]client.Status{"a": client.Returned},
			map[string]*proto.Return{"a": ret(42)}, ExitError},
		{"no return beats all", map[string]client.Status{"a": client.Returned, "b": client.NoResponse},
			map[string]*proto.Return{"a": ret(1)}, ExitNoReturn},
		{"still running", map[string]client.Status{"a": client.Running}, nil, ExitNoReturn},
		{"not connected", map[string]client.Status{"a": client.NotConnected}, nil, ExitNoReturn},
		{"returned without a return", map[string]client.Status{"a": client.Returned}, nil, ExitNoReturn},
	}
	for _, tt := range tests {
		if got := resultExit(&client.Result{Status: tt.status, Returns: tt.rets}); got != tt.want {
			t.Errorf("%s: resultExit = %d; want %d", tt.name, got, tt.want)
		}
	}
}

// Errors map to codes by type, through wrapping, never by text.
func TestExitCodeOf(t *testing.T) {
	var b strings.Builder
	tests := []struct {
		err  error
		want ExitCode
	}{
		{nil, ExitOK},
		{errors.New("no master"), ExitError},
		{usagef("--out xml: bad"), ExitUsage},
		{errors.Join(errors.New("x"), usagef("y")), ExitUsage},
		{exitWith(ExitStateFailed), ExitStateFailed},
		{exitWith(ExitNoReturn), ExitNoReturn},
		{errors.New("exit status 3"), ExitError}, // the text alone means nothing
	}
	for _, tt := range tests {
		if got := exitCodeOf(&b, nil, tt.err); got != tt.want {
			t.Errorf("exitCodeOf(%v) = %d; want %d", tt.err, got, tt.want)
		}
	}
}

// Usage errors from every layer: cobra's flags and arguments, brine's
// own checks.
func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--bogus"},
		{"call"},
		{"call", "--local", "--out", "xml", "test.ping"},
		{"call", "--local", "--file-root", "/nonexistent/dir", "test.ping"},
		{"call", "--local", "--out-file-append", "test.ping"},
		{"call", "--local", "--state-output", "loud", "test.ping"},
		{"*", "test.ping", "-t", "soon"},
		{"-E", "-L", "x", "test.ping"},
		{"jobs", "nosuch"},
		{"jobs", "kill"},
		{"key", "nosuch"},
		{"key", "accept"},
		{"key", "list", "--out", "xml"},
		{"master", "--bogus"},
	} {
		out, errOut, code := brine(t, args...)
		if code != int(ExitUsage) {
			t.Errorf("brine %s: exit %d; want %d\n%s%s", strings.Join(args, " "), code, ExitUsage, out, errOut)
		}
		if !strings.Contains(errOut, "--help' for usage.") {
			t.Errorf("brine %s: no usage hint:\n%s", strings.Join(args, " "), errOut)
		}
	}
}

func TestHelpShowsTheTable(t *testing.T) {
	out, _, code := brine(t, "--help")
	if code != 0 || !strings.Contains(out, exitCodeHelp()) {
		t.Errorf("brine --help lacks the exit-code table:\n%s", out)
	}
}

var exitBlock = regexp.MustCompile(`(?s)(<!-- exit-codes -->\n).*?(<!-- /exit-codes -->)`)

// Every copy of the table in docs/ is the table of exitcode.go, and so is
// docs/cli.md, made from brine --help. go test ./cmd/brine -run
// ExitCodeDocs -update rewrites the copies.
func TestExitCodeDocs(t *testing.T) {
	docs, err := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	if err != nil || len(docs) == 0 {
		t.Fatalf("no docs: %v", err)
	}
	want := exitCodeMarkdown()
	copies := 0
	for _, p := range docs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if filepath.Base(p) == "cli.md" {
			for _, line := range strings.Split(exitCodeHelp(), "\n") {
				if !strings.Contains(s, line) {
					t.Errorf("docs/cli.md lacks %q: go generate ./docs/gen", line)
				}
			}
			continue
		}
		ms := exitBlock.FindAllStringSubmatchIndex(s, -1)
		if len(ms) == 0 {
			continue
		}
		copies++
		if *updateDocs {
			s = exitBlock.ReplaceAllString(s, "${1}"+strings.ReplaceAll(want, "$", "$$")+"${2}")
			if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range exitBlock.FindAllStringSubmatch(s, -1) {
			if got := strings.TrimPrefix(strings.TrimSuffix(m[0], "<!-- /exit-codes -->"), "<!-- exit-codes -->\n"); got != want {
				t.Errorf("%s: the exit-code table differs from exitcode.go (go test ./cmd/brine -run ExitCodeDocs -update):\n%s\nwant\n%s", p, got, want)
			}
		}
	}
	if copies < 3 {
		t.Errorf("the exit-code table is in %d docs; want operations.md, troubleshooting.md and coming-from-salt.md", copies)
	}
}
