package states

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The second half of salt_fidelity_test.go: the states that act on the
// system (services, packages, mounts, sysctl, authorized_keys), run
// against the same fakes their own tests use. The phases share the fake,
// so a real run leaves it as the host would be.

func TestSaltFidelityService(t *testing.T) {
	svc := func(fun, name string, args map[string]any) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			f := newServiceFake(true)
			return func(test bool) Result { return serviceCall(t, f, fun, name, test, args) }
		}
	}
	watch := func(fun, name string, args map[string]any) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			f := newServiceFake(true)
			return func(test bool) Result { return serviceWatch(t, f, fun, name, test, args) }
		}
	}
	fidRunAll(t, []fidCase{{
		name:  "service mod_watch: restarted",
		salt:  "mod_watch(sfun=running)",
		setup: watch("service.running", "nginx", nil),
		test:  fidW(None, "Service is set to be restarted", map[string]any{"nginx": true}),
		real:  fidW(True, "Service restarted", map[string]any{"nginx": true}),
	}, {
		name:  "service mod_watch: reloaded",
		salt:  "mod_watch(sfun=running, reload=True)",
		setup: watch("service.running", "nginx", map[string]any{"reload": true}),
		test:  fidW(None, "Service is set to be reloaded", map[string]any{"nginx": true}),
		real:  fidW(True, "Service reloaded", map[string]any{"nginx": true}),
	}, {
		name:  "service mod_watch: started",
		salt:  "mod_watch(sfun=running)",
		setup: watch("service.running", "atd", nil),
		test:  fidW(None, "Service is set to be started", map[string]any{"atd": true}),
		real:  fidW(True, "Service started", map[string]any{"atd": true}),
	}, {
		name:  "service mod_watch: dead, already stopped",
		salt:  "mod_watch(sfun=dead)",
		setup: watch("service.dead", "atd", nil),
		test:  fidW(True, "Service is already stopped", nil),
		real:  fidW(True, "Service is already stopped", nil),
	}, {
		name:   "service.running: started",
		salt:   "running()",
		setup:  svc("service.running", "atd", nil),
		test:   fidW(None, "Service atd is set to start", map[string]any{"atd": true}),
		real:   fidW(True, "Started service atd", map[string]any{"atd": true}),
		rerun:  fidW(True, "The service atd is already running", nil),
		retest: fidW(True, "The service atd is already running", nil),
	}, {
		// _enable(name, started=True) replaces the comment of running().
		name:   "service.running: started and enabled",
		salt:   "running() then _enable()",
		setup:  svc("service.running", "atd", map[string]any{"enable": true}),
		test:   fidW(None, "Service atd is set to start", map[string]any{"atd": true}),
		real:   fidW(True, "Service atd has been enabled, and is running", map[string]any{"atd": true}),
		rerun:  fidW(True, "The service atd is already running", nil),
		retest: fidW(True, "The service atd is already running", nil),
	}, {
		name:  "service.running: not available",
		salt:  "running(), _available()",
		setup: svc("service.running", "ghost", nil),
		test:  fidW(None, "Service ghost not present; if created in this state run, it would have been started", nil),
		real:  fidW(False, "The named service ghost is not available", nil),
	}, {
		// dead() records the state after the stop: False.
		name:   "service.dead: stopped",
		salt:   "dead()",
		setup:  svc("service.dead", "nginx", nil),
		test:   fidW(None, "Service nginx is set to be killed", map[string]any{"nginx": false}),
		real:   fidW(True, "Service nginx was killed", map[string]any{"nginx": false}),
		rerun:  fidW(True, "The service nginx is already dead", nil),
		retest: fidW(True, "The service nginx is already dead", nil),
	}, {
		name:  "service.dead: not available",
		salt:  "dead(), _available()",
		setup: svc("service.dead", "ghost", nil),
		test:  fidW(None, "Service ghost not present; if created in this state run, it would have been stopped", nil),
		real:  fidW(True, "The named service ghost is not available", nil),
	}, {
		name:   "service.enabled: enabled",
		salt:   "enabled(), _enable(started=None)",
		setup:  svc("service.enabled", "atd", nil),
		test:   fidW(None, "Service atd set to be enabled", map[string]any{"atd": true}),
		real:   fidW(True, "Service atd has been enabled, and is in the desired state", map[string]any{"atd": true}),
		rerun:  fidW(True, "Service atd is already enabled, and is in the desired state", nil),
		retest: fidW(True, "Service atd is already enabled, and is in the desired state", nil),
	}, {
		name:   "service.disabled: disabled",
		salt:   "disabled(), _disable(started=None)",
		setup:  svc("service.disabled", "nginx", nil),
		test:   fidW(None, "Service nginx set to be disabled", map[string]any{"nginx": true}),
		real:   fidW(True, "Service nginx has been disabled, and is in the desired state", map[string]any{"nginx": true}),
		rerun:  fidW(True, "Service nginx is already disabled, and is in the desired state", nil),
		retest: fidW(True, "Service nginx is already disabled, and is in the desired state", nil),
	}, {
		name:  "service.masked: masked",
		salt:  "masked()",
		setup: svc("service.masked", "atd", nil),
		test:  fidW(None, "Service atd would be masked", map[string]any{"masked": map[string]any{"old": false, "new": true}}),
		real:  fidW(True, "Service atd was masked", map[string]any{"masked": map[string]any{"old": false, "new": true}}),
		rerun: fidW(True, "Service atd is already masked", nil),
	}, {
		name:  "service.unmasked: unmasked",
		salt:  "unmasked()",
		setup: svc("service.unmasked", "gone", nil),
		test:  fidW(None, "Service gone would be unmasked", map[string]any{"masked": map[string]any{"old": true, "new": false}}),
		real:  fidW(True, "Service gone was unmasked", map[string]any{"masked": map[string]any{"old": true, "new": false}}),
		rerun: fidW(True, "Service gone was already unmasked", nil),
	}})
}

