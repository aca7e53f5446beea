package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/confyaml"
	"github.com/brine-cm/brine/pkg/proto"
)

func TestConfigValidate(t *testing.T) {
	exp := confyaml.Duration(time.Hour)
	for _, tt := range []struct {
		c       Config
		wantErr bool
		plain   bool // ErrPlainBeyondLoopback
	}{
		{Config{}, false, false},
		{Config{Listen: "127.0.0.1:8000", TokenExpiry: exp}, false, false},
		{Config{Listen: "localhost:8000", TokenExpiry: exp}, false, false},
		{Config{Listen: "[::1]:8000", TokenExpiry: exp}, false, false},
		{Config{Listen: "0.0.0.0:8000", TokenExpiry: exp}, true, true},
		{Config{Listen: ":8000", TokenExpiry: exp}, true, true},
		{Config{Listen: "10.0.0.1:8000", TokenExpiry: exp}, true, true},
		{Config{Listen: "0.0.0.0:8000", TLSCert: "c.pem", TLSKey: "k.pem", TokenExpiry: exp}, false, false},
		{Config{Listen: "0.0.0.0:8000", TLSCert: "c.pem", TokenExpiry: exp}, true, false},
		{Config{Listen: "127.0.0.1", TokenExpiry: exp}, true, false},
		{Config{Listen: "127.0.0.1:8000", TokenExpiry: confyaml.Duration(time.Second)}, true, false},
	} {
		err := tt.c.Validate()
		if (err != nil) != tt.wantErr {
			t.Errorf("Validate(%+v) = %v; want error %v", tt.c, err, tt.wantErr)
		}
		if got := errors.Is(err, ErrPlainBeyondLoopback); got != tt.plain {
			t.Errorf("Validate(%+v) = %v; is ErrPlainBeyondLoopback %v, want %v", tt.c, err, got, tt.plain)
		}
	}
}

func TestTokensExpire(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tk := newTokens(time.Hour)
	tk.now = func() time.Time { return now }
	s, err := tk.issue(RoleReadOnly)
	if err != nil {
		t.Fatal(err)
	}
	if got := tk.check(s.Token); got == nil || got.Role != RoleReadOnly {
		t.Fatalf("check(fresh) = %v; want the read-only session", got)
	}
	if tk.check("nope") != nil || tk.check("") != nil {
		t.Fatal("an unknown token has a session")
	}
	now = now.Add(time.Hour)
	if tk.check(s.Token) != nil {
		t.Fatal("an expired token has a session")
	}
	s2, _ := tk.issue(RoleOperator)
	tk.revoke(s2.Token)
	if tk.check(s2.Token) != nil {
		t.Fatal("a revoked token has a session")
	}
}

func TestLowstateJob(t *testing.T) {
	for _, tt := range []struct {
		low     Lowstate
		wantErr bool
		args    []any
		kwargs  map[string]any
		typ     string
		timeout time.Duration
	}{
		{low: Lowstate{Client: "local", Tgt: "*", Fun: "test.ping"}, kwargs: map[string]any{}, typ: "glob", timeout: defaultTimeout},
		{low: Lowstate{Client: "local", Tgt: "web*", Fun: "state.apply", Arg: []any{"web", "test=True"}, Timeout: 60, TgtType: "compound"},
			args: []any{"web"}, kwargs: map[string]any{"test": true}, typ: "compound", timeout: time.Minute},
		{low: Lowstate{Client: "local_async", Tgt: "*", Fun: "cmd.run", Arg: []any{"echo 1", 2.0}, Kwarg: map[string]any{"cwd": "/"}},
			args: []any{"echo 1", 2.0}, kwargs: map[string]any{"cwd": "/"}, typ: "glob", timeout: defaultTimeout},
		{low: Lowstate{Client: "runner", Tgt: "*", Fun: "jobs.list_jobs"}, wantErr: true},
		{low: Lowstate{Tgt: "*", Fun: "test.ping"}, wantErr: true},
		{low: Lowstate{Client: "local", Fun: "test.ping"}, wantErr: true},
		{low: Lowstate{Client: "local_batch", Tgt: "*", Fun: "test.ping"}, wantErr: true},
		{low: Lowstate{Client: "local", Tgt: "*", Fun: "test.ping", Batch: "x%"}, wantErr: true},
		{low: Lowstate{Client: "local", Tgt: "*", Fun: "test.ping", Timeout: -1}, wantErr: true},
	} {
		j, err := tt.low.job()
		if (err != nil) != tt.wantErr {
			t.Errorf("job(%+v) = %v; want error %v", tt.low, err, tt.wantErr)
			continue
		}
		if err != nil {
			if statusOf(err) != http.StatusBadRequest {
				t.Errorf("job(%+v): status %d; want 400", tt.low, statusOf(err))
			}
			continue
		}
		if !reflect.DeepEqual(j.Args, tt.args) || !reflect.DeepEqual(j.Kwargs, tt.kwargs) || j.TargetType != tt.typ || j.Timeout != tt.timeout || j.User != JobUser {
			t.Errorf("job(%+v) = %+v; want args %#v kwargs %#v type %s timeout %v", tt.low, j, tt.args, tt.kwargs, tt.typ, tt.timeout)
		}
	}
}

