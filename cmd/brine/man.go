//go:build genman

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/brine-cm/brine/states"
)

// Man pages are generated from the command tree (cobra's doc package) and
// from the state declarations, by the hidden `brine gen-man DIR` of a
// binary built with -tags genman (`go run -tags genman ./cmd/brine
// gen-man DIR`): brine(1),
// one page per subcommand, brine-master(8) and brine-minion(8) for the
// daemons, and brine-states(7). docs/man holds the command pages, written
// by `go generate ./docs/gen` (gen-man --states=false); a test fails when
// they are stale. brine-states(7) is not checked in: it is written from
// the state registry when the package is built (as docs/states.md is
// written from it, with its own staleness test), so a change to a state's
// doc needs no second file regenerated.

// manDate is the date the pages carry: fixed, so that the checked-in pages
// do not change with the day they are generated on.
var manDate = time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC)

// The shipped binary has no gen-man: cobra's doc package brings a
// Markdown engine whose tables are built at init, in every brine process,
// a lone minion's too (200 kB of its idle memory).
func addGenMan(root *cobra.Command) { root.AddCommand(newGenManCmd(root)) }

// daemonPages are the commands documented in section 8.
var daemonPages = map[string]bool{"brine-master": true, "brine-minion": true}

func newGenManCmd(root *cobra.Command) *cobra.Command {
	var withStates bool
	cmd := &cobra.Command{
		Use:    "gen-man DIR",
		Short:  "Write brine's man pages into DIR",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pages, err := manPages(root)
			if err != nil {
				return err
			}
			if withStates {
				pages[statesPageName] = statesPage()
			}
			return writeManPages(args[0], pages)
		},
	}
	cmd.Flags().BoolVar(&withStates, "states", true, "write brine-states(7) too")
	return cmd
}

const statesPageName = "brine-states.7"

// manPages returns the command tree's pages by file name
// (brine-key-accept.1 …).
func manPages(root *cobra.Command) (map[string][]byte, error) {
	root.DisableAutoGenTag = true
	root.InitDefaultCompletionCmd() // cobra adds it at Execute, which a test skips
	pages := map[string][]byte{}
	var walk func(*cobra.Command) error
	walk = func(c *cobra.Command) error {
		if c.Hidden || c.Name() == "help" {
			return nil
		}
		name := strings.ReplaceAll(c.CommandPath(), " ", "-")
		section := "1"
		if daemonPages[name] {
			section = "8"
		}
		var b bytes.Buffer
		h := &doc.GenManHeader{Title: strings.ToUpper(name), Section: section, Date: &manDate,
			Source: "brine", Manual: "brine manual"}
		if err := doc.GenMan(c, h, &b); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		pages[name+"."+section] = fixSections(b.Bytes())
		for _, sub := range c.Commands() {
			if err := walk(sub); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root); err != nil {
		return nil, err
	}
	return pages, nil
}

var seeAlso = regexp.MustCompile(`\\fB(brine(?:-[a-z_-]+)?)\(1\)\\fP`)

// fixSections points SEE ALSO at the daemons' section 8, and the root's
// page at brine-states(7).
func fixSections(page []byte) []byte {
	page = seeAlso.ReplaceAllFunc(page, func(m []byte) []byte {
		name := string(seeAlso.FindSubmatch(m)[1])
		if daemonPages[name] {
			return []byte(`\fB` + name + `(8)\fP`)
		}
		return m
	})
	return page
}

// statesPage is brine-states(7): every state function an SLS may use, with
// its doc and the arguments its Register call declares.
func statesPage() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, ".nh\n.TH \"BRINE-STATES\" \"7\" \"%s\" \"brine\" \"brine manual\"\n\n", manDate.Format("Jan 2006"))
	b.WriteString(".SH NAME\nbrine-states \\- the state functions of brine's SLS files\n\n")
	b.WriteString(".SH DESCRIPTION\nAn SLS file declares states: an ID, a state function (module.function)\nand its arguments. These are the functions brine knows, with the arguments\neach takes. Every state also takes the global arguments listed last.\n\n")
	names := states.Names()
	sort.Strings(names)
	b.WriteString(".SH STATE FUNCTIONS\n")
	for _, n := range names {
		d, _ := states.Doc(n)
		fmt.Fprintf(&b, ".SS %s\n%s\n", roffEscape(n), roffText(d))
	}
	fmt.Fprintf(&b, ".SH GLOBAL ARGUMENTS\n%s\n", roffText(states.GlobalArgsDoc()))
	b.WriteString(".SH SEE ALSO\n\\fBbrine(1)\\fP, \\fBbrine-call(1)\\fP\n")
	return []byte(b.String())
}

// roffText sets plain text as roff: paragraphs kept, "- " lines (the
// argument lists) as bullets, other indented lines on lines of their own.
func roffText(s string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.TrimSpace(s), "\n\n") {
		b.WriteString(".PP\n")
		for _, line := range strings.Split(para, "\n") {
			switch item, ok := strings.CutPrefix(strings.TrimSpace(line), "- "); {
			case ok:
				b.WriteString(".IP \\(bu 2\n" + roffEscape(item) + "\n")
			case line != strings.TrimLeft(line, " \t"):
				b.WriteString(".br\n" + roffEscape(strings.TrimSpace(line)) + "\n")
			default:
				b.WriteString(roffEscape(line) + "\n")
			}
		}
	}
	return b.String()
}

// roffEscape keeps text from being read as roff requests or escapes.
func roffEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// writeManPages replaces DIR's pages with pages.
func writeManPages(dir string, pages map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.[178]"))
	for _, p := range old {
		if _, keep := pages[filepath.Base(p)]; !keep {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	for name, page := range pages {
		if err := os.WriteFile(filepath.Join(dir, name), page, 0o644); err != nil {
			return err
		}
	}
	return nil
}
