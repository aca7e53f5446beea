package states

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

func init() {
	params := func(name string) []Param {
		return []Param{
			{Name: "name", Type: String, Doc: "the file or directory."},
			{Name: "acl_type", Type: String, Required: true, Doc: `user or group; default:user or default:group (d:user, d:group) for a directory's default ACL.`},
			{Name: "acl_name", Type: String, Default: "", Doc: "the user or group the entry is for; empty: the file's owning group for group (Salt finds no owner for user)."},
			{Name: "perms", Type: String, Default: "", Doc: name},
			{Name: "recurse", Type: Bool, Default: false, Doc: "also every file and directory below (setfacl -R)."},
		}
	}
	Register("acl.present", aclPresent, append(params("the permissions, in letters: rwx, r-x, rw…"),
		Param{Name: "force", Type: Bool, Default: false, Doc: "remove every other ACL entry first (setfacl -b)."})...)
	Register("acl.absent", aclAbsent, params("accepted, as Salt does, and not used.")...)
}

// aclPerms is getfacl's view of one path: the owner and group (from its
// "# owner:" and "# group:" lines) and the entries, by type, each a
// name and its permission bits; defaults hold the default: entries.
type aclPerms struct {
	comment  map[string]string
	entries  map[string][]aclEntry
	defaults map[string][]aclEntry
}

type aclEntry struct {
	name  string
	octal int
}

// aclParse reads getfacl output as Salt's acl.getfacl does: a user or
// group entry with no name is the owner's or the owning group's.
func aclParse(out string) (map[string]*aclPerms, []string) {
	ret := map[string]*aclPerms{}
	var order []string
	var cur *aclPerms
	for _, line := range strings.Split(out, "\n") {
		switch {
		case line == "", strings.HasPrefix(line, "getfacl"):
			continue
		case strings.HasPrefix(line, "#"):
			k, v, _ := strings.Cut(strings.Replace(line, "# ", "", 1), ": ")
			if k == "file" {
				cur = &aclPerms{comment: map[string]string{}, entries: map[string][]aclEntry{}, defaults: map[string][]aclEntry{}}
				ret[v] = cur
				order = append(order, v)
			}
			if cur != nil {
				cur.comment[k] = v
			}
		case cur != nil:
			comps := strings.Split(line, ":")
			into := cur.entries
			if comps[0] == "default" {
				into = cur.defaults
				comps = comps[1:]
			}
			if len(comps) < 3 {
				continue
			}
			kind, who := comps[0], comps[1]
			if kind == "user" && who == "" {
				who = cur.comment["owner"]
			} else if kind == "group" && who == "" {
				who = cur.comment["group"]
			}
			octal := 0
			perm := comps[len(comps)-1]
			if strings.Contains(perm, "r") {
				octal += 4
			}
			if strings.Contains(perm, "w") {
				octal += 2
			}
			if strings.Contains(perm, "x") {
				octal++
			}
			into[kind] = append(into[kind], aclEntry{name: who, octal: octal})
		}
	}
	return ret, order
}

// aclTools finds getfacl and setfacl, which Salt's acl states need.
func aclTools() error {
	for _, t := range []string{"getfacl", "setfacl"} {
		if _, err := exec.LookPath(t); err != nil {
			return errors.New("The linux_acl state cannot be loaded: the getfacl or setfacl binary is not in the path (Debian's acl package).")
		}
	}
	return nil
}

// aclRun runs getfacl or setfacl; stdout and stderr together, as Salt's
// cmd.run returns them, and a failure with what the tool said.
func aclRun(ctx context.Context, argv ...string) (string, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	s := strings.TrimRight(out.String(), "\n")
	if err != nil {
		return s, &CmdError{Argv: argv, Err: err, Stderr: s}
	}
	return s, nil
}

// aclState is what present and absent share: the path on the host, the
// getfacl of it (and of what is below with recurse), the type without
// its default: prefix, and the name looked for.
type aclState struct {
	path, typ, search string
	isDefault         bool
	all               map[string]*aclPerms
	order             []string
	cur               map[string][]aclEntry
}

