package states

import (
	"os"
	"path/filepath"
	"testing"
)

func TestAltParseQuery(t *testing.T) {
	out := "Name: editor\nLink: /usr/bin/editor\nSlaves:\n editor.1.gz /usr/share/man/man1/editor.1.gz\nStatus: auto\nBest: /usr/bin/vim.basic\nValue: /usr/bin/vim.basic\n\nAlternative: /bin/nano\nPriority: 40\nSlaves:\n editor.1.gz /usr/share/man/man1/nano.1.gz\n\nAlternative: /usr/bin/vim.basic\nPriority: 30\n"
	q := altParseQuery([]byte(out))
	if q.Link != "/usr/bin/editor" || q.Value != "/usr/bin/vim.basic" || q.Status != "auto" || q.Alts["/bin/nano"] != 40 || q.Alts["/usr/bin/vim.basic"] != 30 || len(q.Alts) != 2 {
		t.Errorf("altParseQuery = %+v", q)
	}
}

// altRoot is an image folder update-alternatives --root can work on, with
// two programs to choose from.
func altRoot(t *testing.T) string {
	root := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/alternatives", "etc/alternatives", "usr/bin", "var/log"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	fileWriteT(t, filepath.Join(root, "usr/bin/vim.tiny"), "#!/bin/sh\n")
	fileWriteT(t, filepath.Join(root, "usr/bin/nano"), "#!/bin/sh\n")
	return root
}

// The real update-alternatives, with its --root, on a folder.
func TestSaltFidelityAlternatives(t *testing.T) {
	inst := func(path string, prio int) map[string]any {
		return map[string]any{"link": "/usr/bin/editor", "path": path, "priority": prio}
	}
	chg := func(path string, prio int) map[string]any {
		return map[string]any{"name": "editor", "link": "/usr/bin/editor", "path": path, "priority": prio}
	}
	withNano := func(t *testing.T) func(bool) Result {
		root := altRoot(t)
		sysCall(t, root, "alternatives.install", "editor", inst("/usr/bin/nano", 40), false)
		return func(test bool) Result {
			return sysCall(t, root, "alternatives.install", "editor", inst("/usr/bin/vim.tiny", 10), test)
		}
	}
	fidRunAll(t, []fidCase{{
		name: "alternatives.install: new group",
		salt: "alternatives.install()",
		setup: func(t *testing.T) func(bool) Result {
			root := altRoot(t)
			return func(test bool) Result {
				return sysCall(t, root, "alternatives.install", "editor", inst("/usr/bin/nano", 40), test)
			}
		},
		test:   fidW(None, "Alternative will be set for editor to /usr/bin/nano with priority 40", chg("/usr/bin/nano", 40)),
		real:   fidW(True, "Alternative for editor set to path /usr/bin/nano with priority 40", chg("/usr/bin/nano", 40)),
		rerun:  fidW(True, "Alternative /usr/bin/nano for editor is already registered", nil),
		retest: fidW(True, "Alternative /usr/bin/nano for editor is already registered", nil),
	}, {
		name:   "alternatives.install: a lower priority",
		salt:   "alternatives.install()",
		setup:  withNano,
		test:   fidW(None, "Alternative will be set for editor to /usr/bin/vim.tiny with priority 10", chg("/usr/bin/vim.tiny", 10)),
		real:   fidW(True, "Alternative /usr/bin/vim.tiny for editor registered with priority 10 and not set to default", chg("/usr/bin/vim.tiny", 10)),
		rerun:  fidW(True, "Alternative /usr/bin/vim.tiny for editor is already registered", nil),
		retest: fidW(True, "Alternative /usr/bin/vim.tiny for editor is already registered", nil),
	}})
	root := altRoot(t)
	sysCall(t, root, "alternatives.install", "editor", inst("/usr/bin/nano", 40), false)
	sysCall(t, root, "alternatives.install", "editor", inst("/usr/bin/vim.tiny", 10), false)
	fidRunAll(t, []fidCase{{
		name: "alternatives.set: manual choice",
		salt: "alternatives.set_()",
		setup: func(t *testing.T) func(bool) Result {
			return func(test bool) Result {
				return sysCall(t, root, "alternatives.set", "editor", map[string]any{"path": "/usr/bin/vim.tiny"}, test)
			}
		},
		test:   fidW(None, "Alternative for editor will be set to path /usr/bin/vim.tiny", map[string]any{"path": "/usr/bin/vim.tiny"}),
		real:   fidW(True, "Alternative for editor set to path /usr/bin/vim.tiny", map[string]any{"path": "/usr/bin/vim.tiny"}),
		rerun:  fidW(True, "Alternative for editor already set to /usr/bin/vim.tiny", nil),
		retest: fidW(True, "Alternative for editor already set to /usr/bin/vim.tiny", nil),
	}, {
		name: "alternatives.set: not registered",
		salt: "alternatives.set_()",
		setup: func(t *testing.T) func(bool) Result {
			return func(test bool) Result {
				return sysCall(t, root, "alternatives.set", "editor", map[string]any{"path": "/usr/bin/ed"}, test)
			}
		},
		test: fidW(False, "Alternative /usr/bin/ed for editor doesn't exist", nil),
	}})
	if l, err := os.Readlink(filepath.Join(root, "etc/alternatives/editor")); err != nil || l != "/usr/bin/vim.tiny" {
		t.Errorf("etc/alternatives/editor -> %q, %v", l, err)
	}
}
