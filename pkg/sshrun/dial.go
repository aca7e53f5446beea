package sshrun

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Dialer connects to roster hosts: host keys checked against
// known_hosts, keys from files and the agent, a password only when the
// roster gives one.
type Dialer struct {
	// KnownHosts are the known_hosts files (default ~/.ssh/known_hosts).
	KnownHosts []string
	// AcceptNew adds the key of a host that known_hosts does not list to
	// the first KnownHosts file, and goes on (trust on first use). A host
	// listed with another key is refused all the same.
	AcceptNew bool
	// KeyFiles are private keys tried for every host, after the roster's
	// priv (default: ~/.ssh/id_ed25519, id_ecdsa, id_rsa when present).
	KeyFiles []string
	// NoAgent leaves ssh-agent (SSH_AUTH_SOCK) alone.
	NoAgent bool
	// Timeout bounds a connection, when the roster gives none.
	Timeout time.Duration
	// Roster resolves a proxy_jump that names a roster id.
	Roster *Roster

	mu sync.Mutex // known_hosts writes
}

// HostKeyError is a host whose key is not the one known_hosts lists for
// it: the connection is refused. Want are the keys listed, Got the one
// the host showed, as SHA256 fingerprints.
type HostKeyError struct {
	Addr string
	Got  string
	Want []string // "SHA256:… (file:line)"
}

// Error ends with OpenSSH's last line for a changed key, the line
// salt-ssh's users look for in the host's stderr.
func (e *HostKeyError) Error() string {
	return fmt.Sprintf("host key mismatch for %s: it showed %s, known_hosts has %s; refusing to connect (someone may be in the middle; if the host was reinstalled, remove its old line)\nHost key verification failed.",
		e.Addr, e.Got, strings.Join(e.Want, ", "))
}

// UnknownHostError is a host known_hosts does not list, refused because
// no trust on first use was asked for.
type UnknownHostError struct {
	Addr    string
	Got     string // the SHA256 fingerprint
	KeyType string // ssh-ed25519, …
	File    string
}

func (e *UnknownHostError) Error() string {
	return fmt.Sprintf("host %s is not in %s (its key is %s): add it (ssh-keyscan, after checking the fingerprint) or run with -i (--accept-new-host-keys) once",
		e.Addr, e.File, e.Got)
}

// Prompt is what salt-ssh returns as the host's stdout, with retcode
// 254, for a host whose key is not known: its line asking for -i, then
// OpenSSH's question (Salt's Shell._run_cmd answers it "no").
func (e *UnknownHostError) Prompt() string {
	host, port, err := net.SplitHostPort(e.Addr)
	if err != nil {
		host, port = e.Addr, "22"
	}
	// OpenSSH names a host on another port than 22 as [host]:port.
	name := host
	if port != "22" {
		name = "[" + host + "]:" + port
	}
	return fmt.Sprintf("The host key needs to be accepted, to auto accept run brine ssh with the -i flag:\n"+
		"The authenticity of host '%s (%s)' can't be established.\n%s key fingerprint is %s.\nThis key is not known by any other names (%s).",
		name, name, sshKeyTypeName(e.KeyType), e.Got, e.File)
}

// sshKeyTypeName is OpenSSH's name of a key type in its messages.
func sshKeyTypeName(t string) string {
	switch {
	case t == ssh.KeyAlgoED25519:
		return "ED25519"
	case t == ssh.KeyAlgoRSA:
		return "RSA"
	case t == ssh.KeyAlgoDSA:
		return "DSA"
	case strings.HasPrefix(t, "ecdsa-"):
		return "ECDSA"
	case strings.HasPrefix(t, "sk-ssh-ed25519"):
		return "ED25519-SK"
	case strings.HasPrefix(t, "sk-ecdsa"):
		return "ECDSA-SK"
	}
	return t
}

// AuthError is a host that took none of the credentials offered.
// Methods are the ones offered (publickey, password).
type AuthError struct {
	User, Host, Addr string
	Methods          []string
	Err              error
}

// Error is OpenSSH's line, the one salt-ssh's users see in the host's
// stderr (and its key_deploy looks for).
func (e *AuthError) Error() string {
	return fmt.Sprintf("%s@%s: Permission denied (%s).", e.User, e.Host, strings.Join(e.Methods, ","))
}
func (e *AuthError) Unwrap() error { return e.Err }

// UnreachableError is a host that could not be reached: Host and Port
// are where, Via the jump host it was dialled through, if any.
type UnreachableError struct {
	Host string
	Port int
	Via  string
	// Handshake: the connection was made, and ended (or stalled) before
	// the SSH handshake was done.
	Handshake bool
	Err       error
}

