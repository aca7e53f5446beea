package exec

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/sls/jinja"
	"github.com/brine-cm/brine/states"
)

// Salt's cmd.run (salt/modules/cmdmod.py) runs _run(stderr=subprocess.STDOUT)
// and only logs a non-zero exit: templates get both streams, in the order
// written, and no error.
func TestRunTemplateCmd(t *testing.T) {
	ctx := context.Background()
	r, err := runTemplateCmd(ctx, "/bin/sh", "echo a; echo warn >&2; echo b; exit 4", true, true)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stdout != "a\nwarn\nb\n" || r.Stderr != "" || r.Retcode != 4 || r.Pid == 0 {
		t.Errorf("merged = %+v; want stdout a,warn,b, retcode 4", r)
	}
	r, err = runTemplateCmd(ctx, "/bin/sh", "echo a; echo warn >&2; exit 4", false, true)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stdout != "a\n" || r.Stderr != "warn\n" || r.Retcode != 4 {
		t.Errorf("apart = %+v; want stdout a, stderr warn, retcode 4", r)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := runTemplateCmd(cctx, "/bin/sh", "true", true, true); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled job: err = %v; want %v", err, context.Canceled)
	}
	// A template's cmd.run has no shell unless python_shell says so, as
	// Salt's (no job id): the words are the program's, $VARS and pipes
	// are text; and the locale is C.
	r, err = runTemplateCmd(ctx, "/bin/sh", "echo $HOME | cat 'a b'", true, false)
	if err != nil || r.Stdout != "$HOME | cat a b\n" {
		t.Errorf("no shell = %+v, %v; want the words echoed", r, err)
	}
	r, err = runTemplateCmd(ctx, "/bin/sh", "echo $LC_MESSAGES", true, true)
	if err != nil || r.Stdout != "C\n" {
		t.Errorf("locale = %+v, %v; want C", r, err)
	}
	// Without a shell, a program not on PATH is Salt's raised error,
	// which fails the render, not the shell's words on stderr.
	var ce *CommandError
	r, err = runTemplateCmd(ctx, "/bin/sh", "no-such-program-here --x", true, false)
	if !errors.As(err, &ce) || ce.Msg != "Unable to run command '['no-such-program-here', '--x']', reason: [Errno 2] No such file or directory: 'no-such-program-here'" {
		t.Errorf("a missing program without a shell = %+v, %v; want Salt's CommandExecutionError", r, err)
	}
	if r, err = runTemplateCmd(ctx, "/bin/sh", "no-such-program-here --x", true, true); err != nil || r.Retcode != 127 {
		t.Errorf("a missing program in a shell = %+v, %v; want the shell's 127", r, err)
	}
}

