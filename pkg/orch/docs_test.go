package orch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocsListEveryArgument keeps docs/orchestrate.md true to the
// declarations: every state function has a section, and every argument
// it declares is named in that section.
func TestDocsListEveryArgument(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "orchestrate.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, name := range Names() {
		i := strings.Index(doc, "### "+name)
		if i < 0 {
			i = strings.Index(doc, "`"+name+"`")
		}
		if i < 0 {
			t.Errorf("docs/orchestrate.md has no section for %s", name)
			continue
		}
		section := doc[i:]
		if j := strings.Index(section[4:], "\n### "); j >= 0 {
			section = section[:j+4]
		}
		ps, _ := Params(name)
		for _, p := range ps {
			if !strings.Contains(section, "`"+p.Name+"`") {
				t.Errorf("docs/orchestrate.md: %s does not name its argument %s", name, p.Name)
			}
		}
		if Doc(name) == "" {
			t.Errorf("%s has no doc line", name)
		}
	}
}
