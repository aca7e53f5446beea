package states

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/brine-cm/brine/pkg/osuser"
)

const (
	sshK1Blob = "AAAAC3NzaC1lZDI1NTE5AAAAIFfUdfnVZWwIerztadUIkLkzvWV61DGmnBmHKMmRw7kU"
	sshK3Blob = "AAAAC3NzaC1lZDI1NTE5AAAAIDpcwcmpLKRp8fE5KhKbnm3w5+bOdwjzx3STNROd4xDh"
)

func TestSSHAuthParse(t *testing.T) {
	data, err := os.ReadFile("testdata/authorized_keys_sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	lines, err := sshAuthParse("keys", data)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range lines {
		if l.Key == nil {
			got = append(got, "-")
			continue
		}
		got = append(got, l.Key.Type+"|"+strings.Join(l.Key.Options, ",")+"|"+l.Key.Comment)
	}
	want := []string{"-", "-", "ssh-ed25519||carol", `ssh-rsa|from="10.0.0.0/8",no-pty|bob@desk`, "-"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sshAuthParse = %q; want %q", got, want)
	}
	for _, tc := range []struct{ in, wantErr string }{
		{"# ok\nssh-rsa notbase64!!\n", "keys:2: not a public key line"},
		{"garbage\n", "keys:1:"},
	} {
		if _, err := sshAuthParse("keys", []byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("sshAuthParse(%q) error = %v; want %q", tc.in, err, tc.wantErr)
		}
	}
}

func TestSSHKeyFromArgs(t *testing.T) {
	tests := []struct {
		name, enc, comment string
		options            []string
		hasC, hasO         bool
		want, wantErr      string
	}{
		{name: sshK1Blob, enc: "ssh-ed25519", want: "ssh-ed25519 " + sshK1Blob},
		{name: sshK1Blob, enc: "ssh-ed25519", comment: "me", hasC: true, want: "ssh-ed25519 " + sshK1Blob + " me"},
		{name: "ssh-ed25519 " + sshK1Blob + " alice@laptop", enc: "ssh-rsa", want: "ssh-ed25519 " + sshK1Blob + " alice@laptop"},
		{name: `no-pty,command="echo a, b" ssh-ed25519 ` + sshK1Blob + " x", want: `no-pty,command="echo a, b" ssh-ed25519 ` + sshK1Blob + " x"},
		{name: "ssh-ed25519 " + sshK1Blob + " x", options: []string{"no-agent-forwarding"}, hasO: true, comment: "y", hasC: true,
			want: "no-agent-forwarding ssh-ed25519 " + sshK1Blob + " y"},
		// The type comes from the blob, not from enc: a wrong enc is caught.
		{name: sshK1Blob, enc: "ssh-rsa", wantErr: "is not a valid public key"},
		{name: "AAAAB3NzaC1yc2EAAAADAQABAAAAgQDQPM6Ai2UEyxBqU2iY0oqKGUBe9BWpXSYda6tc4J6o/broken", enc: "ssh-rsa", wantErr: `key "AAAAB3NzaC1yc2EAAAADAQAB…c4J6o/broken"`},
	}
	for _, tt := range tests {
		k, err := sshKeyFromArgs(tt.name, tt.enc, tt.comment, tt.options, tt.hasC, tt.hasO)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("sshKeyFromArgs(%q, %q) error = %v; want %q", tt.name, tt.enc, err, tt.wantErr)
			}
			continue
		}
		if err != nil || k.String() != tt.want {
			t.Errorf("sshKeyFromArgs(%q, %q) = %v, %v; want %q", tt.name, tt.enc, k, err, tt.want)
		}
	}
}

// sshRoot makes an image folder with a user alice (1000:1000).
func sshRoot(t *testing.T) string {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.MkdirAll(filepath.Join(root, "home/alice"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), []byte("root:x:0:\nalice:x:1000:\n"), 0o644)
	return root
}

func sshReq(root, fn, name string, args map[string]any, test bool) *Request {
	return &Request{ID: name, Name: name, Func: fn, Args: NewArgs(args), Test: test, Root: root}
}

