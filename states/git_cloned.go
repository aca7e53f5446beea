package states

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func init() {
	Register("git.cloned", gitCloned,
		Param{Name: "name", Type: String, Doc: "the repository's URL (or a path of a local repository)."},
		Param{Name: "target", Type: String, Doc: "the directory to clone into; required, absolute."},
		Param{Name: "branch", Type: String, Doc: "the branch to check out (the remote's default when not given); a later change of branch checks it out, without fetching."},
		Param{Name: "user", Type: String, Doc: "run git as this user (looked up in the root's passwd)."},
		Param{Name: "identity", Type: String, Doc: "the SSH private key git's ssh uses."},
		Param{Name: "password", Type: Any, Doc: "accepted and ignored (Windows only in Salt)."},
		Param{Name: "https_user", Type: Any, Doc: "accepted and ignored: put credentials in the URL or a credential helper."},
		Param{Name: "https_pass", Type: Any, Doc: "accepted and ignored."},
		Param{Name: "output_encoding", Type: Any, Doc: "accepted and ignored."},
	)
}

// gitCloned makes sure a repository is cloned to a directory; once
// cloned it is never fetched, only switched to branch when one is given.
//
// Changes are {new: "URL => target"} for a clone and {branch: {old,
// new}} for a change of branch.
//
// Salt: comments and changes are Salt 3006's git.cloned; https_user and
// https_pass are not supported.
func gitCloned(ctx context.Context, req *Request) Result {
	a := &req.Args
	targetArg := a.String("target", "")
	branch := a.String("branch", "")
	user := a.String("user", "")
	identity := a.String("identity", "")
	if err := a.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	hasBranch := a.Has("branch")
	switch {
	case !a.Has("target") || targetArg == "":
		return Failf(req.Name, "'target' argument is required")
	case !filepath.IsAbs(targetArg):
		return Failf(req.Name, "'target' path must be absolute")
	case hasBranch && branch == "":
		return Failf(req.Name, "Invalid 'branch' argument")
	case strings.HasPrefix(branch, "-"):
		return Failf(req.Name, "%v", &ArgError{Arg: "branch", Err: fmt.Errorf("%q is not a branch", branch)})
	}
	target, err := rootPath(req, "target", targetArg, true)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	g, err := newGitRun(req, identity, user)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	withBranch := ""
	if branch != "" {
		withBranch = fmt.Sprintf(" with branch '%s'", branch)
	}
	if _, err := os.Stat(target); IsNotExist(err) {
		changes := map[string]any{"new": req.Name + " => " + targetArg}
		if req.Test {
			return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("%s would be cloned to %s%s", req.Name, targetArg, withBranch), Changes: changes}
		}
		args := []string{"clone"}
		if branch != "" {
			args = append(args, "--branch", branch)
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return Failf(req.Name, "Clone failed: %v", err)
		}
		if _, err := g.run(ctx, "", append(args, "--", req.Name, target)...); err != nil {
			return Failf(req.Name, "Clone failed: %s", gitStrip(err))
		}
		return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("%s cloned to %s%s", req.Name, targetArg, withBranch), Changes: changes}
	}
	if _, err := g.run(ctx, target, "status", "--porcelain"); err != nil {
		return Failf(req.Name, "Command 'git status --porcelain' failed: %s", gitStrip(err))
	}
	already := fmt.Sprintf("Repository already exists at %s", targetArg)
	if branch == "" {
		return Result{Name: req.Name, Result: True, Comment: already, Changes: map[string]any{}}
	}
	current, err := g.run(ctx, target, "rev-parse", "--abbrev-ref", "HEAD")
	if err != nil {
		return Failf(req.Name, "%s", gitStrip(err))
	}
	if current == branch {
		return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("%s and is checked out to branch '%s'", already, branch), Changes: map[string]any{}}
	}
	changes := map[string]any{"branch": map[string]any{"old": current, "new": branch}}
	if req.Test {
		return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("Branch would be changed to '%s'", branch), Changes: changes}
	}
	// A local branch is checked out; else one is made from origin's.
	args := []string{"checkout", branch}
	if _, err := g.run(ctx, target, "rev-parse", "--verify", "--quiet", branch); err != nil {
		args = []string{"checkout", "-b", branch, "origin/" + branch}
	}
	if _, err := g.run(ctx, target, args...); err != nil {
		return Failf(req.Name, "Failed to change branch to '%s': %s", branch, gitStrip(err))
	}
	return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("Branch changed to '%s'", branch), Changes: changes}
}
