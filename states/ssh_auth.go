package states

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/osuser"
)

func init() {
	enc := Param{Name: "enc", Type: String, Default: "ssh-rsa", Doc: "the key type when name is only the base64 part."}
	Register("ssh_auth.present", sshAuthPresent,
		Param{Name: "name", Type: String, Doc: `the key: its base64 part, or a whole authorized_keys line ("[options] type base64 [comment]").`},
		Param{Name: "user", Type: String, Required: true, Doc: "the account whose file it is; looked up in the passwd file of the root (--root) or of the host."},
		enc,
		Param{Name: "comment", Type: String, Doc: "the key's comment; replaces the line's own."},
		Param{Name: "options", Type: StringList, Doc: `a list of sshd options (from="…", no-pty …); replaces the line's own.`},
		Param{Name: "config", Type: String, Default: ".ssh/authorized_keys", Doc: "the file, relative to the user's home unless absolute; %h is the home and %u the user name. With --root the passwd file, the home and the file all resolve inside the image (links included), and a path that would leave it fails the state."},
		Param{Name: "source", Type: String, Doc: "a file of keys (salt://…), one a line, added instead of name."},
		Param{Name: "fingerprint_hash_type", Type: Any, Doc: "accepted and ignored (keys are compared whole)."},
		saltKwargs,
	)
	Register("ssh_auth.absent", sshAuthAbsent,
		Param{Name: "name", Type: String, Doc: "the key: its base64 part, or a whole authorized_keys line."},
		Param{Name: "user", Type: String, Required: true, Doc: "the account whose file it is."},
		enc,
		Param{Name: "config", Type: String, Default: ".ssh/authorized_keys", Doc: "the file, relative to the user's home unless absolute (%h and %u expand)."},
		Param{Name: "source", Type: String, Doc: "a file of keys (salt://…) to remove instead of name."},
		Param{Name: "fingerprint_hash_type", Type: Any, Doc: "accepted and ignored."},
	)
}

// Present makes sure a public key is in a user's authorized_keys.
//
// A line with the same key is rewritten when its options, type or comment
// differ; otherwise the key is appended. Every other line is kept byte for
// byte. A missing ~/.ssh is made 0700 and a new file 0600, both owned by
// the user.
//
// Salt: keys compare by their decoded blob; a malformed key is an error; one key's comments and changes ({KEY: New|Updated}) are Salt's, named by the key's base64 text; a source of several keys gets one summary comment. A user the host lacks fails with Salt's real-run comment in a dry run too (Salt's dry run says the key is to be added), unless an earlier user.present of the run makes the user.
func sshAuthPresent(ctx context.Context, req *Request) Result {
	return sshAuthRun(ctx, req, true)
}

// Absent makes sure a public key is not in a user's authorized_keys.
//
// Every line with the key is removed, whatever its options or comment;
// other lines are kept byte for byte.
//
// Salt: same shapes and comments ("Key removed", "Key not present"); changes {KEY: Removed}.
func sshAuthAbsent(ctx context.Context, req *Request) Result {
	return sshAuthRun(ctx, req, false)
}