// sshRunTwice runs a state under test=True, then for real, and checks
// that the first predicted the second and wrote nothing itself.
func sshRunTwice(t *testing.T, root, fn, name string, args map[string]any, file string) Result {
	t.Helper()
	before, errBefore := os.ReadFile(file)
	run := sshAuthPresent
	if fn == "ssh_auth.absent" {
		run = sshAuthAbsent
	}
	dry := run(context.Background(), sshReq(root, fn, name, args, true))
	after, errAfter := os.ReadFile(file)
	if dry.Result != None || string(before) != string(after) || (errBefore == nil) != (errAfter == nil) {
		t.Fatalf("%s test run = %v %q (file touched: %v)", fn, dry.Result, dry.Comment, string(before) != string(after))
	}
	real := run(context.Background(), sshReq(root, fn, name, args, false))
	if real.Result != True || !reflect.DeepEqual(real.Changes, dry.Changes) {
		t.Fatalf("%s real run = %v %v %q; test predicted %v", fn, real.Result, real.Changes, real.Comment, dry.Changes)
	}
	again := run(context.Background(), sshReq(root, fn, name, args, false))
	if again.Result != True || len(again.Changes) != 0 {
		t.Errorf("%s rerun = %v %v %q", fn, again.Result, again.Changes, again.Comment)
	}
	return real
}

func TestSSHAuthNewFile(t *testing.T) {
	root := sshRoot(t)
	file := filepath.Join(root, "home/alice/.ssh/authorized_keys")
	r := sshRunTwice(t, root, "ssh_auth.present", sshK1Blob, map[string]any{"user": "alice", "enc": "ssh-ed25519", "comment": "alice@laptop"}, file)
	if !reflect.DeepEqual(r.Changes, map[string]any{sshK1Blob: "New"}) {
		t.Errorf("changes = %v", r.Changes)
	}
	if b, _ := os.ReadFile(file); string(b) != "ssh-ed25519 "+sshK1Blob+" alice@laptop\n" {
		t.Errorf("file = %q", b)
	}
	for _, c := range []struct {
		path string
		mode fs.FileMode
	}{{filepath.Dir(file), 0o700 | fs.ModeDir}, {file, 0o600}} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if fi.Mode() != c.mode || st.Uid != 1000 || st.Gid != 1000 {
			t.Errorf("%s: mode %v owner %d:%d; want %v 1000:1000", c.path, fi.Mode(), st.Uid, st.Gid, c.mode)
		}
	}
}

