package states

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/osuser"
)

// userPlan is a new account as useradd will make it, with every id and
// default decided beforehand.
type userPlan struct {
	user      osuser.User
	groupGID  int  // the user's own group to create first, when newGroup
	newGroup  bool // create a group named after the user
	defaultGr bool // no -g: useradd's GROUP default (may name no group)
	groups    []string
}

func userPlanNew(db *acctDB, ua *userArgs, optPresent []string) (*userPlan, error) {
	p := &userPlan{user: osuser.User{Name: ua.name}}
	if ua.uid != nil {
		p.user.UID = *ua.uid
		if ua.unique {
			if o, err := db.UserByID(*ua.uid); err == nil {
				return nil, fmt.Errorf("UID %d is not unique: user %s has it", *ua.uid, o.Name)
			}
		}
	} else {
		id, err := db.newUID(ua.system)
		if err != nil {
			return nil, fmt.Errorf("uid: %w", err)
		}
		p.user.UID = id
	}
	usergroup := db.userGroupsEnabled()
	if ua.usergroup != nil {
		usergroup = *ua.usergroup
	}
	p.groups = sortedSet(append(slices.Clone(ua.groups), optPresent...))
	// Salt's user.add, with no gid and usergroup not True, passes
	// "-g NAME" when the user is to be in a group of its own name and
	// USERGROUPS_ENAB is on: the user then joins that existing group
	// instead of useradd refusing to make its own.
	ownGroup := ua.gid == "" && (ua.usergroup == nil || !*ua.usergroup) &&
		slices.Contains(p.groups, ua.name) && db.userGroupsEnabled() && db.group(ua.name) != nil
	switch {
	case ua.gid != "":
		g, _ := db.Group(ua.gid)
		p.user.GID = g.GID
	case ownGroup:
		p.user.GID = db.group(ua.name).GID
	case usergroup:
		if db.group(ua.name) != nil {
			return nil, fmt.Errorf("group %s exists - if you want to add this user to that group, use gid", ua.name)
		}
		id, err := db.newGID(ua.system, p.user.UID)
		if err != nil {
			return nil, fmt.Errorf("gid: %w", err)
		}
		p.user.GID, p.groupGID, p.newGroup = id, id, true
	default:
		p.defaultGr = true
		p.user.GID = 100
		if n, err := strconv.Atoi(db.uadd["GROUP"]); err == nil {
			p.user.GID = n
		} else if g := db.group(db.uadd["GROUP"]); g != nil {
			p.user.GID = g.GID
		}
	}
	p.user.Home = ua.home
	if p.user.Home == "" {
		base := db.uadd["HOME"]
		if base == "" {
			base = "/home"
		}
		p.user.Home = path.Join(base, ua.name)
	}
	p.user.Shell = ua.shell
	if p.user.Shell == "" {
		p.user.Shell = db.uadd["SHELL"]
		if p.user.Shell == "" {
			p.user.Shell = "/bin/sh"
		}
	}
	var g [5]string
	for i := range g {
		if ua.gecos[i] != nil {
			g[i] = *ua.gecos[i]
		}
	}
	p.user.Gecos = gecosJoin(g)
	return p, nil
}

// info is Salt's user.info for the planned account.
func (p *userPlan) info(db *acctDB, ua *userArgs) map[string]any {
	primary := db.GroupName(p.user.GID)
	if p.newGroup {
		primary = ua.name
	}
	m := db.userInfo(&p.user)
	m["groups"] = toAnyList(sortedSet(append(slices.Clone(p.groups), primary)))
	return m
}