// TestSaltFidelityServiceSystemd: the cases where Salt's states follow
// systemd's own answers (is-enabled of static units, systemctl's errors,
// the two kinds of mask).
func TestSaltFidelityServiceSystemd(t *testing.T) {
	svc := func(fun, name string, args map[string]any) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			f := newServiceFake(true)
			return func(test bool) Result { return serviceCall(t, f, fun, name, test, args) }
		}
	}
	watch := func(fun, name string, args map[string]any) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			f := newServiceFake(true)
			return func(test bool) Result { return serviceWatch(t, f, fun, name, test, args) }
		}
	}
	rtMasked := func(old, new bool) map[string]any {
		return map[string]any{"runtime masked": map[string]any{"old": old, "new": new}}
	}
	fidRunAll(t, []fidCase{{
		// is-enabled exits 0 for a static unit: Salt's _enable() finds it
		// enabled already.
		name:   "service.running: static unit, enable: True",
		salt:   "running(), _enable(started=True)",
		setup:  svc("service.running", "static", map[string]any{"enable": true}),
		test:   fidW(None, "Service static is set to start", map[string]any{"static": true}),
		real:   fidW(True, "Service static is already enabled, and is running", map[string]any{"static": true}),
		rerun:  fidW(True, "The service static is already running", nil),
		retest: fidW(True, "The service static is already running", nil),
	}, {
		name:   "service.enabled: static unit",
		salt:   "enabled(), _enable(started=None)",
		setup:  svc("service.enabled", "static", nil),
		test:   fidW(True, "Service static is already enabled, and is in the desired state", nil),
		real:   fidW(True, "Service static is already enabled, and is in the desired state", nil),
		rerun:  fidW(True, "Service static is already enabled, and is in the desired state", nil),
		retest: fidW(True, "Service static is already enabled, and is in the desired state", nil),
	}, {
		// systemctl disable of a static unit succeeds and changes nothing:
		// Salt says so each run, with no changes.
		name:   "service.disabled: static unit",
		salt:   "disabled(), _disable(started=None)",
		setup:  svc("service.disabled", "static", nil),
		test:   fidW(None, "Service static set to be disabled", nil),
		real:   fidW(True, "Service static has been disabled, and is in the desired state", nil),
		rerun:  fidW(True, "Service static has been disabled, and is in the desired state", nil),
		retest: fidW(None, "Service static set to be disabled", nil),
	}, {
		// Salt does not look for masks before it starts: systemctl's error
		// is the comment.
		name:          "service.running: masked, no unmask",
		salt:          "running(), systemd start() raises",
		setup:         svc("service.running", "gone", nil),
		test:          fidW(None, "Service gone is set to start", map[string]any{"gone": true}),
		real:          fidW(False, "Failed to start gone.service: Unit gone.service is masked.", nil),
		unforeseeable: true,
	}, {
		name:   "service.running: unmask on a unit not masked",
		salt:   "running(), unmasked()",
		setup:  svc("service.running", "atd", map[string]any{"unmask": true}),
		test:   fidW(None, "Service atd is set to start\nService atd was already unmasked", map[string]any{"atd": true}),
		real:   fidW(True, "Started service atd\nService atd was already unmasked", map[string]any{"atd": true}),
		rerun:  fidW(True, "The service atd is already running\nService atd was already unmasked", nil),
		retest: fidW(True, "The service atd is already running\nService atd was already unmasked", nil),
	}, {
		name:  "service.running: unmask_runtime on a runtime mask",
		salt:  "running(), unmasked(runtime=True), start(unmask_runtime=True)",
		setup: svc("service.running", "brief", map[string]any{"unmask": true, "unmask_runtime": true}),
		test:  fidW(None, "Service brief is set to start\nService brief would be runtime unmasked", map[string]any{"brief": true}),
		real:  fidW(True, "Started service brief\nService brief was runtime unmasked", map[string]any{"brief": true}),
		rerun: fidW(True, "The service brief is already running\nService brief was already runtime unmasked", nil),
	}, {
		name:  "service.running: enabled is a typo",
		salt:  "running(), _enabled_used_error()",
		setup: svc("service.running", "atd", map[string]any{"enabled": true}),
		test:  fidW(False, `Service atd uses non-existent option "enabled".  Perhaps "enable" option was intended?`, nil),
		real:  fidW(False, `Service atd uses non-existent option "enabled".  Perhaps "enable" option was intended?`, nil),
	}, {
		name:   "service.running: running, enable: False",
		salt:   "running(), _disable(started=None)",
		setup:  svc("service.running", "nginx", map[string]any{"enable": false}),
		test:   fidW(None, "Service nginx set to be disabled", map[string]any{"nginx": true}),
		real:   fidW(True, "Service nginx has been disabled, and is in the desired state", map[string]any{"nginx": true}),
		rerun:  fidW(True, "The service nginx is already running", nil),
		retest: fidW(True, "The service nginx is already running", nil),
	}, {
		name:   "service.dead: stopped and disabled",
		salt:   "dead(), _disable(started=False)",
		setup:  svc("service.dead", "nginx", map[string]any{"enable": false}),
		test:   fidW(None, "Service nginx is set to be killed", map[string]any{"nginx": true}),
		real:   fidW(True, "Service nginx has been disabled, and is dead", map[string]any{"nginx": true}),
		rerun:  fidW(True, "The service nginx is already dead", nil),
		retest: fidW(True, "The service nginx is already dead", nil),
	}, {
		name:   "service.masked: runtime",
		salt:   "masked(runtime=True)",
		setup:  svc("service.masked", "atd", map[string]any{"runtime": true}),
		test:   fidW(None, "Service atd would be runtime masked", rtMasked(false, true)),
		real:   fidW(True, "Service atd was runtime masked", rtMasked(false, true)),
		rerun:  fidW(True, "Service atd is already runtime masked", nil),
		retest: fidW(True, "Service atd is already runtime masked", nil),
	}, {
		// Each mask is its own: a runtime mask is not the indefinite one.
		name:  "service.masked: runtime-masked unit",
		salt:  "masked()",
		setup: svc("service.masked", "brief", nil),
		test:  fidW(None, "Service brief would be masked", map[string]any{"masked": map[string]any{"old": false, "new": true}}),
		real:  fidW(True, "Service brief was masked", map[string]any{"masked": map[string]any{"old": false, "new": true}}),
		rerun: fidW(True, "Service brief is already masked", nil),
	}, {
		name:  "service.unmasked: runtime-masked unit",
		salt:  "unmasked()",
		setup: svc("service.unmasked", "brief", nil),
		test:  fidW(True, "Service brief was already unmasked", nil),
		real:  fidW(True, "Service brief was already unmasked", nil),
	}, {
		name:  "service.unmasked: runtime",
		salt:  "unmasked(runtime=True)",
		setup: svc("service.unmasked", "brief", map[string]any{"runtime": true}),
		test:  fidW(None, "Service brief would be runtime unmasked", rtMasked(true, false)),
		real:  fidW(True, "Service brief was runtime unmasked", rtMasked(true, false)),
		rerun: fidW(True, "Service brief was already runtime unmasked", nil),
	}, {
		name:          "service.enabled: masked unit",
		salt:          "enabled(), _enable(): enable() raises",
		setup:         svc("service.enabled", "gone", nil),
		test:          fidW(None, "Service gone set to be enabled", map[string]any{"gone": true}),
		real:          fidW(False, "Failed when setting service gone to start at boot, but the service was already running. Additional information follows:\n\nFailed to enable unit: Unit file /etc/systemd/system/gone.service is masked.", nil),
		unforeseeable: true,
	}, {
		// Salt's _enable() passes unmask on to the module's enable().
		name:   "service.enabled: masked unit, unmask: True",
		salt:   "enabled(), _enable(), enable(unmask=True)",
		setup:  svc("service.enabled", "gone", map[string]any{"unmask": true}),
		test:   fidW(None, "Service gone set to be enabled", map[string]any{"gone": true}),
		real:   fidW(True, "Service gone has been enabled, and is in the desired state", map[string]any{"gone": true}),
		rerun:  fidW(True, "Service gone is already enabled, and is in the desired state", nil),
		retest: fidW(True, "Service gone is already enabled, and is in the desired state", nil),
	}, {
		name:  "service mod_watch: force-reloaded",
		salt:  "mod_watch(sfun=running, reload=True, force=True)",
		setup: watch("service.running", "nginx", map[string]any{"reload": true, "force": true}),
		test:  fidW(None, "Service is set to be forcefully reloaded", map[string]any{"nginx": true}),
		real:  fidW(True, "Service forcefully reloaded", map[string]any{"nginx": true}),
	}, {
		name:  "service mod_watch: full_restart is a restart on systemd",
		salt:  "mod_watch(sfun=running, full_restart=True)",
		setup: watch("service.running", "nginx", map[string]any{"full_restart": true}),
		test:  fidW(None, "Service is set to be restarted", map[string]any{"nginx": true}),
		real:  fidW(True, "Service restarted", map[string]any{"nginx": true}),
	}, {
		name:  "service mod_watch: dead, running",
		salt:  "mod_watch(sfun=dead)",
		setup: watch("service.dead", "nginx", nil),
		test:  fidW(None, "Service is set to be stopped", map[string]any{"nginx": true}),
		real:  fidW(True, "Service stopped", map[string]any{"nginx": true}),
	}, {
		name:          "service mod_watch: not there",
		salt:          "mod_watch(sfun=running): start() raises",
		setup:         watch("service.running", "ghost", nil),
		test:          fidW(None, "Service is set to be started", map[string]any{"ghost": true}),
		real:          fidW(False, "Failed to start ghost.service: Unit ghost.service not found.", nil),
		unforeseeable: true,
	}})
}