func TestReadLowstate(t *testing.T) {
	for _, tt := range []struct {
		ct, body string
		want     []Lowstate
		wantErr  bool
	}{
		{"application/json", `{"client":"local","tgt":"*","fun":"test.ping"}`, []Lowstate{{Client: "local", Tgt: "*", Fun: "test.ping"}}, false},
		{"application/json", `[{"client":"local","tgt":"a","fun":"test.ping"},{"client":"local_async","tgt":"b","fun":"test.ping"}]`,
			[]Lowstate{{Client: "local", Tgt: "a", Fun: "test.ping"}, {Client: "local_async", Tgt: "b", Fun: "test.ping"}}, false},
		{"application/x-www-form-urlencoded", "client=local&tgt=*&fun=test.arg&arg=a&arg=b=1&timeout=9",
			[]Lowstate{{Client: "local", Tgt: "*", Fun: "test.arg", Arg: []any{"a", "b=1"}, Timeout: 9}}, false},
		{"application/json", `{"client":"local","tgt":"*","fun":"test.ping","username":"x"}`, nil, true},
		{"application/json", `[]`, nil, true},
		{"application/json", `{`, nil, true},
		{"application/x-www-form-urlencoded", "client=local&bogus=1", nil, true},
	} {
		r := httptest.NewRequest("POST", "/run", strings.NewReader(tt.body))
		r.Header.Set("Content-Type", tt.ct)
		got, err := readLowstate(r)
		if (err != nil) != tt.wantErr {
			t.Errorf("readLowstate(%s) = %v; want error %v", tt.body, err, tt.wantErr)
			continue
		}
		if err == nil && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("readLowstate(%s) = %+v; want %+v", tt.body, got, tt.want)
		}
	}
}

// TestOpenAPIIsFresh keeps docs/openapi.json and docs/api.md's endpoint
// list the route table's: go generate ./master/api rewrites them.
func TestOpenAPIIsFresh(t *testing.T) {
	b, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	paths := doc["paths"].(map[string]any)
	for _, rt := range Routes() {
		if _, ok := paths[rt.Path].(map[string]any)[strings.ToLower(rt.Method)]; !ok {
			t.Errorf("openapi.json lacks %s %s", rt.Method, rt.Path)
		}
	}
	docs := filepath.Join("..", "..", "docs")
	have, err := os.ReadFile(filepath.Join(docs, "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(have) != string(b) {
		t.Errorf("docs/openapi.json is stale: run go generate ./master/api")
	}
	md, err := os.ReadFile(filepath.Join(docs, "api.md"))
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := SpliceRoutes(string(md))
	if err != nil {
		t.Fatal(err)
	}
	if fresh != string(md) {
		t.Errorf("docs/api.md's endpoint list is stale: run go generate ./master/api")
	}
}

func TestStateRows(t *testing.T) {
	// Decoded as the wire decodes it (proto.Unmarshal keeps numbers as
	// json.Number), with the run order unlike the keys' order.
	d := json.NewDecoder(strings.NewReader(`{
		"file_|-motd_|-/etc/motd_|-managed": {"__id__": "motd", "name": "/etc/motd", "result": null, "__run_num__": 1, "duration": 2.5,
			"comment": "The file /etc/motd is set to be changed", "changes": {"diff": "--- \n+++ \n@@ -1 +1 @@\n-old\n+new\n"}},
		"pkg_|-vim_|-vim_|-installed": {"__id__": "vim", "name": "vim", "result": true, "__run_num__": 0, "duration": 12.25, "changes": {}}}`))
	d.UseNumber()
	var states map[string]any
	if err := d.Decode(&states); err != nil {
		t.Fatal(err)
	}
	ret := proto.Return{Fun: "state.apply", Return: states}
	var mr minionResult
	fillReturn(&mr, ret)
	if !mr.IsState || len(mr.States) != 2 || mr.OK != 1 || mr.Pending != 1 || mr.Changed != 1 {
		t.Fatalf("fillReturn = %+v", mr)
	}
	if s := mr.States[0]; s.ID != "vim" || s.Func != "pkg.installed" || resultClass(s.Result) != "ok" || s.Duration != 12.25 {
		t.Errorf("first state = %+v; want vim, pkg.installed, ok, 12.25 ms", s)
	}
	if s := mr.States[1]; !s.HasDiff || resultClass(s.Result) != "pending" {
		t.Errorf("second state = %+v; want a diff, pending", s)
	}
	var classes []string
	for _, l := range diffLines(mr.States[1].Diff) {
		classes = append(classes, l.Class)
	}
	if want := []string{"file", "file", "hunk", "del", "add"}; !reflect.DeepEqual(classes, want) {
		t.Errorf("diffLines classes = %q; want %q", classes, want)
	}
	var raw minionResult
	fillReturn(&raw, proto.Return{Fun: "test.ping", Return: true})
	if raw.IsState || raw.Raw != "true" {
		t.Errorf("fillReturn(test.ping) = %+v; want raw true", raw)
	}
}
