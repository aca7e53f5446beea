package states

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/osuser"
	"github.com/brine-cm/brine/pkg/rootfs"
)

func init() {
	Register("user.present", userPresent,
		Param{Name: "name", Type: String, Doc: "the login name."},
		Param{Name: "uid", Type: Int, Doc: "the user id; a new user without one gets the next free id."},
		Param{Name: "gid", Type: String, Doc: "the primary group, a name or a number."},
		Param{Name: "usergroup", Type: Bool, Doc: "create a group named after the user (default: USERGROUPS_ENAB of login.defs)."},
		Param{Name: "groups", Type: StringList, Doc: "the supplementary groups; each must exist. An empty list removes the user from every group but the primary one; unset leaves them alone."},
		Param{Name: "optional_groups", Type: StringList, Doc: "supplementary groups added when they exist, skipped otherwise."},
		Param{Name: "remove_groups", Type: Bool, Default: true, Doc: "remove the user from groups not listed."},
		Param{Name: "home", Type: Path, Doc: "the home directory (default /home/NAME, from /etc/default/useradd); under --root one that would resolve outside the image fails the state."},
		Param{Name: "createhome", Type: Bool, Default: true, Doc: "create the home directory when missing."},
		Param{Name: "shell", Type: String, Doc: "the login shell (default SHELL of /etc/default/useradd, else /bin/sh)."},
		Param{Name: "fullname", Type: String, Doc: "the GECOS full name."},
		Param{Name: "roomnumber", Type: String, Doc: "the GECOS room number."},
		Param{Name: "workphone", Type: String, Doc: "the GECOS work phone."},
		Param{Name: "homephone", Type: String, Doc: "the GECOS home phone."},
		Param{Name: "other", Type: String, Doc: "the GECOS other field."},
		Param{Name: "password", Type: String, Doc: "a password hash (crypt(3) form, such as from mkpasswd -m sha-512)."},
		Param{Name: "hash_password", Type: Bool, Default: false, Doc: "password is clear text: store its SHA-512 crypt hash, with the salt of the stored $6$ hash when there is one."},
		Param{Name: "enforce_password", Type: Bool, Default: true, Doc: "replace a password that differs."},
		Param{Name: "empty_password", Type: Bool, Default: false, Doc: "set an empty password (password-less login)."},
		Param{Name: "date", Type: Int, Doc: "the day of the last password change, in days since 1970-01-01."},
		Param{Name: "mindays", Type: Int, Doc: "the minimum days between password changes (chage -m)."},
		Param{Name: "maxdays", Type: Int, Doc: "the maximum days a password is valid (chage -M)."},
		Param{Name: "warndays", Type: Int, Doc: "the days of warning before a password expires (chage -W)."},
		Param{Name: "inactdays", Type: Int, Doc: "the days after a password expires before the account is locked (chage -I); -1 clears it."},
		Param{Name: "expire", Type: Int, Doc: "the day the account expires, in days since 1970-01-01; -1 never."},
		Param{Name: "system", Type: Bool, Default: false, Doc: "take the uid from the system range (SYS_UID_MIN..SYS_UID_MAX)."},
		Param{Name: "unique", Type: Bool, Default: true, Doc: "refuse a uid that another user has."},
		Param{Name: "allow_uid_change", Type: Bool, Default: false, Doc: "allow changing an existing user's uid."},
		Param{Name: "allow_gid_change", Type: Bool, Default: false, Doc: "allow changing an existing user's gid."},
		Param{Name: "nologinit", Type: Bool, Default: false, Doc: "do not add a new user to the lastlog and faillog databases."},
	)
	Register("user.absent", userAbsent,
		Param{Name: "name", Type: String, Doc: "the login name."},
		Param{Name: "purge", Type: Bool, Default: false, Doc: "also remove the home directory and mail spool."},
		Param{Name: "force", Type: Bool, Default: false, Doc: "remove the user even while logged in (userdel -f)."},
	)
}

// redacted stands for a password hash in results, as in Salt.
const redacted = "XXX-REDACTED-XXX"

// userArgs are user.present's arguments after checking.
type userArgs struct {
	name                      string
	uid                       *int
	gid                       string // as given: a group name or a number
	usergroup                 *bool
	groups                    []string
	groupsSet                 bool // groups given, even empty: [] removes every supplementary group
	optional                  []string
	removeGroups              bool
	home                      string
	createhome                bool
	shell                     string
	gecos                     [5]*string // fullname, roomnumber, workphone, homephone, other
	password                  string
	enforcePassword           bool
	emptyPassword             bool
	system, unique            bool
	allowUIDChange, allowGIDC bool
	age                       map[string]int // ageing arguments given, by name
	hashPassword, noLogInit   bool
}

