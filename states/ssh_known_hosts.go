package states

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/py/hashlib"
)

func init() {
	Register("ssh_known_hosts.present", sshKnownHostsPresent,
		Param{Name: "name", Type: String, Doc: "the remote host's name (one name: a host known under two needs two states)."},
		Param{Name: "user", Type: String, Doc: "the user whose known_hosts file to edit; none: the system's /etc/ssh/ssh_known_hosts."},
		Param{Name: "fingerprint", Type: String, Doc: `the fingerprint ("xx:xx:…", hex) one of the host's keys must have; the keys are fetched with ssh-keyscan.`},
		Param{Name: "key", Type: String, Doc: "the host's public key (base64), written as it is; needs enc."},
		Param{Name: "port", Type: Int, Doc: "the port ssh-keyscan asks, and of the entry (not with hash_known_hosts); 22 when not given."},
		Param{Name: "enc", Type: String, Doc: "the key's type (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa); entries of this host and type are replaced."},
		Param{Name: "config", Type: String, Doc: "the known_hosts file: absolute, or relative to the user's home; .ssh/known_hosts with a user, /etc/ssh/ssh_known_hosts without."},
		Param{Name: "hash_known_hosts", Type: Bool, Default: true, Doc: "hash the host names of the file (ssh-keygen -H, which leaves the file before as FILE.old)."},
		Param{Name: "timeout", Type: Int, Default: 5, Doc: "ssh-keyscan's timeout, in seconds."},
		Param{Name: "fingerprint_hash_type", Type: String, Doc: "the hash of fingerprint: md5, sha1, sha224, sha256 (the default), sha384 or sha512."},
	)
	Register("ssh_known_hosts.absent", sshKnownHostsAbsent,
		Param{Name: "name", Type: String, Doc: "the host name."},
		Param{Name: "user", Type: String, Doc: "the user whose known_hosts file to edit; none: the system's /etc/ssh/ssh_known_hosts."},
		Param{Name: "config", Type: String, Doc: "the known_hosts file: absolute, or relative to the user's home."},
	)
}

// sshKHFile is the known_hosts file of a request: config as Salt shows it,
// path on the host (under --root), and the user's ids (-1 without one).
type sshKHFile struct {
	config, path string
	uid, gid     int
}

// errKHConfig is Salt's refusal of a relative config without a user.
var errKHConfig = errors.New(`If not specifying a "user", specify an absolute "config".`)

// sshKHOpen resolves config as Salt's _get_known_hosts_file does.
func sshKHOpen(req *Request) (*sshKHFile, error) {
	user := req.Args.String("user", "")
	config := req.Args.String("config", "")
	if err := req.Args.Err(); err != nil {
		return nil, err
	}
	f := &sshKHFile{config: config, uid: -1, gid: -1}
	if f.config == "" {
		f.config = "/etc/ssh/ssh_known_hosts"
		if user != "" {
			f.config = ".ssh/known_hosts"
		}
	}
	full := f.config
	if user == "" && !filepath.IsAbs(full) {
		return nil, errKHConfig
	}
	if user != "" {
		u, err := sshAuthUser(req, user)
		if err != nil {
			return nil, fmt.Errorf("User %s does not exist", user)
		}
		f.uid, f.gid = u.UID, u.GID
		if !filepath.IsAbs(full) {
			full = filepath.Join(u.Home, full)
		}
	}
	hp, err := rootPath(req, "config", full, true)
	if err != nil {
		return nil, err
	}
	f.path = hp
	return f, nil
}

// sshKHHost is the name ssh-keygen -F looks up: [host]:port off port 22.
func sshKHHost(host string, port int) string {
	if port == 0 || port == 22 {
		return host
	}
	return "[" + host + "]:" + strconv.Itoa(port)
}

// sshKHFingerprint is Salt's _fingerprint: the hash of the decoded key in
// hex pairs joined by ':'; ok is false for a key that is not base64.
func sshKHFingerprint(key, hashType string) (string, bool, error) {
	name := strings.ToLower(hashType)
	if name == "" {
		name = "sha256"
	}
	h, ok := hashlib.Attr(name)
	if !ok {
		return "", false, fmt.Errorf("The fingerprint_hash_type %s is not supported.", name)
	}
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil {
		return "", false, nil
	}
	h.Write(raw)
	x := hex.EncodeToString(h.Sum(nil))
	pairs := make([]string, 0, len(x)/2)
	for i := 0; i+1 < len(x); i += 2 {
		pairs = append(pairs, x[i:i+2])
	}
	return strings.Join(pairs, ":"), true, nil
}