func sshAuthRun(ctx context.Context, req *Request, present bool) Result {
	userName := req.Args.String("user", "")
	enc := req.Args.String("enc", "ssh-rsa")
	comment := req.Args.String("comment", "")
	options := req.Args.StringList("options")
	config := req.Args.String("config", ".ssh/authorized_keys")
	source := req.Args.String("source", "")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if userName == "" {
		return Failf(req.Name, "argument %q: required", "user")
	}
	user, err := sshAuthUser(req, userName)
	if errors.Is(err, osuser.ErrNotFound) {
		// Salt's ssh module finds no authorized_keys for an account the
		// host lacks: set_auth_key says "fail", rm_auth_key finds the key
		// not present.
		if present {
			return Failf(req.Name, "Failed to add the ssh key. Is the home directory available, and/or does the key file exist?")
		}
		if req.Test {
			return Result{Name: req.Name, Result: True, Comment: "Key is already absent"}
		}
		return Result{Name: req.Name, Result: True, Comment: "Key not present"}
	}
	if err != nil {
		return Failf(req.Name, "%v", err)
	}

	// The keys asked for, with the name each is reported under.
	type wanted struct {
		label string
		key   *sshKey
	}
	var keys []wanted
	if source != "" {
		if req.Env == nil || req.Env.Files == nil {
			return Failf(req.Name, "argument %q: no file server to read %s from", "source", source)
		}
		data, err := req.Env.Files.ReadFile(ctx, source)
		if err != nil {
			return Failf(req.Name, "argument %q: %v", "source", err)
		}
		for i, line := range strings.Split(string(data), "\n") {
			t := strings.TrimSpace(line)
			if t == "" || t[0] == '#' {
				continue
			}
			k, err := sshKeyFromArgs(t, enc, comment, options, req.Args.Has("comment"), req.Args.Has("options"))
			if err != nil {
				return Failf(req.Name, "argument %q: %s:%d: %v", "source", source, i+1, err)
			}
			keys = append(keys, wanted{label: sshKeyShort(t), key: k})
		}
		if len(keys) == 0 {
			return Failf(req.Name, "argument %q: %s holds no keys", "source", source)
		}
	} else {
		k, err := sshKeyFromArgs(req.Name, enc, comment, options, req.Args.Has("comment"), req.Args.Has("options"))
		if err != nil {
			return Failf(req.Name, "argument %q: %v", "name", err)
		}
		// Salt names the key by its base64 text, whatever the line held.
		keys = []wanted{{label: base64.StdEncoding.EncodeToString(k.Blob), key: k}}
	}
	for _, o := range options {
		if strings.ContainsAny(o, "\n") {
			return Failf(req.Name, "argument %q: an option is one line", "options")
		}
	}
	if strings.ContainsAny(comment, "\n") {
		return Failf(req.Name, "argument %q: a comment is one line", "comment")
	}

	config = strings.NewReplacer("%h", user.Home, "%u", user.Name).Replace(config)
	if !filepath.IsAbs(config) {
		// Joined by hand, not with filepath.Join, which would clean a
		// home of "/../x" into "/x": rootPath must see the ".." to
		// refuse it.
		config = strings.TrimSuffix(user.Home, "/") + "/" + config
	}
	path, err := rootPath(req, "config", config, true)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	config = filepath.Clean(config)
	data, err := os.ReadFile(path)
	if err != nil && !IsNotExist(err) {
		return Failf(req.Name, "authorized_keys %s: %v", config, err)
	}
	exists := err == nil
	lines, err := sshAuthParse(config, data)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}

	changes := map[string]any{}
	var done []string
	out := data
	for _, w := range keys {
		if present {
			var status string
			out, lines, status = sshAuthSet(out, lines, w.key)
			switch status {
			case "new":
				changes[w.label] = "New"
				done = append(done, "added")
			case "update":
				changes[w.label] = "Updated"
				done = append(done, "updated")
			}
		} else {
			var removed bool
			out, lines, removed = sshAuthRemove(out, lines, w.key)
			if removed {
				changes[w.label] = "Removed"
				done = append(done, "removed")
			}
		}
	}
	if len(keys) == 1 {
		r := sshAuthSaltResult(req, present, keys[0].label, user.Name, changes)
		if r.Result == True && len(changes) > 0 {
			if err := sshAuthWrite(user, path, config, out, exists); err != nil {
				return Failf(req.Name, "%v", err)
			}
		}
		return r
	}
	what := "The authorized host key " + sshKeyShort(keys[0].label)
	if len(keys) > 1 {
		what = fmt.Sprintf("The %d authorized host keys of %s", len(keys), source)
	}
	if len(changes) == 0 {
		state := "present"
		if !present {
			state = "absent"
		}
		return Result{Name: req.Name, Result: True, Changes: changes,
			Comment: fmt.Sprintf("%s is already %s for user %s", what, state, user.Name)}
	}
	verb := sshAuthVerbs(done)
	if req.Test {
		return Result{Name: req.Name, Result: None, Changes: changes,
			Comment: fmt.Sprintf("%s for user %s would be %s in %s", what, user.Name, verb, config)}
	}
	if err := sshAuthWrite(user, path, config, out, exists); err != nil {
		return Failf(req.Name, "%v", err)
	}
	return Result{Name: req.Name, Result: True, Changes: changes,
		Comment: fmt.Sprintf("%s for user %s was %s in %s", what, user.Name, verb, config)}
}