var gecosArgs = [5]string{"fullname", "roomnumber", "workphone", "homephone", "other"}

func userParseArgs(req *Request) (*userArgs, error) {
	a := &req.Args
	u := &userArgs{name: req.Name}
	if u.name == "" || strings.ContainsAny(u.name, ":,\n /") {
		return nil, &ArgError{Arg: "name", Err: fmt.Errorf("%q is not a user name", u.name)}
	}
	// uid: '' is how a template leaves it out, as Salt reads it.
	if v, _ := a.Get("uid"); v != nil && v != "" {
		n := a.Int("uid", -1)
		if n < 0 && a.Err() == nil {
			return nil, &ArgError{Arg: "uid", Err: fmt.Errorf("want a number >= 0, got %d", n)}
		}
		u.uid = &n
	}
	u.gid = a.String("gid", "")
	u.usergroup = a.OptBool("usergroup")
	u.groupsSet = a.Has("groups") && !argNull(a, "groups")
	u.groups = a.StringList("groups")
	u.optional = a.StringList("optional_groups")
	u.removeGroups = a.Bool("remove_groups", true)
	u.home = a.String("home", "")
	u.createhome = a.Bool("createhome", true)
	u.shell = a.String("shell", "")
	for i, k := range gecosArgs {
		if a.Has(k) && !argNull(a, k) {
			s := a.String(k, "")
			u.gecos[i] = &s
		}
	}
	u.password = a.String("password", "")
	u.enforcePassword = a.Bool("enforce_password", true)
	u.emptyPassword = a.Bool("empty_password", false)
	u.hashPassword = a.Bool("hash_password", false)
	u.noLogInit = a.Bool("nologinit", false)
	u.system = a.Bool("system", false)
	u.unique = a.Bool("unique", true)
	u.allowUIDChange = a.Bool("allow_uid_change", false)
	u.allowGIDC = a.Bool("allow_gid_change", false)
	if err := a.Err(); err != nil {
		return nil, err
	}
	age, err := userAgeArgs(a)
	if err != nil {
		return nil, err
	}
	u.age = age
	if u.home != "" && !strings.HasPrefix(u.home, "/") {
		return nil, &ArgError{Arg: "home", Err: fmt.Errorf("%q is not an absolute path", u.home)}
	}
	for _, k := range []string{"gid", "shell", "password"} {
		if s := a.String(k, ""); strings.ContainsAny(s, ":\n") {
			return nil, &ArgError{Arg: k, Err: errors.New("may not hold ':' or a newline")}
		}
	}
	for i, k := range gecosArgs {
		if u.gecos[i] != nil && strings.ContainsAny(*u.gecos[i], ":\n") {
			return nil, &ArgError{Arg: k, Err: errors.New("may not hold ':' or a newline")}
		}
	}
	return u, nil
}

func argNull(a *Args, key string) bool { v, ok := a.Get(key); return ok && v == nil }

// change is one entry of Salt's _changes, in Salt's order.
type change struct {
	key string
	val any
}