// sshKHParse reads ssh-keygen -F or ssh-keyscan output as Salt's
// _parse_openssh_output does: "host type key" lines (a line with a
// comment or options is skipped), each with its fingerprint.
func sshKHParse(out []byte, hashType string) ([]any, error) {
	var entries []any
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		fp, ok, err := sshKHFingerprint(f[2], hashType)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		entries = append(entries, map[string]any{"hostname": f[0], "enc": f[1], "key": f[2], "fingerprint": fp})
	}
	return entries, nil
}

// sshKHRun runs an ssh tool; stdout and stderr together, as Salt's
// cmd.run returns them, without the trailing blanks.
func sshKHRun(ctx context.Context, argv ...string) (string, error) {
	if _, err := exec.LookPath(argv[0]); err != nil {
		return "", fmt.Errorf("%s is not installed (openssh-client): %w", argv[0], err)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return "", &CmdError{Argv: argv, Err: err}
	}
	return strings.TrimRight(out.String(), " \t\r\n"), nil
}

// sshKHFind is Salt's get_known_host_entries: the file's entries for the
// host (ssh-keygen -F finds hashed names too), and ssh-keygen's output.
func sshKHFind(ctx context.Context, f *sshKHFile, host string, port int, hashType string) ([]any, string, error) {
	if _, err := os.Stat(f.path); err != nil {
		if IsNotExist(err) {
			return nil, "", nil
		}
		return nil, "", err
	}
	// Only stdout: ssh-keygen's "do_known_hosts: ... not found" noise
	// goes to stderr.
	argv := []string{"ssh-keygen", "-F", sshKHHost(host, port), "-f", f.path}
	if _, err := exec.LookPath(argv[0]); err != nil {
		return nil, "", fmt.Errorf("ssh-keygen is not installed (openssh-client): %w", err)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return nil, "", &CmdError{Argv: argv, Err: err}
	}
	entries, err := sshKHParse(out, hashType)
	return entries, string(out), err
}