func TestSaltFidelitySysctl(t *testing.T) {
	key := "net.ipv4.ip_forward"
	sys := func(live, config string) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			dir := t.TempDir()
			p := filepath.Join(dir, "proc/net/ipv4/ip_forward")
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, []byte(live+"\n"), 0o644)
			cfg := filepath.Join(dir, "sysctl.conf")
			if config != "" {
				os.WriteFile(cfg, []byte(config), 0o644)
			}
			args := map[string]any{"value": 1, "config": cfg}
			return func(test bool) Result {
				return sysctlApply(context.Background(), sysctlReq("", key, args, test), sysctlHost{procDir: filepath.Join(dir, "proc")})
			}
		}
	}
	set := map[string]any{key: "1"}
	fidRunAll(t, []fidCase{{
		// Salt's dry run has no changes; brine's has the real run's.
		name:   "sysctl.present: set",
		salt:   "present()",
		setup:  sys("0", ""),
		test:   fidW(None, "Sysctl option net.ipv4.ip_forward set to be changed to 1", set),
		real:   fidW(True, "Updated sysctl value net.ipv4.ip_forward = 1", set),
		rerun:  fidW(True, "Sysctl value net.ipv4.ip_forward = 1 is already set", nil),
		retest: fidW(True, "Sysctl value net.ipv4.ip_forward = 1 is already set", nil),
	}, {
		name:  "sysctl.present: live but not persisted",
		salt:  "present(), test branch",
		setup: sys("1", ""),
		test:  fidW(None, "Sysctl value is currently set on the running system but not in a config file. Sysctl option net.ipv4.ip_forward set to be changed to 1 in config file.", set),
		real:  fidW(True, "Updated sysctl value net.ipv4.ip_forward = 1", set),
	}, {
		name:  "sysctl.present: persisted with another value",
		salt:  "present(), test branch",
		setup: sys("0", "net.ipv4.ip_forward = 0\n"),
		test:  fidW(None, "Sysctl option net.ipv4.ip_forward would be changed to 1", set),
	}})
}

