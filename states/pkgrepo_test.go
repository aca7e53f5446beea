package states

import (
	"context"
	"encoding/base64"
	"path/filepath"
	"testing"

	"github.com/brine-cm/brine/states/internal/pkgbackend"
)

func TestAptSourceParse(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"deb http://deb.debian.org/debian bookworm main contrib", "deb http://deb.debian.org/debian bookworm main contrib"},
		{"deb [arch=amd64 signed-by=/etc/apt/keyrings/x.gpg] https://r.example/ stable main", "deb [arch=amd64 signed-by=/etc/apt/keyrings/x.gpg] https://r.example/ stable main"},
		{"#deb-src  http://x/ y z # note", "# deb-src http://x/ y z"},
		{"deb [ trusted=yes ] file:/srv/repo ./", "deb [trusted=yes] file:/srv/repo ./"},
	} {
		s, ok := aptParseSource(c.in)
		if !ok || s.line() != c.want {
			t.Errorf("aptParseSource(%q) = %q %v, want %q", c.in, s.line(), ok, c.want)
		}
	}
	for _, bad := range []string{"", "# just a comment", "deb", "rpm http://x y"} {
		if _, ok := aptParseSource(bad); ok {
			t.Errorf("aptParseSource(%q) took it for a source", bad)
		}
	}
	a, _ := aptParseSource("deb http://x/debian/ bookworm main")
	b, _ := aptParseSource("deb [arch=amd64] http://x/debian bookworm contrib")
	if !a.same(b) {
		t.Error("same repository not recognised")
	}
}

func TestPGPDearmor(t *testing.T) {
	raw := []byte{0x99, 0x01, 0x0d, 0x04, 0x65, 0x00, 0xff}
	armored := "-----BEGIN PGP PUBLIC KEY BLOCK-----\nComment: test\n\n" + base64.StdEncoding.EncodeToString(raw) + "\n=abcd\n-----END PGP PUBLIC KEY BLOCK-----\n"
	got, err := pgpDearmor([]byte(armored))
	if err != nil || string(got) != string(raw) {
		t.Errorf("pgpDearmor = %x, %v", got, err)
	}
	if _, err := pgpDearmor([]byte("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAA")); err == nil {
		t.Error("a block without its end was accepted")
	}
}

func TestINIEdit(t *testing.T) {
	in := "# top\n[base]\nname=Base\nbaseurl=http://a/\n\n[extra]\nenabled=0\n"
	lines := iniParse([]byte(in))
	if string(iniRender(lines, []byte(in))) != in {
		t.Fatal("not byte for byte")
	}
	out := iniSet(lines, "base", []string{"baseurl", "gpgcheck"}, map[string]string{"baseurl": "http://b/", "gpgcheck": "1"})
	want := "# top\n[base]\nname=Base\nbaseurl=http://b/\ngpgcheck=1\n\n[extra]\nenabled=0\n"
	if got := string(iniRender(out, []byte(in))); got != want {
		t.Errorf("iniSet = %q\nwant %q", got, want)
	}
	out, ok := iniDropSection(iniParse([]byte(want)), "extra")
	if got := string(iniRender(out, []byte(want))); !ok || got != "# top\n[base]\nname=Base\nbaseurl=http://b/\ngpgcheck=1\n" {
		t.Errorf("iniDropSection = %q", got)
	}
	out = iniSet(iniParse(nil), "new", []string{"name", "baseurl"}, map[string]string{"name": "N", "baseurl": "u"})
	if got := string(iniRender(out, nil)); got != "[new]\nname=N\nbaseurl=u\n" {
		t.Errorf("new section = %q", got)
	}
}

// pkgrepoSetup is a root with a fake package manager that counts refreshes.
func pkgrepoSetup(fun, name string, args map[string]any, files map[string]string, f *pkgFake) func(t *testing.T) func(bool) Result {
	return func(t *testing.T) func(bool) Result {
		root := t.TempDir()
		for p, c := range files {
			fileWriteT(t, filepath.Join(root, p), c)
		}
		return func(test bool) Result {
			env := &Env{Cache: &RunCache{}, Files: fileFakeSource{"salt://keys/repo.asc": "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQENBGUA\n=abcd\n-----END PGP PUBLIC KEY BLOCK-----\n"}}
			env.Cache.Load(pkgCacheKey("backend", root), func() (any, error) { return pkgbackend.Backend(f), nil })
			fn, err := Lookup(fun)
			if err != nil {
				t.Fatal(err)
			}
			return fn(context.Background(), &Request{ID: name, Name: name, Func: fun, Args: NewArgs(fileCopyArgs(args)), Test: test, Root: root, Env: env})
		}
	}
}

