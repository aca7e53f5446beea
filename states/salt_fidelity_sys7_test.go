package states

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The seventh round's tables for the system states: cron and host, run on
// a --root tree, with the crontab or hosts file the real run leaves
// checked byte for byte against what Salt 3006 writes.

// fidCron runs fun on a root whose crontab for user is tab; after each
// phase the crontab must still be one Salt's list_tab reads the same.
func fidCron(fun, name, user string, args map[string]any, tab string) func(t *testing.T) func(bool) Result {
	return func(t *testing.T) func(bool) Result {
		tabs := map[string]string{}
		if tab != "" {
			tabs[user] = tab
		}
		root := cronRoot(t, tabs)
		return func(test bool) Result { return cronRun(t, root, fun, name, args, test) }
	}
}

func TestSaltFidelityCron(t *testing.T) {
	root := func(s string) map[string]any { return map[string]any{"root": s} }
	managed := cronTag + "\n"
	fidRunAll(t, []fidCase{{
		name:   "cron.present: new job",
		salt:   "present(), set_job()",
		setup:  fidCron("cron.present", "/bin/x", "root", map[string]any{"minute": 5}, ""),
		test:   fidW(None, "Cron /bin/x is set to be added", root("/bin/x")),
		real:   fidW(True, "Cron /bin/x added to root's crontab", root("/bin/x")),
		rerun:  fidW(True, "Cron /bin/x already present", nil),
		retest: fidW(True, "Cron /bin/x already present", nil),
	}, {
		// _check_cron() compares the time fields as strings, lowered.
		name:   "cron.present: time changed",
		salt:   "present(), set_job(): rm_job then a new line",
		setup:  fidCron("cron.present", "/bin/x", "root", map[string]any{"minute": 7, "hour": 2}, managed+"# SALT_CRON_IDENTIFIER:/bin/x\n5 * * * * /bin/x\n"),
		test:   fidW(None, "Cron /bin/x is set to be updated", root("/bin/x")),
		real:   fidW(True, "Cron /bin/x updated", root("/bin/x")),
		rerun:  fidW(True, "Cron /bin/x already present", nil),
		retest: fidW(True, "Cron /bin/x already present", nil),
	}, {
		// _cron_matched(): an identifier finds the job whatever its command.
		name:  "cron.present: identifier, command changed",
		salt:  "present(), _cron_matched() on the identifier",
		setup: fidCron("cron.present", "/bin/new", "root", map[string]any{"identifier": "JOB"}, managed+"# SALT_CRON_IDENTIFIER:JOB\n* * * * * /bin/old\n"),
		test:  fidW(None, "Cron /bin/new is set to be updated", root("/bin/new")),
		real:  fidW(True, "Cron /bin/new updated", root("/bin/new")),
		rerun: fidW(True, "Cron /bin/new already present", nil),
	}, {
		// A job with no identifier line is found by its command, and gets
		// the identifier (_needs_change(None, name)).
		name:  "cron.present: old job without identifier",
		salt:  "present(), _check_cron(): identifier None needs change",
		setup: fidCron("cron.present", "/bin/x", "root", nil, managed+"* * * * * /bin/x\n"),
		test:  fidW(None, "Cron /bin/x is set to be updated", root("/bin/x")),
		real:  fidW(True, "Cron /bin/x updated", root("/bin/x")),
		rerun: fidW(True, "Cron /bin/x already present", nil),
	}, {
		name:   "cron.present: comment added",
		salt:   "present(), _needs_change(comment)",
		setup:  fidCron("cron.present", "/bin/x", "root", map[string]any{"comment": "nightly"}, managed+"# SALT_CRON_IDENTIFIER:/bin/x\n* * * * * /bin/x\n"),
		test:   fidW(None, "Cron /bin/x is set to be updated", root("/bin/x")),
		real:   fidW(True, "Cron /bin/x updated", root("/bin/x")),
		rerun:  fidW(True, "Cron /bin/x already present", nil),
		retest: fidW(True, "Cron /bin/x already present", nil),
	}, {
		name:  "cron.present: commented",
		salt:  "present(), _needs_change(commented)",
		setup: fidCron("cron.present", "/bin/x", "root", map[string]any{"commented": true}, managed+"# SALT_CRON_IDENTIFIER:/bin/x\n* * * * * /bin/x\n"),
		test:  fidW(None, "Cron /bin/x is set to be updated", root("/bin/x")),
		real:  fidW(True, "Cron /bin/x updated", root("/bin/x")),
		rerun: fidW(True, "Cron /bin/x already present", nil),
	}, {
		name:   "cron.present: special new",
		salt:   "present(), set_special()",
		setup:  fidCron("cron.present", "/bin/boot", "root", map[string]any{"special": "@reboot"}, ""),
		test:   fidW(None, "Cron /bin/boot is set to be added", root("/bin/boot")),
		real:   fidW(True, "Cron /bin/boot added to root's crontab", root("/bin/boot")),
		rerun:  fidW(True, "Cron /bin/boot already present", nil),
		retest: fidW(True, "Cron /bin/boot already present", nil),
	}, {
		// present() calls rm_job() before set_special(): the timed job
		// goes. Salt 3006 then falls through to "failed to commit with
		// error \nnew", result False; brine says what it did.
		name:   "cron.present: timed job made special",
		salt:   "present(), rm_job() then set_special(): 'time specification changed'",
		setup:  fidCron("cron.present", "/bin/x", "root", map[string]any{"special": "@hourly"}, managed+"# SALT_CRON_IDENTIFIER:/bin/x\n5 * * * * /bin/x\n"),
		test:   fidW(None, "Cron /bin/x is set to be added", root("/bin/x")),
		real:   fidW(True, "Cron /bin/x time specification changed", root("/bin/x")),
		rerun:  fidW(True, "Cron /bin/x already present", nil),
		retest: fidW(True, "Cron /bin/x already present", nil),
	}, {
		name:   "cron.present: special made timed",
		salt:   "present(), rm_special() then set_job(): 'time specification changed'",
		setup:  fidCron("cron.present", "/bin/x", "root", map[string]any{"minute": 5}, managed+"# SALT_CRON_IDENTIFIER:/bin/x\n@reboot /bin/x\n"),
		test:   fidW(None, "Cron /bin/x is set to be added", root("/bin/x")),
		real:   fidW(True, "Cron /bin/x time specification changed", root("/bin/x")),
		rerun:  fidW(True, "Cron /bin/x already present", nil),
		retest: fidW(True, "Cron /bin/x already present", nil),
	}, {
		// The job is there and so is a special copy: Salt's rm_special()
		// removes it ("Duplicate Cron X removed", with no changes in Salt).
		name:   "cron.present: duplicate special removed",
		salt:   "present(), data present and antidata removed",
		setup:  fidCron("cron.present", "/bin/x", "root", nil, managed+"# SALT_CRON_IDENTIFIER:/bin/x\n* * * * * /bin/x\n# SALT_CRON_IDENTIFIER:/bin/x\n@daily /bin/x\n"),
		test:   fidW(None, "Cron /bin/x is set to be updated", root("/bin/x")),
		real:   fidW(True, "Duplicate Cron /bin/x removed", root("/bin/x")),
		rerun:  fidW(True, "Cron /bin/x already present", nil),
		retest: fidW(True, "Cron /bin/x already present", nil),
	}, {
		name:   "cron.absent: removed",
		salt:   "absent(), rm_job()",
		setup:  fidCron("cron.absent", "/bin/x", "root", nil, managed+"# SALT_CRON_IDENTIFIER:/bin/x\n5 * * * * /bin/x\n"),
		test:   fidW(None, "Cron /bin/x is set to be removed", root("/bin/x")),
		real:   fidW(True, "Cron /bin/x removed from root's crontab", root("/bin/x")),
		rerun:  fidW(True, "Cron /bin/x already absent", nil),
		retest: fidW(True, "Cron /bin/x is absent", nil),
	}, {
		name:   "cron.env_present: new",
		salt:   "env_present(), set_env()",
		setup:  fidCron("cron.env_present", "MAILTO", "alice", map[string]any{"user": "alice", "value": "ops@example.com"}, ""),
		test:   fidW(None, "Cron env MAILTO is set to be added", map[string]any{"alice": "MAILTO"}),
		real:   fidW(True, "Cron env MAILTO added to alice's crontab", map[string]any{"alice": "MAILTO"}),
		rerun:  fidW(True, "Cron env MAILTO already present", nil),
		retest: fidW(True, "Cron env MAILTO already present", nil),
	}, {
		name:   "cron.env_absent: removed",
		salt:   "env_absent(), rm_env()",
		setup:  fidCron("cron.env_absent", "MAILTO", "root", nil, managed+"MAILTO=ops@example.com\n"),
		test:   fidW(None, "Cron env MAILTO is set to be removed", root("MAILTO")),
		real:   fidW(True, "Cron env MAILTO removed from root's crontab", root("MAILTO")),
		rerun:  fidW(True, "Cron env MAILTO already absent", nil),
		retest: fidW(True, "Cron env MAILTO is absent", nil),
	}})
}