// sshKHMatchedLines is Salt's _get_matched_host_line_numbers: the line
// numbers ssh-keygen -F reports whose entry has the key type enc ("rsa"
// when none is given, which matches no entry's "ssh-rsa").
func sshKHMatchedLines(out, enc string) map[int]bool {
	if enc == "" {
		enc = "rsa"
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	drop := map[int]bool{}
	for i := 0; i+1 < len(lines); i += 2 {
		f := strings.Fields(lines[i])
		e := strings.Fields(lines[i+1])
		if len(f) == 0 || len(e) < 2 {
			continue
		}
		n, err := strconv.Atoi(f[len(f)-1])
		if err != nil || e[len(e)-2] != enc {
			continue
		}
		drop[n] = true
	}
	return drop
}

func sshKHHas(entries []any, field, v string) bool {
	for _, e := range entries {
		if e.(map[string]any)[field] == v {
			return true
		}
	}
	return false
}

// Present makes sure a host's key is in a known_hosts file.
//
// With key (and enc) the entry is written as given; with fingerprint, or
// neither, the host's keys are fetched with ssh-keyscan (which must reach
// the host) and fingerprint must match one of them. An entry is added
// when the file has none for the host, or none with the key or
// fingerprint asked; entries of the same host and enc are replaced.
// Changes are {old: [entries] or None, new: [entries]}.
//
// ssh-keygen and ssh-keyscan (Debian's openssh-client) do the work, as
// in Salt; the state fails saying so when they are missing.
//
// Salt: comments and changes are Salt 3006's ssh_known_hosts.present and
// ssh.set_known_host; with key, brine's dry run reports the changes the
// real run makes (Salt's none), with fingerprint it reports none, as it
// does not fetch the keys; key without enc, or key with fingerprint, fail
// the real run too (Salt's real run writes "None" as the key's type); the
// file is written atomically.
func sshKnownHostsPresent(ctx context.Context, req *Request) Result {
	fingerprint := req.Args.String("fingerprint", "")
	key := req.Args.String("key", "")
	port := req.Args.Int("port", 0)
	enc := req.Args.String("enc", "")
	hashHosts := req.Args.Bool("hash_known_hosts", true)
	timeout := req.Args.Int("timeout", 5)
	hashType := req.Args.String("fingerprint_hash_type", "")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	f, err := sshKHOpen(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	switch {
	case key != "" && fingerprint != "":
		return Failf(req.Name, `Specify either "key" or "fingerprint", not both.`)
	case key != "" && enc == "":
		return Failf(req.Name, `Required argument "enc" if using "key" argument.`)
	}
	stored, found, err := sshKHFind(ctx, f, req.Name, port, hashType)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	var old any
	if len(stored) > 0 {
		old = stored
	}
	update := len(stored) == 0 ||
		fingerprint != "" && !sshKHHas(stored, "fingerprint", fingerprint) ||
		key != "" && !sshKHHas(stored, "key", key)
	check := !update && key == "" && fingerprint == ""
	if req.Test {
		switch {
		case !update:
			return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("Host %s is already in %s", req.Name, f.config), Changes: map[string]any{}}
		case len(stored) == 0:
			r := Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("Key for %s is set to be added to %s", req.Name, f.config), Changes: map[string]any{}}
			if key != "" {
				r.Changes = map[string]any{"old": old, "new": []any{map[string]any{"hostname": req.Name, "enc": enc, "key": key}}}
			}
			return r
		default:
			r := Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("Key for %s is set to be updated in %s", req.Name, f.config), Changes: map[string]any{}}
			if key != "" {
				r.Changes = map[string]any{"old": old, "new": []any{map[string]any{"hostname": req.Name, "enc": enc, "key": key}}}
			}
			return r
		}
	}
	if port != 0 && port != 22 && hashHosts {
		return Failf(req.Name, "argument port can not be used in conjunction with argument hash_known_hosts")
	}
	if !update && !check {
		return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("%s already exists in %s", req.Name, f.config), Changes: map[string]any{}}
	}
	var entries []any
	if key != "" {
		entries = []any{map[string]any{"hostname": req.Name, "enc": enc, "key": key}}
	} else {
		entries, err = sshKHScan(ctx, req.Name, enc, port, hashHosts, timeout, hashType)
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		if len(entries) == 0 {
			return Failf(req.Name, "Unable to receive remote host keys")
		}
		if fingerprint != "" && !sshKHHas(entries, "fingerprint", fingerprint) {
			return Failf(req.Name, "Remote host public keys found but none of their fingerprints match the one you have provided")
		}
		if check {
			for _, e := range entries {
				if sshKHHas(stored, "key", e.(map[string]any)["key"].(string)) {
					return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("%s already exists in %s", req.Name, f.config), Changes: map[string]any{}}
				}
			}
		}
	}
	if err := sshKHWrite(ctx, f, found, enc, entries, port, hashHosts, key != ""); err != nil {
		return Failf(req.Name, "%v", err)
	}
	changes := map[string]any{"old": old, "new": entries}
	if key != "" {
		return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("%s's key saved to %s (key: %s)", req.Name, f.config, key)}
	}
	fp := entries[0].(map[string]any)["fingerprint"]
	return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("%s's key saved to %s (fingerprint: %s)", req.Name, f.config, fp)}
}

// sshKHScan is Salt's recv_known_host_entries: ssh-keyscan, tried up to
// five times until it prints something.
func sshKHScan(ctx context.Context, host, enc string, port int, hashHosts bool, timeout int, hashType string) ([]any, error) {
	argv := []string{"ssh-keyscan"}
	if port != 0 {
		argv = append(argv, "-p", strconv.Itoa(port))
	}
	if enc != "" {
		argv = append(argv, "-t", enc)
	}
	if hashHosts {
		argv = append(argv, "-H")
	}
	argv = append(argv, "-T", strconv.Itoa(timeout), host)
	if _, err := exec.LookPath(argv[0]); err != nil {
		return nil, fmt.Errorf("ssh-keyscan is not installed (openssh-client): %w", err)
	}
	for attempt := 0; attempt < 5; attempt++ {
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		// ssh-keyscan's "# host:port SSH-2.0-…" banners go to stderr,
		// and Salt's parser skips them anyway.
		out, err := cmd.Output()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			return nil, &CmdError{Argv: argv, Err: err}
		}
		if strings.TrimSpace(string(out)) != "" {
			return sshKHParse(out, hashType)
		}
	}
	return nil, nil
}

