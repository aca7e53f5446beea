package states

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/brine-cm/brine/states/internal/gendoc/docgen"
)

// composeFresh is what gendoc composes: the prose of the source's doc
// comment with the declared arguments.
func composeFresh(name, prose string) string {
	params, _ := Params(name)
	return ComposeDoc(prose, params)
}

// TestDocsUpToDate fails when a state's doc comment or declared arguments
// changed (or a state was registered) without `go generate ./states`.
func TestDocsUpToDate(t *testing.T) {
	goSrc, md, err := docgen.Generate(".", composeFresh, GlobalArgsDoc())
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

var docArgLine = regexp.MustCompile(`(?m)^Arguments:\n(?:  - \S.*\n)+`)

// TestEveryStateDeclaresItsArguments holds every state function of this
// package to the contract: a doc comment, and its arguments declared in
// its Register call (name first), which its reference lists.
func TestEveryStateDeclaresItsArguments(t *testing.T) {
	entries, _, err := docgen.Collect(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("no state functions found")
	}
	for _, e := range entries {
		params, ok := Params(e.Name)
		if !ok {
			t.Errorf("%s: registered without Params; declare its arguments", e.Name)
			continue
		}
		if params[0].Name != "name" {
			t.Errorf("%s: the first Param is %s; declare name first", e.Name, params[0].Name)
		}
		d, ok := Doc(e.Name)
		if !ok || strings.TrimSpace(e.Doc) == "" {
			t.Errorf("%s: no doc comment; document it and run go generate ./states", e.Name)
			continue
		}
		if !docArgLine.MatchString(d) {
			t.Errorf("%s: reference has no Arguments list:\n%s", e.Name, d)
		}
		for _, p := range params {
			if !p.Rest && !strings.Contains(d, "  - "+p.Name+" (") {
				t.Errorf("%s: reference lacks argument %s", e.Name, p.Name)
			}
		}
	}
	if _, ok := Doc("no.such"); ok {
		t.Error(`Doc("no.such") found a doc`)
	}
	all := Docs()
	all["file.managed"] = "changed"
	if d, _ := Doc("file.managed"); d == "changed" {
		t.Error("Docs returned a map Doc reads")
	}
}

func TestComposeDoc(t *testing.T) {
	params := []Param{
		{Name: "name", Type: Path, Doc: "the file."},
		{Name: "mode", Type: Mode, Default: fileDefaultDirMode, Doc: "its mode."},
		{Name: "backup", Type: String, Default: ".bak", Doc: "the suffix."},
		{Name: "force", Type: Bool, Required: true, Default: false, Doc: "force it."},
		{Name: "(any other argument)", Rest: true, Doc: "a variable."},
	}
	got := ComposeDoc("Managed does it.\n\nMore prose.\n\nSalt: same.\n", params)
	want := "Managed does it.\n\nArguments:\n" +
		"  - name (path): the file.\n" +
		"  - mode (mode, default 0755): its mode.\n" +
		"  - backup (string, default \".bak\"): the suffix.\n" +
		"  - force (bool, required, default False): force it.\n" +
		"  - (any other argument): a variable.\n" +
		"\nMore prose.\n\nSalt: same.\n"
	if got != want {
		t.Errorf("ComposeDoc =\n%s\nwant\n%s", got, want)
	}
	if got := ComposeDoc("Only a summary.\n", params[:1]); got != "Only a summary.\n\nArguments:\n  - name (path): the file.\n" {
		t.Errorf("ComposeDoc(summary only) = %q", got)
	}
}