func TestSaltFidelityMount(t *testing.T) {
	mnt := func(args map[string]any, mounted bool) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			dir := t.TempDir()
			mp := filepath.Join(dir, "mnt")
			os.Mkdir(mp, 0o755)
			fstab := filepath.Join(dir, "fstab")
			os.WriteFile(fstab, []byte("# keep\n"), 0o644)
			a := map[string]any{"device": "tmpfs", "fstype": "tmpfs", "opts": "size=10m", "config": fstab}
			for k, v := range args {
				a[k] = v
			}
			unmounted := "28 1 254:1 / / rw - ext4 /dev/vda1 rw\n"
			f := &fakeMounts{info: unmounted}
			if mounted {
				f.info += "40 28 0:35 / " + mp + " rw,relatime - tmpfs tmpfs rw,size=10240k\n"
			}
			return func(test bool) Result {
				r := mountMountedOn(context.Background(), mountReq("", "mount.mounted", mp, a, test), f.host())
				if !test && len(f.ran) > 0 {
					f.info = unmounted + "40 28 0:35 / " + mp + " rw,relatime - tmpfs tmpfs rw,size=10240k\n"
				}
				r.Comment = fidPath(r.Comment, mp)
				return r
			}
		}
	}
	fidRunAll(t, []fidCase{{
		// Under test Salt says only what it would do to the mount.
		name:   "mount.mounted: mounted and persisted",
		salt:   "mounted()",
		setup:  mnt(nil, false),
		test:   fidW(None, "MNT would be mounted", map[string]any{"mount": true, "persist": "new"}),
		real:   fidW(True, "Target was successfully mounted. Added new entry to the fstab.", map[string]any{"mount": true, "persist": "new"}),
		rerun:  fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
		retest: fidW(True, "Target was already mounted. Entry already exists in the fstab.", nil),
	}, {
		name:  "mount.mounted: mounted, not persisted",
		salt:  "mounted(), the persist test branch",
		setup: mnt(nil, true),
		test:  fidW(None, "Target was already mounted. MNT is mounted, but needs to be written to the fstab in order to be made persistent.", map[string]any{"persist": "new"}),
		real:  fidW(True, "Target was already mounted. Added new entry to the fstab.", map[string]any{"persist": "new"}),
	}, {
		name:  "mount.mounted: mount False",
		salt:  "mounted(), mount=False",
		setup: mnt(map[string]any{"mount": false}, false),
		test:  fidW(None, "MNT would not be mounted. MNT needs to be written to the fstab in order to be made persistent.", map[string]any{"persist": "new"}),
		real:  fidW(True, "MNT not mounted. Added new entry to the fstab.", map[string]any{"persist": "new"}),
	}})
}

