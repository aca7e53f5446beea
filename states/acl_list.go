package states

import (
	"context"
	"fmt"
	"strings"

	"github.com/brine-cm/brine/pkg/pyfmt"
)

func init() {
	params := []Param{
		{Name: "name", Type: String, Doc: "the file or directory."},
		{Name: "acl_type", Type: String, Required: true, Doc: `user or group; default:user or default:group (d:user, d:group) for a directory's default ACL.`},
		{Name: "acl_names", Type: StringList, Doc: "the users or groups the entries are for."},
		{Name: "recurse", Type: Bool, Default: false, Doc: "also every file and directory below (setfacl -R)."},
	}
	Register("acl.list_present", aclListPresent, append(params,
		Param{Name: "perms", Type: String, Default: "", Doc: "the permissions, in letters: rwx, r-x, rw…"},
		Param{Name: "force", Type: Bool, Default: false, Doc: "remove every other ACL entry first (setfacl -b)."})...)
	Register("acl.list_absent", aclListAbsent, params...)
}

// aclListPresent makes sure a file has an ACL entry with the permissions
// asked for each of a list of users or groups, as Salt 3006's
// acl.list_present: when any entry is missing or differs, setfacl -m is
// run for every name of the list.
//
// Changes are {new: {acl_name: "a, b", acl_type, perms}}, and with an
// entry that changed, {new: {…, perms: OCTAL}, old: {…, perms:
// "OCTAL"}}, as Salt's; the comment names the list as Python prints it.
//
// Salt: Salt walks the names in order and the last that needs a change
// words the result; brine does the same. Salt's early "Permissions and
// users are in the desired state" never happens in 3006 (it compares
// bytes with strings) and brine does not have it either.
func aclListPresent(ctx context.Context, req *Request) Result {
	perms := req.Args.String("perms", "")
	recurse := req.Args.Bool("recurse", false)
	force := req.Args.Bool("force", false)
	aclType := req.Args.String("acl_type", "")
	names := req.Args.StringList("acl_names")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	want, err := aclPermBits(perms)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	s, fail := aclOpen(ctx, req, false)
	if fail != nil {
		return *fail
	}
	if len(s.cur[s.typ]) == 0 && !s.isDefault {
		return Failf(req.Name, "ACL Type does not exist")
	}
	list := pyfmt.Repr(aclAnyList(names))
	joined := strings.Join(names, ", ")
	apply := func(comment string, changes map[string]any) Result {
		if force {
			argv := []string{"setfacl"}
			if recurse {
				argv = append(argv, "-R")
			}
			if _, err := aclRun(ctx, append(argv, "-b", s.path)...); err != nil {
				return Failf(req.Name, "Error updating permissions for %s: %v", list, err)
			}
		}
		for _, n := range names {
			if _, err := aclRun(ctx, aclSetfacl("-m", aclType, n, perms, s.path, recurse)...); err != nil {
				return Failf(req.Name, "Error updating permissions for %s: %v", list, err)
			}
		}
		return Result{Name: req.Name, Result: True, Comment: comment, Changes: changes}
	}
	users := map[string]int{}
	for _, e := range s.cur[s.typ] {
		for _, n := range names {
			if e.name == n {
				users[n] = e.octal // Salt's dict.update: the last one
			}
		}
	}
	newOnly := map[string]any{"new": map[string]any{"acl_name": joined, "acl_type": aclType, "perms": perms}}
	if len(users) == 0 {
		if req.Test {
			return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("New permissions will be applied for %s: %s", list, perms), Changes: newOnly}
		}
		return apply("Applied new permissions for "+joined, newOnly)
	}
	r := Result{Name: req.Name, Result: True, Changes: map[string]any{}}
	for _, n := range names {
		octal, ok := users[n]
		switch {
		case ok && octal == want:
			r.Comment = "Permissions are in the desired state"
		case ok:
			changes := map[string]any{
				"new": map[string]any{"acl_name": joined, "acl_type": aclType, "perms": want},
				"old": map[string]any{"acl_name": joined, "acl_type": aclType, "perms": fmt.Sprint(octal)},
			}
			if req.Test {
				return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("Updated permissions will be applied for %s: %d -> %s", list, octal, perms), Changes: changes}
			}
			if r = apply("Updated permissions for "+list, changes); r.Result == False {
				return r
			}
		default:
			if req.Test {
				return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("New permissions will be applied for %s: %s", list, perms), Changes: newOnly}
			}
			if r = apply("Applied new permissions for "+joined, newOnly); r.Result == False {
				return r
			}
		}
	}
	return r
}

// aclListAbsent makes sure a file has no ACL entry for any of a list of
// users or groups (setfacl -x for each), as Salt 3006's acl.list_absent.
//
// Salt: as acl.absent, no changes are reported when entries go
// ("Removing permissions").
func aclListAbsent(ctx context.Context, req *Request) Result {
	recurse := req.Args.Bool("recurse", false)
	aclType := req.Args.String("acl_type", "")
	names := req.Args.StringList("acl_names")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	s, fail := aclOpen(ctx, req, false)
	if fail != nil {
		return *fail
	}
	if len(s.cur[s.typ]) == 0 && !s.isDefault {
		return Failf(req.Name, "ACL Type does not exist")
	}
	search := map[string]bool{}
	for _, n := range names {
		search[n] = true
	}
	if len(names) == 0 {
		// Salt's set() of the comment's value: its letters.
		for _, c := range s.all[s.path].comment[s.typ] {
			search[string(c)] = true
		}
	}
	found := false
	for _, e := range s.cur[s.typ] {
		found = found || search[e.name]
	}
	if !found {
		return Result{Name: req.Name, Result: True, Comment: "Permissions are in the desired state", Changes: map[string]any{}}
	}
	if req.Test {
		return Result{Name: req.Name, Result: None, Comment: "Removing permissions", Changes: map[string]any{}}
	}
	for _, n := range names {
		if _, err := aclRun(ctx, aclSetfacl("-x", aclType, n, "", s.path, recurse)...); err != nil {
			return Failf(req.Name, "Error removing permissions for %s: %v", n, err)
		}
	}
	return Result{Name: req.Name, Result: True, Comment: "Removing permissions", Changes: map[string]any{}}
}

func aclAnyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
