package states

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/osuser"
	"github.com/brine-cm/brine/pkg/pyfmt"
)

// The account states read the files themselves and leave every write to
// the shadow tools, which lock the files and keep passwd, shadow, group and
// gshadow in step. Ids and defaults are worked out here and passed to the
// tools explicitly, so that a dry run predicts exactly what a real run does.

// acctDB is one root's accounts: passwd, group, shadow, and the defaults
// of login.defs and /etc/default/useradd.
type acctDB struct {
	*osuser.DB
	shadow map[string]shadowEntry
	defs   map[string]string // login.defs
	uadd   map[string]string // /etc/default/useradd
	// rootDir is the image's folder ("" for the live host).
	rootDir string
	// planned names the users an earlier state of this dry run would
	// create: they are not in the files yet (see user_plan.go).
	planned map[string]bool
}

// shadowEntry is one line of /etc/shadow.
type shadowEntry struct {
	Name, Passwd string
	Age          [ageFields]int // see user_age.go
}

// parseShadow parses shadow text, skipping lines it cannot read, as
// osuser does for passwd.
func parseShadow(data []byte) map[string]shadowEntry {
	out := map[string]shadowEntry{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || line[0] == '#' || line[0] == '+' || line[0] == '-' {
			continue
		}
		f := strings.Split(line, ":")
		if len(f) < 3 || f[0] == "" {
			continue
		}
		out[f[0]] = shadowEntry{Name: f[0], Passwd: f[1], Age: parseAge(f)}
	}
	return out
}

// parseKeyValues reads login.defs ("KEY value") and default/useradd
// ("KEY=value") alike.
func parseKeyValues(data []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			k, v = f[0], f[1]
		}
		out[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"`)
	}
	return out
}

// loadAcct reads the account files of the request's root, each through
// rootPath: an image whose /etc/shadow is a link to the host's must not
// have the host's hashes compared or reported as its own.
func loadAcct(req *Request) (*acctDB, error) {
	db, err := rootAccounts(req, "")
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	a := &acctDB{DB: db, rootDir: req.Root, planned: map[string]bool{}}
	read := func(p string) ([]byte, error) {
		b, err := rootReadFile(req, "", p)
		if err != nil {
			return nil, fmt.Errorf("accounts: %w", err)
		}
		return b, nil
	}
	b, err := read("/etc/shadow")
	if err != nil {
		return nil, err
	}
	a.shadow = parseShadow(b)
	if b, err = read("/etc/login.defs"); err != nil {
		return nil, err
	}
	a.defs = parseKeyValues(b)
	if b, err = read("/etc/default/useradd"); err != nil {
		return nil, err
	}
	a.uadd = parseKeyValues(b)
	plannedAccts(req).mergeInto(a)
	return a, nil
}

func (a *acctDB) def(key string, dflt int) int {
	if n, err := strconv.Atoi(a.defs[key]); err == nil {
		return n
	}
	return dflt
}

// userGroupsEnabled is login.defs' USERGROUPS_ENAB; shadow reads a missing
// key as no.
func (a *acctDB) userGroupsEnabled() bool { return strings.EqualFold(a.defs["USERGROUPS_ENAB"], "yes") }

func (a *acctDB) user(name string) *osuser.User {
	for i := range a.Users {
		if a.Users[i].Name == name {
			return &a.Users[i]
		}
	}
	return nil
}

func (a *acctDB) group(name string) *osuser.Group {
	for i := range a.Groups {
		if a.Groups[i].Name == name {
			return &a.Groups[i]
		}
	}
	return nil
}

// freeID picks an unused id in a range as shadow does: regular accounts
// get one past the highest id in use, system accounts the highest free id
// counting down from the top of their range.
func freeID(used map[int]bool, lo, hi int, system bool) (int, error) {
	if system {
		for id := hi; id >= lo; id-- {
			if !used[id] {
				return id, nil
			}
		}
		return 0, fmt.Errorf("no free id in %d-%d", lo, hi)
	}
	top := -1
	for id := range used {
		if id >= lo && id <= hi && id > top {
			top = id
		}
	}
	if top >= lo && top < hi {
		return top + 1, nil
	}
	if top < lo {
		return lo, nil
	}
	for id := lo; id <= hi; id++ {
		if !used[id] {
			return id, nil
		}
	}
	return 0, fmt.Errorf("no free id in %d-%d", lo, hi)
}

func (a *acctDB) newUID(system bool) (int, error) {
	used := map[int]bool{}
	for _, u := range a.Users {
		used[u.UID] = true
	}
	if system {
		return freeID(used, a.def("SYS_UID_MIN", 101), a.def("SYS_UID_MAX", a.def("UID_MIN", 1000)-1), true)
	}
	return freeID(used, a.def("UID_MIN", 1000), a.def("UID_MAX", 60000), false)
}