// sshAuthUser looks the user up in the passwd file of the request's root,
// which rootAccounts reaches without leaving the root.
func sshAuthUser(req *Request, name string) (*osuser.User, error) {
	db, err := rootAccounts(req, "user")
	if err != nil {
		return nil, err
	}
	u, err := db.User(name)
	if err != nil {
		// Under a dry run, an account an earlier user.present of the run
		// would create counts as there (users-formula adds a user's keys
		// after the user), so the dry run says what the real run does.
		if pu, ok := plannedAccts(req).user(name); ok {
			return &pu, nil
		}
		return nil, &ArgError{Arg: "user", Err: fmt.Errorf("%s: %w", osuser.PasswdPath(req.Root), err)}
	}
	return u, nil
}

// sshAuthSaltResult words a one-key result as Salt's ssh_auth present(),
// absent(), _present_test() and _absent_test() do.
func sshAuthSaltResult(req *Request, present bool, key, user string, changes map[string]any) Result {
	r := Result{Name: req.Name, Result: True, Changes: changes}
	status, _ := changes[key].(string)
	switch {
	case present && status == "":
		r.Comment = fmt.Sprintf("The authorized host key %s is already present for user %s", key, user)
	case present && req.Test && status == "New":
		r.Result, r.Comment = None, fmt.Sprintf("Key %s for user %s is set to be added", key, user)
	case present && req.Test:
		r.Result, r.Comment = None, fmt.Sprintf("Key %s for user %s is set to be updated", key, user)
	case present && status == "New":
		r.Comment = fmt.Sprintf("The authorized host key %s for user %s was added", key, user)
	case present:
		r.Comment = fmt.Sprintf("The authorized host key %s for user %s was updated", key, user)
	case status == "" && req.Test:
		r.Comment = "Key is already absent"
	case status == "":
		r.Comment = "Key not present"
	case req.Test:
		r.Result, r.Comment = None, fmt.Sprintf("Key %s for user %s is set for removal", key, user)
	default:
		r.Comment = "Key removed"
	}
	return r
}

// sshAuthVerbs lists the distinct verbs in order: "added and updated".
func sshAuthVerbs(done []string) string {
	var uniq []string
	seen := map[string]bool{}
	for _, d := range done {
		if !seen[d] {
			seen[d] = true
			uniq = append(uniq, d)
		}
	}
	return strings.Join(uniq, " and ")
}

// sshAuthWrite writes the file atomically at path, config as rootPath
// resolved it. A new file is 0600 and a new ~/.ssh 0700, both the user's,
// as sshd's StrictModes wants them.
func sshAuthWrite(user *osuser.User, path, config string, data []byte, exists bool) error {
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); IsNotExist(err) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("authorized_keys %s: %w", config, err)
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("authorized_keys %s: %w", config, err)
		}
		if err := os.Lchown(dir, user.UID, user.GID); err != nil {
			return fmt.Errorf("authorized_keys %s: %w", config, err)
		}
	}
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return fmt.Errorf("authorized_keys: %w", err)
	}
	if !exists {
		if err := os.Lchown(path, user.UID, user.GID); err != nil {
			return fmt.Errorf("authorized_keys %s: %w", config, err)
		}
	}
	return nil
}
