package states

import (
	"strings"
	"testing"
)

func TestGroupPresentCreate(t *testing.T) {
	root := acctRoot(t)
	dry, real := acctApply(t, root, "group.present", "web", map[string]any{"gid": 3000, "members": []any{"bob", "carol"}})
	if dry.Comment != "Group web set to be added" || real.Comment != "New group web created" {
		t.Errorf("comments = %q, %q", dry.Comment, real.Comment)
	}
	if got := normChanges(t, real.Changes); got != `{"gid":3000,"members":["bob","carol"],"name":"web","passwd":"x"}` {
		t.Errorf("changes = %s", got)
	}
	if got := acctLine(t, root, "group", "web"); got != "web:x:3000:bob,carol" {
		t.Errorf("group line = %q", got)
	}
	if got := acctLine(t, root, "gshadow", "web"); !strings.HasSuffix(got, ":bob,carol") {
		t.Errorf("gshadow line = %q", got)
	}
	// No gid: the next free one, and system groups count down.
	_, real = acctApply(t, root, "group.present", "staff2", map[string]any{"addusers": []any{"bob"}})
	if real.Changes["gid"] != 3001 || acctLine(t, root, "group", "staff2") != "staff2:x:3001:bob" {
		t.Errorf("changes = %v; line %q", real.Changes, acctLine(t, root, "group", "staff2"))
	}
	acctApply(t, root, "group.present", "sysgrp", map[string]any{"system": true})
	if got := acctLine(t, root, "group", "sysgrp"); got != "sysgrp:x:999:" {
		t.Errorf("system group line = %q", got)
	}
}

func TestGroupPresentUpdate(t *testing.T) {
	root := acctRoot(t)
	for _, tc := range []struct {
		args              map[string]any
		wantDry, wantLine string
	}{
		{map[string]any{"addusers": []any{"carol", "bob"}}, "addusers: ['carol']\n", "grp1:x:2000:bob,carol"},
		{map[string]any{"delusers": []any{"bob", "daemon"}}, "delusers: ['bob']\n", "grp1:x:2000:carol"},
		{map[string]any{"gid": "2100", "members": []any{"daemon", "bob"}}, "gid: 2100\nmembers: ['daemon', 'bob']\n", "grp1:x:2100:daemon,bob"},
		{map[string]any{"members": []any{}}, "delusers: {'bob', 'daemon'}\n", "grp1:x:2100:"},
	} {
		dry, real := acctApply(t, root, "group.present", "grp1", tc.args)
		want := "The following group attributes are set to be changed:\n" + tc.wantDry
		if dry.Comment != want || real.Comment != want {
			t.Errorf("group.present %v comments = %q, %q; want %q", tc.args, dry.Comment, real.Comment, want)
		}
		if normChanges(t, real.Changes) != `{"Final":"All changes applied successfully"}` {
			t.Errorf("changes = %v", real.Changes)
		}
		if got := acctLine(t, root, "group", "grp1"); got != tc.wantLine {
			t.Errorf("group.present %v: line %q; want %q", tc.args, got, tc.wantLine)
		}
	}
	r := acctCall(t, root, "group.present", "grp1", map[string]any{"gid": 2100}, false)
	if r.Result != True || r.Comment != "Group grp1 is present and up to date" {
		t.Errorf("no-op = %v %q", r.Result, r.Comment)
	}
}

func TestGroupPresentFails(t *testing.T) {
	root := acctRoot(t)
	for _, tc := range []struct {
		name string
		args map[string]any
		want string
	}{
		{"web", map[string]any{"gid": 2000}, "Group web is not present but gid 2000 is already taken by group grp1"},
		{"web", map[string]any{"gid": "abc"}, `argument "gid": want an integer, got abc`},
		{"web", map[string]any{"members": []any{"bob"}, "addusers": []any{"carol"}}, `Error: Conflicting options "members" with "addusers" and/or "delusers" can not be used together. `},
		{"web", map[string]any{"addusers": []any{"bob"}, "delusers": []any{"bob"}}, "Error. Same user(s) can not be added and deleted simultaneously"},
		{"web", map[string]any{"members": []any{"a b"}}, `argument "members"`},
		{"we:b", nil, `argument "name"`},
	} {
		for _, test := range []bool{true, false} {
			r := acctCall(t, root, "group.present", tc.name, tc.args, test)
			if r.Result != False || !strings.Contains(r.Comment, tc.want) {
				t.Errorf("group.present %s %v (test=%v) = %v %q; want False, %q", tc.name, tc.args, test, r.Result, r.Comment, tc.want)
			}
		}
	}
	// A member the image does not know: gpasswd refuses, the group stays
	// made and the state says what is missing.
	r := acctCall(t, root, "group.present", "web", map[string]any{"members": []any{"ghost"}}, false)
	if r.Result != False || !strings.HasPrefix(r.Comment, "Group web has been created but, some changes could not be applied") ||
		normChanges(t, r.Changes) != `{"Failed":{"members":["ghost"]}}` {
		t.Errorf("unknown member = %v %q %v", r.Result, r.Comment, r.Changes)
	}
	if acctLine(t, root, "group", "web") == "" {
		t.Error("group web was not made")
	}
}

func TestGroupAbsent(t *testing.T) {
	root := acctRoot(t)
	dry, real := acctApply(t, root, "group.absent", "grp1", nil)
	if dry.Comment != "Group grp1 is set for removal" || real.Comment != "Removed group grp1" || normChanges(t, real.Changes) != `{"grp1":""}` {
		t.Errorf("dry %q; real %q %v", dry.Comment, real.Comment, real.Changes)
	}
	if acctLine(t, root, "group", "grp1") != "" || acctLine(t, root, "gshadow", "grp1") != "" {
		t.Error("grp1 still there")
	}
	r := acctCall(t, root, "group.absent", "grp1", nil, false)
	if r.Result != True || r.Comment != "Group not present" {
		t.Errorf("absent again = %v %q", r.Result, r.Comment)
	}
	r = acctCall(t, root, "group.absent", "bob", nil, false)
	if r.Result != False || !strings.HasPrefix(r.Comment, "Failed to remove group bob: groupdel: cannot remove the primary group of user 'bob'") {
		t.Errorf("primary group = %v %q", r.Result, r.Comment)
	}
}