// Under --root the mounts are not read: a dry run never says a target is
// mounted or unmounted, which it did not look at (Salt has no --root; the
// wording is Salt's with the claim about the mount left out).
func TestSaltFidelityMountRoot(t *testing.T) {
	rooted := func(fn string, args map[string]any, fstab string) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			root := t.TempDir()
			os.MkdirAll(filepath.Join(root, "etc"), 0o755)
			os.WriteFile(filepath.Join(root, "etc/fstab"), []byte(fstab), 0o644)
			f := &fakeMounts{}
			h := f.host()
			h.mountinfo = func() ([]byte, error) { t.Fatal("--root read the host's mounts"); return nil, nil }
			return func(test bool) Result {
				if fn == "mount.unmounted" {
					return mountUnmountedOn(context.Background(), mountReq(root, fn, "/srv", args, test), h)
				}
				return mountMountedOn(context.Background(), mountReq(root, fn, "/srv", args, test), h)
			}
		}
	}
	dev := map[string]any{"device": "/dev/sdb1", "fstype": "ext4"}
	fidRunAll(t, []fidCase{{
		name:   "mount.mounted under --root: new entry",
		salt:   "mounted(), the persist test branch (\"is mounted\" left out)",
		setup:  rooted("mount.mounted", dev, "# keep\n"),
		test:   fidW(None, "/srv is not mounted: with --root only the fstab is written. /srv needs to be written to the fstab in order to be made persistent.", map[string]any{"persist": "new"}),
		real:   fidW(True, "/srv is not mounted: with --root only the fstab is written. Added new entry to the fstab.", map[string]any{"persist": "new"}),
		rerun:  fidW(True, "/srv is not mounted: with --root only the fstab is written. Entry already exists in the fstab.", nil),
		retest: fidW(True, "/srv is not mounted: with --root only the fstab is written. Entry already exists in the fstab.", nil),
	}, {
		name:  "mount.mounted under --root: entry updated",
		salt:  "mounted(), the persist test branch (\"is mounted\" left out)",
		setup: rooted("mount.mounted", dev, "/dev/sdb1 /srv ext3 defaults 0 0\n"),
		test:  fidW(None, "/srv is not mounted: with --root only the fstab is written. The /srv fstab entry must be updated.", map[string]any{"persist": "update"}),
	}, {
		name:   "mount.unmounted under --root: not persisted",
		salt:   "unmounted() (never \"Target was already unmounted\" for mounts not read)",
		setup:  rooted("mount.unmounted", nil, "/dev/sdb1 /srv ext4 defaults 0 0\n"),
		test:   fidW(True, "/srv is not unmounted: with --root only the fstab is written", nil),
		real:   fidW(True, "/srv is not unmounted: with --root only the fstab is written", nil),
		retest: fidW(True, "/srv is not unmounted: with --root only the fstab is written", nil),
	}, {
		name:   "mount.unmounted under --root: purged",
		salt:   "unmounted(), the persist test branch (\"is unmounted but\" left out)",
		setup:  rooted("mount.unmounted", map[string]any{"persist": true}, "/dev/sdb1 /srv ext4 defaults 0 0\n"),
		test:   fidW(None, "Mount point /srv needs to be purged from /etc/fstab to be made persistent", map[string]any{"persist": "purged"}),
		real:   fidW(True, "/srv is not unmounted: with --root only the fstab is written. Removed target from fstab", map[string]any{"persist": "purged"}),
		rerun:  fidW(True, "/srv is not unmounted: with --root only the fstab is written. fstab entry not found", nil),
		retest: fidW(True, "/srv is not unmounted: with --root only the fstab is written. fstab entry not found", nil),
	}})
}