// Error is OpenSSH's line (ssh: connect to host H port P: Connection
// refused, ssh: Could not resolve hostname H: …), which salt-ssh prints
// as the host's whole return.
func (e *UnreachableError) Error() string {
	var dns *net.DNSError
	if errors.As(e.Err, &dns) {
		why := "Temporary failure in name resolution"
		if dns.IsNotFound {
			why = "Name or service not known"
		}
		return fmt.Sprintf("ssh: Could not resolve hostname %s: %s", e.Host, why)
	}
	via := ""
	if e.Via != "" {
		via = " through " + e.Via
	}
	if e.Handshake {
		// OpenSSH's words, which are not "ssh: …": salt-ssh shows them
		// with the retcode, as any other stderr.
		var ne net.Error
		if errors.Is(e.Err, os.ErrDeadlineExceeded) || errors.As(e.Err, &ne) && ne.Timeout() {
			return fmt.Sprintf("Connection timed out during banner exchange\nConnection to %s port %d%s timed out", e.Host, e.Port, via)
		}
		return fmt.Sprintf("Connection closed by %s port %d%s (%v)", e.Host, e.Port, via, e.Err)
	}
	return fmt.Sprintf("ssh: connect to host %s port %d%s: %s", e.Host, e.Port, via, connectReason(e.Err))
}
func (e *UnreachableError) Unwrap() error { return e.Err }

// connectReason is strerror's words for why a connection failed, as
// OpenSSH prints them.
func connectReason(err error) string {
	var errno syscall.Errno
	var ne net.Error
	switch {
	case errors.As(err, &errno):
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "Connection timed out"
	case errors.Is(err, io.EOF):
		return "Connection closed by remote host"
	}
	return err.Error()
}

func (d *Dialer) knownHostsFiles() []string {
	if len(d.KnownHosts) > 0 {
		return d.KnownHosts
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return []string{"/root/.ssh/known_hosts"}
	}
	return []string{filepath.Join(home, ".ssh", "known_hosts")}
}

// hostKeys returns the host-key check for one connection to addr, and
// the key algorithms known_hosts lists for it (offered first, so that a
// host with several keys shows the one on file).
func (d *Dialer) hostKeys(addr string, slot *error, ok *bool) (ssh.HostKeyCallback, []string, error) {
	files := d.knownHostsFiles()
	var present []string
	for _, f := range files {
		if _, err := os.Stat(f); err == nil {
			present = append(present, f)
		}
	}
	check := func(string, net.Addr, ssh.PublicKey) error { return &knownhosts.KeyError{} }
	if len(present) > 0 {
		cb, err := knownhosts.New(present...)
		if err != nil {
			return nil, nil, fmt.Errorf("known_hosts: %w", err)
		}
		check = cb
	}
	algos := knownAlgorithms(check, addr)
	cb := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := check(hostname, remote, key)
		var ke *knownhosts.KeyError
		switch {
		case err == nil:
			*ok = true
			return nil
		case errors.As(err, &ke) && len(ke.Want) == 0 && d.AcceptNew:
			if werr := d.remember(files[0], hostname, key); werr != nil {
				*slot = werr
				return werr
			}
			*ok = true
			return nil
		case errors.As(err, &ke) && len(ke.Want) == 0:
			*slot = &UnknownHostError{Addr: addr, Got: ssh.FingerprintSHA256(key), KeyType: key.Type(), File: files[0]}
		case errors.As(err, &ke):
			he := &HostKeyError{Addr: addr, Got: ssh.FingerprintSHA256(key) + " (" + key.Type() + ")"}
			for _, w := range ke.Want {
				he.Want = append(he.Want, fmt.Sprintf("%s (%s, %s:%d)", ssh.FingerprintSHA256(w.Key), w.Key.Type(), w.Filename, w.Line))
			}
			*slot = he
		default:
			*slot = fmt.Errorf("host key of %s: %w", addr, err)
		}
		return *slot
	}
	return cb, algos, nil
}

// probeKey is a key no host has: asking known_hosts about it yields the
// keys listed for a host.
var probeKey = func() ssh.PublicKey {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil
	}
	k, _ := ssh.NewPublicKey(pub)
	return k
}()