// TestSaltFidelityCronFile pins the crontab text a real run leaves, as
// Salt's _render_tab writes the managed part: the marker line, then
// "# comment SALT_CRON_IDENTIFIER:id" above each job.
func TestSaltFidelityCronFile(t *testing.T) {
	for _, c := range []struct {
		name, fun, cmd string
		args           map[string]any
		before, after  string
	}{
		{"new job", "cron.present", "/bin/x", map[string]any{"minute": "5", "hour": "4"}, "",
			cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n5 4 * * * /bin/x\n"},
		{"comment and identifier", "cron.present", "/bin/x", map[string]any{"comment": "nightly run", "identifier": "NIGHTLY"}, "",
			cronTag + "\n# nightly run SALT_CRON_IDENTIFIER:NIGHTLY\n* * * * * /bin/x\n"},
		{"commented", "cron.present", "/bin/x", map[string]any{"commented": true}, "",
			cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n#DISABLED#* * * * * /bin/x\n"},
		{"special", "cron.present", "/bin/x", map[string]any{"special": "@weekly"}, "",
			cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n@weekly /bin/x\n"},
		{"user's own lines kept above the marker", "cron.present", "/bin/x", nil, "MAILTO=me\n1 2 * * * /bin/mine\n",
			"MAILTO=me\n1 2 * * * /bin/mine\n" + cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n* * * * * /bin/x\n"},
		{"timed job made special", "cron.present", "/bin/x", map[string]any{"special": "@daily"}, cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n5 * * * * /bin/x\n",
			cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n@daily /bin/x\n"},
		{"special made timed", "cron.present", "/bin/x", map[string]any{"minute": "5"}, cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n@daily /bin/x\n",
			cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n5 * * * * /bin/x\n"},
		{"another command's special kept", "cron.present", "/bin/x", map[string]any{"minute": "5"}, cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/y\n@daily /bin/y\n",
			cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/y\n@daily /bin/y\n# SALT_CRON_IDENTIFIER:/bin/x\n5 * * * * /bin/x\n"},
		{"empty env value", "cron.env_present", "MAILTO", nil, "",
			cronTag + "\nMAILTO=\"\"\n"},
		{"a header crontab(1) wrote is kept", "cron.present", "/bin/x", nil, "# DO NOT EDIT THIS FILE - edit the master and reinstall.\n# (/tmp/tmpk3x9_q installed on Sat Nov 21 03:12:44 2026)\n# (Cron version -- $Id: crontab.c,v 2.13 1994/01/17 03:20:37 vixie Exp $)\n1 2 * * * /bin/mine\n",
			"1 2 * * * /bin/mine\n" + cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n* * * * * /bin/x\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tabs := map[string]string{}
			if c.before != "" {
				tabs["root"] = c.before
			}
			root := cronRoot(t, tabs)
			if r := cronRun(t, root, c.fun, c.cmd, c.args, false); r.Result != True {
				t.Fatalf("%v %q", r.Result, r.Comment)
			}
			// crontab(1)'s header first, so that crontab -l lists the
			// marker line (it skips three leading comment lines).
			got := cronRead(t, root, "root")
			lines := strings.SplitAfterN(got, "\n", 4)
			if len(lines) < 4 || lines[0] != cronHeader+"\n" || !strings.HasPrefix(lines[1], "# (") || !strings.HasPrefix(lines[2], "# (Cron version ") {
				t.Fatalf("crontab lacks crontab(1)'s header:\n%s", got)
			}
			if lines[3] != c.after {
				t.Errorf("crontab:\n%s\nwant:\n%s", strings.TrimSpace(lines[3]), strings.TrimSpace(c.after))
			}
		})
	}
}

func TestSaltFidelityHost7(t *testing.T) {
	files := map[string]string{"etc/hosts": "127.0.0.1 localhost\n10.0.0.9 db # the db\n10.0.0.7 web\n"}
	added := func(ip, name string) map[string]any { return map[string]any{ip: []any{name}} }
	only := func(ip, old, new string) map[string]any {
		return map[string]any{ip: map[string]any{"old": old, "new": new}}
	}
	fidRunAll(t, []fidCase{{
		name:   "host.present: comment on a new address",
		salt:   "present(comment=...), add_host() then set_comment()",
		setup:  fidRoot("host.present", "api", map[string]any{"ip": "10.0.0.5", "comment": "the api"}, files),
		test:   fidW(None, "Host api (10.0.0.5) would be added\nComment for 10.0.0.5 (the api) would be added", map[string]any{"added": added("10.0.0.5", "api"), "comment_added": added("10.0.0.5", "the api")}),
		real:   fidW(True, "Added host api (10.0.0.5)\nSet comment for host 10.0.0.5 (the api)", map[string]any{"added": added("10.0.0.5", "api"), "comment_added": added("10.0.0.5", "the api")}),
		rerun:  fidW(True, "Host api (10.0.0.5) already present", nil),
		retest: fidW(True, "Host api (10.0.0.5) already present", nil),
	}, {
		// The name is there; only the comment differs. Salt's dry run is
		// True with these changes; brine's is None.
		name:   "host.present: comment changed",
		salt:   "present(comment=...), update_comment only",
		setup:  fidRoot("host.present", "db", map[string]any{"ip": "10.0.0.9", "comment": "primary db"}, files),
		test:   fidW(None, "Comment for 10.0.0.9 (primary db) would be added", map[string]any{"comment_added": added("10.0.0.9", "primary db")}),
		real:   fidW(True, "Set comment for host 10.0.0.9 (primary db)", map[string]any{"comment_added": added("10.0.0.9", "primary db")}),
		rerun:  fidW(True, "Host db (10.0.0.9) already present", nil),
		retest: fidW(True, "Host db (10.0.0.9) already present", nil),
	}, {
		name:   "host.present: same comment",
		salt:   "present(comment=...), already present",
		setup:  fidRoot("host.present", "db", map[string]any{"ip": "10.0.0.9", "comment": "the db"}, files),
		test:   fidW(True, "Host db (10.0.0.9) already present", nil),
		real:   fidW(True, "Host db (10.0.0.9) already present", nil),
		retest: fidW(True, "Host db (10.0.0.9) already present", nil),
	}, {
		name:  "host.present: elsewhere, no clean",
		salt:  "present(), the warning of an address not in ip",
		setup: fidRoot("host.present", "web", map[string]any{"ip": "10.0.0.8"}, files),
		test:  fidW(None, "Host web (10.0.0.8) would be added", map[string]any{"added": added("10.0.0.8", "web")}),
		real:  fidW(True, "Added host web (10.0.0.8)", map[string]any{"added": added("10.0.0.8", "web")}),
		rerun: fidW(True, "Host web (10.0.0.8) already present", nil),
	}, {
		// Salt's comments: what is there (in the file's order), then
		// what is added.
		name:   "host.present: several addresses",
		salt:   "present(), the sweep's comments before to_add's",
		setup:  fidRoot("host.present", "db", map[string]any{"ip": []any{"10.0.0.4", "10.0.0.9"}}, files),
		test:   fidW(None, "Host db (10.0.0.9) already present\nHost db (10.0.0.4) would be added", map[string]any{"added": added("10.0.0.4", "db")}),
		real:   fidW(True, "Host db (10.0.0.9) already present\nAdded host db (10.0.0.4)", map[string]any{"added": added("10.0.0.4", "db")}),
		rerun:  fidW(True, "Host db (10.0.0.9) already present\nHost db (10.0.0.4) already present", nil),
		retest: fidW(True, "Host db (10.0.0.9) already present\nHost db (10.0.0.4) already present", nil),
	}, {
		name:   "host.only: names replaced",
		salt:   "only(), set_host()",
		setup:  fidRoot("host.only", "10.0.0.9", map[string]any{"hostnames": []any{"db", "db.lan"}}, files),
		test:   fidW(None, `Would change 10.0.0.9 from "db" to "db db.lan"`, only("10.0.0.9", "db", "db db.lan")),
		real:   fidW(True, `successfully changed 10.0.0.9 from "db" to "db db.lan"`, only("10.0.0.9", "db", "db db.lan")),
		rerun:  fidW(True, `IP address 10.0.0.9 already set to "db db.lan"`, nil),
		retest: fidW(True, `IP address 10.0.0.9 already set to "db db.lan"`, nil),
	}, {
		name:   "host.only: one name as a string, new address",
		salt:   "only(), set_host() appends",
		setup:  fidRoot("host.only", "10.0.0.1", map[string]any{"hostnames": "gw"}, files),
		test:   fidW(None, `Would change 10.0.0.1 from "" to "gw"`, only("10.0.0.1", "", "gw")),
		real:   fidW(True, `successfully changed 10.0.0.1 from "" to "gw"`, only("10.0.0.1", "", "gw")),
		rerun:  fidW(True, `IP address 10.0.0.1 already set to "gw"`, nil),
		retest: fidW(True, `IP address 10.0.0.1 already set to "gw"`, nil),
	}, {
		name:   "host.only: no names removes the address",
		salt:   "only(hostnames=[]), set_host() with an empty alias",
		setup:  fidRoot("host.only", "10.0.0.7", map[string]any{"hostnames": []any{}}, files),
		test:   fidW(None, `Would change 10.0.0.7 from "web" to ""`, only("10.0.0.7", "web", "")),
		real:   fidW(True, `successfully changed 10.0.0.7 from "web" to ""`, only("10.0.0.7", "web", "")),
		rerun:  fidW(True, `IP address 10.0.0.7 already set to ""`, nil),
		retest: fidW(True, `IP address 10.0.0.7 already set to ""`, nil),
	}})
}

// TestSaltFidelityHostFile pins the hosts file a real run leaves: the
// lines brine edits are written as Salt's _write_hosts writes them.
func TestSaltFidelityHostFile(t *testing.T) {
	before := "127.0.0.1 localhost\n\n# infra\n10.0.0.9 db # the db\n10.0.0.9 db2\n10.0.0.7 web\n"
	for _, c := range []struct {
		name, fun, host string
		args            map[string]any
		after           string
	}{
		{"name added to a line", "host.present", "pg", map[string]any{"ip": "10.0.0.7"},
			"127.0.0.1 localhost\n\n# infra\n10.0.0.9 db # the db\n10.0.0.9 db2\n10.0.0.7\t\tweb pg\n"},
		{"new line with a comment", "host.present", "api", map[string]any{"ip": "10.0.0.5", "comment": "the api"},
			before + "10.0.0.5\t\tapi\t\t# the api\n"},
		{"comment changed on the first line only", "host.present", "db2", map[string]any{"ip": "10.0.0.9", "comment": "dbs"},
			"127.0.0.1 localhost\n\n# infra\n10.0.0.9\t\tdb\t\t# dbs\n10.0.0.9 db2\n10.0.0.7 web\n"},
		{"only: first line of the address, the others go", "host.only", "10.0.0.9", map[string]any{"hostnames": []any{"pg"}},
			"127.0.0.1 localhost\n\n# infra\n10.0.0.9\t\tpg\t\t# the db\n10.0.0.7 web\n"},
		{"only: empty removes", "host.only", "10.0.0.9", map[string]any{"hostnames": []any{}},
			"127.0.0.1 localhost\n\n# infra\n10.0.0.7 web\n"},
		{"absent: the last name takes the line", "host.absent", "web", map[string]any{"ip": "10.0.0.7"},
			"127.0.0.1 localhost\n\n# infra\n10.0.0.9 db # the db\n10.0.0.9 db2\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			fileWriteT(t, filepath.Join(root, "etc/hosts"), before)
			if r := sysCall(t, root, c.fun, c.host, c.args, false); r.Result != True {
				t.Fatalf("%v %q", r.Result, r.Comment)
			}
			b, _ := os.ReadFile(filepath.Join(root, "etc/hosts"))
			if string(b) != c.after {
				t.Errorf("hosts = %q\nwant    %q", b, c.after)
			}
		})
	}
}

// fidMountLive runs mount.mounted on MNT (a temporary folder, made when
// mkdir) against a fake host on which MNT shows live (a mountinfo line,
// "" for not mounted), with fstab holding entry. A real run that ran a
// command leaves MNT mounted as after, as the kernel would show it.
func fidMountLive(args map[string]any, live, fstab, after string, mkdir bool) func(t *testing.T) func(bool) Result {
	return func(t *testing.T) func(bool) Result {
		dir := t.TempDir()
		mp := filepath.Join(dir, "mnt")
		if mkdir {
			os.Mkdir(mp, 0o755)
		}
		cfg := filepath.Join(dir, "fstab")
		os.WriteFile(cfg, []byte(strings.ReplaceAll(fstab, "MNT", mp)), 0o644)
		a := map[string]any{"config": cfg}
		for k, v := range args {
			a[k] = v
		}
		root := "28 1 254:1 / / rw - ext4 /dev/vda1 rw\n"
		f := &fakeMounts{info: root + strings.ReplaceAll(live, "MNT", mp)}
		return func(test bool) Result {
			ran := len(f.ran)
			r := mountMountedOn(context.Background(), mountReq("", "mount.mounted", mp, a, test), f.host())
			if !test && len(f.ran) > ran && after != "" {
				f.info = root + strings.ReplaceAll(after, "MNT", mp)
			}
			r.Comment = fidPath(r.Comment, mp)
			for k, v := range r.Changes {
				if s, ok := v.(string); ok {
					r.Changes[k] = fidPath(s, mp)
				}
			}
			return r
		}
	}
}

func TestSaltFidelityMountLive(t *testing.T) {
	tmpfs := func(opts string) map[string]any {
		return map[string]any{"device": "tmpfs", "fstype": "tmpfs", "opts": opts}
	}
	with := func(a map[string]any, k string, v any) map[string]any { a[k] = v; return a }
	live10m := "40 28 0:35 / MNT rw,relatime - tmpfs tmpfs rw,size=10240k\n"
	live20m := "40 28 0:35 / MNT rw,relatime - tmpfs tmpfs rw,size=20480k\n"
	entry := func(opts string) string { return "tmpfs MNT tmpfs " + opts + " 0 0\n" }
	remount := func(opt string) map[string]any {
		return map[string]any{"umount": "Forced remount because options (" + opt + ") changed"}
	}
	fidRunAll(t, []fidCase{{
		// The dry run names the first missing option in Salt's sorted
		// order, as it would show: size=20m is size=20480k.
		name:   "mount.mounted: options changed, remounted",
		salt:   "mounted(), the options loop; mount.remount()",
		setup:  fidMountLive(tmpfs("size=20m"), live10m, entry("size=20m"), live20m, true),
		test:   fidW(None, "Remount would be forced because options (size=20480k) changed", remount("size=20480k")),
		real:   fidW(True, "Target was already mounted. Entry already exists in the fstab.", remount("size=20480k")),
		rerun:  fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
		retest: fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
	}, {
		// Salt's real run remounts once per missing option; its changes
		// name the last one.
		name:  "mount.mounted: two options changed",
		salt:  "mounted(), the options loop",
		setup: fidMountLive(tmpfs("size=20m,noexec"), live10m, entry("size=20m,noexec"), "40 28 0:35 / MNT rw,noexec,relatime - tmpfs tmpfs rw,size=20480k\n", true),
		test:  fidW(None, "Remount would be forced because options (noexec) changed", remount("size=20480k")),
		real:  fidW(True, "Target was already mounted. Entry already exists in the fstab.", remount("size=20480k")),
		rerun: fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
	}, {
		// discard is not shown by tmpfs: without the argument it would
		// force a remount on every run.
		name:   "mount.mounted: extra_mount_invisible_options",
		salt:   "mounted(), mount_invisible_options extended",
		setup:  fidMountLive(with(tmpfs("size=10m,discard"), "extra_mount_invisible_options", []any{"discard"}), live10m, entry("size=10m,discard"), "", true),
		test:   fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
		real:   fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
		retest: fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
	}, {
		name:  "mount.mounted: extra_mount_invisible_keys",
		salt:  "mounted(), mount_invisible_keys extended",
		setup: fidMountLive(with(tmpfs("size=10m,huge_pages=never"), "extra_mount_invisible_keys", []any{"huge_pages"}), live10m, entry("size=10m,huge_pages=never"), "", true),
		test:  fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
		real:  fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
	}, {
		name:  "mount.mounted: hidden_opts as a comma string",
		salt:  "mounted(), hidden_opts.split(',')",
		setup: fidMountLive(with(tmpfs("size=10m,discard,lazytime"), "hidden_opts", "discard,lazytime"), live10m, entry("size=10m,discard,lazytime"), "", true),
		test:  fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
		real:  fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
	}, {
		name:  "mount.mounted: extra_mount_ignore_fs_keys",
		salt:  "mounted(), mount_ignore_fs_keys updated",
		setup: fidMountLive(with(tmpfs("size=20m"), "extra_mount_ignore_fs_keys", map[string]any{"tmpfs": []any{"size"}}), live10m, entry("size=20m"), "", true),
		test:  fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
		real:  fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
	}, {
		// Salt's built-in invisible options (soft, bg …) never remount.
		name:  "mount.mounted: nfs soft,bg,tcp",
		salt:  "mounted(), mount_invisible_options and tcp -> proto=tcp",
		setup: fidMountLive(map[string]any{"device": "srv:/export", "fstype": "nfs", "opts": "soft,bg,tcp"}, "40 28 0:50 / MNT rw,relatime - nfs srv:/export rw,vers=3,proto=tcp\n", "srv:/export MNT nfs soft,bg,tcp 0 0\n", "", true),
		test:  fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
		real:  fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
	}, {
		// nfs is unmounted and mounted again, not remounted.
		name:  "mount.mounted: nfs options changed",
		salt:  "mounted(), fstype in [nfs, cvfs]: umount then mount",
		setup: fidMountLive(map[string]any{"device": "srv:/export", "fstype": "nfs", "opts": "ro"}, "40 28 0:50 / MNT rw,relatime - nfs srv:/export rw,vers=3\n", "srv:/export MNT nfs ro 0 0\n", "40 28 0:50 / MNT ro,relatime - nfs srv:/export rw,vers=3\n", true),
		test:  fidW(None, "Remount would be forced because options (ro) changed", map[string]any{"umount": "Forced unmount and mount because options (ro) changed"}),
		real:  fidW(True, "Target was already mounted. Entry already exists in the fstab.", map[string]any{"umount": "Forced unmount and mount because options (ro) changed"}),
		rerun: fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
	}, {
		name:   "mount.mounted: device_name_regex keeps another device",
		salt:   "mounted(), _device_mismatch_is_ignored",
		setup:  fidMountLive(with(map[string]any{"device": "/dev/vdb1", "fstype": "ext4"}, "device_name_regex", []any{"/dev/vd[bc]"}), "40 28 254:33 / MNT rw,relatime - ext4 /dev/vdc1 rw\n", "/dev/vdb1 MNT ext4 defaults 0 0\n", "", true),
		test:   fidW(True, "An umount will not be forced because device matched device_name_regex: /dev/vdc1. Entry already exists in the fstab.", nil),
		real:   fidW(True, "An umount will not be forced because device matched device_name_regex: /dev/vdc1. Entry already exists in the fstab.", nil),
		retest: fidW(True, "An umount will not be forced because device matched device_name_regex: /dev/vdc1. Entry already exists in the fstab.", nil),
	}, {
		name:  "mount.mounted: another device, no regex",
		salt:  "mounted(), devices do not match",
		setup: fidMountLive(map[string]any{"device": "/dev/vdb1", "fstype": "ext4"}, "40 28 254:33 / MNT rw,relatime - ext4 /dev/vdc1 rw\n", "/dev/vdb1 MNT ext4 defaults 0 0\n", "40 28 254:17 / MNT rw,relatime - ext4 /dev/vdb1 rw\n", true),
		test:  fidW(None, "An umount would have been forced because devices do not match.  Watched: /dev/vdb1", map[string]any{"mount": true, "umount": "Forced unmount because devices don't match. Wanted: /dev/vdb1, current: /dev/vdc1"}),
		real:  fidW(True, "Target was successfully mounted. Entry already exists in the fstab.", map[string]any{"mount": true, "umount": "Forced unmount because devices don't match. Wanted: /dev/vdb1, current: /dev/vdc1"}),
		rerun: fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
	}, {
		// mount: False still makes the mount point when mkmnt asks.
		name:   "mount.mounted: mount False, mkmnt",
		salt:   "mounted(), not mount, mkmnt: file.mkdir",
		setup:  fidMountLive(map[string]any{"device": "tmpfs", "fstype": "tmpfs", "mount": false, "mkmnt": true, "persist": false}, "", "", "", false),
		test:   fidW(None, "MNT would be created, but not mounted", nil),
		real:   fidW(True, "MNT was created, not mounted", nil),
		rerun:  fidW(True, "MNT not mounted", nil),
		retest: fidW(True, "MNT would not be mounted", nil),
	}, {
		name:   "mount.mounted: mount False, no mount point",
		salt:   "mounted(), not mount, not mkmnt",
		setup:  fidMountLive(map[string]any{"device": "tmpfs", "fstype": "tmpfs", "mount": false, "persist": false}, "", "", "", false),
		test:   fidW(True, "MNT does not exist and would neither be created nor mounted", nil),
		real:   fidW(True, "MNT not present and not mounted", nil),
		retest: fidW(True, "MNT does not exist and would neither be created nor mounted", nil),
	}, {
		name:   "mount.mounted: pass_num and dump changed",
		salt:   "mounted(), set_fstab() change",
		setup:  fidMountLive(map[string]any{"device": "/dev/vdb1", "fstype": "ext4", "pass_num": 2, "dump": 1}, "40 28 254:17 / MNT rw,relatime - ext4 /dev/vdb1 rw\n", "/dev/vdb1 MNT ext4 defaults 0 0\n", "", true),
		test:   fidW(None, "Target was already mounted. MNT is mounted, but its fstab entry must be updated.", map[string]any{"persist": "update"}),
		real:   fidW(True, "Target was already mounted. Updated the entry in the fstab.", map[string]any{"persist": "update"}),
		rerun:  fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
		retest: fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
	}, {
		name:   "mount.mounted: persist False",
		salt:   "mounted(), persist False",
		setup:  fidMountLive(map[string]any{"device": "/dev/vdb1", "fstype": "ext4", "persist": false}, "40 28 254:17 / MNT rw,relatime - ext4 /dev/vdb1 rw\n", "", "", true),
		test:   fidW(True, "Target was already mounted", nil),
		real:   fidW(True, "Target was already mounted", nil),
		retest: fidW(True, "Target was already mounted", nil),
	}})
}

func TestSaltFidelityUnmounted7(t *testing.T) {
	unm := func(args map[string]any, live, fstab string) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			dir := t.TempDir()
			mp := filepath.Join(dir, "mnt")
			os.Mkdir(mp, 0o755)
			cfg := filepath.Join(dir, "fstab")
			os.WriteFile(cfg, []byte(strings.ReplaceAll(fstab, "MNT", mp)), 0o644)
			a := map[string]any{"config": cfg}
			for k, v := range args {
				a[k] = v
			}
			f := &fakeMounts{info: "28 1 254:1 / / rw - ext4 /dev/vda1 rw\n" + strings.ReplaceAll(live, "MNT", mp)}
			return func(test bool) Result {
				r := mountUnmountedOn(context.Background(), mountReq("", "mount.unmounted", mp, a, test), f.host())
				r.Comment = strings.ReplaceAll(fidPath(r.Comment, mp), cfg, "FSTAB")
				return r
			}
		}
	}
	fidRunAll(t, []fidCase{{
		name:   "mount.unmounted: fstab entry on another device",
		salt:   "unmounted(persist=True, device=...), fstab_data[name][device] != device",
		setup:  unm(map[string]any{"device": "/dev/vdb1", "persist": true}, "", "/dev/vdc1 MNT ext4 defaults 0 0\n"),
		test:   fidW(True, "Target was already unmounted. fstab entry for device /dev/vdb1 not found", nil),
		real:   fidW(True, "Target was already unmounted. fstab entry for device /dev/vdb1 not found", nil),
		retest: fidW(True, "Target was already unmounted. fstab entry for device /dev/vdb1 not found", nil),
	}, {
		name:   "mount.unmounted: purged",
		salt:   "unmounted(persist=True), rm_fstab()",
		setup:  unm(map[string]any{"persist": true}, "", "/dev/vdc1 MNT ext4 defaults 0 0\n"),
		test:   fidW(None, "Mount point MNT is unmounted but needs to be purged from FSTAB to be made persistent", map[string]any{"persist": "purged"}),
		real:   fidW(True, "Target was already unmounted. Removed target from fstab", map[string]any{"persist": "purged"}),
		rerun:  fidW(True, "Target was already unmounted. fstab entry not found", nil),
		retest: fidW(True, "Target was already unmounted. fstab entry not found", nil),
	}})
}

func TestSaltFidelityKmod7(t *testing.T) {
	live := func(fun, name string, args map[string]any, loaded ...string) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			host, _ := kmodFake(t, loaded...)
			host.modulesDir = t.TempDir()
			fileWriteT(t, filepath.Join(host.modulesDir, "modules.dep"), "kernel/drivers/block/loop.ko.xz:\nkernel/net/bridge/br_netfilter.ko.zst: kernel/net/bridge/bridge.ko.zst\n")
			fileWriteT(t, filepath.Join(host.modulesDir, "modules.builtin"), "kernel/fs/ext4/ext4.ko\nkernel/drivers/tty/vt/vt.ko\n")
			return func(test bool) Result {
				return kmodApply(context.Background(), &Request{ID: name, Name: name, Func: fun, Args: NewArgs(fileCopyArgs(args)), Test: test}, host, fun == "kmod.present")
			}
		}
	}
	fidRunAll(t, []fidCase{{
		name:   "kmod.present: available module loaded",
		salt:   "present(), kmod.available() then kmod.load()",
		setup:  live("kmod.present", "br_netfilter", nil),
		test:   fidW(None, "Kernel module br_netfilter is set to be loaded", map[string]any{"br_netfilter": "loaded"}),
		real:   fidW(True, "Loaded kernel module br_netfilter", map[string]any{"br_netfilter": "loaded"}),
		rerun:  fidW(True, "Kernel module br_netfilter is already present", nil),
		retest: fidW(True, "Kernel module br_netfilter is already present", nil),
	}, {
		// Salt's dry run does not look at kmod.available().
		name:          "kmod.present: unavailable",
		salt:          "present(), unavailable",
		setup:         live("kmod.present", "nosuchmod", nil),
		test:          fidW(None, "Kernel module nosuchmod is set to be loaded", map[string]any{"nosuchmod": "loaded"}),
		real:          fidW(False, "Kernel module nosuchmod is unavailable", nil),
		unforeseeable: true,
	}, {
		name:   "kmod.present: built into the kernel",
		salt:   "present() (Salt's lsmod misses it)",
		setup:  live("kmod.present", "ext4", nil),
		test:   fidW(True, "Kernel module ext4 is already present", nil),
		real:   fidW(True, "Kernel module ext4 is already present", nil),
		retest: fidW(True, "Kernel module ext4 is already present", nil),
	}, {
		name:   "kmod.present: mods, some loaded",
		salt:   "present(mods=[...])",
		setup:  live("kmod.present", "x", map[string]any{"mods": []any{"loop", "br_netfilter"}}, "loop"),
		test:   fidW(None, "Kernel module loop is already present\nKernel module br_netfilter is set to be loaded", map[string]any{"br_netfilter": "loaded"}),
		real:   fidW(True, "Kernel module loop is already present\nLoaded kernel module br_netfilter", map[string]any{"br_netfilter": "loaded"}),
		rerun:  fidW(True, "Kernel modules loop, br_netfilter are already present", nil),
		retest: fidW(True, "Kernel modules loop, br_netfilter are already present", nil),
	}})
}

// The real update-alternatives, with its --root, on a folder.
func TestSaltFidelityAlternatives7(t *testing.T) {
	inst := func(path string, prio int) map[string]any {
		return map[string]any{"link": "/usr/bin/editor", "path": path, "priority": prio}
	}
	group := func(fun string, args map[string]any, then func(root string)) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			root := altRoot(t)
			if r := sysCall(t, root, "alternatives.install", "editor", inst("/usr/bin/nano", 40), false); r.Result != True {
				t.Fatalf("install nano: %+v", r)
			}
			if r := sysCall(t, root, "alternatives.install", "editor", inst("/usr/bin/vim.tiny", 10), false); r.Result != True {
				t.Fatalf("install vim.tiny: %+v", r)
			}
			if then != nil {
				then(root)
			}
			return func(test bool) Result { return sysCall(t, root, fun, "editor", args, test) }
		}
	}
	set := func(path string) func(root string) {
		return func(root string) {
			if r := sysCall(t, root, "alternatives.set", "editor", map[string]any{"path": path}, false); r.Result != True {
				t.Fatalf("set: %+v", r)
			}
		}
	}
	if _, err := exec.LookPath("update-alternatives"); err != nil {
		t.Skip("no update-alternatives")
	}
	fidRunAll(t, []fidCase{{
		name:   "alternatives.remove: the current one, falls back",
		salt:   "remove(), show_current()",
		setup:  group("alternatives.remove", map[string]any{"path": "/usr/bin/nano"}, nil),
		test:   fidW(None, "Alternative for editor will be removed", map[string]any{"path": "/usr/bin/vim.tiny"}),
		real:   fidW(True, "Alternative for editor removed. Falling back to path /usr/bin/vim.tiny", map[string]any{"path": "/usr/bin/vim.tiny"}),
		rerun:  fidW(True, "Alternative for editor is set to it's default path /usr/bin/vim.tiny", nil),
		retest: fidW(True, "Alternative for editor is set to it's default path /usr/bin/vim.tiny", nil),
	}, {
		name:  "alternatives.remove: another one, the choice stays",
		salt:  "remove(), show_current()",
		setup: group("alternatives.remove", map[string]any{"path": "/usr/bin/vim.tiny"}, nil),
		test:  fidW(None, "Alternative for editor will be removed", map[string]any{"path": "/usr/bin/nano"}),
		real:  fidW(True, "Alternative for editor removed. Falling back to path /usr/bin/nano", map[string]any{"path": "/usr/bin/nano"}),
		rerun: fidW(True, "Alternative for editor is set to it's default path /usr/bin/nano", nil),
	}, {
		name: "alternatives.remove: a group that does not exist",
		salt: "remove(), no current",
		setup: func(t *testing.T) func(bool) Result {
			root := altRoot(t)
			return func(test bool) Result {
				return sysCall(t, root, "alternatives.remove", "pager", map[string]any{"path": "/usr/bin/nano"}, test)
			}
		},
		test: fidW(False, "Alternative for pager doesn't exist", nil),
		real: fidW(False, "Alternative for pager doesn't exist", nil),
	}, {
		name:   "alternatives.auto: already",
		salt:   "auto(), display's first line ends ' auto mode'",
		setup:  group("alternatives.auto", nil, nil),
		test:   fidW(True, "editor already in auto mode", nil),
		real:   fidW(True, "editor already in auto mode", nil),
		retest: fidW(True, "editor already in auto mode", nil),
	}, {
		name:          "alternatives.auto: from manual",
		salt:          "auto(), changes {result: alternatives.auto()}",
		setup:         group("alternatives.auto", nil, set("/usr/bin/vim.tiny")),
		test:          fidW(None, "editor will be put in auto mode", nil),
		real:          fidW(True, "", map[string]any{"result": fidAny}),
		rerun:         fidW(True, "editor already in auto mode", nil),
		retest:        fidW(True, "editor already in auto mode", nil),
		unforeseeable: true,
	}})
}

