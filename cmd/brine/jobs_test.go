package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

// fakeJobs is a job cache.
type fakeJobs struct {
	jobs   []proto.JobSummary
	lookup *proto.JobLookupReply
}

func (f *fakeJobs) Jobs(context.Context) ([]proto.JobSummary, error)   { return f.jobs, nil }
func (f *fakeJobs) Active(context.Context) ([]proto.JobSummary, error) { return f.jobs, nil }
func (f *fakeJobs) Lookup(context.Context, string) (*proto.JobLookupReply, error) {
	return f.lookup, nil
}
func (f *fakeJobs) Kill(context.Context, string) ([]string, error) { return []string{"m1", "m2"}, nil }
func (f *fakeJobs) Close()                                         {}

func jobsCmd(t *testing.T, f *fakeJobs, args ...string) (string, string, int) {
	t.Helper()
	old := dialJobs
	t.Cleanup(func() { dialJobs = old })
	dialJobs = func(*connFlags) (jobsClient, error) { return f, nil }
	var out, errb bytes.Buffer
	code := run(append([]string{"jobs"}, args...), &streams{in: strings.NewReader(""), out: &out, err: &errb})
	return out.String(), errb.String(), code
}

func sampleJobs() *fakeJobs {
	at := time.Date(2026, 11, 22, 5, 31, 57, 953790000, time.Local)
	return &fakeJobs{jobs: []proto.JobSummary{{
		JID: "20261122053157953790", Fun: "state.apply", Args: []any{"web"}, Kwargs: map[string]any{"test": true},
		Target: "web*", TargetType: "glob", Minions: []string{"web1", "evil\x1b]0;owned\x07"}, IssuedAt: at,
		Running: []string{"web1"},
	}}}
}

func TestJobsListOutputs(t *testing.T) {
	f := sampleJobs()
	out, _, code := jobsCmd(t, f, "list")
	want := "20261122053157953790:\n    Function: state.apply\n    Arguments: [web test=true]\n    Target: web* (glob)\n" +
		"    Minions: web1, evil\\x1b]0;owned\\x07\n    Start Time: 2026-11-22 05:31:57\n    Running: web1\n"
	if code != 0 || out != want {
		t.Errorf("jobs list = %d\n%q\nwant\n%q", code, out, want)
	}
	// --out json: Salt's jobs.list_jobs shape, one document.
	out, _, code = jobsCmd(t, f, "list", "--out", "json")
	var doc map[string]map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
		t.Fatalf("jobs list --out json: %d %v\n%s", code, err, out)
	}
	j := doc["20261122053157953790"]
	args, _ := j["Arguments"].([]any)
	if j["Function"] != "state.apply" || j["Target-type"] != "glob" || j["StartTime"] != "2026, Nov 22 05:31:57.953790" ||
		len(args) != 2 || args[0] != "web" {
		t.Errorf("jobs list --out json = %s", out)
	}
	if kw, _ := args[1].(map[string]any); kw["__kwarg__"] != true || kw["test"] != true {
		t.Errorf("keyword arguments = %v; want Salt's {__kwarg__: true, …}", args[1])
	}
	out, _, _ = jobsCmd(t, f, "active", "--out", "yaml")
	if !strings.HasPrefix(out, "'20261122053157953790':\n  Function: state.apply\n") || !strings.Contains(out, "Running:\n  - web1") {
		t.Errorf("jobs active --out yaml =\n%s", out)
	}
	out, _, _ = jobsCmd(t, f, "kill", "20261122053157953790", "--out", "newline_values_only")
	if out != "m1\nm2\n" {
		t.Errorf("jobs kill --out newline_values_only = %q", out)
	}
	out, _, _ = jobsCmd(t, f, "kill", "20261122053157953790")
	if out != "Kill of job 20261122053157953790 sent to: m1, m2\n" {
		t.Errorf("jobs kill = %q", out)
	}
	file := filepath.Join(t.TempDir(), "jobs")
	out, _, code = jobsCmd(t, f, "list", "--out-file", file)
	if b, _ := os.ReadFile(file); code != 0 || out != "" || string(b) != want {
		t.Errorf("jobs list --out-file: %d, stdout %q, file %q", code, out, b)
	}
}

func TestJobsLookupExitCodes(t *testing.T) {
	ret := func(id string, retcode int) proto.Return {
		return proto.Return{ID: id, Return: true, Retcode: retcode, Out: "nested"}
	}
	tests := []struct {
		name    string
		returns []proto.Return
		minions []string
		code    ExitCode
	}{
		{"all returned", []proto.Return{ret("a", 0), ret("b", 0)}, []string{"a", "b"}, ExitOK},
		{"a state failed", []proto.Return{ret("a", 2), ret("b", 0)}, []string{"a", "b"}, ExitStateFailed},
		{"did not compile", []proto.Return{ret("a", 2), ret("b", 1)}, []string{"a", "b"}, ExitError},
		{"one missing", []proto.Return{ret("a", 1)}, []string{"a", "b"}, ExitNoReturn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &proto.JobLookupReply{Job: proto.JobSummary{JID: "1", Minions: tt.minions}, Returns: map[string]proto.Return{}}
			for _, x := range tt.returns {
				r.Returns[x.ID] = x
			}
			out, errOut, code := jobsCmd(t, &fakeJobs{lookup: r}, "lookup", "1")
			if code != int(tt.code) {
				t.Errorf("exit %d; want %d\n%s%s", code, tt.code, out, errOut)
			}
		})
	}
	// --static: one JSON document, the missing minion in it.
	r := &proto.JobLookupReply{Job: proto.JobSummary{JID: "1", Minions: []string{"a", "b"}}, Returns: map[string]proto.Return{"a": ret("a", 0)}}
	out, _, _ := jobsCmd(t, &fakeJobs{lookup: r}, "lookup", "1", "--out", "json", "--static")
	if out != "{\n    \"a\": true,\n    \"b\": \"Minion did not return. [No response]\"\n}\n" {
		t.Errorf("lookup --static = %q", out)
	}
}

// brine jobs lookup prints as master.yaml's outputter options say, as
// salt-run jobs.lookup_jid reads them from the master config.
func TestJobsLookupOutputFromMaster(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "master.yaml"), []byte("state_output: terse\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st := map[string]any{"test_|-a_|-a_|-nop": map[string]any{"__run_num__": 0, "__id__": "a", "name": "a", "result": true, "comment": "Success!", "changes": map[string]any{}}}
	r := &proto.JobLookupReply{Job: proto.JobSummary{JID: "1", Minions: []string{"m1"}},
		Returns: map[string]proto.Return{"m1": {ID: "m1", Return: st, Out: "highstate"}}}
	out, errOut, code := jobsCmd(t, &fakeJobs{lookup: r}, "lookup", "1", "-c", dir)
	if code != 0 || !strings.Contains(out, "m1:\n  Name: a - Function: test.nop - Result: Clean\n") {
		t.Errorf("lookup with state_output: terse: exit %d\n%s%s", code, out, errOut)
	}
	out, _, _ = jobsCmd(t, &fakeJobs{lookup: r}, "lookup", "1", "-c", dir, "--state-output", "full")
	if !strings.Contains(out, "          ID: a\n") {
		t.Errorf("--state-output full over master.yaml's terse:\n%s", out)
	}
}