// opts holds the minion options formulas read (config_dir, cachedir,
// file_roots, pillar_roots, id, renderer, test…), the run's own where it
// knows them.
func TestTemplateOpts(t *testing.T) {
	h := &Host{ID: "web1.example.org", Files: &fileroot.Source{Roots: fileroot.Roots{"base": {"/srv/tree"}}},
		Opts: map[string]any{"pillar_roots": map[string]any{"base": []any{"/srv/p"}}}}
	vars := templateVars(context.Background(), h, "base", true)
	src := `{{ opts.id }} {{ opts.renderer }} {{ opts.config_dir }} {{ opts.cachedir }} ` +
		`{{ opts.file_roots.base[0] }} {{ opts.pillar_roots['base'] | join(',') }} {{ opts.test }} {{ opts.saltenv }}`
	got, err := jinja.Render("t", []byte(src), vars, jinja.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "web1.example.org jinja|yaml /etc/brine /var/cache/brine/minion /srv/tree /srv/p True base"
	if got != want {
		t.Errorf("opts = %q; want %q", got, want)
	}
}

// Templates call the host's read-only execution functions (service.*,
// pkg.list_pkgs…) through the same code as a job: values as JSON carries
// them, a failure is the render's error, and nothing that changes the
// host is offered.
func TestTemplateExec(t *testing.T) {
	h := testHost(t)
	f := newInitFake(true)
	h.Sys = &SysHooks{InitSystem: func(context.Context) (states.InitSystem, error) { return f, nil }}
	vars := templateVars(context.Background(), h, "base", false)
	src := "{{ salt['service.available']('cron') }} {{ salt['service.available']('nope') }} {{ salt['service.status']('ssh') }} {{ salt['service.get_all']() | join(',') }} {{ salt['service.status']('*r*') | dictsort }}"
	got, err := jinja.Render("t", []byte(src), vars, jinja.Options{})
	if want := "True False True broke,cron,ssh [('broke', False), ('cron', False)]"; err != nil || got != want {
		t.Errorf("render = %q, %v; want %q", got, err, want)
	}
	// Salt's module reads these too: templates may call them.
	src = "{{ salt['service.missing']('nope') }} {{ salt['service.disabled']('cron') }} {{ salt['service.get_enabled']() | join(',') }} {{ salt['service.get_static']() | join(',') }}"
	if got, err := jinja.Render("t", []byte(src), vars, jinja.Options{}); err != nil || got != "True True getty@,legacy,ssh,ssh.socket dbus" {
		t.Errorf("render = %q, %v", got, err)
	}
	if _, err := jinja.Render("t", []byte("{{ salt['service.status']('-x') }}"), vars, jinja.Options{}); err == nil {
		t.Errorf("a bad service name rendered")
	}
	// A failure names its function once, whether or not its message did.
	for _, c := range []struct{ src, want string }{
		{"{{ salt['file.find']('/', grepp='x') }}", `file.find: argument "grepp": unknown argument; did you mean grep?`},
		{"{{ salt['file.find']('/', size='x') }}", `file.find: argument "size": invalid size: "x"`},
	} {
		_, err := jinja.Render("t", []byte(c.src), vars, jinja.Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Count(err.Error(), c.want[:strings.Index(c.want, ":")+1]) != 1 {
			t.Errorf("%s: %v; want one %q", c.src, err, c.want)
		}
	}
	for _, fun := range []string{"service.start", "pkg.install", "file.remove"} {
		if _, err := jinja.Render("t", []byte("{{ salt['"+fun+"']('cron') }}"), vars, jinja.Options{}); err == nil {
			t.Errorf("%s is offered to templates", fun)
		}
		if _, err := templateExec(context.Background(), h, fun, []any{"cron"}, nil); err == nil {
			t.Errorf("templateExec ran %s", fun)
		}
	}
	if len(f.calls) != 0 {
		t.Errorf("the init system was asked to act: %q", f.calls)
	}
	// The host's facts: mounts, filesystems, memory, uptime, kernel
	// parameters, as formulas read them to size a service.
	src = "{{ '/' in salt['mount.active']() }} {{ salt['disk.usage']() is mapping }} {{ salt['status.meminfo']().MemTotal.unit }} " +
		"{{ salt['status.uptime']().seconds > 0 }} {{ salt['status.loadavg']()['1-min'] is number }} {{ salt['sysctl.get']('kernel.ostype') }}"
	got, err = jinja.Render("t", []byte(src), templateVars(context.Background(), &Host{}, "base", false), jinja.Options{})
	if want := "True True kB True True Linux"; err != nil || got != want {
		t.Errorf("render = %q, %v; want %q", got, err, want)
	}
	// What formulas check before they act: a link's target, a user's
	// groups, a package's version (failhard=False for one not there).
	dir := t.TempDir()
	if err := os.Symlink("/opt/app-1.2", filepath.Join(dir, "current")); err != nil {
		t.Fatal(err)
	}
	src = "{{ salt['file.readlink']('" + dir + "/current') }} {{ salt['user.list_groups']('no-such-user') }} " +
		"{{ salt['pkg.info_installed']('no-such-package-x', failhard=False) }} {{ salt['user.getent']() is sequence }}"
	got, err = jinja.Render("t", []byte(src), templateVars(context.Background(), &Host{}, "base", false), jinja.Options{})
	if want := "/opt/app-1.2 [] {} True"; err != nil || got != want {
		t.Errorf("render = %q, %v; want %q", got, err, want)
	}
	// More that only read, as public trees call them while rendering:
	// a {gid: group} map from group.getent, a file's owner ids, the
	// login shells, the first tool found, an echo.
	src = "{{ salt['group.getent']() | selectattr('name', 'equalto', 'root') | map(attribute='gid') | list }} " +
		"{{ salt['file.get_uid']('/') }} {{ salt['file.get_gid']('/') }} {{ salt['cmd.shells']() is sequence }} " +
		"{{ salt['cmd.which_bin'](['no-such-tool-x', 'sh']) is string }} {{ salt['test.echo']('hi') }} " +
		"{{ salt['network.hwaddr']('lo') }}"
	got, err = jinja.Render("t", []byte(src), templateVars(context.Background(), &Host{}, "base", false), jinja.Options{})
	if want := "[0] 0 0 True True hi 00:00:00:00:00:00"; err != nil || got != want {
		t.Errorf("render = %q, %v; want %q", got, err, want)
	}
	// dnsutil.A reaches the resolver (or dig) from a template.
	oldDig, oldResolve := dnsDig, dnsResolve
	defer func() { dnsDig, dnsResolve = oldDig, oldResolve }()
	dnsDig = func(context.Context, []string) (string, int, bool, error) { return "", 0, false, nil }
	dnsResolve = func(context.Context, string, string) ([]net.IP, error) { return []net.IP{net.ParseIP("10.9.8.7")}, nil }
	got, err = jinja.Render("t", []byte("{{ salt['dnsutil.A']('db.example')[0] }}"), templateVars(context.Background(), &Host{}, "base", false), jinja.Options{})
	if err != nil || got != "10.9.8.7" {
		t.Errorf("dnsutil.A in a template = %q, %v", got, err)
	}
}