func TestSaltFidelityArchive7(t *testing.T) {
	many := []archMember{{name: "app/", typ: tar.TypeDir}}
	for i := 0; i < 4; i++ {
		many = append(many, archMember{name: fmt.Sprintf("app/f%d", i), body: "x"})
	}
	setup := func(src string, data []byte, args map[string]any, extra map[string]string) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			root := fileTestRoot(t)
			os.MkdirAll(filepath.Join(root, "opt"), 0o755)
			fileWriteT(t, filepath.Join(root, src), string(data))
			for p, c := range extra {
				fileWriteT(t, filepath.Join(root, p), c)
			}
			a := map[string]any{"source": "/" + src}
			for k, v := range args {
				a[k] = v
			}
			return func(test bool) Result { return sysCall(t, root, "archive.extracted", "/opt", a, test) }
		}
	}
	tarMany := archTar(t, "gz", many...)
	all := []any{"app", "app/f0", "app/f1", "app/f2", "app/f3"}
	fidRunAll(t, []fidCase{{
		// Salt's trim_output: True is 100; a number keeps that many.
		name:   "archive.extracted: trim_output",
		salt:   "extracted(trim_output=2)",
		setup:  setup("srv/app.tgz", tarMany, map[string]any{"trim_output": 2}, nil),
		test:   fidW(None, "Archive /srv/app.tgz would be extracted to /opt/, due to absence of one or more files/dirs", map[string]any{"extracted_files": all[:2]}),
		real:   fidW(True, "/srv/app.tgz extracted to /opt/, due to absence of one or more files/dirs. Output was trimmed to 2 number of lines", map[string]any{"extracted_files": all[:2]}),
		rerun:  fidW(True, "All files in archive are already present", nil),
		retest: fidW(True, "All files in archive are already present", nil),
	}, {
		name:  "archive.extracted: trim_output True",
		salt:  "extracted(trim_output=True): 100",
		setup: setup("srv/app.tgz", tarMany, map[string]any{"trim_output": true}, nil),
		real:  fidW(True, "/srv/app.tgz extracted to /opt/, due to absence of one or more files/dirs. Output was trimmed to 100 number of lines", map[string]any{"extracted_files": all}),
	}, {
		name:  "archive.extracted: trim_output not a number",
		salt:  "extracted(), int(trim_output) raises",
		setup: setup("srv/app.tgz", tarMany, map[string]any{"trim_output": "lots"}, nil),
		test:  fidW(False, `argument "trim_output": Invalid value for trim_output, must be True/False or an integer`, nil),
	}, {
		// overwrite with every member present: no "due to" reason.
		name:  "archive.extracted: overwrite",
		salt:  "extracted(overwrite=True), _add_explanation() with nothing missing",
		setup: setup("srv/app.tgz", tarMany, map[string]any{"overwrite": true}, map[string]string{"opt/app/f0": "x", "opt/app/f1": "x", "opt/app/f2": "x", "opt/app/f3": "x"}),
		test:  fidW(None, "Archive /srv/app.tgz would be extracted to /opt/", map[string]any{"extracted_files": all}),
		real:  fidW(True, "/srv/app.tgz extracted to /opt/", map[string]any{"extracted_files": all}),
	}, {
		name:  "archive.extracted: one member missing",
		salt:  "extracted(), contents_missing",
		setup: setup("srv/app.tgz", tarMany, nil, map[string]string{"opt/app/f0": "x", "opt/app/f1": "x", "opt/app/f2": "x"}),
		test:  fidW(None, "Archive /srv/app.tgz would be extracted to /opt/, due to absence of one or more files/dirs", map[string]any{"extracted_files": all}),
		real:  fidW(True, "/srv/app.tgz extracted to /opt/, due to absence of one or more files/dirs", map[string]any{"extracted_files": all}),
		rerun: fidW(True, "All files in archive are already present", nil),
	}, {
		// A fresh extraction is the runner's until Salt's file.directory
		// sets the owner: "updated ownership".
		name:   "archive.extracted: user on a fresh extraction",
		salt:   "extracted(user=...), file.directory(recurse=[user])",
		setup:  setup("srv/app.tgz", tarMany, map[string]any{"user": "alice"}, nil),
		test:   fidW(None, "Archive /srv/app.tgz would be extracted to /opt/, due to absence of one or more files/dirs", map[string]any{"extracted_files": all, "updated ownership": true}),
		real:   fidW(True, "/srv/app.tgz extracted to /opt/, due to absence of one or more files/dirs", map[string]any{"extracted_files": all, "updated ownership": true}),
		rerun:  fidW(True, "All files in archive are already present", nil),
		retest: fidW(True, "All files in archive are already present", nil),
	}, {
		// A zip lists its directories with their slash (zipfile's namelist).
		name:  "archive.extracted: zip names",
		salt:  "extracted(), archive.unzip() namelist",
		setup: setup("srv/app.zip", zipOrdered(t, "app/", "app/a"), nil, nil),
		real:  fidW(True, "/srv/app.zip extracted to /opt/, due to absence of one or more files/dirs", map[string]any{"extracted_files": []any{"app/", "app/a"}}),
	}, {
		name:  "archive.extracted: zip bomb wording",
		salt:  "extracted(), enforce_toplevel with archive_format zip",
		setup: setup("srv/bomb.zip", archZip(t, map[string]string{"a": "x", "b": "y"}), nil, nil),
		test:  fidW(False, "Archive does not have a single top-level directory. To allow this archive to be extracted, set 'enforce_toplevel' to False. To avoid a 'zip-bomb' it may also be advisable to set a top-level directory by adding it to the 'name' value (for example, setting 'name' to /opt/some_dir instead of /opt/).", nil),
	}})
}

