package states

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/brine-cm/brine/states/internal/gendoc/docgen"
)

// TestDocsUpToDate fails when a state's doc comment changed (or a state
// was registered) without `go generate ./states`.
func TestDocsUpToDate(t *testing.T) {
	goSrc, md, err := docgen.Generate(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		path string
		want []byte
	}{{docgen.GoFile, goSrc}, {filepath.FromSlash(docgen.MarkdownFile), md}} {
		got, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatalf("%v; run go generate ./states", err)
		}
		if !bytes.Equal(got, f.want) {
			t.Errorf("%s is stale; run go generate ./states", f.path)
		}
	}
}

var docArgLine = regexp.MustCompile(`(?m)^Arguments:\n\n?(?:\s+- \w[\w, ]*:.*\n)+`)

// TestEveryStateHasDoc holds every registered state function to the doc
// shape: a summary, then an Arguments: list of "- name: what it is".
func TestEveryStateHasDoc(t *testing.T) {
	names := Names()
	if len(names) == 0 {
		t.Fatal("no state functions registered")
	}
	for _, n := range names {
		d, ok := Doc(n)
		if !ok || d == "" {
			t.Errorf("%s: no doc comment; document it and run go generate ./states", n)
			continue
		}
		if !docArgLine.MatchString(d) {
			t.Errorf("%s: doc has no Arguments: list of \"- name: ...\" lines:\n%s", n, d)
		}
	}
	if _, ok := Doc("no.such"); ok {
		t.Error(`Doc("no.such") found a doc`)
	}
	all := Docs()
	all["file.managed"] = "changed"
	if d, _ := Doc("file.managed"); d == "changed" {
		t.Error("Docs returned the map itself, not a copy")
	}
}

func TestDocArgNames(t *testing.T) {
	got := docArgNames("cmd.wait")
	for _, want := range []string{"name", "cwd", "env", "runas", "hide_output"} {
		if !slices.Contains(got, want) {
			t.Errorf("docArgNames(cmd.wait) = %v; lacks %q", got, want)
		}
	}
	// An argument after a wrapped one is still listed.
	if got := docArgNames("sysctl.present"); !slices.Contains(got, "config") {
		t.Errorf("docArgNames(sysctl.present) = %v; lacks config", got)
	}
	got = docArgNames("file.managed")
	if !slices.Contains(got, "source_hash") || slices.Contains(got, "Salt") {
		t.Errorf("docArgNames(file.managed) = %v", got)
	}
	var buf bytes.Buffer
	req := fileReq("", "file.exists", "/", map[string]any{"nmae": 1, "require": []any{}}, true)
	req.Env.Log = slog.New(slog.NewTextHandler(&buf, nil))
	fileExists(t.Context(), req)
	if !strings.Contains(buf.String(), "arguments=[nmae]") {
		t.Errorf("warning = %q; want it to name nmae only", buf.String())
	}
}
