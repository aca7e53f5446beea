package states

import (
	"testing"
)

// TestFileRootEscape: every path a file state reads or writes, its name,
// a local source, a backup name, a link at name or in a tree it manages,
// stays inside --root.
func TestFileRootEscape(t *testing.T) {
	call := func(fun, name string, args map[string]any) func(string) Result {
		return func(root string) Result { return fileCall(t, root, fun, name, args, false) }
	}
	dryCall := func(fun, name string, args map[string]any) func(string) Result {
		return func(root string) Result { return fileCall(t, root, fun, name, args, true) }
	}
	text := map[string]any{"contents": "x"}
	tree := map[string]any{"source": "salt://tree"}
	escapeRun(t, []escapeCase{
		{name: "managed: name climbs out", run: call("file.managed", "/../../escape.conf", text), arg: "name"},
		{name: "managed: name climbs out under test", run: dryCall("file.managed", "/../../escape.conf", text), arg: "name"},
		{name: "managed: parent links out", links: map[string]string{"etc": "$REL"}, run: call("file.managed", "/etc/x.conf", text), arg: "name"},
		{name: "managed: name links out", links: map[string]string{"etc/motd": "$REL/keep"}, run: call("file.managed", "/etc/motd", text), arg: "name"},
		{name: "managed: local source climbs out", run: call("file.managed", "/etc/x.conf", map[string]any{"source": "/../../../outside/keep", "makedirs": true}), arg: "source"},
		{name: "managed: absolute link stays in", files: map[string]string{"$OUT/.keep": ""}, links: map[string]string{"etc": "$OUT"}, run: call("file.managed", "/etc/x.conf", text), inside: "$OUT/x.conf", insideHas: "x"},
		{name: "touch: name links out", links: map[string]string{"etc/stamp": "$REL/keep"}, run: call("file.touch", "/etc/stamp", nil), arg: "name"},
		{name: "touch: absolute link stays in", files: map[string]string{"$OUT/.keep": ""}, links: map[string]string{"etc/stamp": "$OUT/stamp"}, run: call("file.touch", "/etc/stamp", nil), inside: "$OUT/stamp"},
		{name: "directory: name links out", links: map[string]string{"srv/d": "$REL"}, run: call("file.directory", "/srv/d", map[string]any{"mode": "0700"}), arg: "name"},
		{name: "recurse: a link in the tree leads out", files: map[string]string{"srv/www/.keep": ""}, links: map[string]string{"srv/www/sub": "$REL"}, run: call("file.recurse", "/srv/www", tree), arg: "name"},
		{name: "recurse: name links out", links: map[string]string{"srv/www": "$REL"}, run: call("file.recurse", "/srv/www", tree), arg: "name"},
		{name: "recurse: absolute link stays in", files: map[string]string{"$OUT/.keep": ""}, links: map[string]string{"srv/www": "$OUT"}, run: call("file.recurse", "/srv/www", tree), inside: "$OUT/sub/b.conf", insideHas: "b"},
		{name: "symlink: backupname climbs out", files: map[string]string{"etc/l": "in the way"}, run: call("file.symlink", "/etc/l", map[string]any{"target": "/x", "backupname": "/../../b"}), arg: "backupname"},
		{name: "copy: source climbs out", run: call("file.copy", "/etc/copy", map[string]any{"source": "/../../../outside/keep", "makedirs": true}), arg: "source"},
		{name: "append: name links out", links: map[string]string{"etc/x": "$REL/keep"}, run: call("file.append", "/etc/x", map[string]any{"text": "more"}), arg: "name"},
		{name: "replace: name links out", links: map[string]string{"etc/x": "$REL/keep"}, run: call("file.replace", "/etc/x", map[string]any{"pattern": "outside", "repl": "in"}), arg: "name"},
		{name: "absent: name climbs out", run: call("file.absent", "/../../../outside", nil), arg: "name"},
		{name: "plain image", run: call("file.managed", "/etc/x.conf", map[string]any{"contents": "x", "makedirs": true}), inside: "/etc/x.conf", insideHas: "x"},
	})
}