// zipOrdered is a zip of the names in order; a name ending in / is a
// directory, the others hold "x".
func zipOrdered(t *testing.T, names ...string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		f, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(n, "/") {
			f.Write([]byte("x"))
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSaltFidelityArchiveClean(t *testing.T) {
	tgz := archTar(t, "gz", archMember{name: "app/", typ: tar.TypeDir}, archMember{name: "app/bin", body: "x"}, archMember{name: "app/conf", body: "y"})
	setup := func(args map[string]any, extra map[string]string, dirs ...string) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			root := fileTestRoot(t)
			fileWriteT(t, filepath.Join(root, "srv/app.tgz"), string(tgz))
			os.MkdirAll(filepath.Join(root, "opt"), 0o755)
			for _, d := range dirs {
				os.MkdirAll(filepath.Join(root, d), 0o755)
			}
			for p, c := range extra {
				fileWriteT(t, filepath.Join(root, p), c)
			}
			a := map[string]any{"source": "/srv/app.tgz"}
			for k, v := range args {
				a[k] = v
			}
			return func(test bool) Result { return sysCall(t, root, "archive.extracted", "/opt", a, test) }
		}
	}
	files := []any{"app", "app/bin", "app/conf"}
	wrongMsg := "The below paths (relative to /opt/) exist, but are the incorrect type (file instead of directory, symlink instead of file, etc.)."
	fidRunAll(t, []fidCase{{
		// A directory where the archive has a file.
		name:  "archive.extracted: incorrect type, no force",
		salt:  "extracted(), incorrect_type without force",
		setup: setup(nil, map[string]string{"opt/app/conf": "y"}, "opt/app/bin"),
		test:  fidW(False, wrongMsg+" To proceed with extraction, set 'force' to True. Note that this will remove these paths before extracting.\n\n- app/bin", nil),
		real:  fidW(False, wrongMsg+" To proceed with extraction, set 'force' to True. Note that this will remove these paths before extracting.\n\n- app/bin", nil),
	}, {
		name:   "archive.extracted: incorrect type, force",
		salt:   "extracted(force=True): rm_rf, changes removed",
		setup:  setup(map[string]any{"force": true}, map[string]string{"opt/app/conf": "y"}, "opt/app/bin"),
		test:   fidW(None, "Archive /srv/app.tgz would be extracted to /opt/", map[string]any{"removed": []any{"/opt/app/bin"}, "extracted_files": files}),
		real:   fidW(True, "/srv/app.tgz extracted to /opt/", map[string]any{"removed": []any{"/opt/app/bin"}, "extracted_files": files}),
		rerun:  fidW(True, "All files in archive are already present", nil),
		retest: fidW(True, "All files in archive are already present", nil),
	}, {
		name:   "archive.extracted: clean",
		salt:   "extracted(clean=True): top-level paths removed first",
		setup:  setup(map[string]any{"clean": true}, map[string]string{"opt/app/bin": "x", "opt/app/stale": "old"}),
		test:   fidW(None, "Archive /srv/app.tgz would be extracted to /opt/, after cleaning destination path(s), due to absence of one or more files/dirs", map[string]any{"removed": []any{"/opt/app/"}, "extracted_files": files}),
		real:   fidW(True, "/srv/app.tgz extracted to /opt/, due to absence of one or more files/dirs", map[string]any{"removed": []any{"/opt/app/"}, "extracted_files": files}),
		rerun:  fidW(True, "All files in archive are already present", nil),
		retest: fidW(True, "All files in archive are already present", nil),
	}, {
		name:  "archive.extracted: clean, incorrect type",
		salt:  "extracted(clean=True), test: 'the destination paths would be cleared'",
		setup: setup(map[string]any{"clean": true}, map[string]string{"opt/app/conf": "y"}, "opt/app/bin"),
		test:  fidW(None, wrongMsg+" Since the 'clean' option is enabled, the destination paths would be cleared and the archive would be extracted.\n\n- app/bin", map[string]any{"removed": []any{"/opt/app/"}, "extracted_files": files}),
		real:  fidW(True, "/srv/app.tgz extracted to /opt/", map[string]any{"removed": []any{"/opt/app/"}, "extracted_files": files}),
		rerun: fidW(True, "All files in archive are already present", nil),
	}, {
		name:  "archive.extracted: clean_parent",
		salt:  "extracted(clean_parent=True): name removed, then made again",
		setup: setup(map[string]any{"clean_parent": true}, map[string]string{"opt/other": "z"}),
		test:  fidW(None, "Archive /srv/app.tgz would be extracted to /opt/, due to absence of one or more files/dirs", map[string]any{"removed": "Directory /opt/ was removed prior to the extraction", "directories_created": []any{"/opt/"}, "extracted_files": files}),
		real:  fidW(True, "/srv/app.tgz extracted to /opt/, due to absence of one or more files/dirs", map[string]any{"removed": "Directory /opt/ was removed prior to the extraction", "directories_created": []any{"/opt/"}, "extracted_files": files}),
		rerun: fidW(True, "All files in archive are already present", nil),
	}, {
		name:  "archive.extracted: clean and clean_parent",
		salt:  "extracted(), both set",
		setup: setup(map[string]any{"clean": true, "clean_parent": true}, nil),
		test:  fidW(False, "Only one of 'clean' and 'clean_parent' can be set to True", nil),
	}})
}

