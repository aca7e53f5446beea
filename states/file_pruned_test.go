package states

import "testing"

func TestSaltFidelityFilePruned(t *testing.T) {
	notEmpty := func(p string) string { return "[Errno 39] Directory not empty: '" + p + "'" }
	tree := map[string]string{"srv/p/a/x/<dir>": "", "srv/p/b/<dir>": "", "srv/p/c/keep": "k"}
	dirs := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			if len(k) > 6 && k[len(k)-6:] == "/<dir>" {
				out[k[:len(k)-6]] = "<dir>"
				continue
			}
			out[k] = v
		}
		return out
	}
	emptyTree := dirs(map[string]string{"srv/p/a/x/<dir>": "", "srv/p/b/<dir>": ""})
	fidRunAll(t, []fidCase{{
		name:   "file.pruned: an empty directory",
		salt:   "states/file.py pruned(); modules/file.py rmdir()",
		setup:  fidFile("file.pruned", "/srv/e", nil, map[string]string{"srv/e": "<dir>"}),
		test:   fidW(None, "Directory /srv/e is set for removal", map[string]any{"deleted": "/srv/e"}),
		real:   fidW(True, "Removed directory /srv/e", map[string]any{"deleted": "/srv/e"}),
		rerun:  fidW(True, "Directory /srv/e is not present", nil),
		retest: fidW(True, "Directory /srv/e is not present", nil),
	}, {
		name:  "file.pruned: recurse over empty directories",
		salt:  "pruned(recurse=True): sorted(res['deleted'])",
		setup: fidFile("file.pruned", "/srv/p", map[string]any{"recurse": true}, emptyTree),
		test:  fidW(None, "Directory /srv/p is set for removal", map[string]any{"deleted": []any{"/srv/p", "/srv/p/a", "/srv/p/a/x", "/srv/p/b"}}),
		real:  fidW(True, "Recursively removed empty directories under /srv/p", map[string]any{"deleted": []any{"/srv/p", "/srv/p/a", "/srv/p/a/x", "/srv/p/b"}}),
		rerun: fidW(True, "Directory /srv/p is not present", nil),
	}, {
		// Salt's dry run reports {deleted: /srv/p} with None; its real run
		// fails as here.
		name:  "file.pruned: recurse, a file left in one",
		salt:  "pruned(): Failed to remove directory, changes = rmdir's {deleted, errors}",
		setup: fidFile("file.pruned", "/srv/p", map[string]any{"recurse": true}, dirs(tree)),
		test: fidW(False, "Failed to remove directory /srv/p", map[string]any{
			"deleted": []any{"/srv/p/a/x", "/srv/p/a", "/srv/p/b"},
			"errors":  []any{[]any{"/srv/p/c", notEmpty("/srv/p/c")}, []any{"/srv/p", notEmpty("/srv/p")}}}),
		real: fidW(False, "Failed to remove directory /srv/p", map[string]any{
			"deleted": []any{"/srv/p/a/x", "/srv/p/a", "/srv/p/b"},
			"errors":  []any{[]any{"/srv/p/c", notEmpty("/srv/p/c")}, []any{"/srv/p", notEmpty("/srv/p")}}}),
		rerun: fidW(False, "Failed to remove directory /srv/p", map[string]any{
			"deleted": []any{},
			"errors":  []any{[]any{"/srv/p/c", notEmpty("/srv/p/c")}, []any{"/srv/p", notEmpty("/srv/p")}}}),
	}, {
		name:  "file.pruned: recurse with ignore_errors",
		salt:  "pruned(ignore_errors=True): Removed N empty directories",
		setup: fidFile("file.pruned", "/srv/p", map[string]any{"recurse": true, "ignore_errors": true}, dirs(tree)),
		test: fidW(None, "Directory /srv/p is set for removal", map[string]any{
			"deleted": []any{"/srv/p/a/x", "/srv/p/a", "/srv/p/b"},
			"errors":  []any{[]any{"/srv/p/c", notEmpty("/srv/p/c")}, []any{"/srv/p", notEmpty("/srv/p")}}}),
		real: fidW(True, "Removed 3 empty directories under /srv/p", map[string]any{
			"deleted": []any{"/srv/p/a/x", "/srv/p/a", "/srv/p/b"},
			"errors":  []any{[]any{"/srv/p/c", notEmpty("/srv/p/c")}, []any{"/srv/p", notEmpty("/srv/p")}}}),
		rerun: fidW(False, "Failed to remove directory /srv/p", map[string]any{
			"deleted": []any{},
			"errors":  []any{[]any{"/srv/p/c", notEmpty("/srv/p/c")}, []any{"/srv/p", notEmpty("/srv/p")}}}),
	}, {
		name:  "file.pruned: not empty, no recurse",
		salt:  "pruned(); rmdir() without recurse",
		setup: fidFile("file.pruned", "/srv/p", nil, dirs(tree)),
		test:  fidW(False, "Failed to remove directory /srv/p", map[string]any{"deleted": []any{}, "errors": []any{[]any{"/srv/p", notEmpty("/srv/p")}}}),
		real:  fidW(False, "Failed to remove directory /srv/p", map[string]any{"deleted": []any{}, "errors": []any{[]any{"/srv/p", notEmpty("/srv/p")}}}),
	}, {
		// rmdir leaves a directory younger than older_than alone, and
		// without recurse then reports failure, as Salt's does.
		name:  "file.pruned: older_than keeps a new directory",
		salt:  "modules/file.py rmdir(older_than=…)",
		setup: fidFile("file.pruned", "/srv/e", map[string]any{"older_than": 1}, map[string]string{"srv/e": "<dir>"}),
		test:  fidW(False, "Failed to remove directory /srv/e", map[string]any{"deleted": []any{}, "errors": []any{}}),
		real:  fidW(False, "Failed to remove directory /srv/e", map[string]any{"deleted": []any{}, "errors": []any{}}),
	}})
}
