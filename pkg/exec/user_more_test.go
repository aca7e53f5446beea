package exec

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// user.primary_group: the group's name, as id -g -n prints it; under
// --root from the image's files; an unknown user is id's error with
// status 1, as Salt's cmd.run returns it.
func TestUserPrimaryGroup(t *testing.T) {
	h := testHost(t)
	os.MkdirAll(filepath.Join(h.Root, "etc"), 0o755)
	os.WriteFile(filepath.Join(h.Root, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/bash\napp:x:1001:1001::/srv/app:/bin/sh\nodd:x:1002:4242::/:/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(h.Root, "etc/group"), []byte("root:x:0:\napp:x:1001:\n"), 0o644)
	for _, tt := range []struct {
		name string
		want any
		code int
	}{
		{"app", "app", 0},
		{"root", "root", 0},
		{"odd", "id: cannot find name for group ID 4242\n4242", 0},
		{"nosuch", "id: 'nosuch': no such user", 1},
	} {
		r := Call(context.Background(), h, "user.primary_group", []any{tt.name}, nil)
		if r.Value != tt.want || r.Code != tt.code {
			t.Errorf("user.primary_group %s = %#v (code %d); want %#v (%d)", tt.name, r.Value, r.Code, tt.want, tt.code)
		}
	}
	h.Root = ""
	if r := Call(context.Background(), h, "user.primary_group", []any{"root"}, nil); r.Value != "root" {
		t.Errorf("user.primary_group root on the host = %#v; want root", r.Value)
	}
}