// knownAlgorithms are the host-key algorithms known_hosts lists for addr.
func knownAlgorithms(check ssh.HostKeyCallback, addr string) []string {
	if probeKey == nil {
		return nil
	}
	tcp, _ := net.ResolveTCPAddr("tcp", addr)
	var remote net.Addr = &net.TCPAddr{}
	if tcp != nil {
		remote = tcp
	}
	var ke *knownhosts.KeyError
	if err := check(addr, remote, probeKey); !errors.As(err, &ke) {
		return nil
	}
	var algos []string
	seen := map[string]bool{}
	add := func(a string) {
		if !seen[a] {
			seen[a] = true
			algos = append(algos, a)
		}
	}
	for _, w := range ke.Want {
		switch t := w.Key.Type(); t {
		case ssh.KeyAlgoRSA:
			add(ssh.KeyAlgoRSASHA512)
			add(ssh.KeyAlgoRSASHA256)
			add(ssh.KeyAlgoRSA)
		default:
			add(t)
		}
	}
	return algos
}

// remember appends a host's key to a known_hosts file.
func (d *Dialer) remember(file, hostname string, key ssh.PublicKey) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("known_hosts: %w", err)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("known_hosts: %w", err)
	}
	_, err = fmt.Fprintln(f, knownhosts.Line([]string{hostname}, key))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("known_hosts %s: %w", file, err)
	}
	return nil
}

// keyFiles are the key files offered to a host, in order: its priv, the
// --priv files, else the default ones. only: identities_only, ssh's
// IdentitiesOnly=yes as Salt passes it (the keys named alone, not the
// default ones nor the agent's).
func (d *Dialer) keyFiles(h *Host) (files []string, only bool) {
	files = append([]string(nil), d.KeyFiles...)
	if h.Priv != "" {
		files = append([]string{h.Priv}, files...)
	}
	only = h.IdentitiesOnly && len(files) > 0
	if len(d.KeyFiles) == 0 && !only {
		if home, err := os.UserHomeDir(); err == nil {
			for _, n := range []string{"id_ed25519", "id_ecdsa", "id_rsa"} {
				p := filepath.Join(home, ".ssh", n)
				if _, err := os.Stat(p); err == nil {
					files = append(files, p)
				}
			}
		}
	}
	return files, only
}

// DeployKey is the public key --key-deploy puts on a host: the first
// key file offered to it that reads (its priv, --priv, else the default
// ones), as an authorized_keys line.
func (d *Dialer) DeployKey(h *Host) (string, error) {
	files, _ := d.keyFiles(h)
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		s, err := parseKey(h, i, b)
		if err != nil {
			continue
		}
		return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.PublicKey()))), nil
	}
	return "", fmt.Errorf("%s: no key file to deploy (priv, --priv, ~/.ssh/id_*)", h.ID)
}

// parseKey reads the i-th key file offered to h (keyFiles): the
// roster's priv, first, with Salt's priv_passwd as its passphrase.
func parseKey(h *Host, i int, b []byte) (ssh.Signer, error) {
	if i == 0 && h.Priv != "" && h.PrivPasswd != "" {
		return ssh.ParsePrivateKeyWithPassphrase(b, []byte(h.PrivPasswd))
	}
	return ssh.ParsePrivateKey(b)
}

// auth is what is offered to a host: its priv, the default keys and the
// agent's, as one public-key method; its password, when the roster
// gives one.
func (d *Dialer) auth(h *Host) ([]ssh.AuthMethod, func(), error) {
	var signers []ssh.Signer
	files, only := d.keyFiles(h)
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			if i == 0 && h.Priv != "" {
				return nil, nil, fmt.Errorf("%s: priv %s: %w", h.ID, f, err)
			}
			continue
		}
		s, err := parseKey(h, i, b)
		if err != nil {
			var pp *ssh.PassphraseMissingError
			if errors.As(err, &pp) {
				// A key with a passphrase is the agent's to offer.
				continue
			}
			return nil, nil, fmt.Errorf("%s: key %s: %w", h.ID, f, err)
		}
		signers = append(signers, s)
	}
	closeAgent := func() {}
	var agentSigners func() ([]ssh.Signer, error)
	if sock := os.Getenv("SSH_AUTH_SOCK"); sock != "" && !d.NoAgent && !only {
		if c, err := net.Dial("unix", sock); err == nil {
			ag := agent.NewClient(c)
			agentSigners = ag.Signers
			closeAgent = func() { c.Close() }
		}
	}
	methods := []ssh.AuthMethod{ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
		all := append([]ssh.Signer(nil), signers...)
		if agentSigners != nil {
			if more, err := agentSigners(); err == nil {
				all = append(all, more...)
			}
		}
		return all, nil
	})}
	if h.Passwd != "" {
		pw := h.Passwd
		methods = append(methods, ssh.Password(pw), ssh.KeyboardInteractive(func(_, _ string, qs []string, _ []bool) ([]string, error) {
			ans := make([]string, len(qs))
			for i := range qs {
				ans[i] = pw
			}
			return ans, nil
		}))
	}
	return methods, closeAgent, nil
}