// Present makes sure a user account exists with the given properties.
//
// The shadow tools (useradd, usermod, groupadd) make every change, with
// --root for an image; brine works out new ids and defaults itself and
// passes them explicitly, so a dry run shows the ids a real run will use.
//
// Salt: a dry run reports the changes of a real run (Salt's reports none) and sees the groups and users that earlier states of the same dry run would create (Salt's fails on them); a home folder made for an existing user shows as changes {homeDoesNotExist: path} (Salt shows none); hash_password makes $6$ (SHA-512) hashes only; the Windows and BSD arguments are not supported; a gid naming a group that does not exist fails.
func userPresent(ctx context.Context, req *Request) Result {
	ua, err := userParseArgs(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	name := ua.name
	// A comma in a GECOS field would shift the fields after it on every run.
	for i := 0; i < 3; i++ {
		if ua.gecos[i] != nil && strings.Contains(*ua.gecos[i], ",") {
			return Failf(name, "Unsupported char ',' in %s", *ua.gecos[i])
		}
	}
	db, err := loadAcct(req)
	if err != nil {
		return Failf(name, "%v", err)
	}
	if err := userCheckHome(req, db, ua); err != nil {
		return Failf(name, "%v", err)
	}
	var missing []string
	for _, g := range ua.groups {
		if db.group(g) == nil {
			missing = append(missing, g)
		}
	}
	if len(missing) > 0 {
		return Failf(name, "The following group(s) are not present: %s", strings.Join(missing, ","))
	}
	var optPresent []string
	for _, g := range ua.optional {
		if db.group(g) != nil {
			optPresent = append(optPresent, g)
		} else {
			req.Log().Debug("optional group not present", "group", g, "user", name)
		}
	}
	if ua.gid != "" {
		// A number must name a group too: useradd and usermod refuse others.
		if db.group(ua.gid) == nil && !gidExists(db, ua.gid) {
			return Failf(name, "argument %q: group %s does not exist", "gid", ua.gid)
		}
	}
	if ua.password != "" && ua.hashPassword {
		h, err := hashPassword(ua.password, db.shadow[name].Passwd)
		if err != nil {
			return Failf(name, "%v", err)
		}
		ua.password = h
	}
	if u := db.user(name); u != nil {
		return userUpdate(ctx, req, db, ua, u, optPresent)
	}
	return userCreate(ctx, req, db, ua, optPresent)
}

// userCheckHome refuses, under --root, a home that would resolve outside
// the image: the home argument always (usermod and useradd would record
// it), and the passwd entry's home when brine is to make it itself
// (createhome for a user that exists). The shadow tools chroot into the
// image, so what they make is confined by the kernel; mkHome is not.
func userCheckHome(req *Request, db *acctDB, ua *userArgs) error {
	if req.Live() {
		return nil // the host's own paths: nothing to confine them to
	}
	if ua.home != "" {
		_, err := rootPath(req, "home", ua.home, true)
		return err
	}
	if u := db.user(ua.name); u != nil && ua.createhome && u.Home != "" {
		if _, err := rootPath(req, "", u.Home, true); err != nil {
			return fmt.Errorf("home of %s in /etc/passwd: %w", ua.name, err)
		}
	}
	return nil
}

// userChanges is Salt's _changes for an existing user.
func userChanges(db *acctDB, ua *userArgs, u *osuser.User, optPresent []string, gidSpec string) []change {
	var ch []change
	cur := db.userGroups(u)
	groups := ua.groups
	if !ua.groupsSet {
		groups = cur
	}
	wanted := sortedSet(append(slices.Clone(groups), optPresent...))
	if ua.uid != nil && u.UID != *ua.uid {
		ch = append(ch, change{"uid", *ua.uid})
	}
	newGID := u.GID
	if gidSpec != "" {
		g, _ := db.Group(gidSpec)
		if g.GID != u.GID {
			ch = append(ch, change{"gid", gidValue(gidSpec)})
			newGID = g.GID
		}
	}
	defGrp, oldDef := db.GroupName(newGID), db.GroupName(u.GID)
	cur = slices.DeleteFunc(cur, func(g string) bool {
		return g == defGrp || g == oldDef || (g == ua.name && !slices.Contains(wanted, ua.name))
	})
	wanted = slices.DeleteFunc(wanted, func(g string) bool { return g == defGrp })
	if groupsDiffer(cur, wanted, ua.removeGroups) {
		ch = append(ch, change{"groups", wanted})
	}
	if ua.home != "" && u.Home != ua.home {
		ch = append(ch, change{"home", ua.home})
	}
	// A user this dry run would create gets its home made with it.
	if ua.createhome && !db.planned[u.Name] {
		h := ua.home
		if h == "" {
			h = u.Home
		}
		if h != "" && !db.isDir(h) {
			ch = append(ch, change{"homeDoesNotExist", h})
		}
	}
	if ua.shell != "" && u.Shell != ua.shell {
		ch = append(ch, change{"shell", ua.shell})
	}
	sh := db.shadow[u.Name]
	if ua.password != "" && !ua.emptyPassword {
		if (sh.Passwd == "!" || ua.enforcePassword) && sh.Passwd != ua.password {
			ch = append(ch, change{"passwd", ua.password})
		}
	}
	if ua.emptyPassword && sh.Passwd != "" {
		ch = append(ch, change{"empty_password", true})
	}
	ch = append(ch, ageChanges(sh, ua.age)...)
	g := gecosSplit(u.Gecos)
	for i, k := range gecosArgs {
		if ua.gecos[i] != nil && g[i] != *ua.gecos[i] {
			ch = append(ch, change{k, *ua.gecos[i]})
		}
	}
	return ch
}

func gidValue(spec string) any {
	if n, err := strconv.Atoi(spec); err == nil {
		return n
	}
	return spec
}

// groupsDiffer is Salt's _group_changes.
func groupsDiffer(cur, wanted []string, remove bool) bool {
	c, w := sortedSet(cur), sortedSet(wanted)
	if remove {
		return !slices.Equal(c, w)
	}
	for _, g := range w {
		if !slices.Contains(c, g) {
			return true
		}
	}
	return false
}

func sortedSet(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return slices.Compact(out)
}

// isDir reports whether p, a path of the image, is a directory. A path
// that leaves the image is not one; userPresent has refused such a home
// before it gets here.
func (a *acctDB) isDir(p string) bool {
	hp, err := a.path(p)
	if err != nil {
		return false
	}
	fi, err := os.Stat(hp)
	return err == nil && fi.IsDir()
}

func changeMap(ch []change) map[string]change {
	m := map[string]change{}
	for _, c := range ch {
		m[c.key] = c
	}
	return m
}

func userUpdate(ctx context.Context, req *Request, db *acctDB, ua *userArgs, u *osuser.User, optPresent []string) Result {
	name := ua.name
	gidSpec := ua.gid
	if ua.usergroup != nil && *ua.usergroup && db.group(name) != nil {
		gidSpec = name
	}
	ch := userChanges(db, ua, u, optPresent, gidSpec)
	if len(ch) == 0 {
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: fmt.Sprintf("User %s is present and up to date", name)}
	}
	cm := changeMap(ch)
	var errs []string
	if c, ok := cm["uid"]; ok && !ua.allowUIDChange {
		errs = append(errs, fmt.Sprintf("Changing uid (%d -> %v) not permitted, set allow_uid_change to True to force this change. Note that this will not change file ownership.", u.UID, c.val))
	}
	if c, ok := cm["gid"]; ok && !ua.allowGIDC {
		errs = append(errs, fmt.Sprintf("Changing gid (%d -> %v) not permitted, set allow_gid_change to True to force this change. Note that this will not change file ownership.", u.GID, c.val))
	}
	if len(errs) > 0 {
		return Failf(name, "Encountered error checking for needed changes. Additional info follows:\n\n- %s", strings.Join(errs, "\n- "))
	}

	// The new account, as usermod will leave it.
	post := *u
	argv := []string{}
	if c, ok := cm["uid"]; ok {
		post.UID = c.val.(int)
		argv = append(argv, "-u", strconv.Itoa(post.UID))
		if !ua.unique {
			argv = append(argv, "-o")
		}
	}
	if _, ok := cm["gid"]; ok {
		g, _ := db.Group(gidSpec)
		post.GID = g.GID
		argv = append(argv, "-g", strconv.Itoa(g.GID))
	}
	if c, ok := cm["home"]; ok {
		post.Home = c.val.(string)
	} else if c, ok := cm["homeDoesNotExist"]; ok {
		post.Home = c.val.(string)
	}
	if post.Home != u.Home {
		argv = append(argv, "-d", post.Home)
	}
	if c, ok := cm["shell"]; ok {
		post.Shell = c.val.(string)
		argv = append(argv, "-s", post.Shell)
	}
	g, gecosChange := gecosSplit(u.Gecos), false
	for i, k := range gecosArgs {
		if c, ok := cm[k]; ok {
			g[i], gecosChange = c.val.(string), true
		}
	}
	if gecosChange {
		post.Gecos = gecosJoin(g)
		argv = append(argv, "-c", post.Gecos)
	}
	newPass, passChange := "", false
	if c, ok := cm["passwd"]; ok {
		newPass, passChange = c.val.(string), true
	} else if _, ok := cm["empty_password"]; ok {
		newPass, passChange = "", true
	}
	members := memberOf(db, name)
	if c, ok := cm["groups"]; ok {
		w := c.val.([]string)
		if ua.removeGroups {
			members = sortedSet(w)
			argv = append(argv, "-G", strings.Join(w, ","))
		} else {
			members = sortedSet(append(members, w...))
			argv = append(argv, "-a", "-G", strings.Join(w, ","))
		}
	}

	pre := db.userInfo(u)
	postInfo := db.userInfo(&post)
	postInfo["groups"] = toAnyList(sortedSet(append(members, db.GroupName(post.GID))))
	want := infoDiff(pre, postInfo)
	if c, ok := cm["homeDoesNotExist"]; ok {
		// Salt makes the folder but reports nothing, as user.info is the
		// same; brine names it, so that the run counts as a change.
		want["homeDoesNotExist"] = c.val
	}
	// chpasswd dates the change today; chage then sets what is asked.
	preSh := db.shadow[name]
	postSh := preSh
	if passChange {
		postSh.Passwd, postSh.Age[ageLstchg] = newPass, today()
	}
	var chage []string
	for _, g := range ageArgs {
		if c, ok := cm[g.arg]; ok {
			postSh.Age[g.field] = c.val.(int)
			chage = append(chage, g.flag, strconv.Itoa(c.val.(int)))
		}
	}
	for k, v := range shadowDiff(preSh, postSh) {
		want[k] = v
	}

	if req.Test {
		var b strings.Builder
		b.WriteString("The following user attributes are set to be changed:\n")
		for _, c := range ch {
			v := pyValue(c.val)
			if c.key == "passwd" {
				v = redacted
			}
			fmt.Fprintf(&b, "%s: %s\n", c.key, v)
		}
		return Result{Name: name, Result: None, Changes: want, Comment: b.String()}
	}

	var applyErr error
	if len(argv) > 0 {
		applyErr = runShadowTool(ctx, req, "usermod", "-R", append(argv, name)...)
	}
	if passChange && applyErr == nil {
		applyErr = setPassword(ctx, req, name, newPass)
	}
	if len(chage) > 0 && applyErr == nil {
		applyErr = runShadowTool(ctx, req, "chage", "-R", append(chage, name)...)
	}
	if _, ok := cm["homeDoesNotExist"]; ok && applyErr == nil {
		applyErr = mkHome(db, post.Home, post.UID, post.GID)
	}
	db2, err := loadAcct(req)
	if err != nil {
		return Failf(name, "%v", err)
	}
	u2 := db2.user(name)
	if u2 == nil {
		return Failf(name, "User %s vanished while being updated", name)
	}
	got := infoDiff(pre, db2.userInfo(u2))
	if c, ok := cm["homeDoesNotExist"]; ok && db2.isDir(c.val.(string)) {
		got["homeDoesNotExist"] = c.val
	}
	for k, v := range shadowDiff(preSh, db2.shadow[name]) {
		got[k] = v
	}
	res := Result{Name: name, Result: True, Changes: got, Comment: fmt.Sprintf("User %s is present and up to date", name)}
	if len(got) > 0 {
		res.Comment = fmt.Sprintf("Updated user %s", name)
	}
	// Salt checks again with the uid and gid changes allowed, so that a
	// change made by someone else meanwhile is not reported as refused.
	ua2 := *ua
	ua2.allowUIDChange, ua2.allowGIDC = true, true
	if left := userChanges(db2, &ua2, u2, optPresent, gidSpec); len(left) > 0 || applyErr != nil {
		res.Result = False
		res.Comment = "These values could not be changed: " + pyChanges(left)
		if applyErr != nil {
			res.Comment += "\n" + applyErr.Error()
		}
	}
	return res
}

