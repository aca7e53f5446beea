package examples

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	mdLink    = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	mdHeading = regexp.MustCompile(`(?m)^#{1,6} (.+)$`)
	slugDrop  = regexp.MustCompile(`[^\p{L}\p{N} _-]`)
)

// slug is GitHub's anchor for a heading.
func slug(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	h = slugDrop.ReplaceAllString(h, "")
	return strings.ReplaceAll(h, " ", "-")
}

// TestDocLinks checks that every relative link in docs/ and in the
// examples' READMEs names a file that exists and, for a Markdown file, a
// heading that exists.
func TestDocLinks(t *testing.T) {
	pages, _ := filepath.Glob(filepath.Join(moduleRoot, "docs", "*.md"))
	readmes, _ := filepath.Glob(filepath.Join(moduleRoot, "examples", "*", "README.md"))
	pages = append(append(pages, readmes...), filepath.Join(moduleRoot, "examples", "README.md"))
	if len(pages) < 10 {
		t.Fatalf("found only %d pages", len(pages))
	}
	anchors := map[string]map[string]bool{}
	anchorsOf := func(path string) map[string]bool {
		if a, ok := anchors[path]; ok {
			return a
		}
		a := map[string]bool{}
		if b, err := os.ReadFile(path); err == nil {
			for _, m := range mdHeading.FindAllStringSubmatch(string(b), -1) {
				a[slug(m[1])] = true
			}
		}
		anchors[path] = a
		return a
	}
	for _, page := range pages {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(moduleRoot, page)
		for _, m := range mdLink.FindAllStringSubmatch(string(b), -1) {
			link := m[1]
			if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			file, anchor, _ := strings.Cut(link, "#")
			target := page
			if file != "" {
				target = filepath.Join(filepath.Dir(page), file)
			}
			if _, err := os.Stat(target); err != nil {
				if filepath.Base(target) == "PERFORMANCE.md" {
					continue // written by make bench, not kept in the tree
				}
				t.Errorf("%s: link %s: %v", rel, link, err)
				continue
			}
			if anchor != "" && strings.HasSuffix(target, ".md") && !anchorsOf(target)[anchor] {
				t.Errorf("%s: link %s: no heading with that anchor in %s", rel, link, filepath.Base(target))
			}
		}
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Part 2: one master with minions":                               "part-2-one-master-with-minions",
		"Timeouts: returned, still running, no response, not connected": "timeouts-returned-still-running-no-response-not-connected",
		"Targeting with top.sls":                                        "targeting-with-topsls",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}
