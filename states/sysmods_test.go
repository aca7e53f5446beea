package states

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sysCall runs a state function through the registry (so arguments are
// checked as declared) on a root folder.
func sysCall(t *testing.T, root, fun, name string, args map[string]any, test bool) Result {
	t.Helper()
	fn, err := Lookup(fun)
	if err != nil {
		t.Fatal(err)
	}
	return fn(context.Background(), &Request{ID: name, Name: name, Func: fun, Args: NewArgs(fileCopyArgs(args)), Test: test, Root: root, Env: &Env{Cache: &RunCache{}}})
}

// fidRoot sets up a root with files and runs fun on it.
func fidRoot(fun, name string, args map[string]any, files map[string]string) func(t *testing.T) func(bool) Result {
	return func(t *testing.T) func(bool) Result {
		root := t.TempDir()
		for p, c := range files {
			fileWriteT(t, filepath.Join(root, p), c)
		}
		return func(test bool) Result { return sysCall(t, root, fun, name, args, test) }
	}
}

// ---- kmod ----

func TestKmodParsers(t *testing.T) {
	got := kmodParseProc([]byte("br_netfilter 32768 0 - Live 0x0\nnf-conntrack 1 2 - Live 0x0\n"))
	if !got["br_netfilter"] || !got["nf_conntrack"] || len(got) != 2 {
		t.Errorf("kmodParseProc = %v", got)
	}
	if l := kmodParseList([]byte("# c\n\nloop\n; x\n dm-crypt opts\n")); !reflect.DeepEqual(l, []string{"loop", "dm_crypt"}) {
		t.Errorf("kmodParseList = %v", l)
	}
	for _, c := range []struct {
		line string
		want bool
	}{{"blacklist ipv6", true}, {"  blacklist   ipv6 ", true}, {"# blacklist ipv6", false}, {"blacklist ipv6x", false}, {"install ipv6 /bin/false", true}, {"install ipv6 /sbin/modprobe foo", false}} {
		if got := kmodBlacklistLine(c.line, "ipv6"); got != c.want {
			t.Errorf("kmodBlacklistLine(%q) = %v", c.line, got)
		}
	}
}

// kmodFake is a running kernel: /proc/modules in a file, modprobe
// changing it.
func kmodFake(t *testing.T, loaded ...string) (kmodHost, *[]string) {
	dir := t.TempDir()
	proc := filepath.Join(dir, "modules")
	write := func(mods []string) {
		var b strings.Builder
		for _, m := range mods {
			b.WriteString(m + " 16384 0 - Live 0x0\n")
		}
		os.WriteFile(proc, []byte(b.String()), 0o644)
	}
	write(loaded)
	var calls []string
	state := append([]string{}, loaded...)
	return kmodHost{procModules: proc, run: func(_ context.Context, _ []string, argv ...string) ([]byte, error) {
		calls = append(calls, strings.Join(argv, " "))
		m := argv[len(argv)-1]
		if argv[1] == "-r" {
			var keep []string
			for _, x := range state {
				if x != m {
					keep = append(keep, x)
				}
			}
			state = keep
		} else {
			state = append(state, m)
		}
		write(state)
		return nil, nil
	}}, &calls
}

func TestSaltFidelityKmod(t *testing.T) {
	live := func(fun, name string, args map[string]any, loaded ...string) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			host, _ := kmodFake(t, loaded...)
			return func(test bool) Result {
				return kmodApply(context.Background(), &Request{ID: name, Name: name, Func: fun, Args: NewArgs(fileCopyArgs(args)), Test: test}, host, fun == "kmod.present")
			}
		}
	}
	fidRunAll(t, []fidCase{{
		name:   "kmod.present: loaded",
		salt:   "kmod.present()",
		setup:  live("kmod.present", "loop", nil),
		test:   fidW(None, "Kernel module loop is set to be loaded", map[string]any{"loop": "loaded"}),
		real:   fidW(True, "Loaded kernel module loop", map[string]any{"loop": "loaded"}),
		rerun:  fidW(True, "Kernel module loop is already present", nil),
		retest: fidW(True, "Kernel module loop is already present", nil),
	}, {
		name:   "kmod.absent: removed",
		salt:   "kmod.absent()",
		setup:  live("kmod.absent", "pcspkr", nil, "pcspkr"),
		test:   fidW(None, "Kernel module pcspkr is set to be removed", map[string]any{"pcspkr": "removed"}),
		real:   fidW(True, "Removed kernel module pcspkr", map[string]any{"pcspkr": "removed"}),
		rerun:  fidW(True, "Kernel module pcspkr is already removed", nil),
		retest: fidW(True, "Kernel module pcspkr is already removed", nil),
	}, {
		name:   "kmod.absent: persist under --root blacklists",
		salt:   "kmod.absent(persist=True)",
		setup:  fidRoot("kmod.absent", "ipv6", map[string]any{"persist": true}, map[string]string{"etc/modules": "# keep\nipv6\nloop\n"}),
		test:   fidW(None, "Kernel module ipv6 is set to be removed", map[string]any{"ipv6": "removed"}),
		real:   fidW(True, "Removed kernel module ipv6", map[string]any{"ipv6": "removed"}),
		rerun:  fidW(True, "Kernel module ipv6 is already removed", nil),
		retest: fidW(True, "Kernel module ipv6 is already removed", nil),
	}, {
		name:  "kmod.present: without persist under --root",
		salt:  "kmod.present()",
		setup: fidRoot("kmod.present", "loop", nil, nil),
		test:  fidW(False, `argument "persist": under --root only the image's files are managed: set persist: True`, nil),
	}})
}