func TestSaltFidelityFstab(t *testing.T) {
	fst := func(fn string, args map[string]any, content string) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			root := t.TempDir()
			os.MkdirAll(filepath.Join(root, "etc"), 0o755)
			os.WriteFile(filepath.Join(root, "etc/fstab"), []byte(content), 0o644)
			run := mountFstabPresent
			if fn == "mount.fstab_absent" {
				run = mountFstabAbsent
			}
			return func(test bool) Result { return run(context.Background(), mountReq(root, fn, "/dev/sdb1", args, test)) }
		}
	}
	present := map[string]any{"fs_file": "/srv", "fs_vfstype": "ext4"}
	fidRunAll(t, []fidCase{{
		// Salt's dry run is None even with nothing to do; brine's is True.
		name:   "mount.fstab_present: added",
		salt:   "fstab_present()",
		setup:  fst("mount.fstab_present", present, "# keep\n"),
		test:   fidW(None, "/srv entry will be written in /etc/fstab.", map[string]any{"persist": "new"}),
		real:   fidW(True, "/srv entry added in /etc/fstab.", map[string]any{"persist": "new"}),
		rerun:  fidW(True, "/srv entry was already in /etc/fstab.", nil),
		retest: fidW(True, "/srv entry is already in /etc/fstab.", nil),
	}, {
		name:   "mount.fstab_absent: removed",
		salt:   "fstab_absent()",
		setup:  fst("mount.fstab_absent", map[string]any{"fs_file": "/srv"}, "/dev/sdb1 /srv ext4 defaults 0 0\n"),
		test:   fidW(None, "/srv entry will be removed from /etc/fstab.", map[string]any{"persist": "removed"}),
		real:   fidW(True, "/srv entry removed from /etc/fstab.", map[string]any{"persist": "removed"}),
		rerun:  fidW(True, "/srv entry is already missing in /etc/fstab.", nil),
		retest: fidW(True, "/srv entry is already missing in /etc/fstab.", nil),
	}})
}

