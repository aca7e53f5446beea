package states

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestGitParseLsRemote(t *testing.T) {
	out := "aaa\tHEAD\naaa\trefs/heads/main\nbbb\trefs/heads/dev\nccc\trefs/tags/v1\nddd\trefs/tags/v1^{}\n"
	refs := gitParseLsRemote(out)
	for _, c := range []struct{ rev, id, loc string }{
		{"HEAD", "aaa", "remote HEAD"}, {"dev", "bbb", "origin/dev"}, {"v1", "ddd", "tag v1"},
		{strings.Repeat("e", 40), strings.Repeat("e", 40), strings.Repeat("e", 40)}, {"nope", "", "nope"},
	} {
		id, loc, _ := gitRemoteRev(refs, "origin", c.rev)
		if id != c.id || loc != c.loc {
			t.Errorf("gitRemoteRev(%q) = %q %q, want %q %q", c.rev, id, loc, c.id, c.loc)
		}
	}
}

// gitT runs git for a test fixture.
func gitT(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// gitFixture makes a bare repository with two commits on main and a tag
// v1 on the first, and returns its path and the two commit ids.
func gitFixture(t *testing.T) (bare, first, second string) {
	t.Helper()
	dir := t.TempDir()
	work := filepath.Join(dir, "work")
	bare = filepath.Join(dir, "repo.git")
	gitT(t, dir, "init", "-q", work)
	os.WriteFile(filepath.Join(work, "f"), []byte("1\n"), 0o644)
	gitT(t, work, "add", "f")
	gitT(t, work, "commit", "-q", "-m", "one")
	gitT(t, work, "tag", "v1")
	first = gitT(t, work, "rev-parse", "HEAD")
	os.WriteFile(filepath.Join(work, "f"), []byte("2\n"), 0o644)
	gitT(t, work, "commit", "-q", "-am", "two")
	second = gitT(t, work, "rev-parse", "HEAD")
	gitT(t, dir, "clone", "-q", "--bare", work, bare)
	return bare, first, second
}

func TestSaltFidelityGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed (the CI installs it): ", err)
	}
	bare, first, second := gitFixture(t)
	clone := func(args map[string]any) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			root := t.TempDir()
			return func(test bool) Result { return sysCall(t, root, "git.latest", bare, args, test) }
		}
	}
	update := func(t *testing.T) func(bool) Result {
		root := t.TempDir()
		sysCall(t, root, "git.latest", bare, map[string]any{"target": "/srv/app", "rev": "v1"}, false)
		return func(test bool) Result {
			return sysCall(t, root, "git.latest", bare, map[string]any{"target": "/srv/app", "rev": "main"}, test)
		}
	}
	fidRunAll(t, []fidCase{{
		name:   "git.latest: cloned",
		salt:   "git.latest(), the clone branch",
		setup:  clone(map[string]any{"target": "/srv/app"}),
		test:   fidW(None, "Repository "+bare+" would be cloned to /srv/app", map[string]any{"new": bare + " => /srv/app", "revision": map[string]any{"old": nil, "new": second}}),
		real:   fidW(True, bare+" cloned to /srv/app", map[string]any{"new": bare + " => /srv/app", "revision": map[string]any{"old": nil, "new": second}}),
		rerun:  fidW(True, "Repository /srv/app is up-to-date", nil),
		retest: fidW(True, "Repository /srv/app is up-to-date", nil),
	}, {
		name:   "git.latest: cloned at a tag, shallow",
		salt:   "git.latest(rev=tag, depth=1)",
		setup:  clone(map[string]any{"target": "/srv/app", "rev": "v1", "depth": 1}),
		test:   fidW(None, "Repository "+bare+" would be cloned to /srv/app", map[string]any{"new": bare + " => /srv/app", "revision": map[string]any{"old": nil, "new": first}}),
		real:   fidW(True, bare+" cloned to /srv/app", map[string]any{"new": bare + " => /srv/app", "revision": map[string]any{"old": nil, "new": first}}),
		rerun:  fidW(True, "Repository /srv/app is up-to-date", nil),
		retest: fidW(True, "Repository /srv/app is up-to-date", nil),
	}, {
		name:   "git.latest: fast-forwarded",
		salt:   "git.latest(), the update branch",
		setup:  update,
		test:   fidW(None, "Repository would be fast-forwarded from "+first[:7]+" to "+second[:7], map[string]any{"revision": map[string]any{"old": first, "new": second}}),
		real:   fidW(True, "Repository was fast-forwarded to origin/main", map[string]any{"revision": map[string]any{"old": first, "new": second}}),
		rerun:  fidW(True, "Repository /srv/app is up-to-date", nil),
		retest: fidW(True, "Repository /srv/app is up-to-date", nil),
	}})
	// Local changes stop an update unless force_reset.
	root := t.TempDir()
	sysCall(t, root, "git.latest", bare, map[string]any{"target": "/srv/app", "rev": "v1"}, false)
	os.WriteFile(filepath.Join(root, "srv/app/f"), []byte("mine\n"), 0o644)
	if r := sysCall(t, root, "git.latest", bare, map[string]any{"target": "/srv/app"}, false); r.Result != False || !strings.Contains(r.Comment, "force_reset") {
		t.Errorf("dirty update = %+v", r)
	}
	if r := sysCall(t, root, "git.latest", bare, map[string]any{"target": "/srv/app", "force_reset": true}, false); r.Result != True || !strings.Contains(r.Comment, "Local changes were discarded") {
		t.Errorf("forced = %+v", r)
	}
	if got := fileReadT(t, filepath.Join(root, "srv/app/f")); got != "2\n" {
		t.Errorf("f = %q", got)
	}
	if r := sysCall(t, root, "git.latest", bare, map[string]any{"target": "/srv/app", "rev": "nope"}, true); r.Result != False {
		t.Errorf("unknown rev = %+v", r)
	}
}