func TestKmodPersistFiles(t *testing.T) {
	root := t.TempDir()
	fileWriteT(t, filepath.Join(root, "etc/modules"), "# /etc/modules\nipv6\nloop\n")
	fileWriteT(t, filepath.Join(root, "etc/modprobe.d/other.conf"), "options loop max_loop=8\n")
	if r := sysCall(t, root, "kmod.absent", "ipv6", map[string]any{"persist": true}, false); r.Result != True {
		t.Fatal(r)
	}
	if got := fileReadT(t, filepath.Join(root, "etc/modules")); got != "# /etc/modules\nloop\n" {
		t.Errorf("/etc/modules = %q", got)
	}
	if got := fileReadT(t, filepath.Join(root, kmodBlacklistFile)); got != "blacklist ipv6\n" {
		t.Errorf("blacklist = %q", got)
	}
	if got := fileReadT(t, filepath.Join(root, "etc/modprobe.d/other.conf")); got != "options loop max_loop=8\n" {
		t.Errorf("other.conf changed: %q", got)
	}
	// A blacklist written by hand (seed 003) is enough.
	root2 := t.TempDir()
	fileWriteT(t, filepath.Join(root2, "etc/modprobe.d/blacklist.conf"), "blacklist ipv6\n")
	if r := sysCall(t, root2, "kmod.absent", "ipv6", map[string]any{"persist": true}, false); r.Result != True || r.Changed() {
		t.Errorf("hand blacklist: %+v", r)
	}
	// present+persist loads it at boot and takes brine's blacklist line away.
	if r := sysCall(t, root, "kmod.present", "ipv6", map[string]any{"persist": true}, false); r.Result != True || !r.Changed() {
		t.Fatal(r)
	}
	if got := fileReadT(t, filepath.Join(root, kmodLoadFile)); got != "ipv6\n" {
		t.Errorf("modules-load.d = %q", got)
	}
	if got := fileReadT(t, filepath.Join(root, kmodBlacklistFile)); got != "" {
		t.Errorf("blacklist after present = %q", got)
	}
}

// ---- host ----

func TestHostsEdit(t *testing.T) {
	in := "127.0.0.1\tlocalhost\n# comment\n10.0.0.1   db  db.lan # the db\n"
	lines := hostsParse([]byte(in))
	if string(hostsRender(lines, []byte(in))) != in {
		t.Fatal("parse/render is not byte for byte")
	}
	lines = hostsAdd(lines, "10.0.0.1", "pg")
	lines = hostsAdd(lines, "10.0.0.2", "web")
	lines = hostsRemove(lines, "127.0.0.1", "localhost")
	want := "# comment\n10.0.0.1\t\tdb db.lan pg\t\t# the db\n10.0.0.2\t\tweb\n"
	if got := string(hostsRender(lines, []byte(in))); got != want {
		t.Errorf("edited = %q, want %q", got, want)
	}
}

