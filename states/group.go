package states

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/osuser"
)

func init() {
	Register("group.present", groupPresent,
		Param{Name: "name", Type: String, Doc: "the group name."},
		Param{Name: "gid", Type: Int, Doc: "the group id; a new group without one gets the next free id."},
		Param{Name: "system", Type: Bool, Default: false, Doc: "take the gid from the system range (SYS_GID_MIN..SYS_GID_MAX)."},
		Param{Name: "members", Type: StringList, Doc: "the complete member list; an empty list empties the group. Not with addusers or delusers."},
		Param{Name: "addusers", Type: StringList, Doc: "users to add as members."},
		Param{Name: "delusers", Type: StringList, Doc: "users to remove from the members."},
	)
	Register("group.absent", groupAbsent, Param{Name: "name", Type: String, Doc: "the group name."})
}

// groupArgs are group.present's arguments after checking.
type groupArgs struct {
	name               string
	gid                *int
	system             bool
	members            []string
	membersSet         bool // members given, even empty: [] empties the group
	addusers, delusers []string
	addSet, delSet     bool
}

func groupParseArgs(req *Request) (*groupArgs, error) {
	a := &req.Args
	g := &groupArgs{name: req.Name}
	if g.name == "" || strings.ContainsAny(g.name, ":,\n /") {
		return nil, &ArgError{Arg: "name", Err: fmt.Errorf("%q is not a group name", g.name)}
	}
	if v, ok := a.Get("gid"); ok && v != nil && v != "" {
		n := a.Int("gid", -1)
		if a.Err() != nil || n < 0 {
			return nil, &ArgError{Arg: "gid", Err: fmt.Errorf("Invalid gid: %v", v)}
		}
		g.gid = &n
	}
	g.system = a.Bool("system", false)
	g.membersSet = a.Has("members") && !argNull(a, "members")
	g.members = a.StringList("members")
	g.addSet = a.Has("addusers") && !argNull(a, "addusers")
	g.addusers = a.StringList("addusers")
	g.delSet = a.Has("delusers") && !argNull(a, "delusers")
	g.delusers = a.StringList("delusers")
	if err := a.Err(); err != nil {
		return nil, err
	}
	for _, k := range []string{"members", "addusers", "delusers"} {
		for _, u := range a.StringList(k) {
			if u == "" || strings.ContainsAny(u, ":,\n ") {
				return nil, &ArgError{Arg: k, Err: fmt.Errorf("%q is not a user name", u)}
			}
		}
	}
	return g, nil
}

// Present makes sure a group exists with the given gid and members.
//
// groupadd, groupmod and gpasswd make the changes, with --root for an
// image; a new group's gid is chosen beforehand, so a dry run shows it.
//
// Salt: conflicting members/addusers/delusers fail (Salt returns None); a dry run reports the changes of a real run (Salt's reports none), and the gid it promises a new group counts the groups and users that earlier states of the same dry run would create.
func groupPresent(ctx context.Context, req *Request) Result {
	ga, err := groupParseArgs(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	name := ga.name
	if ga.membersSet && (ga.addSet || ga.delSet) {
		return Failf(name, `Error: Conflicting options "members" with "addusers" and/or "delusers" can not be used together. `)
	}
	for _, u := range ga.addusers {
		if slices.Contains(ga.delusers, u) {
			return Failf(name, "Error. Same user(s) can not be added and deleted simultaneously")
		}
	}
	db, err := loadAcct(req)
	if err != nil {
		return Failf(name, "%v", err)
	}
	if db.group(name) == nil {
		return groupCreate(ctx, req, db, ga)
	}
	ch := groupChanges(db, ga)
	if len(ch) == 0 {
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: fmt.Sprintf("Group %s is present and up to date", name)}
	}
	var b strings.Builder
	b.WriteString("The following group attributes are set to be changed:\n")
	for _, c := range ch {
		fmt.Fprintf(&b, "%s: %s\n", c.key, pyValue(c.val))
	}
	done := map[string]any{"Final": "All changes applied successfully"}
	if req.Test {
		return Result{Name: name, Result: None, Changes: done, Comment: b.String()}
	}
	var applyErr error
	for _, c := range ch {
		switch c.key {
		case "gid":
			applyErr = runShadowTool(ctx, req, "groupmod", "-R", "-g", strconv.Itoa(c.val.(int)), name)
		case "members":
			applyErr = runShadowTool(ctx, req, "gpasswd", "-Q", "-M", strings.Join(ga.members, ","), name)
		case "addusers":
			for _, u := range c.val.([]string) {
				if applyErr = runShadowTool(ctx, req, "gpasswd", "-Q", "-a", u, name); applyErr != nil {
					break
				}
			}
		case "delusers":
			del, ok := c.val.([]string)
			if !ok {
				del = c.val.(pySet)
			}
			for _, u := range del {
				if applyErr = runShadowTool(ctx, req, "gpasswd", "-Q", "-d", u, name); applyErr != nil {
					break
				}
			}
		}
		if applyErr != nil {
			break
		}
	}
	db2, err := loadAcct(req)
	if err != nil {
		return Failf(name, "%v", err)
	}
	if left := groupChanges(db2, ga); len(left) > 0 || applyErr != nil {
		res := Result{Name: name, Result: False, Comment: b.String() + "Some changes could not be applied",
			Changes: map[string]any{"Failed": changesAny(left)}}
		if applyErr != nil {
			res.Comment += "\n" + applyErr.Error()
		}
		return res
	}
	return Result{Name: name, Result: True, Changes: done, Comment: b.String()}
}

