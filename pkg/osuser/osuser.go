// Package osuser looks up users and groups in the passwd and group files
// under a root directory, so that states acting on an image (--root) see
// the image's accounts, not the host's. It parses the files itself: no cgo
// and no NSS, which means accounts that live only in LDAP or sssd are not
// seen. Root "" (or "/") means the live host's /etc/passwd and /etc/group.
package osuser

import (
	"github.com/brine-cm/brine/pkg/rootfs"

	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrNotFound is matched (errors.Is) by the error for an unknown user or group.
var ErrNotFound = errors.New("not found")

// User is one line of a passwd file.
type User struct {
	Name  string
	UID   int
	GID   int // -1 for a numeric id with no passwd entry: Lchown leaves the group alone
	Gecos string
	Home  string
	Shell string
}

// Group is one line of a group file.
type Group struct {
	Name    string
	GID     int
	Members []string
}

// PasswdPath and GroupPath return the files read for a root.
func PasswdPath(root string) string { return filepath.Join(rootDir(root), "etc", "passwd") }

// GroupPath returns the group file read for a root.
func GroupPath(root string) string { return filepath.Join(rootDir(root), "etc", "group") }

func rootDir(root string) string {
	if root == "" {
		return "/"
	}
	return root
}

// ParsePasswd parses passwd text. Blank lines, comments and NIS compat
// lines (+/-) are skipped; a line with too few fields or a non-numeric id is
// skipped too, as glibc does, so one bad line does not hide every account.
func ParsePasswd(data []byte) []User {
	var out []User
	forEachLine(data, func(line string) {
		f := strings.Split(line, ":")
		if len(f) < 7 || f[0] == "" {
			return
		}
		uid, err1 := strconv.Atoi(f[2])
		gid, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil || uid < 0 || gid < 0 {
			return
		}
		out = append(out, User{Name: f[0], UID: uid, GID: gid, Gecos: f[4], Home: f[5], Shell: strings.Join(f[6:], ":")})
	})
	return out
}

// ParseGroup parses group text, with the same tolerance as ParsePasswd.
func ParseGroup(data []byte) []Group {
	var out []Group
	forEachLine(data, func(line string) {
		f := strings.Split(line, ":")
		if len(f) < 3 || f[0] == "" {
			return
		}
		gid, err := strconv.Atoi(f[2])
		if err != nil || gid < 0 {
			return
		}
		g := Group{Name: f[0], GID: gid}
		if len(f) > 3 && f[3] != "" {
			g.Members = strings.Split(f[3], ",")
		}
		out = append(out, g)
	})
	return out
}

func forEachLine(data []byte, fn func(string)) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || line[0] == '#' || line[0] == '+' || line[0] == '-' {
			continue
		}
		fn(line)
	}
}

// DB is the parsed passwd and group files of one root.
type DB struct {
	Users  []User
	Groups []Group
}

// Load reads and parses ROOT/etc/passwd and ROOT/etc/group, resolved
// inside ROOT (an image's links never lead to the host's files). A
// missing file gives an empty list (a fresh image may have none yet), not
// an error.
func Load(root string) (*DB, error) {
	pw, err := readOptional(root, "/etc/passwd")
	if err != nil {
		return nil, err
	}
	gr, err := readOptional(root, "/etc/group")
	if err != nil {
		return nil, err
	}
	db := &DB{Users: ParsePasswd(pw), Groups: ParseGroup(gr)}
	return db, nil
}

func readOptional(root, name string) ([]byte, error) {
	p, err := rootfs.Resolve(root, name, true)
	if err != nil {
		return nil, fmt.Errorf("osuser: %w", err)
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("osuser: %w", err)
	}
	return b, nil
}

// User finds a user by name; a string of digits with no such name is taken
// as a uid, and a uid with no passwd line is still returned (GID -1), as
// chown(1) accepts it.
func (db *DB) User(name string) (*User, error) {
	for i := range db.Users {
		if db.Users[i].Name == name {
			u := db.Users[i]
			return &u, nil
		}
	}
	if id, ok := numericID(name); ok {
		if u, err := db.UserByID(id); err == nil {
			return u, nil
		}
		return &User{Name: name, UID: id, GID: -1}, nil
	}
	return nil, fmt.Errorf("user %q: %w", name, ErrNotFound)
}

// UserByID finds a user by uid.
func (db *DB) UserByID(uid int) (*User, error) {
	for i := range db.Users {
		if db.Users[i].UID == uid {
			u := db.Users[i]
			return &u, nil
		}
	}
	return nil, fmt.Errorf("uid %d: %w", uid, ErrNotFound)
}

// Group finds a group by name, or by a numeric gid as User does.
func (db *DB) Group(name string) (*Group, error) {
	for i := range db.Groups {
		if db.Groups[i].Name == name {
			g := db.Groups[i]
			return &g, nil
		}
	}
	if id, ok := numericID(name); ok {
		if g, err := db.GroupByID(id); err == nil {
			return g, nil
		}
		return &Group{Name: name, GID: id}, nil
	}
	return nil, fmt.Errorf("group %q: %w", name, ErrNotFound)
}

// GroupByID finds a group by gid.
func (db *DB) GroupByID(gid int) (*Group, error) {
	for i := range db.Groups {
		if db.Groups[i].GID == gid {
			g := db.Groups[i]
			return &g, nil
		}
	}
	return nil, fmt.Errorf("gid %d: %w", gid, ErrNotFound)
}

func numericID(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// LookupUser finds a user by name (or numeric uid) under root.
func LookupUser(root, name string) (*User, error) {
	db, err := Load(root)
	if err != nil {
		return nil, err
	}
	u, err := db.User(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", PasswdPath(root), err)
	}
	return u, nil
}

// LookupGroup finds a group by name (or numeric gid) under root.
func LookupGroup(root, name string) (*Group, error) {
	db, err := Load(root)
	if err != nil {
		return nil, err
	}
	g, err := db.Group(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", GroupPath(root), err)
	}
	return g, nil
}

// LookupUID finds the user with a uid under root.
func LookupUID(root string, uid int) (*User, error) {
	db, err := Load(root)
	if err != nil {
		return nil, err
	}
	u, err := db.UserByID(uid)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", PasswdPath(root), err)
	}
	return u, nil
}

// LookupGID finds the group with a gid under root.
func LookupGID(root string, gid int) (*Group, error) {
	db, err := Load(root)
	if err != nil {
		return nil, err
	}
	g, err := db.GroupByID(gid)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", GroupPath(root), err)
	}
	return g, nil
}

// UserName returns the name for a uid, or the uid in decimal when the root
// has no such user (what ls -l shows).
func (db *DB) UserName(uid int) string {
	if u, err := db.UserByID(uid); err == nil {
		return u.Name
	}
	return strconv.Itoa(uid)
}

// GroupName returns the name for a gid, or the gid in decimal.
func (db *DB) GroupName(gid int) string {
	if g, err := db.GroupByID(gid); err == nil {
		return g.Name
	}
	return strconv.Itoa(gid)
}

// SupplementaryGroups returns the gids of the groups that list user as a
// member, for setting a process's credentials (runas).
func (db *DB) SupplementaryGroups(user string) []uint32 {
	var out []uint32
	for _, g := range db.Groups {
		for _, m := range g.Members {
			if m == user {
				out = append(out, uint32(g.GID))
				break
			}
		}
	}
	return out
}