// sshKHWrite does the rest of Salt's set_known_host: the host's entries of
// type enc go, the new ones are appended; the file stays the user's with
// its mode (a new one 0600, in a new 0700 directory); with a key given and
// hash_known_hosts, ssh-keygen -H hashes the file.
func sshKHWrite(ctx context.Context, f *sshKHFile, found, enc string, entries []any, port int, hashHosts, withKey bool) error {
	data, err := os.ReadFile(f.path)
	exists := err == nil
	if err != nil && !IsNotExist(err) {
		return fmt.Errorf("Couldn't remove old entry(ies) from known hosts file: '%w'", err)
	}
	var out []string
	if exists {
		drop := sshKHMatchedLines(found, enc)
		for i, l := range strings.SplitAfter(string(data), "\n") {
			if l != "" && !drop[i+1] {
				out = append(out, l)
			}
		}
	}
	for _, e := range entries {
		m := e.(map[string]any)
		host := m["hostname"].(string)
		if !hashHosts && port != 0 && port != 22 && !strings.Contains(host, ":") {
			host = "[" + host + "]:" + strconv.Itoa(port)
		}
		out = append(out, host+" "+m["enc"].(string)+" "+m["key"].(string)+"\n")
	}
	dir := filepath.Dir(f.path)
	if _, err := os.Stat(dir); IsNotExist(err) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("known_hosts %s: %w", f.config, err)
		}
		if f.uid >= 0 {
			if err := os.Chmod(dir, 0o700); err != nil {
				return fmt.Errorf("known_hosts %s: %w", f.config, err)
			}
			if err := os.Lchown(dir, f.uid, f.gid); err != nil {
				return fmt.Errorf("known_hosts %s: %w", f.config, err)
			}
		}
	}
	if err := atomicfile.Write(f.path, []byte(strings.Join(out, "")), 0o600); err != nil {
		return fmt.Errorf("Couldn't append to known hosts file: '%w'", err)
	}
	if f.uid >= 0 {
		if err := os.Lchown(f.path, f.uid, f.gid); err != nil {
			return fmt.Errorf("known_hosts %s: %w", f.config, err)
		}
	}
	if withKey && hashHosts {
		return sshKHHash(ctx, f)
	}
	return nil
}

// sshKHHash is Salt's ssh.hash_known_hosts: ssh-keygen -H, keeping the
// file's mode and owner.
func sshKHHash(ctx context.Context, f *sshKHFile) error {
	fi, err := os.Stat(f.path)
	if err != nil {
		return err
	}
	if _, err := sshKHRun(ctx, "ssh-keygen", "-H", "-f", f.path); err != nil {
		return err
	}
	if err := os.Chmod(f.path, fi.Mode().Perm()); err != nil {
		return err
	}
	if f.uid >= 0 {
		return os.Lchown(f.path, f.uid, f.gid)
	}
	return nil
}

// Absent makes sure a host has no entry in a known_hosts file.
//
// ssh-keygen -R removes them (leaving the file before as FILE.old); the
// comment is what it says. Changes are {old: [entries], new: None}.
//
// Salt: comments and changes are Salt 3006's ssh_known_hosts.absent and
// ssh.rm_known_host; brine's dry run reports the changes the real run
// makes (Salt's none).
func sshKnownHostsAbsent(ctx context.Context, req *Request) Result {
	f, err := sshKHOpen(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	stored, _, err := sshKHFind(ctx, f, req.Name, 0, "")
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	if len(stored) == 0 {
		return Result{Name: req.Name, Result: True, Comment: "Host is already absent", Changes: map[string]any{}}
	}
	changes := map[string]any{"old": stored, "new": nil}
	if req.Test {
		return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("Key for %s is set to be removed from %s", req.Name, f.config), Changes: changes}
	}
	out, err := sshKHRun(ctx, "ssh-keygen", "-R", req.Name, "-f", f.path)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	if f.uid >= 0 {
		// ssh-keygen writes a new file.
		if err := os.Lchown(f.path, f.uid, f.gid); err != nil {
			return Failf(req.Name, "%v", err)
		}
	}
	return Result{Name: req.Name, Result: True, Comment: out, Changes: changes}
}