func TestSaltFidelityHost(t *testing.T) {
	files := map[string]string{"etc/hosts": "127.0.0.1 localhost\n10.0.0.9 db\n"}
	fidRunAll(t, []fidCase{{
		name:   "host.present: added",
		salt:   "host.present()",
		setup:  fidRoot("host.present", "db", map[string]any{"ip": "10.0.0.5"}, files),
		test:   fidW(None, "Host db (10.0.0.5) would be added", map[string]any{"added": map[string]any{"10.0.0.5": []any{"db"}}}),
		real:   fidW(True, "Added host db (10.0.0.5)", map[string]any{"added": map[string]any{"10.0.0.5": []any{"db"}}}),
		rerun:  fidW(True, "Host db (10.0.0.5) already present", nil),
		retest: fidW(True, "Host db (10.0.0.5) already present", nil),
	}, {
		name:   "host.present: clean",
		salt:   "host.present(clean=True)",
		setup:  fidRoot("host.present", "db", map[string]any{"ip": []any{"10.0.0.5"}, "clean": true}, files),
		test:   fidW(None, "Host db (10.0.0.5) would be added\nHost db (10.0.0.9) would be removed", map[string]any{"added": map[string]any{"10.0.0.5": []any{"db"}}, "removed": map[string]any{"10.0.0.9": []any{"db"}}}),
		real:   fidW(True, "Added host db (10.0.0.5)\nRemoved host db (10.0.0.9)", map[string]any{"added": map[string]any{"10.0.0.5": []any{"db"}}, "removed": map[string]any{"10.0.0.9": []any{"db"}}}),
		rerun:  fidW(True, "Host db (10.0.0.5) already present", nil),
		retest: fidW(True, "Host db (10.0.0.5) already present", nil),
	}, {
		name:   "host.absent: removed",
		salt:   "host.absent()",
		setup:  fidRoot("host.absent", "db", map[string]any{"ip": "10.0.0.9"}, files),
		test:   fidW(None, "Host db (10.0.0.9) needs to be removed", map[string]any{"host": "db"}),
		real:   fidW(True, "Removed host db (10.0.0.9)", map[string]any{"host": "db"}),
		rerun:  fidW(True, "Host db (10.0.0.9) already absent", nil),
		retest: fidW(True, "Host db (10.0.0.9) already absent", nil),
	}, {
		name:  "host.present: bad address",
		salt:  "host.present()",
		setup: fidRoot("host.present", "db", map[string]any{"ip": "10.0.0.300"}, files),
		test:  fidW(False, `argument "ip": Invalid IP Address for db (10.0.0.300)`, nil),
	}})
}

// ---- timezone ----

func tzRoot(t *testing.T) string {
	root := t.TempDir()
	fileWriteT(t, filepath.Join(root, "usr/share/zoneinfo/Europe/Berlin"), "TZif2 berlin")
	fileWriteT(t, filepath.Join(root, "usr/share/zoneinfo/Etc/UTC"), "TZif2 utc")
	fileWriteT(t, filepath.Join(root, "etc/timezone"), "Etc/UTC\n")
	if err := os.Symlink("/usr/share/zoneinfo/Etc/UTC", filepath.Join(root, "etc/localtime")); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestSaltFidelityTimezone(t *testing.T) {
	setup := func(args map[string]any, adjtime string) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			root := tzRoot(t)
			if adjtime != "" {
				fileWriteT(t, filepath.Join(root, "etc/adjtime"), adjtime)
			}
			return func(test bool) Result { return sysCall(t, root, "timezone.system", "Europe/Berlin", args, test) }
		}
	}
	fidRunAll(t, []fidCase{{
		name:   "timezone.system: zone set",
		salt:   "timezone.system()",
		setup:  setup(nil, ""),
		test:   fidW(None, "Timezone Europe/Berlin needs to be set", map[string]any{"timezone": "Europe/Berlin"}),
		real:   fidW(True, "Set timezone Europe/Berlin", map[string]any{"timezone": "Europe/Berlin"}),
		rerun:  fidW(True, "Timezone Europe/Berlin already set, UTC already set to Europe/Berlin", nil),
		retest: fidW(True, "Timezone Europe/Berlin already set, UTC already set to Europe/Berlin", nil),
	}, {
		name:   "timezone.system: zone and clock",
		salt:   "timezone.system(utc=True)",
		setup:  setup(map[string]any{"utc": true}, "0.0 0 0.0\n0\nLOCAL\n"),
		test:   fidW(None, "Timezone Europe/Berlin needs to be set, UTC needs to be set to True", map[string]any{"timezone": "Europe/Berlin", "utc": true}),
		real:   fidW(True, "Set timezone Europe/Berlin, Set UTC to True", map[string]any{"timezone": "Europe/Berlin", "utc": true}),
		rerun:  fidW(True, "Timezone Europe/Berlin already set, UTC already set to Europe/Berlin", nil),
		retest: fidW(True, "Timezone Europe/Berlin already set, UTC already set to Europe/Berlin", nil),
	}})
	root := tzRoot(t)
	sysCall(t, root, "timezone.system", "Europe/Berlin", nil, false)
	if l, _ := os.Readlink(filepath.Join(root, "etc/localtime")); l != "/usr/share/zoneinfo/Europe/Berlin" {
		t.Errorf("localtime -> %q", l)
	}
	if got := fileReadT(t, filepath.Join(root, "etc/timezone")); got != "Europe/Berlin\n" {
		t.Errorf("timezone = %q", got)
	}
	if r := sysCall(t, root, "timezone.system", "Mars/Olympus", nil, false); r.Result != False || !strings.Contains(r.Comment, "Unable to compare desired timezone 'Mars/Olympus'") {
		t.Errorf("unknown zone: %+v", r)
	}
	if r := sysCall(t, root, "timezone.system", "../../../etc/passwd", nil, true); r.Result != False {
		t.Errorf("traversal zone: %+v", r)
	}
}