// TestSSHAuthSharedFile edits a file with other keys and comments: only
// the managed key's line changes, every other byte stays.
func TestSSHAuthSharedFile(t *testing.T) {
	root := sshRoot(t)
	orig, err := os.ReadFile("testdata/authorized_keys_sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	// %h and %u expand; the file lives where config says.
	file := filepath.Join(root, "home/alice/keys/alice")
	os.MkdirAll(filepath.Dir(file), 0o755)
	os.WriteFile(file, orig, 0o640)
	args := map[string]any{"user": "alice", "config": "%h/keys/%u"}
	k1, _ := os.ReadFile("testdata/authorized_keys_k1.pub")
	k1line := strings.TrimSpace(string(k1))

	sshRunTwice(t, root, "ssh_auth.present", k1line, args, file)
	step1, _ := os.ReadFile(file)
	if string(step1) != string(orig)+k1line+"\n" {
		t.Errorf("append: file = %q", step1)
	}
	// A new comment on carol's key rewrites her line only.
	args3 := map[string]any{"user": "alice", "config": "%h/keys/%u", "enc": "ssh-ed25519", "comment": "carol@new", "options": []any{"no-pty"}}
	r := sshRunTwice(t, root, "ssh_auth.present", sshK3Blob, args3, file)
	if !reflect.DeepEqual(r.Changes, map[string]any{sshK3Blob: "Updated"}) {
		t.Errorf("changes = %v", r.Changes)
	}
	step2, _ := os.ReadFile(file)
	want := strings.Replace(string(step1), "ssh-ed25519 "+sshK3Blob+" carol", "no-pty ssh-ed25519 "+sshK3Blob+" carol@new", 1)
	if string(step2) != want {
		t.Errorf("update: file = %q; want %q", step2, want)
	}
	// Absent matches the key whatever its options and comment.
	sshRunTwice(t, root, "ssh_auth.absent", sshK3Blob, map[string]any{"user": "alice", "config": "%h/keys/%u", "enc": "ssh-ed25519"}, file)
	step3, _ := os.ReadFile(file)
	want = strings.Replace(string(step2), "no-pty ssh-ed25519 "+sshK3Blob+" carol@new\n", "", 1)
	if string(step3) != want {
		t.Errorf("absent: file = %q; want %q", step3, want)
	}
	if fi, _ := os.Stat(file); fi.Mode() != 0o640 {
		t.Errorf("an existing file's mode changed to %v", fi.Mode())
	}
}

// sshFiles is a salt:// file source for unit tests.
type sshFiles map[string]string

func (f sshFiles) ReadFile(_ context.Context, url string) ([]byte, error) {
	if s, ok := f[url]; ok {
		return []byte(s), nil
	}
	return nil, fs.ErrNotExist
}

func TestSSHAuthSource(t *testing.T) {
	root := sshRoot(t)
	src, _ := os.ReadFile("testdata/authorized_keys_sample.txt")
	env := &Env{Files: sshFiles{"salt://keys/team": string(src)}}
	file := filepath.Join(root, "home/alice/.ssh/authorized_keys")
	req := sshReq(root, "ssh_auth.present", "team-keys", map[string]any{"user": "alice", "source": "salt://keys/team"}, true)
	req.Env = env
	dry := sshAuthPresent(context.Background(), req)
	req.Test = false
	real := sshAuthPresent(context.Background(), req)
	if dry.Result != None || real.Result != True || len(real.Changes) != 2 || !reflect.DeepEqual(dry.Changes, real.Changes) {
		t.Fatalf("source: test %v %v; real %v %v %q", dry.Result, dry.Changes, real.Result, real.Changes, real.Comment)
	}
	lines, err := sshAuthParse("f", mustRead(t, file))
	if err != nil || len(lines) != 2 || lines[1].Key.Comment != "bob@desk" {
		t.Errorf("file after source = %v, %v", lines, err)
	}
	req.Args = NewArgs(map[string]any{"user": "alice", "source": "salt://keys/missing"})
	if r := sshAuthPresent(context.Background(), req); r.Result != False || !strings.Contains(r.Comment, `"source"`) {
		t.Errorf("missing source = %v %q", r.Result, r.Comment)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSSHAuthBadArgs(t *testing.T) {
	root := sshRoot(t)
	for _, tc := range []struct {
		name string
		args map[string]any
		arg  string
	}{
		{sshK1Blob, map[string]any{"enc": "ssh-ed25519"}, `"user"`},
		{"AAAAnotakey", map[string]any{"user": "alice"}, `"name"`},
		{sshK1Blob, map[string]any{"user": "alice", "enc": "ssh-ed25519", "options": map[string]any{}}, `"options"`},
		{sshK1Blob, map[string]any{"user": "alice", "source": "salt://x"}, `"source"`},
	} {
		r := sshAuthPresent(context.Background(), sshReq(root, "ssh_auth.present", tc.name, tc.args, false))
		if r.Result != False || !strings.Contains(r.Comment, tc.arg) {
			t.Errorf("ssh_auth.present %.12s %v = %v %q; want False naming %s", tc.name, tc.args, r.Result, r.Comment, tc.arg)
		}
	}
	os.MkdirAll(filepath.Join(root, "home/alice/.ssh"), 0o700)
	os.WriteFile(filepath.Join(root, "home/alice/.ssh/authorized_keys"), []byte("# c\nnot a key\n"), 0o600)
	r := sshAuthPresent(context.Background(), sshReq(root, "ssh_auth.present", sshK1Blob, map[string]any{"user": "alice", "enc": "ssh-ed25519"}, false))
	if r.Result != False || !strings.Contains(r.Comment, "/home/alice/.ssh/authorized_keys:2") {
		t.Errorf("broken file = %v %q", r.Result, r.Comment)
	}
}

// An account the host lacks: Salt's ssh module finds no key file for it,
// so present fails as set_auth_key's "fail" is worded and absent finds the
// key not there. An account an earlier user.present of the same dry run
// would create counts as there (users-formula adds a user's keys after the
// user), so the dry run says the key is to be added, as the real run that
// makes the user first then does.
func TestSSHAuthMissingUser(t *testing.T) {
	root := sshRoot(t)
	args := map[string]any{"user": "mallory", "enc": "ssh-ed25519"}
	for _, test := range []bool{true, false} {
		r := sshAuthPresent(context.Background(), sshReq(root, "ssh_auth.present", sshK1Blob, args, test))
		if r.Result != False || r.Comment != "Failed to add the ssh key. Is the home directory available, and/or does the key file exist?" {
			t.Errorf("present test=%v: %v %q", test, r.Result, r.Comment)
		}
		want := map[bool]string{true: "Key is already absent", false: "Key not present"}[test]
		r = sshAuthAbsent(context.Background(), sshReq(root, "ssh_auth.absent", sshK1Blob, args, test))
		if r.Result != True || r.Comment != want || len(r.Changes) != 0 {
			t.Errorf("absent test=%v: %v %q %v; want True %q", test, r.Result, r.Comment, r.Changes, want)
		}
	}

	env := &Env{Cache: &RunCache{}}
	plan := sshReq(root, "user.present", "carol", nil, true)
	plan.Env = env
	plannedAccts(plan).addUser(osuser.User{Name: "carol", UID: 1001, GID: 1001, Home: "/home/carol", Shell: "/bin/sh"}, shadowEntry{}, nil)
	req := sshReq(root, "ssh_auth.present", sshK1Blob, map[string]any{"user": "carol", "enc": "ssh-ed25519"}, true)
	req.Env = env
	r := sshAuthPresent(context.Background(), req)
	if want := "Key " + sshK1Blob + " for user carol is set to be added"; r.Result != None || r.Comment != want {
		t.Errorf("planned user: %v %q; want None %q", r.Result, r.Comment, want)
	}
	if _, err := os.Stat(filepath.Join(root, "home/carol")); !os.IsNotExist(err) {
		t.Errorf("the dry run made the planned user's home: %v", err)
	}
}

// TestSSHAuthGolden adds, updates and removes keys in a file with
// comments and options.
func TestSSHAuthGolden(t *testing.T) {
	data := mustRead(t, "testdata/authorized_keys_sample.txt")
	k1 := strings.TrimSpace(string(mustRead(t, "testdata/authorized_keys_k1.pub")))
	lines, err := sshAuthParse("f", data)
	if err != nil {
		t.Fatal(err)
	}
	add, _ := sshKeyFromArgs(k1, "ssh-rsa", "", []string{`from="192.0.2.0/24"`}, false, true)
	data, lines, _ = sshAuthSet(data, lines, add)
	upd, _ := sshKeyFromArgs(sshK3Blob, "ssh-ed25519", "carol@work", nil, true, false)
	data, lines, _ = sshAuthSet(data, lines, upd)
	lines, err = sshAuthParse("f", data)
	if err != nil {
		t.Fatalf("the written file does not parse: %v", err)
	}
	bob := lines[3].Key
	data, _, _ = sshAuthRemove(data, lines, bob)
	sysGolden(t, "authorized_keys_sample.golden", data)
}

// TestSSHAuthRootEscape: the key file, the home it is under and the
// passwd file that gives the home all stay inside the image.
func TestSSHAuthRootEscape(t *testing.T) {
	run := func(fn, config string) func(string) Result {
		return func(root string) Result {
			args := map[string]any{"user": "alice", "enc": "ssh-ed25519"}
			if config != "" {
				args["config"] = config
			}
			return map[string]Func{"ssh_auth.present": sshAuthPresent, "ssh_auth.absent": sshAuthAbsent}[fn](
				context.Background(), sshReq(root, fn, sshK1Blob, args, false))
		}
	}
	accounts := func(home string) map[string]string {
		return map[string]string{
			"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::" + home + ":/bin/sh\n",
			"etc/group":  "root:x:0:\nalice:x:1000:\n",
		}
	}
	plain := accounts("/home/alice")
	escapeRun(t, []escapeCase{
		{name: "config climbs out", files: plain, run: run("ssh_auth.present", "/../../../outside/keys"), arg: "config"},
		{name: "home climbs out", files: accounts("/../../../outside"), run: run("ssh_auth.present", ""), arg: "config"},
		{name: "%h climbs out", files: accounts("/home/../../x"), run: run("ssh_auth.present", "%h/.ssh/authorized_keys"), arg: "config"},
		{name: ".ssh links out", files: plain, links: map[string]string{"home/alice/.ssh": "$REL"}, run: run("ssh_auth.present", ""), arg: "config"},
		{name: "absent: key file links out", files: plain, links: map[string]string{"home/alice/.ssh/authorized_keys": "$REL/keep"}, run: run("ssh_auth.absent", ""), arg: "config"},
		{name: "passwd links out", links: map[string]string{"etc/passwd": "$REL/keep"}, run: run("ssh_auth.present", ""), arg: "user"},
		{name: "absolute link stays in", files: plain, links: map[string]string{"home": "$OUT"}, run: run("ssh_auth.present", ""), inside: "$OUT/alice/.ssh/authorized_keys"},
		{name: "plain image", files: plain, run: run("ssh_auth.present", ""), inside: "/home/alice/.ssh/authorized_keys"},
	})
}
