package states

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

// TestMountModWatch is Salt's mount.mod_watch: a mount.mounted whose
// watched state changed is remounted with its options (mount.remount),
// or mounted when it is not; other mount states say watch is not
// supported.
func TestMountModWatch(t *testing.T) {
	mnt := "/srv/data"
	args := map[string]any{"device": "/dev/vdb1", "fstype": "ext4", "opts": "noatime"}
	mounted := "40 28 254:17 / " + mnt + " rw,noatime - ext4 /dev/vdb1 rw\n"
	for _, c := range []struct {
		name    string
		fun     string
		info    string
		test    bool
		root    string
		fail    bool
		result  Outcome
		comment string
		ran     [][]string
	}{
		{"remount", "mount.mounted", mounted, false, "", false, True, mnt + " remounted",
			[][]string{{"mount", "-o", "noatime,remount", "-t", "ext4", "/dev/vdb1", mnt}}},
		{"not mounted: mount", "mount.mounted", "", false, "", false, True, mnt + " remounted",
			[][]string{{"mount", "-o", "noatime", "-t", "ext4", "/dev/vdb1", mnt}}},
		{"test", "mount.mounted", mounted, true, "", false, None, mnt + " would be remounted", nil},
		{"root", "mount.mounted", mounted, false, t.TempDir(), false, True, mnt + " not remounted: with --root nothing is mounted", nil},
		{"failed", "mount.mounted", mounted, false, "", true, False, mnt + " failed to remount: busy",
			[][]string{{"mount", "-o", "noatime,remount", "-t", "ext4", "/dev/vdb1", mnt}}},
		{"unmounted", "mount.unmounted", mounted, false, "", false, True, "Watch not supported in unmounted at this time", nil},
	} {
		f := &fakeMounts{info: c.info}
		host := f.host()
		if c.fail {
			host.run = func(_ context.Context, argv ...string) error {
				f.ran = append(f.ran, argv)
				return errors.New("busy")
			}
		}
		res := mountModWatchOn(context.Background(), mountReq(c.root, c.fun, mnt, args, c.test), host)
		if res.Result != c.result || res.Comment != c.comment || len(res.Changes) != 0 {
			t.Errorf("%s: %v %q %v; want %v %q no changes", c.name, res.Result, res.Comment, res.Changes, c.result, c.comment)
		}
		if !reflect.DeepEqual(f.ran, c.ran) {
			t.Errorf("%s: ran %q; want %q", c.name, f.ran, c.ran)
		}
	}
	off := map[string]any{"device": "/dev/vdb1", "fstype": "ext4", "mount": false}
	f := &fakeMounts{info: mounted}
	if res := mountModWatchOn(context.Background(), mountReq("", "mount.mounted", mnt, off, false), f.host()); res.Result != True || res.Comment != mnt+" not remounted: mount is False" || len(f.ran) != 0 {
		t.Errorf("mount False: %v %q, ran %q", res.Result, res.Comment, f.ran)
	}
	if _, ok := Watcher("mount"); !ok {
		t.Errorf("mount has no mod_watch")
	}
}
