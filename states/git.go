package states

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

func init() {
	Register("git.latest", gitLatest,
		Param{Name: "name", Type: String, Doc: "the repository's URL (or a path of a local repository)."},
		Param{Name: "target", Type: Path, Required: true, Doc: "the directory of the working copy."},
		Param{Name: "rev", Type: String, Default: "HEAD", Doc: "what to check out: the remote's HEAD, a branch, a tag or a commit id."},
		Param{Name: "remote", Type: String, Default: "origin", Doc: "the name of the remote."},
		Param{Name: "force_reset", Type: Bool, Default: false, Doc: "hard-reset when the update is not a fast-forward or the working copy has local changes (which are lost)."},
		Param{Name: "depth", Type: Int, Doc: "a shallow clone (and fetch) of this many commits."},
		Param{Name: "user", Type: String, Doc: "run git as this user (looked up in the root's passwd); the working copy is then theirs."},
		Param{Name: "identity", Type: Path, Doc: "the SSH private key git's ssh uses."},
		Param{Name: "fetch_tags", Type: Bool, Default: true, Doc: "accepted for Salt."},
		saltKwargs,
	)
}

// gitSHA is a full commit id.
var gitSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// gitRun runs git as argv for one state: as its user, with its identity,
// and with the working copy trusted whoever owns it.
type gitRun struct {
	env  []string
	cred *syscall.Credential
}

// newGitRun runs git as user (with that user's HOME) when one is given,
// over ssh with the identity file when one is given.
func newGitRun(req *Request, identity, user string) (gitRun, error) {
	g := gitRun{}
	if identity != "" {
		g.env = append(g.env, "GIT_SSH_COMMAND=ssh -i "+strconv.Quote(identity)+" -o IdentitiesOnly=yes -o BatchMode=yes")
	}
	if user != "" {
		db, err := fileUserDB(req)
		if err != nil {
			return g, err
		}
		u, err := db.User(user)
		if err != nil {
			return g, &ArgError{Arg: "user", Err: fmt.Errorf("no user %q", user)}
		}
		g.cred = &syscall.Credential{Uid: uint32(u.UID), Gid: uint32(u.GID)}
		g.env = append(g.env, "HOME="+u.Home)
	}
	return g, nil
}

func (g gitRun) run(ctx context.Context, dir string, args ...string) (string, error) {
	argv := append([]string{"git", "-c", "safe.directory=*"}, args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "LC_ALL=C", "GIT_TERMINAL_PROMPT=0"), g.env...)
	if g.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: g.cred}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), &CmdError{Argv: argv, Err: err, Stderr: errb.String()}
	}
	return strings.TrimSpace(out.String()), nil
}

// gitParseLsRemote reads `git ls-remote` output into ref → id; a peeled
// tag (refs/tags/v1^{}) records the commit under the tag's name.
func gitParseLsRemote(out string) map[string]string {
	refs := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		id, ref, ok := strings.Cut(strings.TrimSpace(l), "\t")
		if !ok {
			continue
		}
		if base, peeled := strings.CutSuffix(ref, "^{}"); peeled {
			refs[base] = id // the commit wins over the tag object
			continue
		}
		if _, seen := refs[ref]; !seen {
			refs[ref] = id
		}
	}
	return refs
}

// gitRemoteRev finds the commit rev names on the remote, and how Salt
// names it in comments ("remote HEAD", "origin/main", "tag v1").
func gitRemoteRev(refs map[string]string, remote, rev string) (id, loc, kind string) {
	switch {
	case rev == "HEAD":
		return refs["HEAD"], "remote HEAD", "branch"
	case refs["refs/heads/"+rev] != "":
		return refs["refs/heads/"+rev], remote + "/" + rev, "branch"
	case refs["refs/tags/"+rev] != "":
		return refs["refs/tags/"+rev], "tag " + rev, "tag"
	case gitSHA.MatchString(rev):
		return rev, rev, "sha"
	}
	return "", rev, ""
}

func gitFormatComments(c []string) string {
	s := strings.Join(c, ". ")
	if len(c) > 1 {
		s += "."
	}
	return s
}

