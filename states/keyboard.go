package states

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

func init() {
	Register("keyboard.system", keyboardSystem,
		Param{Name: "name", Type: String, Doc: "the keyboard layout (XKBLAYOUT), such as us or de."},
	)
}

// keyboardFile is where Debian keeps the system's keyboard layout.
const keyboardFile = "/etc/default/keyboard"

var keyboardLine = regexp.MustCompile(`(?m)^XKBLAYOUT=.*$`)

// keyboardGet reads the layout as Salt's keyboard.get_sys does on Debian:
// the first XKBLAYOUT line that is not a comment, its value without
// quotes.
func keyboardGet(data []byte) (string, bool) {
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.Contains(l, "XKBLAYOUT") || strings.HasPrefix(l, "#") {
			continue
		}
		_, v, ok := strings.Cut(l, "=")
		if !ok {
			return "", false
		}
		v, _, _ = strings.Cut(v, "=")
		return strings.ReplaceAll(v, `"`, ""), true
	}
	return "", false
}

// keyboardSystem sets the system's keyboard layout: the XKBLAYOUT line of
// /etc/default/keyboard, rewritten XKBLAYOUT=name as Salt's keyboard.set_sys
// does on Debian (file.sed of ^XKBLAYOUT=.*); the rest of the file is
// kept. The console picks it up at the next boot (or setupcon).
//
// Changes are {layout: name}.
//
// Salt: comments and changes are Salt 3006's keyboard.system; on a host
// with localectl Salt reads and sets the console keymap through it
// (localectl set-keymap), brine always edits /etc/default/keyboard, Salt's
// way without localectl, which works under --root; a file without an
// XKBLAYOUT line fails (Salt's get_sys raises); brine's dry run reports
// the changes.
func keyboardSystem(ctx context.Context, req *Request) Result {
	if req.Name == "" || strings.ContainsAny(req.Name, "\n\"'") {
		return Failf(req.Name, "%v", &ArgError{Arg: "name", Err: fmt.Errorf("%q is not a keyboard layout", req.Name)})
	}
	hp, err := rootPath(req, "", keyboardFile, true)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	data, err := sysReadFile(hp)
	if err != nil {
		return Failf(req.Name, "read %s: %v", keyboardFile, err)
	}
	cur, ok := keyboardGet(data)
	if !ok {
		return Failf(req.Name, "Failed to read the system keyboard layout: %s has no XKBLAYOUT line", keyboardFile)
	}
	if cur == req.Name {
		return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("System layout %s already set", req.Name), Changes: map[string]any{}}
	}
	changes := map[string]any{"layout": req.Name}
	if req.Test {
		return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("System layout %s needs to be set", req.Name), Changes: changes}
	}
	out := keyboardLine.ReplaceAllLiteral(data, []byte("XKBLAYOUT="+req.Name))
	if err := sysWriteFile(hp, out, 0o644); err != nil {
		return Failf(req.Name, "Failed to set system keyboard layout: %v", err)
	}
	return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("Set system keyboard layout %s", req.Name), Changes: changes}
}
