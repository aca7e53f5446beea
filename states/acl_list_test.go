package states

import "testing"

func TestSaltFidelityACLList(t *testing.T) {
	names := []any{"nobody", "daemon"}
	newOnly := map[string]any{"new": map[string]any{"acl_name": "nobody, daemon", "acl_type": "user", "perms": "rw"}}
	updated := map[string]any{
		"new": map[string]any{"acl_name": "nobody, daemon", "acl_type": "user", "perms": 6},
		"old": map[string]any{"acl_name": "nobody, daemon", "acl_type": "user", "perms": "4"},
	}
	fidRunAll(t, []fidCase{{
		name:   "acl.list_present: new entries",
		salt:   "states/linux_acl.py list_present(), the no-users branch",
		setup:  fidACL("acl.list_present", "/srv/f", map[string]any{"acl_type": "user", "acl_names": names, "perms": "rw"}),
		test:   fidW(None, "New permissions will be applied for ['nobody', 'daemon']: rw", newOnly),
		real:   fidW(True, "Applied new permissions for nobody, daemon", newOnly),
		rerun:  fidW(True, "Permissions are in the desired state", nil),
		retest: fidW(True, "Permissions are in the desired state", nil),
	}, {
		// Salt's loop goes on after the change: the last name, already
		// right, words the comment; the changes stay.
		name:   "acl.list_present: one entry differs",
		salt:   "list_present(), the users branch: perms as an int in new, a str in old",
		setup:  fidACL("acl.list_present", "/srv/f", map[string]any{"acl_type": "user", "acl_names": names, "perms": "rw"}, "u:nobody:r", "u:daemon:rw"),
		test:   fidW(None, "Updated permissions will be applied for ['nobody', 'daemon']: 4 -> rw", updated),
		real:   fidW(True, "Permissions are in the desired state", updated),
		rerun:  fidW(True, "Permissions are in the desired state", nil),
		retest: fidW(True, "Permissions are in the desired state", nil),
	}, {
		name:   "acl.list_absent: entries removed",
		salt:   "states/linux_acl.py list_absent()",
		setup:  fidACL("acl.list_absent", "/srv/f", map[string]any{"acl_type": "user", "acl_names": names}, "u:nobody:rw"),
		test:   fidW(None, "Removing permissions", nil),
		real:   fidW(True, "Removing permissions", nil),
		rerun:  fidW(True, "Permissions are in the desired state", nil),
		retest: fidW(True, "Permissions are in the desired state", nil),
	}, {
		name:  "acl.list_present: a missing path",
		salt:  "list_present(): os.path.exists",
		setup: fidACL("acl.list_present", "/srv/none", map[string]any{"acl_type": "user", "acl_names": names, "perms": "rw"}),
		test:  fidW(False, "/srv/none does not exist", nil),
	}})
}