// Latest makes sure a working copy of a git repository is at a revision:
// it is cloned when the target is missing (or an empty directory), and
// fetched and moved to the revision otherwise.
//
// brine runs the git command line as argv. A dry run asks the remote
// (git ls-remote) which commit the revision is, and reports the revision
// a real run would check out. An update that is not a fast-forward, or a
// working copy with local changes, fails unless force_reset. Under --root
// the target is a directory of the image; git runs on the host.
//
// Salt: comments are Salt's for the common paths (clone, up to date, fast-forward, hard reset); changes are {new: "URL => target", revision: {old, new}}, and a dry run reports the same; a short commit id, branch, submodules, bare, mirror, https_user and force_clone are not supported.
func gitLatest(ctx context.Context, req *Request) Result {
	a := &req.Args
	targetArg := a.String("target", "")
	rev := a.String("rev", "HEAD")
	remote := a.String("remote", "origin")
	forceReset := a.Bool("force_reset", false)
	depth := a.Int("depth", 0)
	user := a.String("user", "")
	identity := a.String("identity", "")
	if err := a.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if req.Name == "" || strings.HasPrefix(req.Name, "-") {
		return Failf(req.Name, "%v", &ArgError{Arg: "name", Err: fmt.Errorf("%q is not a repository URL", req.Name)})
	}
	if rev == "" || strings.HasPrefix(rev, "-") || strings.ContainsAny(rev, " \t\n") {
		return Failf(req.Name, "%v", &ArgError{Arg: "rev", Err: fmt.Errorf("%q is not a revision", rev)})
	}
	if remote == "" || strings.HasPrefix(remote, "-") || strings.ContainsAny(remote, " \t\n/") {
		return Failf(req.Name, "%v", &ArgError{Arg: "remote", Err: fmt.Errorf("%q is not a remote name", remote)})
	}
	target, err := rootPath(req, "target", targetArg, true)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	g, err := newGitRun(req, identity, user)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}

	out, err := g.run(ctx, "", "ls-remote", "--", req.Name)
	if err != nil {
		return Failf(req.Name, "Failed to check remote refs: %v", err)
	}
	refs := gitParseLsRemote(out)
	remoteRev, loc, kind := gitRemoteRev(refs, remote, rev)
	if remoteRev == "" {
		return Failf(req.Name, "No revision matching '%s' exists in the remote repository", rev)
	}
	changes := map[string]any{}

	// A new clone.
	entries, statErr := os.ReadDir(target)
	if IsNotExist(statErr) || statErr == nil && len(entries) == 0 {
		changes["new"] = req.Name + " => " + targetArg
		changes["revision"] = map[string]any{"old": nil, "new": remoteRev}
		if req.Test {
			return Result{Name: req.Name, Result: None, Changes: changes, Comment: fmt.Sprintf("Repository %s would be cloned to %s", req.Name, targetArg)}
		}
		args := []string{"clone"}
		if remote != "origin" {
			args = append(args, "--origin", remote)
		}
		if depth > 0 {
			args = append(args, "--depth", strconv.Itoa(depth))
			if kind != "sha" && rev != "HEAD" {
				args = append(args, "--branch", rev)
			}
		} else if kind == "branch" && rev != "HEAD" {
			args = append(args, "--branch", rev)
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return Failf(req.Name, "Clone failed: %v", err)
		}
		if g.cred != nil && IsNotExist(statErr) {
			if err := os.Mkdir(target, 0o755); err != nil {
				return Failf(req.Name, "Clone failed: %v", err)
			}
			if err := os.Chown(target, int(g.cred.Uid), int(g.cred.Gid)); err != nil {
				return Failf(req.Name, "Clone failed: %v", err)
			}
		}
		if _, err := g.run(ctx, "", append(args, "--", req.Name, target)...); err != nil {
			return Failf(req.Name, "Clone failed: %v", err)
		}
		comments := []string{fmt.Sprintf("%s cloned to %s", req.Name, targetArg)}
		local, _ := g.run(ctx, target, "rev-parse", "HEAD")
		if local != remoteRev {
			if kind == "sha" && depth > 0 {
				if _, err := g.run(ctx, target, "fetch", "--depth", strconv.Itoa(depth), "--", remote, remoteRev); err != nil {
					return Failf(req.Name, "%v", err)
				}
			}
			if _, err := g.run(ctx, target, "reset", "--hard", remoteRev); err != nil {
				return Failf(req.Name, "%s. %v", gitFormatComments(comments), err)
			}
			comments = append(comments, "Repository was reset to "+loc)
		}
		newRev, err := g.run(ctx, target, "rev-parse", "HEAD")
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		changes["revision"] = map[string]any{"old": nil, "new": newRev}
		return Result{Name: req.Name, Result: True, Changes: changes, Comment: gitFormatComments(comments)}
	}
	if statErr != nil {
		return Failf(req.Name, "%v", statErr)
	}
	if _, err := os.Stat(filepath.Join(target, ".git")); err != nil {
		return Failf(req.Name, "Target '%s' exists, is non-empty, and is not a git repository. Remove it, or choose another target", targetArg)
	}

	// An existing working copy.
	local, err := g.run(ctx, target, "rev-parse", "HEAD")
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	status, err := g.run(ctx, target, "status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	dirty := status != ""
	if local == remoteRev && !dirty {
		return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("Repository %s is up-to-date", targetArg)}
	}
	if local == remoteRev && dirty && !forceReset {
		return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("Repository %s is up-to-date, but with uncommitted changes. Set 'force_reset' to True to purge uncommitted changes.", targetArg)}
	}
	// Whether the move is a fast-forward is known before a fetch only
	// when the commit is already here.
	haveRemote := gitHas(ctx, g, target, remoteRev)
	ff := haveRemote && gitIsAncestor(ctx, g, target, local, remoteRev)
	if dirty && !forceReset {
		return Failf(req.Name, "Repository %s has local changes. Set 'force_reset' to True to discard them and proceed with the update", targetArg)
	}
	if haveRemote && !ff && !forceReset {
		return Failf(req.Name, "Repository would be updated from %s to %s, but this is not a fast-forward merge. Set 'force_reset' to True to force this update and discard the non-fast-forward changes.", local[:7], remoteRev[:7])
	}
	changes["revision"] = map[string]any{"old": local, "new": remoteRev}
	if haveRemote && !ff {
		changes["forced update"] = true
	}
	if req.Test {
		var act string
		switch {
		case ff:
			act = fmt.Sprintf("Repository would be fast-forwarded from %s to %s", local[:7], remoteRev[:7])
		case forceReset:
			act = fmt.Sprintf("Repository would be hard-reset from %s to %s", local[:7], remoteRev[:7])
		default:
			act = fmt.Sprintf("Repository would be updated from %s to %s", local[:7], remoteRev[:7])
		}
		return Result{Name: req.Name, Result: None, Changes: changes, Comment: act}
	}
	var comments []string
	if !haveRemote {
		args := []string{"fetch"}
		if depth > 0 {
			args = append(args, "--depth", strconv.Itoa(depth))
		}
		if _, err := g.run(ctx, target, append(args, "--", remote)...); err != nil {
			return Failf(req.Name, "Fetch failed: %v", err)
		}
		if !gitHas(ctx, g, target, remoteRev) {
			if _, err := g.run(ctx, target, append(args, "--", remote, remoteRev)...); err != nil {
				return Failf(req.Name, "Fetch did not successfully retrieve rev '%s' from %s: %v", rev, req.Name, err)
			}
		}
		comments = append(comments, req.Name+" was fetched, resulting in updated refs")
		ff = gitIsAncestor(ctx, g, target, local, remoteRev)
		if !ff && !forceReset {
			return Failf(req.Name, "Repository would be updated from %s to %s, but this is not a fast-forward merge. Set 'force_reset' to True to force this update and discard the non-fast-forward changes.", local[:7], remoteRev[:7])
		}
	}
	if dirty {
		comments = append(comments, "Local changes were discarded")
	}
	branch, _ := g.run(ctx, target, "symbolic-ref", "--quiet", "--short", "HEAD")
	switch {
	case ff && !dirty && branch != "" && kind == "branch":
		if _, err := g.run(ctx, target, "merge", "--ff-only", remoteRev); err != nil {
			return Failf(req.Name, "%v", err)
		}
		comments = append(comments, "Repository was fast-forwarded to "+loc)
	case ff && !dirty:
		if _, err := g.run(ctx, target, "reset", "--hard", remoteRev); err != nil {
			return Failf(req.Name, "%v", err)
		}
		comments = append(comments, fmt.Sprintf("Repository was reset to %s (fast-forward)", rev))
	default:
		if _, err := g.run(ctx, target, "reset", "--hard", remoteRev); err != nil {
			return Failf(req.Name, "%v", err)
		}
		if !ff {
			changes["forced update"] = true
		}
		comments = append(comments, "Repository was hard-reset to "+loc)
	}
	newRev, err := g.run(ctx, target, "rev-parse", "HEAD")
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	if newRev != remoteRev {
		return Failf(req.Name, "%s, but HEAD is %s, not %s", gitFormatComments(comments), newRev, remoteRev)
	}
	return Result{Name: req.Name, Result: True, Changes: changes, Comment: gitFormatComments(comments)}
}

func gitHas(ctx context.Context, g gitRun, dir, id string) bool {
	_, err := g.run(ctx, dir, "cat-file", "-e", id+"^{commit}")
	return err == nil
}

func gitIsAncestor(ctx context.Context, g gitRun, dir, a, b string) bool {
	_, err := g.run(ctx, dir, "merge-base", "--is-ancestor", a, b)
	return err == nil
}