// TestArchiveCleanFiles: what clean and clean_parent leave on disk.
func TestArchiveCleanFiles(t *testing.T) {
	tgz := archTar(t, "gz", archMember{name: "app/", typ: tar.TypeDir}, archMember{name: "app/bin", body: "x"})
	for _, c := range []struct {
		arg        string
		gone, kept []string
	}{
		{"clean", []string{"opt/app/stale"}, []string{"opt/other", "opt/app/bin"}},
		{"clean_parent", []string{"opt/app/stale", "opt/other"}, []string{"opt/app/bin"}},
	} {
		root := fileTestRoot(t)
		fileWriteT(t, filepath.Join(root, "srv/app.tgz"), string(tgz))
		fileWriteT(t, filepath.Join(root, "opt/app/stale"), "old")
		fileWriteT(t, filepath.Join(root, "opt/other"), "z")
		if r := sysCall(t, root, "archive.extracted", "/opt", map[string]any{"source": "/srv/app.tgz", c.arg: true}, false); r.Result != True {
			t.Fatalf("%s: %+v", c.arg, r)
		}
		for _, p := range c.gone {
			if _, err := os.Lstat(filepath.Join(root, p)); err == nil {
				t.Errorf("%s: %s is still there", c.arg, p)
			}
		}
		for _, p := range c.kept {
			if _, err := os.Lstat(filepath.Join(root, p)); err != nil {
				t.Errorf("%s: %s is gone: %v", c.arg, p, err)
			}
		}
	}
}