// ---- locale ----

func TestLocaleText(t *testing.T) {
	for in, want := range map[string]string{"en_US.UTF-8": "en_US.utf8", "de_DE.utf8": "de_DE.utf8", "C": "C", "sr_RS.UTF-8@latin": "sr_RS.utf8@latin"} {
		if got := localeNorm(in); got != want {
			t.Errorf("localeNorm(%q) = %q", in, got)
		}
	}
	gen := "# header\n# en_US.UTF-8 UTF-8\n# de_DE.UTF-8 UTF-8\n"
	got, ch := localeGenEnable([]byte(gen), "de_DE.UTF-8 UTF-8")
	if !ch || string(got) != "# header\n# en_US.UTF-8 UTF-8\nde_DE.UTF-8 UTF-8\n" {
		t.Errorf("enable = %q %v", got, ch)
	}
	if _, ch := localeGenEnable(got, "de_DE.UTF-8 UTF-8"); ch {
		t.Error("enabling twice changed the file")
	}
	if got := localeSetLang([]byte("# x\nLANG=C\nLC_TIME=C\n"), "de_DE.UTF-8"); string(got) != "# x\nLANG=de_DE.UTF-8\nLC_TIME=C\n" {
		t.Errorf("set LANG = %q", got)
	}
	if got := localeDefaultLang([]byte(`LANG="en_US.UTF-8"`)); got != "en_US.UTF-8" {
		t.Errorf("LANG = %q", got)
	}
}

func TestSaltFidelityLocale(t *testing.T) {
	fidRunAll(t, []fidCase{{
		name:   "locale.system: set",
		salt:   "locale.system()",
		setup:  fidRoot("locale.system", "de_DE.UTF-8", nil, map[string]string{"etc/default/locale": "LANG=C.UTF-8\n"}),
		test:   fidW(None, "System locale de_DE.UTF-8 needs to be set", map[string]any{"locale": "de_DE.UTF-8"}),
		real:   fidW(True, "Set system locale de_DE.UTF-8", map[string]any{"locale": "de_DE.UTF-8"}),
		rerun:  fidW(True, "System locale de_DE.UTF-8 already set", nil),
		retest: fidW(True, "System locale de_DE.UTF-8 already set", nil),
	}, {
		name: "locale.present: generated",
		salt: "locale.present()",
		setup: func(t *testing.T) func(bool) Result {
			root := t.TempDir()
			fileWriteT(t, filepath.Join(root, "usr/share/i18n/SUPPORTED"), "de_DE.UTF-8 UTF-8\nde_DE ISO-8859-1\n")
			fileWriteT(t, filepath.Join(root, "etc/locale.gen"), "# de_DE.UTF-8 UTF-8\n")
			var argvs []string
			run := func(_ context.Context, env []string, argv ...string) ([]byte, error) {
				argvs = append(argvs, strings.Join(append(env, argv...), " "))
				if argv[1] == "--list-archive" {
					return []byte("de_DE.utf8\n"), nil
				}
				fileWriteT(t, filepath.Join(root, "usr/lib/locale/locale-archive"), "x")
				want := "I18NPATH=" + filepath.Join(root, "usr/share/i18n") + " localedef --prefix=" + root + " -i de_DE -f UTF-8 de_DE.UTF-8"
				if argvs[len(argvs)-1] != want {
					t.Errorf("localedef argv = %q, want %q", argvs[len(argvs)-1], want)
				}
				return nil, nil
			}
			return func(test bool) Result {
				return localePresentWith(context.Background(), &Request{ID: "de", Name: "de_DE.UTF-8", Func: "locale.present", Args: NewArgs(nil), Test: test, Root: root}, run)
			}
		},
		test:   fidW(None, "Locale de_DE.UTF-8 needs to be generated", map[string]any{"locale": "de_DE.UTF-8"}),
		real:   fidW(True, "Generated locale de_DE.UTF-8", map[string]any{"locale": "de_DE.UTF-8"}),
		rerun:  fidW(True, "Locale de_DE.UTF-8 is already present", nil),
		retest: fidW(True, "Locale de_DE.UTF-8 is already present", nil),
	}})
}