func aclOpen(ctx context.Context, req *Request, recurse bool) (*aclState, *Result) {
	fail := func(format string, args ...any) (*aclState, *Result) {
		r := Failf(req.Name, format, args...)
		return nil, &r
	}
	aclType := req.Args.String("acl_type", "")
	aclName := req.Args.String("acl_name", "")
	if err := req.Args.Err(); err != nil {
		return fail("%v", err)
	}
	if err := aclTools(); err != nil {
		return fail("%v", err)
	}
	hp, err := rootPath(req, "name", req.Name, true)
	if err != nil {
		return fail("%v", err)
	}
	if _, err := os.Stat(hp); err != nil {
		return fail("%s does not exist", req.Name)
	}
	argv := []string{"getfacl", "--absolute-names"}
	if recurse {
		argv = append(argv, "-R")
	}
	out, err := aclRun(ctx, append(argv, "--", hp)...)
	if err != nil {
		return fail("%v", err)
	}
	s := &aclState{path: hp, typ: aclType}
	s.all, s.order = aclParse(out)
	top, ok := s.all[hp]
	if !ok {
		return fail("getfacl did not list %s", req.Name)
	}
	s.cur = top.entries
	if t, ok := strings.CutPrefix(aclType, "d:"); ok {
		s.typ, s.isDefault, s.cur = t, true, top.defaults
	} else if t, ok := strings.CutPrefix(aclType, "default:"); ok {
		s.typ, s.isDefault, s.cur = t, true, top.defaults
	}
	s.search = aclName
	if aclName == "" {
		// Salt looks the type up among getfacl's comment lines: "group"
		// is the owning group; there is no "user" line (it is "owner").
		s.search = top.comment[s.typ]
	}
	return s, nil
}

// find is the entry of the type for the name looked for.
func (s *aclState) find() (aclEntry, bool) {
	var found aclEntry
	ok := false
	for _, e := range s.cur[s.typ] {
		if e.name == s.search {
			found, ok = e, true // Salt's list(...).pop(): the last one
		}
	}
	return found, ok
}

// aclSetfacl is Salt's acl.modfacl / delfacl command line.
func aclSetfacl(op, aclType, aclName, perms, path string, recurse bool) []string {
	prefix := ""
	t := aclType
	if strings.HasPrefix(t, "d") {
		prefix = "d:"
		t = strings.Replace(strings.Replace(t, "default:", "", 1), "d:", "", 1)
	}
	switch t {
	case "user", "u":
		prefix += "u"
	case "group", "g":
		prefix += "g"
	}
	argv := []string{"setfacl"}
	if recurse {
		argv = append(argv, "-R")
	}
	spec := prefix + ":" + aclName
	if op == "-m" {
		spec += ":" + perms
	}
	return append(argv, op, spec, path)
}