// groupChanges is Salt's group _changes, in its order.
func groupChanges(db *acctDB, ga *groupArgs) []change {
	g := db.group(ga.name)
	var ch []change
	if ga.gid != nil && g.GID != *ga.gid {
		ch = append(ch, change{"gid", *ga.gid})
	}
	differ := !slices.Equal(sortedSet(g.Members), sortedSet(ga.members))
	switch {
	case ga.membersSet && len(ga.members) == 0 && differ:
		ch = append(ch, change{"delusers", pySet(sortedSet(g.Members))})
	case len(ga.members) > 0 && differ:
		ch = append(ch, change{"members", ga.members})
	}
	var add, del []string
	for _, u := range ga.addusers {
		if !slices.Contains(g.Members, u) {
			add = append(add, u)
		}
	}
	for _, u := range ga.delusers {
		if slices.Contains(g.Members, u) {
			del = append(del, u)
		}
	}
	if len(add) > 0 {
		ch = append(ch, change{"addusers", add})
	}
	if len(del) > 0 {
		ch = append(ch, change{"delusers", del})
	}
	return ch
}

func changesAny(ch []change) map[string]any {
	m := make(map[string]any, len(ch))
	for _, c := range ch {
		switch l := c.val.(type) {
		case []string:
			m[c.key] = toAnyList(l)
		case pySet:
			m[c.key] = toAnyList(l)
		default:
			m[c.key] = c.val
		}
	}
	return m
}

// groupInfo is Salt's group.info.
func groupInfo(name string, gid int, members []string) map[string]any {
	return map[string]any{"name": name, "passwd": "x", "gid": gid, "members": toAnyList(members)}
}

func groupCreate(ctx context.Context, req *Request, db *acctDB, ga *groupArgs) Result {
	name := ga.name
	var gid int
	if ga.gid != nil {
		gid = *ga.gid
		if o, err := db.GroupByID(gid); err == nil {
			return Failf(name, "Group %s is not present but gid %d is already taken by group %s", name, gid, o.Name)
		}
	} else {
		id, err := db.newGID(ga.system, -1)
		if err != nil {
			return Failf(name, "Failed to create new group %s: %v", name, err)
		}
		gid = id
	}
	members := ga.members
	if len(ga.addusers) > 0 {
		members = ga.addusers
	}
	if req.Test {
		plannedAccts(req).addGroup(osuser.Group{Name: name, GID: gid, Members: members})
		return Result{Name: name, Result: None, Changes: groupInfo(name, gid, members),
			Comment: fmt.Sprintf("Group %s set to be added", name)}
	}
	argv := []string{"-g", strconv.Itoa(gid)}
	if ga.system {
		argv = append(argv, "-r")
	}
	if err := runShadowTool(ctx, req, "groupadd", "-R", append(argv, name)...); err != nil {
		return Failf(name, "Failed to create new group %s: %v", name, err)
	}
	var memErr error
	if len(members) > 0 {
		memErr = runShadowTool(ctx, req, "gpasswd", "-Q", "-M", strings.Join(members, ","), name)
	}
	db2, err := loadAcct(req)
	if err != nil {
		return Failf(name, "%v", err)
	}
	g := db2.group(name)
	if g == nil {
		return Failf(name, "Failed to create new group %s", name)
	}
	if left := groupChanges(db2, ga); len(left) > 0 || memErr != nil {
		res := Result{Name: name, Result: False, Changes: map[string]any{"Failed": changesAny(left)},
			Comment: fmt.Sprintf("Group %s has been created but, some changes could not be applied", name)}
		if memErr != nil {
			res.Comment += "\n" + memErr.Error()
		}
		return res
	}
	return Result{Name: name, Result: True, Changes: groupInfo(g.Name, g.GID, g.Members),
		Comment: fmt.Sprintf("New group %s created", name)}
}

// Absent makes sure a group does not exist.
//
// groupdel refuses to remove a user's primary group; the state then fails
// with its message.
//
// Salt: none.
func groupAbsent(ctx context.Context, req *Request) Result {
	name := req.Name
	if name == "" || strings.ContainsAny(name, ":,\n /") {
		return Failf(name, "argument %q: %q is not a group name", "name", name)
	}
	db, err := loadAcct(req)
	if err != nil {
		return Failf(name, "%v", err)
	}
	if db.group(name) == nil {
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: "Group not present"}
	}
	if req.Test {
		return Result{Name: name, Result: None, Changes: map[string]any{name: ""}, Comment: fmt.Sprintf("Group %s is set for removal", name)}
	}
	if err := runShadowTool(ctx, req, "groupdel", "-R", name); err != nil {
		return Failf(name, "Failed to remove group %s: %v", name, err)
	}
	return Result{Name: name, Result: True, Changes: map[string]any{name: ""}, Comment: fmt.Sprintf("Removed group %s", name)}
}
