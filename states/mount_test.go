package states

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sysGoldenUpdate rewrites the golden files of the mount, inittab, sysctl
// and ssh_auth tests. Its own name keeps it apart from other modules'
// flags in this package.
var sysGoldenUpdate = flag.Bool("update-sys", false, "rewrite golden files of the mount/inittab/sysctl/ssh_auth tests")

// sysGolden compares got with testdata/name, or rewrites it.
func sysGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *sysGoldenUpdate {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-sys to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestFstabParse(t *testing.T) {
	tests := []struct {
		in      string
		want    []*fstabEntry
		wantErr string
	}{
		{in: "", want: nil},
		{in: "# c\n\n  # d\n", want: []*fstabEntry{nil, nil, nil}},
		{in: "/dev/sda1 / ext4 defaults", want: []*fstabEntry{{Device: "/dev/sda1", Name: "/", FSType: "ext4", Opts: []string{"defaults"}}}},
		{in: "UUID=ab-12\t/boot  vfat umask=0077,noatime 0 2\n", want: []*fstabEntry{{Device: "UUID=ab-12", Name: "/boot", FSType: "vfat", Opts: []string{"umask=0077", "noatime"}, Pass: 2}}},
		{in: `//srv/my\040share /mnt/my\040share cifs ro 0 0`, want: []*fstabEntry{{Device: "//srv/my share", Name: "/mnt/my share", FSType: "cifs", Opts: []string{"ro"}}}},
		{in: "# ok\n/dev/sda1 / ext4\n", wantErr: "/etc/fstab:2: want 4 to 6 fields"},
		{in: "/dev/sda1 / ext4 defaults x 0\n", wantErr: "/etc/fstab:1: field 5 (dump) is not a number"},
		{in: "/dev/sda1 / ext4 defaults 0 0 extra\n", wantErr: "/etc/fstab:1: want 4 to 6 fields"},
	}
	for _, tt := range tests {
		lines, err := fstabParse("/etc/fstab", []byte(tt.in))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("fstabParse(%q) error = %v; want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("fstabParse(%q): %v", tt.in, err)
			continue
		}
		var got []*fstabEntry
		for _, l := range lines {
			got = append(got, l.Entry)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("fstabParse(%q) = %+v; want %+v", tt.in, got, tt.want)
		}
	}
}

func TestFstabSet(t *testing.T) {
	tmpfs := &fstabEntry{Device: "tmpfs", Name: "/mnt/x", FSType: "tmpfs", Opts: []string{"size=10m", "mode=0755"}}
	tests := []struct {
		name, in, want, status string
		e                      *fstabEntry
	}{
		{"new in empty", "", "tmpfs\t\t/mnt/x\ttmpfs\tsize=10m,mode=0755\t0 0\n", "new", tmpfs},
		{"new after no final newline", "# x", "# x\ntmpfs\t\t/mnt/x\ttmpfs\tsize=10m,mode=0755\t0 0\n", "new", tmpfs},
		{"new aligned on the last entry",
			"/dev/sda1    /      ext3   defaults 1 1\n",
			"/dev/sda1    /      ext3   defaults 1 1\ntmpfs        /mnt/x tmpfs  size=10m,mode=0755 0 0\n", "new", tmpfs},
		{"update keeps the spacing",
			"# c\nnone   /mnt/x   tmpfs   defaults   0 0   \n/dev/b /b ext4 ro\n",
			"# c\ntmpfs   /mnt/x   tmpfs   size=10m,mode=0755   0 0   \n/dev/b /b ext4 ro\n", "update", tmpfs},
		{"update adds dump and pass", "tmpfs /mnt/x tmpfs ro", "tmpfs /mnt/x tmpfs size=10m,mode=0755 0 0", "update", tmpfs},
		{"present", "tmpfs /mnt/x tmpfs size=10m,mode=0755 0 0\n", "tmpfs /mnt/x tmpfs size=10m,mode=0755 0 0\n", "present", tmpfs},
		{"present with 4 fields", "tmpfs /mnt/x tmpfs size=10m,mode=0755\n", "tmpfs /mnt/x tmpfs size=10m,mode=0755\n", "present", tmpfs},
	}
	for _, tt := range tests {
		lines, err := fstabParse("f", []byte(tt.in))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got, status := fstabSet([]byte(tt.in), lines, tt.e, []string{"name"})
		if string(got) != tt.want || status != tt.status {
			t.Errorf("%s: fstabSet(%q) = %q, %s; want %q, %s", tt.name, tt.in, got, status, tt.want, tt.status)
		}
	}
}

func TestMountinfoParse(t *testing.T) {
	data, err := os.ReadFile("testdata/fstab_mountinfo.txt")
	if err != nil {
		t.Fatal(err)
	}
	mounts, err := mountinfoParse(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(mounts) != 6 {
		t.Fatalf("got %d mounts; want 6", len(mounts))
	}
	m := mountinfoFind(mounts, "/mnt/my data")
	want := &mountInfo{MountPoint: "/mnt/my data", FSType: "tmpfs", Source: "none",
		Opts: []string{"rw", "relatime"}, SuperOpts: []string{"rw", "size=10240k", "mode=755", "inode64"}}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("mount at /mnt/my data = %+v; want %+v", m, want)
	}
	// The later mount on /tmp hides the earlier one.
	if tmp := mountinfoFind(mounts, "/tmp"); tmp == nil || tmp.SuperOpts[1] != "size=1024k" {
		t.Errorf("/tmp = %+v; want the later mount", tmp)
	}
	if _, err := mountinfoParse([]byte("1 2 3\n")); err == nil || !strings.Contains(err.Error(), "mountinfo:1") {
		t.Errorf("short line error = %v; want mountinfo:1", err)
	}
}

func TestMountOptsMissing(t *testing.T) {
	m := &mountInfo{Opts: []string{"rw", "nosuid", "relatime"}, SuperOpts: []string{"rw", "size=10240k", "mode=755"}}
	tests := []struct {
		want    string
		missing []string
	}{
		{"defaults", nil},
		{"size=10m,mode=0755,nosuid", nil},
		{"size=10240k,rw,exec,nofail,x-systemd.automount", nil},
		{"size=20m", []string{"size=20480k"}},
		{"noexec,suid", []string{"noexec", "suid"}},
		{"ro", []string{"ro"}},
	}
	for _, tt := range tests {
		got := mountOptsMissing(strings.Split(tt.want, ","), m, nil)
		if !reflect.DeepEqual(got, tt.missing) {
			t.Errorf("mountOptsMissing(%s) = %q; want %q", tt.want, got, tt.missing)
		}
	}
}

// fakeMounts is a host with a mountinfo text and a log of commands.
// A swapon it runs adds its path to swaps, as the kernel would.
type fakeMounts struct {
	info  string
	swaps string
	ran   [][]string
}

func (f *fakeMounts) host() mountHost {
	return mountHost{
		mountinfo: func() ([]byte, error) { return []byte(f.info), nil },
		swaps: func() ([]byte, error) {
			return []byte("Filename\tType\tSize\tUsed\tPriority\n" + f.swaps), nil
		},
		run: func(_ context.Context, argv ...string) error {
			f.ran = append(f.ran, argv)
			if argv[0] == "swapon" {
				f.swaps += argv[1] + "\tfile\t1048572\t0\t-2\n"
			}
			return nil
		},
	}
}

func mountReq(root, fn, name string, args map[string]any, test bool) *Request {
	return &Request{ID: name, Name: name, Func: fn, Args: NewArgs(args), Test: test, Root: root}
}

// TestMountRootSeed002 builds seed 002's fstab in an image folder, entry
// by entry, as --root does: nothing is mounted, a dry run predicts each
// real run, a rerun changes nothing, and the untouched lines keep every
// byte.
func TestMountRootSeed002(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	orig := "# /etc/fstab: static file system information.\n#\n# <file system> <mount point>   <type>  <options>       <dump>  <pass>\n\nproc /proc proc defaults 0 0\nUUID=1234 / ext4 errors=remount-ro 0 1\n"
	os.WriteFile(filepath.Join(root, "etc/fstab"), []byte(orig), 0o644)
	host := mountHost{
		mountinfo: func() ([]byte, error) { t.Fatal("--root read the host's mounts"); return nil, nil },
		run:       func(context.Context, ...string) error { t.Fatal("--root ran a mount command"); return nil },
	}
	entries := []struct {
		name, dev, fstype, opts string
		dump, pass              int
	}{
		{"/", "/dev/sda1", "ext3", "defaults", 1, 1},
		{"none", "/dev/sda2", "swap", "sw", 0, 0},
		{"/dev/pts", "none", "devpts", "gid=5,mode=620", 0, 0},
		{"/dev/shm", "none", "tmpfs", "defaults", 0, 0},
		{"/proc", "none", "proc", "defaults", 0, 0},
		{"/sys", "none", "sysfs", "defaults", 0, 0},
	}
	for _, e := range entries {
		args := map[string]any{"device": e.dev, "fstype": e.fstype, "opts": e.opts, "dump": e.dump, "pass_num": e.pass}
		before, _ := os.ReadFile(filepath.Join(root, "etc/fstab"))
		dry := mountMountedOn(context.Background(), mountReq(root, "mount.mounted", e.name, args, true), host)
		if dry.Result != None {
			t.Fatalf("%s: test run = %v %q", e.name, dry.Result, dry.Comment)
		}
		if after, _ := os.ReadFile(filepath.Join(root, "etc/fstab")); !bytes.Equal(before, after) {
			t.Fatalf("%s: the test run wrote the fstab", e.name)
		}
		real := mountMountedOn(context.Background(), mountReq(root, "mount.mounted", e.name, args, false), host)
		if real.Result != True || !reflect.DeepEqual(real.Changes, dry.Changes) {
			t.Fatalf("%s: real run = %v %v %q; test predicted %v", e.name, real.Result, real.Changes, real.Comment, dry.Changes)
		}
		if _, ok := real.Changes["mount"]; ok {
			t.Errorf("%s: --root reported a mount", e.name)
		}
		after, _ := os.ReadFile(filepath.Join(root, "etc/fstab"))
		sysOnlyOneLineChanged(t, e.name, string(before), string(after))
		again := mountMountedOn(context.Background(), mountReq(root, "mount.mounted", e.name, args, false), host)
		if again.Result != True || len(again.Changes) != 0 {
			t.Errorf("%s: rerun = %v %v %q", e.name, again.Result, again.Changes, again.Comment)
		}
	}
	got, _ := os.ReadFile(filepath.Join(root, "etc/fstab"))
	sysGolden(t, "fstab_seed002.golden", got)
}

// sysOnlyOneLineChanged fails unless after is before with at most one
// line replaced or one line appended.
func sysOnlyOneLineChanged(t *testing.T, what, before, after string) {
	t.Helper()
	b, a := strings.SplitAfter(before, "\n"), strings.SplitAfter(after, "\n")
	if strings.HasSuffix(after, before) || strings.HasPrefix(after, before) {
		return
	}
	diff := 0
	if len(a) == len(b) {
		for i := range a {
			if a[i] != b[i] {
				diff++
			}
		}
	}
	if len(a) != len(b) || diff > 1 {
		t.Errorf("%s: more than its own line changed:\nbefore:\n%s\nafter:\n%s", what, before, after)
	}
}

func TestMountLive(t *testing.T) {
	dir := t.TempDir()
	mnt := filepath.Join(dir, "mnt")
	os.Mkdir(mnt, 0o755)
	fstab := filepath.Join(dir, "fstab")
	os.WriteFile(fstab, []byte("# keep\n"), 0o644)
	args := map[string]any{"device": "tmpfs", "fstype": "tmpfs", "opts": []any{"size=10m", "mode=0755"}, "config": fstab}

	// Not mounted: mount, then persist.
	f := &fakeMounts{info: "28 1 254:1 / / rw - ext4 /dev/vda1 rw\n"}
	dry := mountMountedOn(context.Background(), mountReq("", "mount.mounted", mnt, args, true), f.host())
	want := map[string]any{"mount": true, "persist": "new"}
	if dry.Result != None || !reflect.DeepEqual(dry.Changes, want) || len(f.ran) != 0 {
		t.Fatalf("test run = %v %v %q, ran %v", dry.Result, dry.Changes, dry.Comment, f.ran)
	}
	real := mountMountedOn(context.Background(), mountReq("", "mount.mounted", mnt, args, false), f.host())
	if real.Result != True || !reflect.DeepEqual(real.Changes, dry.Changes) {
		t.Fatalf("real run = %v %v %q", real.Result, real.Changes, real.Comment)
	}
	wantRun := [][]string{{"mount", "-t", "tmpfs", "-o", "size=10m,mode=0755", "tmpfs", mnt}}
	if !reflect.DeepEqual(f.ran, wantRun) {
		t.Errorf("ran %q; want %q", f.ran, wantRun)
	}
	if b, _ := os.ReadFile(fstab); string(b) != "# keep\ntmpfs\t\t"+mnt+"\ttmpfs\tsize=10m,mode=0755\t0 0\n" {
		t.Errorf("fstab = %q", b)
	}

	// Mounted as wanted (the kernel's spelling of the options): nothing.
	f = &fakeMounts{info: "40 28 0:35 / " + mnt + " rw,relatime - tmpfs tmpfs rw,size=10240k,mode=755\n"}
	same := mountMountedOn(context.Background(), mountReq("", "mount.mounted", mnt, args, false), f.host())
	if same.Result != True || len(same.Changes) != 0 || len(f.ran) != 0 {
		t.Errorf("rerun = %v %v %q, ran %v", same.Result, same.Changes, same.Comment, f.ran)
	}

	// Options changed: remount, and the fstab line is updated in place.
	args["opts"] = "size=20m,mode=0755"
	dry = mountMountedOn(context.Background(), mountReq("", "mount.mounted", mnt, args, true), f.host())
	real = mountMountedOn(context.Background(), mountReq("", "mount.mounted", mnt, args, false), f.host())
	want = map[string]any{"umount": "Forced remount because options (size=20480k) changed", "persist": "update"}
	if dry.Result != None || !reflect.DeepEqual(dry.Changes, want) || !reflect.DeepEqual(real.Changes, want) {
		t.Errorf("remount: test %v %v, real %v %v; want %v", dry.Result, dry.Changes, real.Result, real.Changes, want)
	}
	wantRun = [][]string{{"mount", "-o", "remount,size=20m,mode=0755", mnt}}
	if !reflect.DeepEqual(f.ran, wantRun) {
		t.Errorf("ran %q; want %q", f.ran, wantRun)
	}

	// Missing mount point without mkmnt fails in both runs; mkmnt creates it.
	gone := filepath.Join(dir, "gone")
	f = &fakeMounts{info: ""}
	for _, test := range []bool{true, false} {
		r := mountMountedOn(context.Background(), mountReq("", "mount.mounted", gone, args, test), f.host())
		if r.Result != False || r.Comment != "Mount directory is not present" {
			t.Errorf("missing dir (test=%v) = %v %q", test, r.Result, r.Comment)
		}
	}
	args["mkmnt"] = true
	if r := mountMountedOn(context.Background(), mountReq("", "mount.mounted", gone, args, false), f.host()); r.Result != True {
		t.Errorf("mkmnt = %v %q", r.Result, r.Comment)
	}
	if fi, err := os.Stat(gone); err != nil || !fi.IsDir() {
		t.Errorf("mkmnt did not create %s: %v", gone, err)
	}
}

func TestMountUnmounted(t *testing.T) {
	dir := t.TempDir()
	fstab := filepath.Join(dir, "fstab")
	orig := "# c\ntmpfs /mnt/x tmpfs defaults 0 0\n/dev/b /b ext4 ro 0 0\n"
	os.WriteFile(fstab, []byte(orig), 0o644)
	args := map[string]any{"config": fstab, "persist": true}
	f := &fakeMounts{info: "40 28 0:35 / /mnt/x rw - tmpfs tmpfs rw\n"}
	dry := mountUnmountedOn(context.Background(), mountReq("", "mount.unmounted", "/mnt/x", args, true), f.host())
	real := mountUnmountedOn(context.Background(), mountReq("", "mount.unmounted", "/mnt/x", args, false), f.host())
	want := map[string]any{"umount": true, "persist": "purged"}
	if dry.Result != None || !reflect.DeepEqual(dry.Changes, want) || real.Result != True || !reflect.DeepEqual(real.Changes, want) {
		t.Fatalf("test %v %v %q; real %v %v %q", dry.Result, dry.Changes, dry.Comment, real.Result, real.Changes, real.Comment)
	}
	if !reflect.DeepEqual(f.ran, [][]string{{"umount", "/mnt/x"}}) {
		t.Errorf("ran %q", f.ran)
	}
	if b, _ := os.ReadFile(fstab); string(b) != "# c\n/dev/b /b ext4 ro 0 0\n" {
		t.Errorf("fstab = %q", b)
	}
	f = &fakeMounts{}
	again := mountUnmountedOn(context.Background(), mountReq("", "mount.unmounted", "/mnt/x", args, false), f.host())
	if again.Result != True || len(again.Changes) != 0 {
		t.Errorf("rerun = %v %v %q", again.Result, again.Changes, again.Comment)
	}
}

func TestMountBadArgs(t *testing.T) {
	root := t.TempDir()
	for _, tc := range []struct {
		fn, name string
		args     map[string]any
		arg      string
	}{
		{"mount.mounted", "/mnt/x", map[string]any{"fstype": "tmpfs"}, `"device"`},
		{"mount.mounted", "/mnt/x", map[string]any{"device": "tmpfs"}, `"fstype"`},
		{"mount.mounted", "mnt/x", map[string]any{"device": "tmpfs", "fstype": "tmpfs"}, `"name"`},
		{"mount.mounted", "/mnt/x", map[string]any{"device": "tmpfs", "fstype": "tmpfs", "dump": "x"}, `"dump"`},
		{"mount.mounted", "/mnt/x", map[string]any{"device": "tmpfs", "fstype": "tmpfs", "opts": "a b"}, `"opts"`},
		{"mount.mounted", "/mnt/x", map[string]any{"device": "tmpfs", "fstype": "tmpfs", "match_on": "uuid"}, `"match_on"`},
		{"mount.mounted", "/mnt/x", map[string]any{"device": "tmpfs", "fstype": "tmpfs", "persist": "maybe"}, `"persist"`},
		{"mount.mounted", "/mnt/x", map[string]any{"device": "tmpfs", "fstype": "tmpfs", "config": "fstab"}, `"config"`},
		{"mount.unmounted", "x", map[string]any{}, `"name"`},
	} {
		var r Result
		req := mountReq(root, tc.fn, tc.name, tc.args, false)
		if tc.fn == "mount.mounted" {
			r = mountMounted(context.Background(), req)
		} else {
			r = mountUnmounted(context.Background(), req)
		}
		if r.Result != False || !strings.Contains(r.Comment, tc.arg) {
			t.Errorf("%s %s %v = %v %q; want False naming %s", tc.fn, tc.name, tc.args, r.Result, r.Comment, tc.arg)
		}
	}
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/fstab"), []byte("# ok\nbroken line\n"), 0o644)
	r := mountMounted(context.Background(), mountReq(root, "mount.mounted", "/x", map[string]any{"device": "a", "fstype": "b"}, true))
	if r.Result != False || !strings.Contains(r.Comment, "/etc/fstab:2") {
		t.Errorf("broken fstab = %v %q; want False naming /etc/fstab:2", r.Result, r.Comment)
	}
}

func TestMountFstabPresentAbsent(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	orig := "# static\nproc /proc proc defaults 0 0\n"
	fstab := filepath.Join(root, "etc/fstab")
	os.WriteFile(fstab, []byte(orig), 0o644)
	args := map[string]any{"fs_file": "/srv", "fs_vfstype": "ext4", "fs_mntops": []any{"noatime", "nodev"}, "fs_passno": 2}
	steps := []struct {
		fn      Func
		args    map[string]any
		changes map[string]any
		file    string
	}{
		{mountFstabPresent, args, map[string]any{"persist": "new"}, orig + "LABEL=data /srv ext4 noatime,nodev 0 2\n"},
		{mountFstabPresent, map[string]any{"fs_file": "/srv", "fs_vfstype": "ext4"}, map[string]any{"persist": "change"}, orig + "LABEL=data /srv ext4 defaults 0 0\n"},
		{mountFstabAbsent, map[string]any{"fs_file": "/srv"}, map[string]any{"persist": "removed"}, orig},
	}
	for i, s := range steps {
		dry := s.fn(context.Background(), mountReq(root, "mount.fstab_x", "LABEL=data", s.args, true))
		real := s.fn(context.Background(), mountReq(root, "mount.fstab_x", "LABEL=data", s.args, false))
		again := s.fn(context.Background(), mountReq(root, "mount.fstab_x", "LABEL=data", s.args, false))
		if dry.Result != None || !reflect.DeepEqual(dry.Changes, s.changes) || real.Result != True || !reflect.DeepEqual(real.Changes, s.changes) {
			t.Errorf("step %d: test %v %v %q; real %v %v %q; want changes %v", i, dry.Result, dry.Changes, dry.Comment, real.Result, real.Changes, real.Comment, s.changes)
		}
		if again.Result != True || len(again.Changes) != 0 {
			t.Errorf("step %d: rerun = %v %v %q", i, again.Result, again.Changes, again.Comment)
		}
		if b, _ := os.ReadFile(fstab); string(b) != s.file {
			t.Errorf("step %d: fstab = %q; want %q", i, b, s.file)
		}
	}
	for _, tc := range []struct {
		args map[string]any
		arg  string
	}{
		{map[string]any{"fs_vfstype": "ext4"}, `"fs_file"`},
		{map[string]any{"fs_file": "/srv"}, `"fs_vfstype"`},
		{map[string]any{"fs_file": "srv", "fs_vfstype": "ext4"}, `"fs_file"`},
		{map[string]any{"fs_file": "/srv", "fs_vfstype": "ext4", "fs_freq": "x"}, `"fs_freq"`},
	} {
		r := mountFstabPresent(context.Background(), mountReq(root, "mount.fstab_present", "LABEL=data", tc.args, false))
		if r.Result != False || !strings.Contains(r.Comment, tc.arg) {
			t.Errorf("fstab_present %v = %v %q; want False naming %s", tc.args, r.Result, r.Comment, tc.arg)
		}
	}
}

func TestMountSameDevice(t *testing.T) {
	for _, tc := range []struct {
		want, source string
		same         bool
	}{
		{"tmpfs", "none", true},              // pseudo sources are not compared
		{"//srv/share", "//srv/other", true}, // nor network ones
		{"/dev/null", "/dev/null", true},
		{"/dev/null", "/dev/zero", false},
		{"UUID=no-such-uuid", "/dev/zero", false},
	} {
		if got := mountSameDevice(tc.want, tc.source); got != tc.same {
			t.Errorf("mountSameDevice(%q, %q) = %v; want %v", tc.want, tc.source, got, tc.same)
		}
	}
}

// TestMountRootEscape: the fstab of every mount state stays in the image.
func TestMountRootEscape(t *testing.T) {
	mounted := func(config string) func(string) Result {
		return func(root string) Result {
			args := map[string]any{"device": "/dev/vdb1", "fstype": "ext4"}
			if config != "" {
				args["config"] = config
			}
			return mountMountedOn(context.Background(), mountReq(root, "mount.mounted", "/srv", args, false), (&fakeMounts{}).host())
		}
	}
	unmounted := func(root string) Result {
		return mountUnmountedOn(context.Background(), mountReq(root, "mount.unmounted", "/srv", map[string]any{"persist": true}, false), (&fakeMounts{}).host())
	}
	fstab := func(fn, config string) func(string) Result {
		return func(root string) Result {
			args := map[string]any{"fs_file": "/srv", "fs_vfstype": "ext4", "config": config}
			f := map[string]Func{"mount.fstab_present": mountFstabPresent, "mount.fstab_absent": mountFstabAbsent}[fn]
			return f(context.Background(), mountReq(root, fn, "/dev/vdb1", args, false))
		}
	}
	entry := map[string]string{"etc/fstab": "/dev/vdb1 /srv ext4 defaults 0 0\n"}
	escapeRun(t, []escapeCase{
		{name: "config climbs out", run: mounted("/../../escape.conf"), arg: "config"},
		{name: "etc links out", links: map[string]string{"etc": "$REL"}, run: mounted(""), arg: "config"},
		{name: "fstab links out", links: map[string]string{"etc/fstab": "$REL/keep"}, run: mounted(""), arg: "config"},
		{name: "unmounted: fstab links out", links: map[string]string{"etc/fstab": "$REL/keep"}, run: unmounted, arg: "config"},
		{name: "fstab_present climbs out", run: fstab("mount.fstab_present", "/../../../fstab"), arg: "config"},
		{name: "fstab_absent links out", links: map[string]string{"etc/fstab": "$REL/keep"}, run: fstab("mount.fstab_absent", "/etc/fstab"), arg: "config"},
		{name: "absolute link stays in", links: map[string]string{"etc/fstab": "$OUT/fstab"}, run: mounted(""), inside: "$OUT/fstab"},
		{name: "unmounted: absolute link stays in", files: map[string]string{"$OUT/fstab": entry["etc/fstab"]}, links: map[string]string{"etc/fstab": "$OUT/fstab"}, run: unmounted, inside: "$OUT/fstab"},
		{name: "plain image", files: entry, run: fstab("mount.fstab_absent", "/etc/fstab"), inside: "/etc/fstab"},
	})
}

// TestMountSwap activates a swap file and persists it as Salt's
// mount.swap does: a dry run predicts each real run, a rerun changes
// nothing, and an entry with other options is rewritten to Salt's.
func TestMountSwap(t *testing.T) {
	dir := t.TempDir()
	swapfile := filepath.Join(dir, "swapfile")
	os.WriteFile(swapfile, nil, 0o600)
	fstab := filepath.Join(dir, "fstab")
	orig := "# keep\nUUID=1 / ext4 defaults 0 1\n"
	os.WriteFile(fstab, []byte(orig), 0o644)
	args := map[string]any{"config": fstab}
	f := &fakeMounts{}
	want := map[string]any{"swapon": true, "persist": "new"}
	dry := mountSwapOn(context.Background(), mountReq("", "mount.swap", swapfile, args, true), f.host())
	if dry.Result != None || !reflect.DeepEqual(dry.Changes, want) || len(f.ran) != 0 ||
		dry.Comment != "Swap "+swapfile+" is set to be activated" {
		t.Fatalf("test run = %v %v %q, ran %v", dry.Result, dry.Changes, dry.Comment, f.ran)
	}
	if b, _ := os.ReadFile(fstab); string(b) != orig {
		t.Fatalf("the test run wrote the fstab: %q", b)
	}
	real := mountSwapOn(context.Background(), mountReq("", "mount.swap", swapfile, args, false), f.host())
	if real.Result != True || !reflect.DeepEqual(real.Changes, want) ||
		real.Comment != "Swap "+swapfile+" activated. Added new entry to the fstab." {
		t.Fatalf("real run = %v %v %q", real.Result, real.Changes, real.Comment)
	}
	if !reflect.DeepEqual(f.ran, [][]string{{"swapon", swapfile}}) {
		t.Errorf("ran %q", f.ran)
	}
	if b, _ := os.ReadFile(fstab); string(b) != orig+swapfile+" none swap defaults 0 0\n" {
		t.Errorf("fstab = %q", b)
	}
	again := mountSwapOn(context.Background(), mountReq("", "mount.swap", swapfile, args, false), f.host())
	if again.Result != True || len(again.Changes) != 0 || again.Comment != "Swap "+swapfile+" already active" || len(f.ran) != 1 {
		t.Errorf("rerun = %v %v %q, ran %v", again.Result, again.Changes, again.Comment, f.ran)
	}

	// Active, but fstab has the entry with other options: Salt's
	// set_fstab rewrites it, and the dry run says so.
	os.WriteFile(fstab, []byte(orig+swapfile+" swap swap sw,pri=5 0 0\n"), 0o644)
	dry = mountSwapOn(context.Background(), mountReq("", "mount.swap", swapfile, args, true), f.host())
	real = mountSwapOn(context.Background(), mountReq("", "mount.swap", swapfile, args, false), f.host())
	want = map[string]any{"persist": "update"}
	if dry.Result != None || !reflect.DeepEqual(dry.Changes, want) || real.Result != True || !reflect.DeepEqual(real.Changes, want) ||
		real.Comment != "Swap "+swapfile+" already active. Updated the entry in the fstab." {
		t.Errorf("update: test %v %v %q, real %v %v %q", dry.Result, dry.Changes, dry.Comment, real.Result, real.Changes, real.Comment)
	}
	if b, _ := os.ReadFile(fstab); string(b) != orig+swapfile+" none swap defaults 0 0\n" {
		t.Errorf("fstab = %q", b)
	}

	// persist: False leaves fstab alone.
	f = &fakeMounts{}
	os.WriteFile(fstab, []byte(orig), 0o644)
	r := mountSwapOn(context.Background(), mountReq("", "mount.swap", swapfile, map[string]any{"config": fstab, "persist": false}, false), f.host())
	if b, _ := os.ReadFile(fstab); r.Result != True || string(b) != orig || !reflect.DeepEqual(r.Changes, map[string]any{"swapon": true}) {
		t.Errorf("persist False = %v %v %q, fstab %q", r.Result, r.Changes, r.Comment, b)
	}

	// A swapon that fails fails the state.
	f = &fakeMounts{}
	h := f.host()
	h.run = func(context.Context, ...string) error { return errors.New("swapon: /x: read swap header failed") }
	if r := mountSwapOn(context.Background(), mountReq("", "mount.swap", swapfile, args, false), h); r.Result != False || !strings.Contains(r.Comment, "failed to activate") {
		t.Errorf("failed swapon = %v %q", r.Result, r.Comment)
	}
}

// TestMountSwapRoot writes only the image's fstab under --root.
func TestMountSwapRoot(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	host := mountHost{
		swaps: func() ([]byte, error) { t.Fatal("--root read the host's swaps"); return nil, nil },
		run:   func(context.Context, ...string) error { t.Fatal("--root ran a command"); return nil },
	}
	dry := mountSwapOn(context.Background(), mountReq(root, "mount.swap", "/swapfile", nil, true), host)
	real := mountSwapOn(context.Background(), mountReq(root, "mount.swap", "/swapfile", nil, false), host)
	want := map[string]any{"persist": "new"}
	if dry.Result != None || !reflect.DeepEqual(dry.Changes, want) || real.Result != True || !reflect.DeepEqual(real.Changes, want) {
		t.Fatalf("test %v %v %q, real %v %v %q", dry.Result, dry.Changes, dry.Comment, real.Result, real.Changes, real.Comment)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc/fstab")); string(b) != "/swapfile\t\tnone\tswap\tdefaults\t0 0\n" {
		t.Errorf("fstab = %q", b)
	}
	if again := mountSwapOn(context.Background(), mountReq(root, "mount.swap", "/swapfile", nil, false), host); again.Result != True || len(again.Changes) != 0 {
		t.Errorf("rerun = %v %v %q", again.Result, again.Changes, again.Comment)
	}
}