// ---- selinux ----

func TestSaltFidelitySelinux(t *testing.T) {
	fidRunAll(t, []fidCase{{
		name:   "selinux.mode: disabled in an image (seed 002)",
		salt:   "selinux.mode()",
		setup:  fidRoot("selinux.mode", "disabled", nil, map[string]string{"etc/selinux/config": "# c\nSELINUX=enforcing\nSELINUXTYPE=targeted\n"}),
		test:   fidW(None, "SELinux mode is set to be changed to Disabled", map[string]any{"old": "Enforcing", "new": "Disabled"}),
		real:   fidW(True, "SELinux has been set to Disabled mode", map[string]any{"old": "Enforcing", "new": "Disabled"}),
		rerun:  fidW(True, "SELinux is already in Disabled mode", nil),
		retest: fidW(True, "SELinux is already in Disabled mode", nil),
	}, {
		name:  "selinux.mode: bad mode",
		salt:  "selinux.mode()",
		setup: fidRoot("selinux.mode", "sideways", nil, nil),
		test:  fidW(False, "sideways is not an accepted mode", nil),
	}, {
		name: "selinux.mode: live permissive",
		salt: "selinux.mode()",
		setup: func(t *testing.T) func(bool) Result {
			root := t.TempDir()
			sel := filepath.Join(root, "selinuxfs")
			fileWriteT(t, filepath.Join(sel, "enforce"), "1")
			fileWriteT(t, filepath.Join(root, "etc/selinux/config"), "SELINUX=enforcing\n")
			return func(test bool) Result {
				r := &Request{ID: "p", Name: "permissive", Func: "selinux.mode", Args: NewArgs(nil), Test: test, Root: root}
				return selinuxModeWith(context.Background(), r, selinuxHost{fs: sel, imageIsLive: true})
			}
		},
		test:   fidW(None, "SELinux mode is set to be changed to Permissive", map[string]any{"old": "Enforcing", "new": "Permissive"}),
		real:   fidW(True, "SELinux has been set to Permissive mode", map[string]any{"old": "Enforcing", "new": "Permissive"}),
		rerun:  fidW(True, "SELinux is already in Permissive mode", nil),
		retest: fidW(True, "SELinux is already in Permissive mode", nil),
	}, {
		name: "selinux.boolean: persist",
		salt: "selinux.boolean(persist=True)",
		setup: func(t *testing.T) func(bool) Result {
			state := [2]string{"off", "off"}
			run := func(_ context.Context, _ []string, argv ...string) ([]byte, error) {
				if argv[0] == "semanage" {
					return []byte("httpd_can_network_connect      (" + state[0] + "  ,  " + state[1] + ")  Allow httpd to can network connect\n"), nil
				}
				if !reflect.DeepEqual(argv, []string{"setsebool", "-P", "httpd_can_network_connect", "on"}) {
					t.Errorf("argv %v", argv)
				}
				state = [2]string{"on", "on"}
				return nil, nil
			}
			return func(test bool) Result {
				r := &Request{ID: "b", Name: "httpd_can_network_connect", Func: "selinux.boolean", Args: NewArgs(map[string]any{"value": "True", "persist": true}), Test: test}
				return selinuxBooleanWith(context.Background(), r, selinuxHost{run: run})
			}
		},
		test:   fidW(None, "Boolean httpd_can_network_connect is set to be changed to on", map[string]any{"State": map[string]any{"old": "off", "new": "on"}, "Default": map[string]any{"old": "off", "new": "on"}}),
		real:   fidW(True, "Boolean httpd_can_network_connect has been set to on", map[string]any{"State": map[string]any{"old": "off", "new": "on"}, "Default": map[string]any{"old": "off", "new": "on"}}),
		rerun:  fidW(True, "Boolean is in the correct state", nil),
		retest: fidW(True, "Boolean is in the correct state", nil),
	}})
}