// authMethodNames are the methods auth offers a host, by their names
// in the protocol.
func authMethodNames(h *Host) []string {
	if h.Passwd != "" {
		return []string{"publickey", "password", "keyboard-interactive"}
	}
	return []string{"publickey"}
}

// Dial connects to a host, through its jump host when it has one.
func (d *Dialer) Dial(ctx context.Context, h *Host) (*ssh.Client, error) {
	return d.dial(ctx, h, 0)
}

func (d *Dialer) dial(ctx context.Context, h *Host, depth int) (*ssh.Client, error) {
	timeout := h.timeout(d.Timeout)
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	addr := h.Addr()
	var jump *ssh.Client
	var conn net.Conn
	var err error
	if h.ProxyJump != "" {
		if depth > 4 {
			return nil, fmt.Errorf("%s: proxy_jump: more than 4 jumps (a loop?)", h.ID)
		}
		jh, err := d.jumpHost(h)
		if err != nil {
			return nil, err
		}
		if jump, err = d.dial(ctx, jh, depth+1); err != nil {
			var ue *UnreachableError
			if errors.As(err, &ue) && !ue.Handshake {
				// ssh -J says it so: the jump host's own line, which
				// names its address (and salt-ssh prints it alone).
				return nil, err
			}
			return nil, fmt.Errorf("jump host %s: %w", jh.ID, err)
		}
		dctx, cancel := context.WithTimeout(ctx, timeout)
		conn, err = jump.DialContext(dctx, "tcp", addr)
		cancel()
		if err != nil {
			jump.Close()
			return nil, &UnreachableError{Host: h.Host, Port: h.Port, Via: jh.ID, Err: err}
		}
	} else {
		nd := net.Dialer{Timeout: timeout}
		if conn, err = nd.DialContext(ctx, "tcp", addr); err != nil {
			return nil, &UnreachableError{Host: h.Host, Port: h.Port, Err: err}
		}
	}
	closeAll := func() {
		conn.Close()
		if jump != nil {
			jump.Close()
		}
	}
	var keyErr error
	var keyOK bool
	hostKey, algos, err := d.hostKeys(addr, &keyErr, &keyOK)
	if err != nil {
		closeAll()
		return nil, err
	}
	methods, closeAgent, err := d.auth(h)
	if err != nil {
		closeAll()
		return nil, err
	}
	defer closeAgent()
	cfg := &ssh.ClientConfig{User: h.User, Auth: methods, HostKeyCallback: hostKey, HostKeyAlgorithms: algos, Timeout: timeout}
	// The handshake is bounded by the timeout too, and by ctx.
	_ = conn.SetDeadline(time.Now().Add(timeout))
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	stop()
	if err != nil {
		closeAll()
		switch {
		case keyErr != nil:
			return nil, keyErr
		case keyOK && ctx.Err() == nil:
			// The host showed the right key, so the keys were exchanged:
			// what failed is the authentication that comes next
			// (x/crypto/ssh gives it no type of its own).
			return nil, &AuthError{User: h.User, Host: h.Host, Addr: addr, Methods: authMethodNames(h), Err: err}
		}
		return nil, &UnreachableError{Host: h.Host, Port: h.Port, Handshake: true, Err: err}
	}
	_ = conn.SetDeadline(time.Time{})
	client := ssh.NewClient(c, chans, reqs)
	if jump != nil {
		go func() {
			// The jump host's connection lives as long as the target's.
			_ = client.Wait()
			jump.Close()
		}()
	}
	return client, nil
}

// jumpHost is the host h's proxy_jump names: a roster id, or
// [user@]host[:port] with h's user and keys.
func (d *Dialer) jumpHost(h *Host) (*Host, error) {
	if d.Roster != nil {
		if jh, ok := d.Roster.Hosts[h.ProxyJump]; ok {
			return jh, nil
		}
	}
	user, host, port, err := parseJump(h.ProxyJump, h.User)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", h.ID, err)
	}
	return &Host{ID: h.ProxyJump, Host: host, Port: port, User: user, Priv: h.Priv, Timeout: h.Timeout}, nil
}