// aclPresent makes sure a file has an ACL entry for a user or group with
// the permissions asked, through getfacl and setfacl (Debian's acl
// package; the state fails saying so when they are missing).
//
// Changes are {new: {acl_name, acl_type, perms}}, with {old: …} when an
// entry changed.
//
// Salt: comments and changes are Salt 3006's acl.present; old's perms
// are written as Salt's writes them (its bit-to-letter table is
// reversed: r-- shows as --x); perms is letters only, as in Salt.
func aclPresent(ctx context.Context, req *Request) Result {
	perms := req.Args.String("perms", "")
	recurse := req.Args.Bool("recurse", false)
	force := req.Args.Bool("force", false)
	aclType := req.Args.String("acl_type", "")
	aclName := req.Args.String("acl_name", "")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	want, err := aclPermBits(perms)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	s, fail := aclOpen(ctx, req, recurse)
	if fail != nil {
		return *fail
	}
	if len(s.cur[s.typ]) == 0 && !s.isDefault {
		return Failf(req.Name, "ACL Type does not exist")
	}
	newPart := map[string]any{"acl_name": aclName, "acl_type": aclType, "perms": perms}
	apply := func(comment string, changes map[string]any) Result {
		if force {
			argv := []string{"setfacl"}
			if recurse {
				argv = append(argv, "-R")
			}
			if _, err := aclRun(ctx, append(argv, "-b", s.path)...); err != nil {
				return Failf(req.Name, "Error updating permissions for %s: %v", aclName, err)
			}
		}
		if _, err := aclRun(ctx, aclSetfacl("-m", aclType, aclName, perms, s.path, recurse)...); err != nil {
			return Failf(req.Name, "Error updating permissions for %s: %v", aclName, err)
		}
		return Result{Name: req.Name, Result: True, Comment: comment, Changes: changes}
	}
	e, found := s.find()
	if !found {
		changes := map[string]any{"new": newPart}
		if req.Test {
			return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("New permissions will be applied for %s: %s", aclName, perms), Changes: changes}
		}
		return apply(fmt.Sprintf("Applied new permissions for %s", aclName), changes)
	}
	refresh := e.octal != want
	if recurse {
		refresh = false
		for _, p := range s.order {
			entries := s.all[p].entries
			if s.isDefault {
				// Default ACLs are only directories'.
				if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
					continue
				}
				entries = s.all[p].defaults
			}
			ok := false
			for _, x := range entries[s.typ] {
				if x.name == s.search && x.octal == want {
					ok = true
				}
			}
			if !ok {
				refresh = true
				break
			}
		}
	}
	if !refresh {
		return Result{Name: req.Name, Result: True, Comment: "Permissions are in the desired state", Changes: map[string]any{}}
	}
	lookup := map[int]string{0: "-", 1: "r", 2: "w", 4: "x"}
	old := lookup[e.octal&1] + lookup[e.octal&2] + lookup[e.octal&4]
	changes := map[string]any{"new": newPart, "old": map[string]any{"acl_name": aclName, "acl_type": aclType, "perms": old}}
	if req.Test {
		return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("Updated permissions will be applied for %s: %s -> %s", aclName, old, perms), Changes: changes}
	}
	return apply(fmt.Sprintf("Updated permissions for %s", aclName), changes)
}

// aclAbsent makes sure a file has no ACL entry for a user or group
// (setfacl -x).
//
// Salt: comments are Salt 3006's acl.absent, which reports no changes
// when it removes an entry ("Removing permissions"), as brine does.
func aclAbsent(ctx context.Context, req *Request) Result {
	recurse := req.Args.Bool("recurse", false)
	aclType := req.Args.String("acl_type", "")
	aclName := req.Args.String("acl_name", "")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	s, fail := aclOpen(ctx, req, recurse)
	if fail != nil {
		return *fail
	}
	if len(s.cur[s.typ]) == 0 && !s.isDefault {
		return Failf(req.Name, "ACL Type does not exist")
	}
	_, found := s.find()
	for _, p := range s.order {
		for _, x := range s.all[p].entries[s.typ] {
			if x.name == s.search {
				found = true
			}
		}
	}
	if !found {
		return Result{Name: req.Name, Result: True, Comment: "Permissions are in the desired state", Changes: map[string]any{}}
	}
	if req.Test {
		return Result{Name: req.Name, Result: None, Comment: "Removing permissions", Changes: map[string]any{}}
	}
	if _, err := aclRun(ctx, aclSetfacl("-x", aclType, aclName, "", s.path, recurse)...); err != nil {
		return Failf(req.Name, "Error removing permissions for %s: %v", aclName, err)
	}
	return Result{Name: req.Name, Result: True, Comment: "Removing permissions", Changes: map[string]any{}}
}

// aclPermBits reads perms (letters r, w, x and -) as the bits Salt
// compares: r 4, w 2, x 1.
func aclPermBits(perms string) (int, error) {
	want := 0
	for _, c := range perms {
		switch c {
		case 'r':
			want += 4
		case 'w':
			want += 2
		case 'x':
			want++
		case '-':
		default:
			return 0, &ArgError{Arg: "perms", Err: fmt.Errorf("%q: want letters r, w, x and -", perms)}
		}
	}
	return want, nil
}