func TestArchiveCleanParentRoot(t *testing.T) {
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "srv/app.tgz"), string(archTar(t, "gz", archMember{name: "app/bin", body: "x"})))
	r := sysCall(t, root, "archive.extracted", "/", map[string]any{"source": "/srv/app.tgz", "clean_parent": true}, false)
	if r.Result != False || !strings.Contains(r.Comment, `argument "clean_parent"`) {
		t.Errorf("clean_parent on / = %v %q; want a failure naming clean_parent", r.Result, r.Comment)
	}
	if _, err := os.Stat(filepath.Join(root, "srv/app.tgz")); err != nil {
		t.Errorf("the image lost its files: %v", err)
	}
}

// A LABEL= device no device has: Salt's mounted() asks blkid and fails.
func TestSaltFidelityMountLabel(t *testing.T) {
	setup := func(found bool) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			dir := t.TempDir()
			mp := filepath.Join(dir, "mnt")
			os.Mkdir(mp, 0o755)
			cfg := filepath.Join(dir, "fstab")
			os.WriteFile(cfg, []byte("LABEL=brine-nolabel "+mp+" ext4 defaults 0 0\n"), 0o644)
			f := &fakeMounts{info: "28 1 254:1 / / rw - ext4 /dev/vda1 rw\n"}
			h := f.host()
			h.run = func(_ context.Context, argv ...string) error {
				f.ran = append(f.ran, argv)
				if argv[0] == "blkid" && !found {
					return fmt.Errorf("blkid: exit status 2")
				}
				return nil
			}
			args := map[string]any{"device": "LABEL=brine-nolabel", "fstype": "ext4", "config": cfg}
			return func(test bool) Result {
				r := mountMountedOn(context.Background(), mountReq("", "mount.mounted", mp, args, test), h)
				r.Comment = fidPath(r.Comment, mp)
				return r
			}
		}
	}
	fidRunAll(t, []fidCase{{
		name:  "mount.mounted: LABEL= of no device",
		salt:  "mounted(), blkid -t LABEL=… fails",
		setup: setup(false),
		test:  fidW(False, "Unable to find device with label brine-nolabel.", nil),
		real:  fidW(False, "Unable to find device with label brine-nolabel.", nil),
	}, {
		name:  "mount.mounted: LABEL= blkid finds",
		salt:  "mounted(), blkid -t LABEL=… finds it",
		setup: setup(true),
		test:  fidW(None, "MNT would be mounted", map[string]any{"mount": true}),
	}})
}