// newGID picks a gid; prefer, when free, is taken first, as useradd gives
// a user's own group the user's uid when it can.
func (a *acctDB) newGID(system bool, prefer int) (int, error) {
	used := map[int]bool{}
	for _, g := range a.Groups {
		used[g.GID] = true
	}
	if prefer >= 0 && !used[prefer] {
		return prefer, nil
	}
	if system {
		return freeID(used, a.def("SYS_GID_MIN", 101), a.def("SYS_GID_MAX", a.def("GID_MIN", 1000)-1), true)
	}
	return freeID(used, a.def("GID_MIN", 1000), a.def("GID_MAX", 60000), false)
}

// userGroups is Salt's user.info groups: every group that lists the user,
// and its primary group, sorted.
func (a *acctDB) userGroups(u *osuser.User) []string {
	set := map[string]bool{}
	for _, g := range a.Groups {
		for _, m := range g.Members {
			if m == u.Name {
				set[g.Name] = true
			}
		}
	}
	if g, err := a.GroupByID(u.GID); err == nil {
		set[g.Name] = true
	}
	out := make([]string, 0, len(set))
	for g := range set {
		out = append(out, g)
	}
	sort.Strings(out)
	return out
}

// gecosSplit splits GECOS into Salt's five fields: fullname, roomnumber,
// workphone, homephone, other (the rest, commas and all).
func gecosSplit(s string) [5]string {
	var out [5]string
	f := strings.SplitN(s, ",", 5)
	copy(out[:], f)
	return out
}

// gecosJoin joins the fields back, dropping empty ones at the end as
// Salt's _build_gecos does.
func gecosJoin(f [5]string) string {
	return strings.TrimRight(strings.Join(f[:], ","), ",")
}

// userInfo is Salt's user.info for a Linux account.
func (a *acctDB) userInfo(u *osuser.User) map[string]any {
	g := gecosSplit(u.Gecos)
	return map[string]any{
		"name": u.Name, "uid": u.UID, "gid": u.GID, "groups": toAnyList(a.userGroups(u)),
		"home": u.Home, "shell": u.Shell, "passwd": "x",
		"fullname": g[0], "roomnumber": g[1], "workphone": g[2], "homephone": g[3], "other": g[4],
	}
}

func toAnyList(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// runShadowTool runs one of the shadow tools as argv. rootFlag is how the
// tool names a chroot (-R for most, -Q for gpasswd); with --root the tool
// chroots itself, so paths in args are as seen inside the image.
func runShadowTool(ctx context.Context, req *Request, tool, rootFlag string, args ...string) error {
	return runShadowToolInput(ctx, req, "", tool, rootFlag, args...)
}

// setPassword stores a hash (or "" for none) with chpasswd -e, which reads
// it on stdin: a hash on a command line is visible to every local user.
func setPassword(ctx context.Context, req *Request, user, hash string) error {
	return runShadowToolInput(ctx, req, user+":"+hash+"\n", "chpasswd", "-R", "-e")
}

func runShadowToolInput(ctx context.Context, req *Request, stdin, tool, rootFlag string, args ...string) error {
	argv := []string{}
	if !req.Live() {
		root, err := filepath.Abs(req.Root)
		if err != nil {
			return fmt.Errorf("%s: %w", tool, err)
		}
		argv = append(argv, rootFlag, root)
	}
	argv = append(argv, args...)
	cmd := exec.CommandContext(ctx, tool, argv...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	req.Log().Debug("ran", "tool", tool, "args", argv, "output", string(out))
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if msg == "" {
			msg = err.Error()
		}
		if strings.HasPrefix(msg, tool+":") {
			return errors.New(msg)
		}
		return fmt.Errorf("%s: %s", tool, msg)
	}
	return nil
}

// pyValue formats a value as Python's str.format does: strings bare,
// lists and dicts as their repr.
func pyValue(v any) string {
	if set, ok := v.(pySet); ok {
		if len(set) == 0 {
			return "set()"
		}
		l := pyfmt.Repr([]string(set))
		return "{" + l[1:len(l)-1] + "}"
	}
	return pyfmt.Str(v)
}

// pySet is a Python set of strings, kept sorted for a stable print.
type pySet []string

// pyRepr is Python's repr of a value.
func pyRepr(v any) string {
	if s, ok := v.(string); ok {
		return pyfmt.Quote(s)
	}
	return pyValue(v)
}

// pyChanges is the repr of a Salt changes dict, in its order.
func pyChanges(ch []change) string {
	parts := make([]string, len(ch))
	for i, c := range ch {
		parts[i] = pyfmt.Quote(c.key) + ": " + pyRepr(c.val)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
