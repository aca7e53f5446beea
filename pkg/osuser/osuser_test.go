package osuser

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

const passwdText = `root:x:0:0:root:/root:/bin/bash
# a comment

daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
+nisuser::::::
broken:x:notanumber:1::/:/bin/sh
short:x:5
alice:x:1000:1000:Alice,,,:/home/alice:/bin/zsh
1234:x:4321:4321::/home/digits:/bin/sh
`

const groupText = `root:x:0:
adm:x:4:syslog,alice
alice:x:1000:
bad:x:
wheel:x:10:alice,bob
`

func TestParsePasswd(t *testing.T) {
	got := ParsePasswd([]byte(passwdText))
	want := []User{
		{Name: "root", UID: 0, GID: 0, Gecos: "root", Home: "/root", Shell: "/bin/bash"},
		{Name: "daemon", UID: 1, GID: 1, Gecos: "daemon", Home: "/usr/sbin", Shell: "/usr/sbin/nologin"},
		{Name: "alice", UID: 1000, GID: 1000, Gecos: "Alice,,,", Home: "/home/alice", Shell: "/bin/zsh"},
		{Name: "1234", UID: 4321, GID: 4321, Home: "/home/digits", Shell: "/bin/sh"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParsePasswd = %+v; want %+v", got, want)
	}
}

func TestParseGroup(t *testing.T) {
	got := ParseGroup([]byte(groupText))
	want := []Group{
		{Name: "root", GID: 0},
		{Name: "adm", GID: 4, Members: []string{"syslog", "alice"}},
		{Name: "alice", GID: 1000},
		{Name: "wheel", GID: 10, Members: []string{"alice", "bob"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseGroup = %+v; want %+v", got, want)
	}
}

func TestDBUser(t *testing.T) {
	db := &DB{Users: ParsePasswd([]byte(passwdText)), Groups: ParseGroup([]byte(groupText))}
	tests := []struct {
		name     string
		uid, gid int
		wantErr  bool
	}{
		{"root", 0, 0, false},
		{"alice", 1000, 1000, false},
		{"1000", 1000, 1000, false}, // numeric: the passwd entry with that uid
		{"1234", 4321, 4321, false}, // a name made of digits wins over the uid
		{"5555", 5555, -1, false},   // numeric, no entry: still usable for chown
		{"nobody", 0, 0, true},
		{"", 0, 0, true},
		{"-1", 0, 0, true},
	}
	for _, tt := range tests {
		u, err := db.User(tt.name)
		if tt.wantErr {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("User(%q) err = %v; want ErrNotFound", tt.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("User(%q) err = %v", tt.name, err)
			continue
		}
		if u.UID != tt.uid || u.GID != tt.gid {
			t.Errorf("User(%q) = uid %d gid %d; want %d %d", tt.name, u.UID, u.GID, tt.uid, tt.gid)
		}
	}
}

func TestDBGroup(t *testing.T) {
	db := &DB{Groups: ParseGroup([]byte(groupText))}
	tests := []struct {
		name    string
		gid     int
		wantErr bool
	}{
		{"wheel", 10, false},
		{"4", 4, false},
		{"777", 777, false},
		{"staff", 0, true},
	}
	for _, tt := range tests {
		g, err := db.Group(tt.name)
		if tt.wantErr {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("Group(%q) err = %v; want ErrNotFound", tt.name, err)
			}
			continue
		}
		if err != nil || g.GID != tt.gid {
			t.Errorf("Group(%q) = %+v, %v; want gid %d", tt.name, g, err, tt.gid)
		}
	}
	if got := db.SupplementaryGroups("alice"); !reflect.DeepEqual(got, []uint32{4, 10}) {
		t.Errorf("SupplementaryGroups(alice) = %v; want [4 10]", got)
	}
	if db.GroupName(10) != "wheel" || db.GroupName(99) != "99" {
		t.Errorf("GroupName = %q, %q", db.GroupName(10), db.GroupName(99))
	}
}

func TestLookupUnderRoot(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "passwd"), []byte(passwdText), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc", "group"), []byte(groupText), 0o644); err != nil {
		t.Fatal(err)
	}
	u, err := LookupUser(root, "alice")
	if err != nil || u.UID != 1000 || u.Home != "/home/alice" {
		t.Fatalf("LookupUser(alice) = %+v, %v", u, err)
	}
	if _, err := LookupUser(root, "bob"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LookupUser(bob) err = %v; want ErrNotFound", err)
	}
	g, err := LookupGroup(root, "wheel")
	if err != nil || g.GID != 10 {
		t.Fatalf("LookupGroup(wheel) = %+v, %v", g, err)
	}
	if u, err := LookupUID(root, 1); err != nil || u.Name != "daemon" {
		t.Fatalf("LookupUID(1) = %+v, %v", u, err)
	}
	if g, err := LookupGID(root, 4); err != nil || g.Name != "adm" {
		t.Fatalf("LookupGID(4) = %+v, %v", g, err)
	}
	// An empty root (a fresh image) has no accounts but is not an error.
	empty := t.TempDir()
	if _, err := LookupUser(empty, "root"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LookupUser in empty root err = %v; want ErrNotFound", err)
	}
	if u, err := LookupUser(empty, "0"); err != nil || u.UID != 0 {
		t.Fatalf("LookupUser(0) in empty root = %+v, %v", u, err)
	}
}

func TestLookupLiveHost(t *testing.T) {
	// Every Linux host has root as uid 0 in /etc/passwd.
	u, err := LookupUser("", "root")
	if err != nil || u.UID != 0 {
		t.Fatalf(`LookupUser("", root) = %+v, %v`, u, err)
	}
}