// A host Salt managed keeps its values in 99-salt.conf, which would
// override 99-brine.conf at boot: brine edits Salt's file then.
func TestSysctlSaltConfigKept(t *testing.T) {
	for _, c := range []struct {
		name, saltConf, want string
	}{
		{"Salt's file there", "vm.swappiness = 60\n", "etc/sysctl.d/99-salt.conf"},
		{"no Salt file", "", "etc/sysctl.d/99-brine.conf"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			fileWriteT(t, filepath.Join(root, "lib/systemd/systemd"), "")
			if c.saltConf != "" {
				fileWriteT(t, filepath.Join(root, "etc/sysctl.d/99-salt.conf"), c.saltConf)
			}
			r := sysctlPresent(context.Background(), sysctlReq(root, "vm.swappiness", map[string]any{"value": 10}, false))
			if r.Result != True {
				t.Fatalf("%v %q", r.Result, r.Comment)
			}
			if b, _ := os.ReadFile(filepath.Join(root, c.want)); !strings.Contains(string(b), "vm.swappiness = 10") {
				t.Errorf("%s = %q; want the value there", c.want, b)
			}
			if c.saltConf != "" {
				if _, err := os.Stat(filepath.Join(root, "etc/sysctl.d/99-brine.conf")); err == nil {
					t.Errorf("99-brine.conf written beside Salt's file")
				}
			}
		})
	}
}

// UTC on a Debian host set to Etc/UTC: Salt's zone_compare() finds the
// same bytes, and changes nothing.
func TestSaltFidelityTimezoneAlias(t *testing.T) {
	setup := func(name string) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			root := tzRoot(t)
			fileWriteT(t, filepath.Join(root, "usr/share/zoneinfo/UTC"), "TZif2 utc")
			fileWriteT(t, filepath.Join(root, "etc/adjtime"), "0.0 0 0.0\n0\nUTC\n")
			return func(test bool) Result { return sysCall(t, root, "timezone.system", name, nil, test) }
		}
	}
	fidRunAll(t, []fidCase{{
		name:   "timezone.system: UTC where Etc/UTC is set",
		salt:   "system(), zone_compare(): filecmp of /etc/localtime",
		setup:  setup("UTC"),
		test:   fidW(True, "Timezone UTC already set, UTC already set to UTC", nil),
		real:   fidW(True, "Timezone UTC already set, UTC already set to UTC", nil),
		retest: fidW(True, "Timezone UTC already set, UTC already set to UTC", nil),
	}, {
		name:  "timezone.system: another zone",
		salt:  "system(), set_zone()",
		setup: setup("Europe/Berlin"),
		test:  fidW(None, "Timezone Europe/Berlin needs to be set", map[string]any{"timezone": "Europe/Berlin"}),
		real:  fidW(True, "Set timezone Europe/Berlin", map[string]any{"timezone": "Europe/Berlin"}),
		rerun: fidW(True, "Timezone Europe/Berlin already set, UTC already set to Europe/Berlin", nil),
	}})
}

