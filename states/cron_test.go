package states

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cronRoot makes a --root with accounts, Debian's spool directory, and
// the given crontabs (user -> text).
func cronRoot(t *testing.T, tabs map[string]string) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/sh\n",
		"etc/group":  "root:x:0:\ncrontab:x:107:\nalice:x:1000:\n",
	}
	for p, c := range files {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	spool := filepath.Join(root, cronSpoolDir)
	if err := os.MkdirAll(spool, 0o755); err != nil {
		t.Fatal(err)
	}
	for u, c := range tabs {
		if err := os.WriteFile(filepath.Join(spool, u), []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// An old mtime, so that a test can see the write touch the directory.
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(spool, old, old); err != nil {
		t.Fatal(err)
	}
	return root
}

func cronRun(t *testing.T, root, fun, name string, args map[string]any, test bool) Result {
	t.Helper()
	fn, err := Lookup(fun)
	if err != nil {
		t.Fatal(err)
	}
	return fn(context.Background(), &Request{ID: name, Name: name, Func: fun, Args: NewArgs(args), Test: test, Root: root})
}

func cronRead(t *testing.T, root, user string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, cronSpoolDir, user))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

func TestCronStates(t *testing.T) {
	seed, err := os.ReadFile("testdata/cron_salt.txt")
	if err != nil {
		t.Fatal(err)
	}
	salt := string(seed)
	tests := []struct {
		fun, name, user string
		args            map[string]any
		tab             string // root's crontab before
		testComment     string
		realComment     string
		rerunComment    string // real rerun
		rerunTest       string // test rerun
		line            string // a line the crontab holds after the real run
	}{
		{"cron.present", "/bin/x", "alice", map[string]any{"user": "alice", "minute": 5}, "",
			"Cron /bin/x is set to be added", "Cron /bin/x added to alice's crontab",
			"Cron /bin/x already present", "Cron /bin/x already present", "5 * * * * /bin/x"},
		{"cron.present", "/usr/sbin/logrotate /etc/logrotate.app.conf", "root", map[string]any{"identifier": "logrotate-app", "minute": 30, "hour": "4"}, salt,
			"Cron /usr/sbin/logrotate /etc/logrotate.app.conf is set to be updated", "Cron /usr/sbin/logrotate /etc/logrotate.app.conf updated",
			"Cron /usr/sbin/logrotate /etc/logrotate.app.conf already present", "Cron /usr/sbin/logrotate /etc/logrotate.app.conf already present",
			"30 4 * * * /usr/sbin/logrotate /etc/logrotate.app.conf"},
		{"cron.present", "/usr/local/bin/poll", "root", map[string]any{"minute": "*/10", "commented": true}, salt,
			"Cron /usr/local/bin/poll is set to be updated", "Cron /usr/local/bin/poll updated",
			"Cron /usr/local/bin/poll already present", "Cron /usr/local/bin/poll already present",
			"# SALT_CRON_IDENTIFIER:/usr/local/bin/poll\n#DISABLED#*/10 * * * * /usr/local/bin/poll"},
		{"cron.present", "/usr/local/bin/reboot-hook", "root", map[string]any{"special": "@daily", "comment": "daily now"}, salt,
			"Cron /usr/local/bin/reboot-hook is set to be updated", "Cron /usr/local/bin/reboot-hook updated",
			"Cron /usr/local/bin/reboot-hook already present", "Cron /usr/local/bin/reboot-hook already present",
			"# daily now SALT_CRON_IDENTIFIER:/usr/local/bin/reboot-hook\n@daily /usr/local/bin/reboot-hook"},
		{"cron.absent", "/usr/local/bin/backup --all >/dev/null 2>&1", "root", map[string]any{"identifier": "backup"}, salt,
			"Cron /usr/local/bin/backup --all >/dev/null 2>&1 is set to be removed", "Cron /usr/local/bin/backup --all >/dev/null 2>&1 removed from root's crontab",
			"Cron /usr/local/bin/backup --all >/dev/null 2>&1 already absent", "Cron /usr/local/bin/backup --all >/dev/null 2>&1 is absent", ""},
		{"cron.absent", "/usr/local/bin/reboot-hook", "root", map[string]any{"special": "@reboot"}, salt,
			"Cron /usr/local/bin/reboot-hook is set to be removed", "Cron /usr/local/bin/reboot-hook removed from root's crontab",
			"Cron /usr/local/bin/reboot-hook already absent", "Cron /usr/local/bin/reboot-hook is absent", ""},
		{"cron.env_present", "PATH", "root", map[string]any{"value": "/usr/bin:/bin"}, salt,
			"Cron env PATH is set to be added", "Cron env PATH added to root's crontab",
			"Cron env PATH already present", "Cron env PATH already present", "SHELL=/bin/bash\nPATH=/usr/bin:/bin"},
		{"cron.env_present", "MAILTO", "root", map[string]any{"value": "root"}, salt,
			"Cron env MAILTO is set to be updated", "Cron env MAILTO updated",
			"Cron env MAILTO already present", "Cron env MAILTO already present", "MAILTO=root\nSHELL=/bin/bash"},
		{"cron.env_absent", "SHELL", "root", nil, salt,
			"Cron env SHELL is set to be removed", "Cron env SHELL removed from root's crontab",
			"Cron env SHELL already absent", "Cron env SHELL is absent", "MAILTO=ops@example.com\n# rotate the app logs SALT_CRON_IDENTIFIER:logrotate-app"},
	}
	for _, tt := range tests {
		t.Run(tt.fun+" "+tt.name, func(t *testing.T) {
			tabs := map[string]string{}
			if tt.tab != "" {
				tabs[tt.user] = tt.tab
			}
			root := cronRoot(t, tabs)
			before := cronRead(t, root, tt.user)
			dry := cronRun(t, root, tt.fun, tt.name, tt.args, true)
			if dry.Result != None || dry.Comment != tt.testComment {
				t.Errorf("test=True: %v %q; want None %q", dry.Result, dry.Comment, tt.testComment)
			}
			if got := cronRead(t, root, tt.user); got != before {
				t.Fatalf("test=True changed the crontab:\n%s", got)
			}
			real := cronRun(t, root, tt.fun, tt.name, tt.args, false)
			want := map[string]any{tt.user: tt.name}
			if real.Result != True || real.Comment != tt.realComment || !reflect.DeepEqual(real.Changes, want) {
				t.Errorf("real: %v %q %v; want True %q %v", real.Result, real.Comment, real.Changes, tt.realComment, want)
			}
			if !reflect.DeepEqual(dry.Changes, real.Changes) {
				t.Errorf("test=True changes %v; real run's %v", dry.Changes, real.Changes)
			}
			after := cronRead(t, root, tt.user)
			if tt.line != "" && !strings.Contains(after, tt.line+"\n") {
				t.Errorf("crontab lacks %q:\n%s", tt.line, after)
			}
			if strings.Contains(tt.fun, "absent") && strings.Contains(after, tt.name+"\n") && !strings.Contains(tt.name, "reboot") {
				t.Errorf("crontab still runs %q:\n%s", tt.name, after)
			}
			cronCheckFile(t, root, tt.user)
			for _, test := range []bool{false, true} {
				again := cronRun(t, root, tt.fun, tt.name, tt.args, test)
				wantC := tt.rerunComment
				if test {
					wantC = tt.rerunTest
				}
				if again.Result != True || again.Comment != wantC || again.Changed() {
					t.Errorf("rerun (test=%v): %v %q %v; want True %q, no changes", test, again.Result, again.Comment, again.Changes, wantC)
				}
			}
			if got := cronRead(t, root, tt.user); got != after {
				t.Errorf("rerun changed the crontab:\n%s", got)
			}
		})
	}
}

// cronCheckFile checks the spool file is as crontab(1) leaves it and that
// the spool directory was touched for cron.
func cronCheckFile(t *testing.T, root, user string) {
	t.Helper()
	fi, err := os.Stat(filepath.Join(root, cronSpoolDir, user))
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	uid := map[string]uint32{"root": 0, "alice": 1000}[user]
	if fi.Mode().Perm() != 0o600 || st.Uid != uid || st.Gid != 107 {
		t.Errorf("crontab %s: mode %o owner %d:%d; want 600 %d:107", user, fi.Mode().Perm(), st.Uid, st.Gid, uid)
	}
	di, err := os.Stat(filepath.Join(root, cronSpoolDir))
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(di.ModTime()) > time.Minute {
		t.Errorf("spool directory mtime %v: not touched, cron would not re-read it", di.ModTime())
	}
}

// TestCronOnlyOurLines runs several states on a crontab Salt and a human
// both wrote, and compares the result byte for byte.
func TestCronOnlyOurLines(t *testing.T) {
	seed, err := os.ReadFile("testdata/cron_salt.txt")
	if err != nil {
		t.Fatal(err)
	}
	root := cronRoot(t, map[string]string{"root": string(seed)})
	steps := []struct {
		fun, name string
		args      map[string]any
	}{
		{"cron.present", "/usr/sbin/logrotate /etc/logrotate.app.conf", map[string]any{"identifier": "logrotate-app", "minute": 30, "hour": 4}},
		{"cron.present", "/usr/local/bin/report", map[string]any{"minute": 0, "hour": 7, "dayweek": "MON", "comment": "weekly report"}},
		{"cron.env_present", "PATH", map[string]any{"value": "/usr/local/bin:/usr/bin:/bin"}},
		{"cron.absent", "/usr/local/bin/backup --all >/dev/null 2>&1", map[string]any{"identifier": "backup"}},
		{"cron.present", "/usr/local/bin/reboot-hook", map[string]any{"special": "@reboot"}}, // already there
		{"cron.present", "/usr/local/bin/hand-written   # kept as typed", map[string]any{"minute": 15, "hour": 3}},
	}
	for _, s := range steps {
		if res := cronRun(t, root, s.fun, s.name, s.args, false); res.Result != True {
			t.Fatalf("%s %s: %v %q", s.fun, s.name, res.Result, res.Comment)
		}
	}
	got := cronRead(t, root, "root")
	// Everything above Salt's marker is the human's: untouched.
	head, _, _ := strings.Cut(string(seed), cronTag)
	if !strings.HasPrefix(got, head+cronTag+"\n") {
		t.Errorf("lines above the marker changed:\n%s", got)
	}
	sysGolden(t, "cron_salt.golden", []byte(got))
}

func TestCronBadArgs(t *testing.T) {
	tests := []struct {
		fun, name string
		args      map[string]any
		arg       string
	}{
		{"cron.present", "/bin/x", map[string]any{"user": "nobody-here"}, `argument "user"`},
		{"cron.present", "/bin/x", map[string]any{"user": "../etc"}, `argument "user"`},
		{"cron.present", "/bin/x", map[string]any{"minute": "1 2"}, `argument "minute"`},
		{"cron.present", "/bin/x", map[string]any{"dayweek": "mon;reboot"}, `argument "dayweek"`},
		{"cron.present", "/bin/x", map[string]any{"hour": []any{1}}, `argument "hour"`},
		{"cron.present", "/bin/x", map[string]any{"special": "@sometimes"}, `argument "special"`},
		{"cron.present", "/bin/x", map[string]any{"commented": "maybe"}, `argument "commented"`},
		{"cron.present", "/bin/x", map[string]any{"identifier": "a\nb"}, `argument "identifier"`},
		{"cron.present", "/bin/x", map[string]any{"comment": "SALT_CRON_IDENTIFIER:z"}, `argument "comment"`},
		{"cron.present", "/bin/x\nrm -rf /", nil, `argument "name"`},
		{"cron.present", "  ", nil, `argument "name"`},
		{"cron.absent", "/bin/x", map[string]any{"special": "reboot"}, `argument "special"`},
		{"cron.absent", "/bin/x", map[string]any{"user": "nobody-here"}, `argument "user"`},
		{"cron.env_present", "A B", map[string]any{"value": "1"}, `argument "name"`},
		{"cron.env_present", "A", map[string]any{"value": "1\n* * * * * evil"}, `argument "value"`},
		{"cron.env_absent", "1A", nil, `argument "name"`},
	}
	for _, tt := range tests {
		root := cronRoot(t, map[string]string{"root": cronTag + "\n"})
		for _, test := range []bool{true, false} {
			if strings.Contains(tt.arg, "user") && test {
				continue // under test a missing user reads as an empty crontab
			}
			res := cronRun(t, root, tt.fun, tt.name, tt.args, test)
			if res.Result != False || !strings.Contains(res.Comment, tt.arg) {
				t.Errorf("%s %q %v (test=%v) = %v %q; want False naming %s", tt.fun, tt.name, tt.args, test, res.Result, res.Comment, tt.arg)
			}
		}
		if got := cronRead(t, root, "root"); got != cronTag+"\n" {
			t.Errorf("%s %v: a refused call changed the crontab:\n%s", tt.fun, tt.args, got)
		}
	}
}

// TestCronNotYet covers a dry run before the user or cron exist (both may
// come from earlier states of the same run), and the real run that fails.
func TestCronNotYet(t *testing.T) {
	root := cronRoot(t, nil)
	dry := cronRun(t, root, "cron.present", "/bin/x", map[string]any{"user": "bob"}, true)
	if dry.Result != None || dry.Comment != "Cron /bin/x is set to be added" || !reflect.DeepEqual(dry.Changes, map[string]any{"bob": "/bin/x"}) {
		t.Errorf("dry run for a user not yet made = %v %q %v", dry.Result, dry.Comment, dry.Changes)
	}
	if res := cronRun(t, root, "cron.present", "/bin/x", map[string]any{"user": "bob"}, false); res.Result != False || !strings.Contains(res.Comment, `argument "user"`) {
		t.Errorf("real run for a missing user = %v %q", res.Result, res.Comment)
	}
	if err := os.RemoveAll(filepath.Join(root, cronSpoolDir)); err != nil {
		t.Fatal(err)
	}
	dry = cronRun(t, root, "cron.env_present", "MAILTO", map[string]any{"value": "x"}, true)
	if dry.Result != None || dry.Comment != "Cron env MAILTO is set to be added" {
		t.Errorf("dry run without cron = %v %q", dry.Result, dry.Comment)
	}
	if res := cronRun(t, root, "cron.env_present", "MAILTO", map[string]any{"value": "x"}, false); res.Result != False || !strings.Contains(res.Comment, "cron is not installed") {
		t.Errorf("real run without cron = %v %q", res.Result, res.Comment)
	}
}

// TestCronRootEscape: the spool file and the passwd file that names its
// owner are read and written inside the image only.
func TestCronRootEscape(t *testing.T) {
	run := func(root string) Result {
		return cronRun(t, root, "cron.present", "/bin/true", map[string]any{"user": "root"}, false)
	}
	accounts := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/bash\n",
		"etc/group":  "root:x:0:\ncrontab:x:107:\n",
	}
	with := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for _, src := range []map[string]string{accounts, m} {
			for k, v := range src {
				out[k] = v
			}
		}
		return out
	}
	escapeRun(t, []escapeCase{
		{name: "spool links out", files: accounts, links: map[string]string{"var/spool/cron/crontabs": "$REL"}, run: run, arg: "user"},
		{name: "spool parent links out", files: accounts, links: map[string]string{"var/spool": "$REL"}, run: run, arg: "user"},
		{name: "passwd links out", files: map[string]string{"var/spool/cron/crontabs/.keep": ""}, links: map[string]string{"etc/passwd": "$REL/keep"}, run: run, arg: "user"},
		// cron reads no crontab that is a link; the file replaces it.
		{name: "crontab links out", files: with(map[string]string{"var/spool/cron/crontabs/.keep": ""}), links: map[string]string{"var/spool/cron/crontabs/root": "$REL/keep"}, run: run, inside: "/var/spool/cron/crontabs/root"},
		{name: "absolute link stays in", files: with(map[string]string{"$OUT/crontabs/.keep": ""}), links: map[string]string{"var/spool/cron": "$OUT"}, run: run, inside: "$OUT/crontabs/root"},
		{name: "plain image", files: with(map[string]string{"var/spool/cron/crontabs/.keep": ""}), run: run, inside: "/var/spool/cron/crontabs/root"},
	})
}
