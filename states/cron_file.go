package states

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/urlfetch"
)

func init() {
	Register("cron.file", cronFile,
		Param{Name: "name", Type: String, Doc: "the crontab's source: a salt://, http://, https:// or ftp:// URL (a remote one needs source_hash), a file:// URL or an absolute path."},
		Param{Name: "user", Type: String, Default: "root", Doc: "the user whose whole crontab the source becomes."},
		fileSourceHash, fileSourceHashName,
		Param{Name: "template", Type: String, Doc: `"jinja" renders the source with context and defaults first.`},
		Param{Name: "context", Type: Map, Doc: "variables for the template; they override defaults."},
		Param{Name: "defaults", Type: Map, Doc: "default variables for the template."},
		Param{Name: "replace", Type: Bool, Default: true, Doc: "False leaves a user's crontab alone (Salt's test of it always finds one, so False never writes)."},
		Param{Name: "backup", Type: Any, Doc: "accepted and ignored."},
		Param{Name: "(any other argument)", Rest: true, With: "template", Doc: "with template set, a variable for the template."},
	)
}

// cronFile makes a file the user's whole crontab, as Salt's cron.file
// does: the crontab as crontab -l lists it is compared with the source,
// and written (with crontab(1)'s header, owned by the user and the
// crontab group, mode 0600) when they differ.
//
// Changes are {diff: unified diff}, with {user, group} too for a user
// other than root (Salt's file.manage_file reports the owner of its
// temporary copy).
//
// Salt: comments and changes are Salt 3006's cron.file; its dry run
// names a temporary copy of the crontab ("The file /tmp/… is set to be
// changed"), brine's names the spool file, and reports the diff too; the
// crontab is written directly, as brine's other cron states do.
func cronFile(ctx context.Context, req *Request) Result {
	a := &req.Args
	user := a.String("user", "root")
	sourceHash := a.String("source_hash", "")
	sourceHashName := a.String("source_hash_name", "")
	template := a.String("template", "")
	replace := a.Bool("replace", true)
	if err := a.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if user == "" || strings.ContainsAny(user, "/\n\x00") || user == "." || user == ".." {
		return Failf(req.Name, "argument %q: %q is not a user name", "user", user)
	}
	dir, err := rootPath(req, "user", cronSpoolDir, true)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	db, err := rootAccounts(req, "user")
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	u, err := db.User(user)
	if err != nil {
		return Failf(req.Name, "Could not identify group for user %s", user)
	}
	// Salt's group is user.info's groups[0]: the first, by name, of the
	// user's groups.
	names := []string{db.GroupName(u.GID)}
	for _, gid := range db.SupplementaryGroups(u.Name) {
		names = append(names, db.GroupName(int(gid)))
	}
	sort.Strings(names)
	group := names[0]
	path := filepath.Join(dir, u.Name)
	cur, err := cronReadTab(path)
	if err != nil {
		return Failf(req.Name, "crontab of %s: %v", user, err)
	}
	raw := cronListed(cur)
	if !strings.HasSuffix(raw, "\n") {
		raw += "\n"
	}
	if !replace {
		return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("User %s already has a crontab. No changes made", user), Changes: map[string]any{}}
	}
	if err := fileCheckURL(req.Name); err != nil {
		return Failf(req.Name, "%v", &ArgError{Arg: "name", Err: err})
	}
	var data []byte
	if urlfetch.Remote(req.Name) {
		// Salt's cron.file reads its source with file.get_managed: a
		// remote one needs source_hash, and is cached.
		r, _, err := fileRemoteOf(ctx, req, []fileSource{{url: req.Name}}, "", "", sourceHash, sourceHashName, false)
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		if data, err = os.ReadFile(r.local); err != nil {
			return Failf(req.Name, "%v", err)
		}
	} else {
		var err error
		if data, err = fileFetch(ctx, req, req.Name); err != nil {
			return Failf(req.Name, "Source file %s not found in saltenv 'base'", req.Name)
		}
		if sourceHash, err = fileResolveHash(ctx, req, "", req.Name, sourceHash, sourceHashName); err != nil {
			return Failf(req.Name, "%v", err)
		}
		if sourceHash != "" {
			if err := fileVerifyHash(req.Name, data, sourceHash); err != nil {
				return Failf(req.Name, "%v", err)
			}
		}
	}
	if template != "" {
		if data, err = fileRender(ctx, req, req.Name, data); err != nil {
			return Failf(req.Name, "Unable to manage file: %v", err)
		}
	}
	if bytes.Equal(data, []byte(raw)) {
		if req.Test {
			return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("The file %s is in the correct state", osPathOf(req, path)), Changes: map[string]any{}}
		}
		return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("Crontab for user %s is in the correct state", user), Changes: map[string]any{}}
	}
	changes := map[string]any{"diff": fileDiff([]byte(raw), data, true, true)}
	if u.UID != 0 {
		changes["user"] = user
		if group != "" && group != "root" {
			changes["group"] = group
		}
	}
	if req.Test {
		return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("The file %s is set to be changed", osPathOf(req, path)) + fidTestNoteText, Changes: changes}
	}
	if _, err := os.Stat(dir); err != nil {
		return Failf(req.Name, "Unable to update user %s crontab %s: cron is not installed: %v", user, path, err)
	}
	if err := cronWrite(req, path, cronWithHeader(data, time.Now()), u); err != nil {
		return Failf(req.Name, "Unable to update user %s crontab %s: %v", user, path, err)
	}
	return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("Crontab for user %s was updated", user), Changes: changes}
}

// fidTestNoteText is the note Salt's file.check_managed adds to a dry
// run's comment, broken after "may" as Salt writes it.
const fidTestNoteText = "\nNote: No changes made, actual changes may\nbe different due to other states."

// cronListed is a spool file as crontab -l lists it: without the three
// header lines crontab(1) wrote.
func cronListed(data []byte) string {
	s := string(data)
	if !strings.HasPrefix(s, cronHeader+"\n") {
		return s
	}
	for i := 0; i < 3; i++ {
		_, rest, ok := strings.Cut(s, "\n")
		if !ok {
			return ""
		}
		s = rest
	}
	return s
}

// osPathOf is a host path as the state's root shows it.
func osPathOf(req *Request, hp string) string {
	if req.Root == "" {
		return hp
	}
	if rel, err := filepath.Rel(req.Root, hp); err == nil && !strings.HasPrefix(rel, "..") {
		return "/" + rel
	}
	return hp
}