func TestSaltFidelityPkgrepo(t *testing.T) {
	line := "deb [signed-by=/etc/apt/keyrings/local.gpg] file:/srv/repo ./"
	deb := map[string]string{"etc/os-release": "ID=debian\n", "etc/apt/sources.list": "deb http://deb.debian.org/debian bookworm main\n"}
	rh := map[string]string{"etc/os-release": "ID=rocky\nID_LIKE=\"rhel centos fedora\"\n", "etc/yum.repos.d/other.repo": "[other]\nbaseurl=http://o/\n"}
	note := pkgrepoTestNote
	// Salt's managed() reports each field of _expand_repo_def that
	// differs, comps as lists, and the line.
	compsCh := map[string]any{
		"comps": map[string]any{"old": []any{"main"}, "new": []any{"main", "contrib"}},
		"line":  map[string]any{"old": "deb http://deb.debian.org/debian bookworm main", "new": "deb http://deb.debian.org/debian bookworm main contrib"},
	}
	signed := "deb [signed-by=/etc/apt/keyrings/new.gpg] http://deb.debian.org/debian bookworm main"
	signedCh := map[string]any{
		"signedby": map[string]any{"old": "", "new": "/etc/apt/keyrings/new.gpg"},
		"line":     map[string]any{"old": "deb http://deb.debian.org/debian bookworm main", "new": signed},
	}
	fidRunAll(t, []fidCase{{
		name:   "pkgrepo.managed: apt, new line and key",
		salt:   "pkgrepo.managed()",
		setup:  pkgrepoSetup("pkgrepo.managed", line, map[string]any{"file": "/etc/apt/sources.list.d/local.list", "key_url": "salt://keys/repo.asc"}, deb, newPkgFake()),
		test:   fidW(None, "Package repo '"+line+"' would be configured."+note, map[string]any{"repo": line}),
		real:   fidW(True, "Configured package repo '"+line+"'", map[string]any{"repo": line}),
		rerun:  fidW(True, "Package repo '"+line+"' already configured", nil),
		retest: fidW(True, "Package repo '"+line+"' already configured", nil),
	}, {
		name:   "pkgrepo.managed: apt, comps changed in place",
		salt:   "pkgrepo.managed()",
		setup:  pkgrepoSetup("pkgrepo.managed", "deb http://deb.debian.org/debian bookworm main", map[string]any{"comps": "main,contrib"}, deb, newPkgFake()),
		test:   fidW(None, "Package repo 'deb http://deb.debian.org/debian bookworm main' would be configured."+note, compsCh),
		real:   fidW(True, "Configured package repo 'deb http://deb.debian.org/debian bookworm main'", compsCh),
		rerun:  fidW(True, "Package repo 'deb http://deb.debian.org/debian bookworm main' already configured", nil),
		retest: fidW(True, "Package repo 'deb http://deb.debian.org/debian bookworm main' already configured", nil),
	}, {
		name:   "pkgrepo.managed: apt, signed-by added",
		salt:   "pkgrepo.managed(), the pre/post comparison of sanitizedkwargs",
		setup:  pkgrepoSetup("pkgrepo.managed", signed, nil, deb, newPkgFake()),
		test:   fidW(None, "Package repo '"+signed+"' would be configured."+note, signedCh),
		real:   fidW(True, "Configured package repo '"+signed+"'", signedCh),
		rerun:  fidW(True, "Package repo '"+signed+"' already configured", nil),
		retest: fidW(True, "Package repo '"+signed+"' already configured", nil),
	}, {
		// Salt compares the line only; brine writes a key that alone
		// differs and says so (deliberate, see pkgrepoManaged's doc).
		name:   "pkgrepo.managed: apt, the key alone missing",
		salt:   "pkgrepo.managed(), already configured in Salt",
		setup:  pkgrepoSetup("pkgrepo.managed", line, map[string]any{"key_url": "salt://keys/repo.asc"}, map[string]string{"etc/os-release": "ID=debian\n", "etc/apt/sources.list.d/local.list": line + "\n"}, newPkgFake()),
		test:   fidW(None, "Package repo '"+line+"' would be configured."+note, map[string]any{"key": "/etc/apt/keyrings/local.gpg"}),
		real:   fidW(True, "Configured package repo '"+line+"'", map[string]any{"key": "/etc/apt/keyrings/local.gpg"}),
		rerun:  fidW(True, "Package repo '"+line+"' already configured", nil),
		retest: fidW(True, "Package repo '"+line+"' already configured", nil),
	}, {
		name:   "pkgrepo.managed: apt, components in another order",
		salt:   "pkgrepo.managed(), sorted(sanitizedsplit[3:]) == sorted(reposplit[3:])",
		setup:  pkgrepoSetup("pkgrepo.managed", "deb http://deb.debian.org/debian bookworm main contrib", nil, map[string]string{"etc/os-release": "ID=debian\n", "etc/apt/sources.list": "deb http://deb.debian.org/debian bookworm contrib main\n"}, newPkgFake()),
		test:   fidW(True, "Package repo 'deb http://deb.debian.org/debian bookworm main contrib' already configured", nil),
		real:   fidW(True, "Package repo 'deb http://deb.debian.org/debian bookworm main contrib' already configured", nil),
		retest: fidW(True, "Package repo 'deb http://deb.debian.org/debian bookworm main contrib' already configured", nil),
	}, {
		// get_repo finds the line in sources.list, whatever file says.
		name:   "pkgrepo.managed: apt, the line in another file",
		salt:   "pkgrepo.managed(), pkg.get_repo()",
		setup:  pkgrepoSetup("pkgrepo.managed", "deb http://deb.debian.org/debian bookworm main", map[string]any{"file": "/etc/apt/sources.list.d/debian.list"}, deb, newPkgFake()),
		test:   fidW(True, "Package repo 'deb http://deb.debian.org/debian bookworm main' already configured", nil),
		real:   fidW(True, "Package repo 'deb http://deb.debian.org/debian bookworm main' already configured", nil),
		retest: fidW(True, "Package repo 'deb http://deb.debian.org/debian bookworm main' already configured", nil),
	}, {
		name:   "pkgrepo.absent: apt",
		salt:   "pkgrepo.absent()",
		setup:  pkgrepoSetup("pkgrepo.absent", "deb http://deb.debian.org/debian bookworm main", nil, deb, newPkgFake()),
		test:   fidW(None, "Package repo 'deb http://deb.debian.org/debian bookworm main' will be removed."+note, map[string]any{"repo": "deb http://deb.debian.org/debian bookworm main"}),
		real:   fidW(True, "Removed repo deb http://deb.debian.org/debian bookworm main", map[string]any{"repo": "deb http://deb.debian.org/debian bookworm main"}),
		rerun:  fidW(True, "Package repo deb http://deb.debian.org/debian bookworm main is absent", nil),
		retest: fidW(True, "Package repo deb http://deb.debian.org/debian bookworm main is absent", nil),
	}, {
		// absent() compares the architectures of the line it finds.
		name:   "pkgrepo.absent: apt, other architectures",
		salt:   "pkgrepo.absent(), _split_repo_str()['architectures']",
		setup:  pkgrepoSetup("pkgrepo.absent", "deb [arch=amd64] http://deb.debian.org/debian bookworm main", nil, deb, newPkgFake()),
		test:   fidW(True, "Package repo deb [arch=amd64] http://deb.debian.org/debian bookworm main is absent", nil),
		real:   fidW(True, "Package repo deb [arch=amd64] http://deb.debian.org/debian bookworm main is absent", nil),
		retest: fidW(True, "Package repo deb [arch=amd64] http://deb.debian.org/debian bookworm main is absent", nil),
	}, {
		name:   "pkgrepo.managed: dnf, new .repo",
		salt:   "pkgrepo.managed()",
		setup:  pkgrepoSetup("pkgrepo.managed", "local", map[string]any{"humanname": "Local", "baseurl": "file:///srv/repo", "gpgcheck": false}, rh, newPkgFake()),
		test:   fidW(None, "Package repo 'local' would be configured."+note, map[string]any{"repo": "local"}),
		real:   fidW(True, "Configured package repo 'local'", map[string]any{"repo": "local"}),
		rerun:  fidW(True, "Package repo 'local' already configured", nil),
		retest: fidW(True, "Package repo 'local' already configured", nil),
	}, {
		name:   "pkgrepo.managed: dnf, changed key",
		salt:   "pkgrepo.managed()",
		setup:  pkgrepoSetup("pkgrepo.managed", "other", map[string]any{"baseurl": "http://n/"}, rh, newPkgFake()),
		test:   fidW(None, "Package repo 'other' would be configured."+note, map[string]any{"baseurl": map[string]any{"old": "http://o/", "new": "http://n/"}}),
		real:   fidW(True, "Configured package repo 'other'", map[string]any{"baseurl": map[string]any{"old": "http://o/", "new": "http://n/"}}),
		rerun:  fidW(True, "Package repo 'other' already configured", nil),
		retest: fidW(True, "Package repo 'other' already configured", nil),
	}, {
		name:   "pkgrepo.absent: dnf",
		salt:   "pkgrepo.absent()",
		setup:  pkgrepoSetup("pkgrepo.absent", "other", nil, rh, newPkgFake()),
		test:   fidW(None, "Package repo 'other' will be removed."+note, map[string]any{"repo": "other"}),
		real:   fidW(True, "Removed repo other", map[string]any{"repo": "other"}),
		rerun:  fidW(True, "Package repo other is absent", nil),
		retest: fidW(True, "Package repo other is absent", nil),
	}})
}

func TestPkgrepoFiles(t *testing.T) {
	f := newPkgFake()
	files := map[string]string{"etc/os-release": "ID=debian\n", "etc/apt/sources.list": "# mine\ndeb http://deb.debian.org/debian bookworm main\n"}
	run := pkgrepoSetup("pkgrepo.managed", "deb http://mirror.local/debian bookworm main", map[string]any{"key_url": "salt://keys/repo.asc"}, files, f)(t)
	if r := run(false); r.Result != True {
		t.Fatal(r)
	}
	if f.calls["Refresh"] != 1 {
		t.Errorf("refreshes = %d, want 1", f.calls["Refresh"])
	}
	if r := run(false); r.Changed() || f.calls["Refresh"] != 1 {
		t.Errorf("rerun changed or refreshed: %+v, %d", r, f.calls["Refresh"])
	}
}