// fidPath writes a temporary mount point as MNT, so tables can name it.
func fidPath(s, p string) string { return strings.ReplaceAll(s, p, "MNT") }

func TestSaltFidelitySSHAuth(t *testing.T) {
	ssh := func(fn string, args map[string]any, existing string) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			root := sshRoot(t)
			if existing != "" {
				p := filepath.Join(root, "home/alice/.ssh/authorized_keys")
				os.MkdirAll(filepath.Dir(p), 0o700)
				os.WriteFile(p, []byte(existing), 0o600)
			}
			run := sshAuthPresent
			if fn == "ssh_auth.absent" {
				run = sshAuthAbsent
			}
			return func(test bool) Result { return run(context.Background(), sshReq(root, fn, sshK1Blob, args, test)) }
		}
	}
	args := map[string]any{"user": "alice", "enc": "ssh-ed25519", "comment": "alice@laptop"}
	line := "ssh-ed25519 " + sshK1Blob + " alice@laptop\n"
	fidRunAll(t, []fidCase{{
		name:   "ssh_auth.present: added",
		salt:   "present(), _present_test()",
		setup:  ssh("ssh_auth.present", args, ""),
		test:   fidW(None, "Key "+sshK1Blob+" for user alice is set to be added", map[string]any{sshK1Blob: "New"}),
		real:   fidW(True, "The authorized host key "+sshK1Blob+" for user alice was added", map[string]any{sshK1Blob: "New"}),
		rerun:  fidW(True, "The authorized host key "+sshK1Blob+" is already present for user alice", nil),
		retest: fidW(True, "The authorized host key "+sshK1Blob+" is already present for user alice", nil),
	}, {
		name:  "ssh_auth.present: updated",
		salt:  "present(), _present_test()",
		setup: ssh("ssh_auth.present", args, "ssh-ed25519 "+sshK1Blob+" old@comment\n"),
		test:  fidW(None, "Key "+sshK1Blob+" for user alice is set to be updated", map[string]any{sshK1Blob: "Updated"}),
		real:  fidW(True, "The authorized host key "+sshK1Blob+" for user alice was updated", map[string]any{sshK1Blob: "Updated"}),
	}, {
		name:   "ssh_auth.absent: removed",
		salt:   "absent(), _absent_test(); modules/ssh.py rm_auth_key()",
		setup:  ssh("ssh_auth.absent", map[string]any{"user": "alice", "enc": "ssh-ed25519"}, line),
		test:   fidW(None, "Key "+sshK1Blob+" for user alice is set for removal", map[string]any{sshK1Blob: "Removed"}),
		real:   fidW(True, "Key removed", map[string]any{sshK1Blob: "Removed"}),
		rerun:  fidW(True, "Key not present", nil),
		retest: fidW(True, "Key is already absent", nil),
	}})
}