func userCreate(ctx context.Context, req *Request, db *acctDB, ua *userArgs, optPresent []string) Result {
	name := ua.name
	p, err := userPlanNew(db, ua, optPresent)
	if err != nil {
		return Failf(name, "Failed to create new user %s: %v", name, err)
	}
	setPass := ua.password != "" && !ua.emptyPassword
	emptyPass := ua.emptyPassword && ua.password == ""
	want := p.info(db, ua)
	if !ua.createhome {
		want["home"] = "" // Salt's quirk: no home made, none reported
	}
	if setPass {
		want["password"] = redacted
	} else if emptyPass {
		want["password"] = ""
	}
	// Salt sets the ageing fields after useradd, each one given (date) or
	// non-zero (the others), and reports each by its argument's name.
	var chage []string
	var ages []ageArg
	for _, g := range ageArgs {
		if v, ok := ua.age[g.arg]; ok && (v != 0 || g.arg == "date") {
			want[g.arg] = v
			chage = append(chage, g.flag, strconv.Itoa(v))
			ages = append(ages, g)
		}
	}
	if req.Test {
		plan := plannedAccts(req)
		if p.newGroup {
			plan.addGroup(osuser.Group{Name: name, GID: p.groupGID})
		}
		sh := shadowEntry{Name: name, Passwd: "!", Age: [ageFields]int{today(), -1, -1, -1, -1, -1}}
		for _, g := range ages {
			sh.Age[g.field] = ua.age[g.arg]
		}
		if setPass {
			sh.Passwd = ua.password
		} else if emptyPass {
			sh.Passwd = ""
		}
		plan.addUser(p.user, sh, p.groups)
		return Result{Name: name, Result: None, Changes: want, Comment: fmt.Sprintf("User %s set to be added", name)}
	}

	if p.newGroup {
		if err := runShadowTool(ctx, req, "groupadd", "-R", "-g", strconv.Itoa(p.groupGID), name); err != nil {
			return Failf(name, "Failed to create new user %s: %v", name, err)
		}
	}
	argv := []string{"-u", strconv.Itoa(p.user.UID)}
	if !ua.unique {
		argv = append(argv, "-o")
	}
	if p.defaultGr {
		argv = append(argv, "-N")
	} else {
		argv = append(argv, "-g", strconv.Itoa(p.user.GID))
	}
	if len(p.groups) > 0 {
		argv = append(argv, "-G", strings.Join(p.groups, ","))
	}
	argv = append(argv, "-d", p.user.Home, "-s", p.user.Shell)
	if ua.createhome {
		argv = append(argv, "-m")
	} else {
		argv = append(argv, "-M")
	}
	if p.user.Gecos != "" {
		argv = append(argv, "-c", p.user.Gecos)
	}
	if ua.system {
		argv = append(argv, "-r")
	}
	if ua.noLogInit {
		argv = append(argv, "-l")
	}
	if err := runShadowTool(ctx, req, "useradd", "-R", append(argv, name)...); err != nil {
		if p.newGroup {
			if err2 := runShadowTool(ctx, req, "groupdel", "-R", name); err2 != nil {
				req.Log().Warn("could not remove the group made for a user that failed", "group", name, "error", err2)
			}
		}
		return Failf(name, "Failed to create new user %s: %v", name, err)
	}

	var postErr error
	if setPass || emptyPass {
		h := ""
		if setPass {
			h = ua.password
		}
		// A failure shows below, as the hash then differs.
		postErr = setPassword(ctx, req, name, h)
	}
	if len(chage) > 0 && postErr == nil {
		postErr = runShadowTool(ctx, req, "chage", "-R", append(chage, name)...)
	}
	db2, err := loadAcct(req)
	if err != nil {
		return Failf(name, "%v", err)
	}
	u := db2.user(name)
	if u == nil {
		return Failf(name, "Failed to create new user %s", name)
	}
	got := db2.userInfo(u)
	res := Result{Name: name, Result: True, Changes: got, Comment: fmt.Sprintf("New user %s created", name)}
	if !ua.createhome {
		got["home"] = ""
	}
	sh := db2.shadow[name]
	switch {
	case setPass:
		got["password"] = redacted
		if sh.Passwd != ua.password {
			res.Result = False
			res.Comment = fmt.Sprintf("User %s created but failed to set password to %s", name, redacted)
			if postErr != nil {
				res.Comment += ": " + postErr.Error()
			}
		}
	case emptyPass:
		got["password"] = ""
		if sh.Passwd != "" {
			res.Result = False
			res.Comment = fmt.Sprintf("User %s created but failed to empty password", name)
			if postErr != nil {
				res.Comment += ": " + postErr.Error()
			}
		}
	}
	for _, g := range ages {
		got[g.arg] = ua.age[g.arg]
		if sh.Age[g.field] != ua.age[g.arg] {
			res.Result = False
			res.Comment = fmt.Sprintf("User %s created but failed to set %s to %d", name, g.what, ua.age[g.arg])
			if postErr != nil {
				res.Comment += ": " + postErr.Error()
			}
		}
	}
	return res
}

// Absent makes sure a user account does not exist.
//
// The user's own group goes with it when userdel removes it
// (USERGROUPS_ENAB, no other members): changes then name it.
//
// Salt: none; the dry run predicts the groups removed, as a real run reports them.
func userAbsent(ctx context.Context, req *Request) Result {
	name := req.Name
	purge := req.Args.Bool("purge", false)
	force := req.Args.Bool("force", false)
	if err := req.Args.Err(); err != nil {
		return Failf(name, "%v", err)
	}
	if name == "" || strings.ContainsAny(name, ":,\n /") {
		return Failf(name, "argument %q: %q is not a user name", "name", name)
	}
	db, err := loadAcct(req)
	if err != nil {
		return Failf(name, "%v", err)
	}
	u := db.user(name)
	if u == nil {
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: fmt.Sprintf("User %s is not present", name)}
	}
	before := db.userGroups(u)
	if req.Test {
		want := map[string]any{name: "removed"}
		if g := db.group(name); g != nil && userdelTakesGroup(db, u, g, force) {
			want[name+" group"] = "removed"
		}
		return Result{Name: name, Result: None, Changes: want, Comment: fmt.Sprintf("User %s set for removal", name)}
	}
	argv := []string{}
	if purge {
		argv = append(argv, "-r")
	}
	if force {
		argv = append(argv, "-f")
	}
	if err := runShadowTool(ctx, req, "userdel", "-R", append(argv, name)...); err != nil {
		return Failf(name, "Failed to remove user %s: %v", name, err)
	}
	db2, err := loadAcct(req)
	if err != nil {
		return Failf(name, "%v", err)
	}
	got := map[string]any{}
	for _, g := range before {
		if db2.group(g) == nil {
			got[g+" group"] = "removed"
		}
	}
	got[name] = "removed"
	return Result{Name: name, Result: True, Changes: got, Comment: fmt.Sprintf("Removed user %s", name)}
}

// userdelTakesGroup is shadow's rule for removing the user's own group:
// USERGROUPS_ENAB, the group is the user's primary, no one else is in it,
// and (unless forced) it is no other user's primary group.
func userdelTakesGroup(db *acctDB, u *osuser.User, g *osuser.Group, force bool) bool {
	if !db.userGroupsEnabled() || g.GID != u.GID {
		return false
	}
	for _, m := range g.Members {
		if m != u.Name {
			return false
		}
	}
	if !force {
		for _, o := range db.Users {
			if o.Name != u.Name && o.GID == g.GID {
				return false
			}
		}
	}
	return true
}