// memberOf lists the groups that name the user as a member.
func memberOf(db *acctDB, user string) []string {
	var out []string
	for _, g := range db.Groups {
		if slices.Contains(g.Members, user) {
			out = append(out, g.Name)
		}
	}
	return sortedSet(out)
}

// infoDiff is Salt's "see if anything changed": post's value of each key
// that differs.
func infoDiff(pre, post map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range post {
		if fmt.Sprint(pre[k]) != fmt.Sprint(v) {
			out[k] = v
		}
	}
	return out
}

// mkHome makes home, a path of the image, for an existing user. It is
// resolved inside the image first, and chowned without following a link,
// so that neither a ".." in passwd nor a link planted at the home can
// hand a host directory to the user.
func mkHome(db *acctDB, home string, uid, gid int) error {
	path, err := db.path(home)
	if err != nil {
		return fmt.Errorf("home: %w", err)
	}
	if err := os.Mkdir(path, 0o755); err != nil && !os.IsExist(err) {
		return fmt.Errorf("home: %w", err)
	}
	if err := os.Lchown(path, uid, gid); err != nil {
		return fmt.Errorf("home: %w", err)
	}
	return nil
}

// path resolves p, a path of the image, inside it (see rootfs.Resolve).
func (a *acctDB) path(p string) (string, error) {
	return rootfs.Resolve(a.rootDir, p, true)
}

func gidExists(db *acctDB, spec string) bool {
	n, err := strconv.Atoi(spec)
	if err != nil {
		return false
	}
	_, err = db.GroupByID(n)
	return err == nil
}