func TestMountTagPath7(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"UUID=066E0200-2867-4EBE-B9E6-F30026CA2314", "/dev/disk/by-uuid/066e0200-2867-4ebe-b9e6-f30026ca2314"},
		{`UUID="066e0200-2867-4ebe-b9e6-f30026ca2314"`, "/dev/disk/by-uuid/066e0200-2867-4ebe-b9e6-f30026ca2314"},
		{"uuid=abc", "/dev/disk/by-uuid/abc"},
		{"LABEL=DATA", "/dev/disk/by-label/DATA"},
		{`label="DATA"`, "/dev/disk/by-label/DATA"},
		{"PARTUUID=1-2", "/dev/disk/by-partuuid/1-2"},
		{"/dev/sdb1", "/dev/sdb1"},
	} {
		if got := mountTagPath(c.in); got != c.want {
			t.Errorf("mountTagPath(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}

func TestSaltFidelityArchiveHashUpdate(t *testing.T) {
	v1 := archTar(t, "gz", archMember{name: "app/", typ: tar.TypeDir}, archMember{name: "app/bin", body: "v1"})
	v2 := archTar(t, "gz", archMember{name: "app/", typ: tar.TypeDir}, archMember{name: "app/bin", body: "v2"})
	sumOf := func(b []byte) string { h := sha256.Sum256(b); return "sha256=" + hex.EncodeToString(h[:]) }
	// The first version is extracted (and its checksum recorded), then
	// the source is replaced by the second.
	setup := func(update bool) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			root := fileTestRoot(t)
			os.MkdirAll(filepath.Join(root, "opt"), 0o755)
			fileWriteT(t, filepath.Join(root, "srv/app.tgz"), string(v1))
			args := map[string]any{"source": "/srv/app.tgz", "source_hash": sumOf(v1), "source_hash_update": update}
			if r := sysCall(t, root, "archive.extracted", "/opt", args, false); r.Result != True {
				t.Fatalf("v1: %+v", r)
			}
			fileWriteT(t, filepath.Join(root, "srv/app.tgz"), string(v2))
			args["source_hash"] = sumOf(v2)
			return func(test bool) Result { return sysCall(t, root, "archive.extracted", "/opt", args, test) }
		}
	}
	files := map[string]any{"extracted_files": []any{"app", "app/bin"}}
	fidRunAll(t, []fidCase{{
		name:   "archive.extracted: source_hash_update, new archive",
		salt:   "extracted(source_hash_update=True), source_hash_trigger",
		setup:  setup(true),
		test:   fidW(None, "Archive /srv/app.tgz would be extracted to /opt/, due to source_hash update", files),
		real:   fidW(True, "/srv/app.tgz extracted to /opt/, due to source_hash update", files),
		rerun:  fidW(True, "All files in archive are already present", nil),
		retest: fidW(True, "All files in archive are already present", nil),
	}, {
		name:   "archive.extracted: new archive, no source_hash_update",
		salt:   "extracted(), every member present",
		setup:  setup(false),
		test:   fidW(True, "All files in archive are already present", nil),
		real:   fidW(True, "All files in archive are already present", nil),
		retest: fidW(True, "All files in archive are already present", nil),
	}})
}

// A local source's checksum is checked when it is to be extracted, and
// the source is named by its path (Salt's source_match).
func TestSaltFidelityArchiveLocalHash(t *testing.T) {
	tgz := archTar(t, "gz", archMember{name: "app/", typ: tar.TypeDir}, archMember{name: "app/bin", body: "x"})
	bad := "sha256=" + strings.Repeat("0", 64)
	setup := func(source string, extracted bool) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			root := fileTestRoot(t)
			os.MkdirAll(filepath.Join(root, "opt"), 0o755)
			fileWriteT(t, filepath.Join(root, "srv/app.tgz"), string(tgz))
			if extracted {
				fileWriteT(t, filepath.Join(root, "opt/app/bin"), "x")
			}
			args := map[string]any{"source": source, "source_hash": bad}
			return func(test bool) Result { return sysCall(t, root, "archive.extracted", "/opt", args, test) }
		}
	}
	mismatch := "/srv/app.tgz does not match the desired source_hash " + strings.Repeat("0", 64)
	fidRunAll(t, []fidCase{{
		name:  "archive.extracted: local source, checksum mismatch",
		salt:  "extracted(), file.check_hash() when extraction is needed",
		setup: setup("/srv/app.tgz", false),
		test:  fidW(False, mismatch, nil),
		real:  fidW(False, mismatch, nil),
	}, {
		name:  "archive.extracted: file:// source named by its path",
		salt:  "extracted(), source_match of a local source",
		setup: setup("file:///srv/app.tgz", false),
		test:  fidW(False, mismatch, nil),
	}, {
		name:   "archive.extracted: checksum not checked with nothing to extract",
		salt:   "extracted(), extraction not needed",
		setup:  setup("/srv/app.tgz", true),
		test:   fidW(True, "All files in archive are already present", nil),
		real:   fidW(True, "All files in archive are already present", nil),
		retest: fidW(True, "All files in archive are already present", nil),
	}})
}

// enforce_ownership_on: user and group go on that path and under it
// (files the archive does not hold too), and nowhere else.
func TestArchiveEnforceOwnershipOn(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("chown needs root; the tests run as root")
	}
	tgz := archTar(t, "gz", archMember{name: "app/", typ: tar.TypeDir}, archMember{name: "app/data/", typ: tar.TypeDir},
		archMember{name: "app/data/a", body: "x"}, archMember{name: "app/bin", body: "y"})
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "srv/app.tgz"), string(tgz))
	fileWriteT(t, filepath.Join(root, "opt/app/data/extra"), "mine")
	args := map[string]any{"source": "/srv/app.tgz", "user": "alice", "enforce_ownership_on": "/opt/app/data"}
	dry := sysCall(t, root, "archive.extracted", "/opt", args, true)
	real := sysCall(t, root, "archive.extracted", "/opt", args, false)
	if real.Result != True || real.Changes["updated ownership"] != true || !reflect.DeepEqual(dry.Changes, real.Changes) {
		t.Fatalf("dry %+v\nreal %+v", dry, real)
	}
	for p, want := range map[string]int{"opt/app/data": 1000, "opt/app/data/a": 1000, "opt/app/data/extra": 1000, "opt/app/bin": 0, "opt/app": 0} {
		fi, err := os.Lstat(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		if uid, _ := fileOwnerOf(fi); uid != want {
			t.Errorf("%s owned by %d; want %d", p, uid, want)
		}
	}
	if again := sysCall(t, root, "archive.extracted", "/opt", args, false); again.Result != True || len(again.Changes) != 0 {
		t.Errorf("rerun = %+v", again)
	}
	out := sysCall(t, root, "archive.extracted", "/opt", map[string]any{"source": "/srv/app.tgz", "user": "alice", "enforce_ownership_on": "/srv"}, true)
	if out.Result != False || out.Comment != "Value for 'enforce_ownership_on' must be within /opt/" {
		t.Errorf("outside = %v %q", out.Result, out.Comment)
	}
}

func TestHostOnlyEmptyName(t *testing.T) {
	root := t.TempDir()
	fileWriteT(t, filepath.Join(root, "etc/hosts"), "10.0.0.7 web\n")
	args := map[string]any{"hostnames": []any{"web", " ", "www"}}
	if r := sysCall(t, root, "host.only", "10.0.0.7", args, false); r.Result != True || r.Comment != `successfully changed 10.0.0.7 from "web" to "web www"` {
		t.Fatalf("%v %q", r.Result, r.Comment)
	}
	if r := sysCall(t, root, "host.only", "10.0.0.7", args, false); r.Result != True || len(r.Changes) != 0 {
		t.Errorf("rerun = %v %q %v", r.Result, r.Comment, r.Changes)
	}
}
