// Package sshd starts real OpenSSH servers (Debian's /usr/sbin/sshd) on
// loopback for brine ssh's end-to-end tests and benchmark: each with its
// own host key, sshd_config and authorized keys, on a port of its own,
// as root. Users the tests log in as (with or without sudo rights) exist
// only for the server: it runs in a mount namespace of its own, with
// /etc/passwd, /etc/group, /etc/shadow and /etc/sudoers bind-mounted
// over by copies that add them, so the machine's own files never change.
package sshd

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// User is a login the server knows besides root.
type User struct {
	Name string
	UID  int
	// PasswdHash is the crypt(3) hash in the shadow file ("" locks the
	// password).
	PasswdHash string
	// Sudo: "" none, "password" sudo with the user's password, "nopasswd"
	// sudo with none.
	Sudo string
}

// TestPassword is the password of PasswdHash.
const (
	TestPassword = "brine-sudo-pw"
	PasswdHash   = "$6$brinetestsalt$IQqciU3MtPzCbuzUePN6GjW4WIcNekb.2lkV/2MVfdF56WW5myoreENEXmSowMzVGhIJhc4prVhmsB/mat2T6/"
)

// Options shape one server.
type Options struct {
	Users []User
	// ClientKeys are public keys (authorized_keys lines) every user
	// accepts.
	ClientKeys []string
	// Debug logs at DEBUG1: forwardings (a jump host's) are logged.
	Debug bool
	// Password allows password authentication.
	Password bool
	// HomeKeys reads each user's ~/.ssh/authorized_keys too.
	HomeKeys bool
}

// Server is a running sshd.
type Server struct {
	Port    int
	Dir     string
	HostKey string // the host's public key line (type base64)
	Log     string // sshd's log file
	cmd     *exec.Cmd
}

// Addr is 127.0.0.1:port.
func (s *Server) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.Port) }

// KnownHostsLine is the line known_hosts needs for this server.
func (s *Server) KnownHostsLine() string {
	return fmt.Sprintf("[127.0.0.1]:%d %s", s.Port, s.HostKey)
}

// Keygen makes an ed25519 key pair at path (path.pub beside it) and
// returns the public line.
func Keygen(path string) (string, error) {
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "brine-test", "-f", path).CombinedOutput(); err != nil {
		return "", fmt.Errorf("ssh-keygen: %v: %s", err, out)
	}
	b, err := os.ReadFile(path + ".pub")
	return strings.TrimSpace(string(b)), err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start starts sshd -D on a free loopback port and waits until it
// listens. Stop it with Stop.
func Start(o Options) (*Server, error) {
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		return nil, err
	}
	// The server's files are read by the users it logs in too: its dir
	// is one of its own in the temp dir, traversable (Stop removes it);
	// the host key alone is private.
	dir, err := os.MkdirTemp("", "brine-sshd-")
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	s, err := start(o, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

func start(o Options, dir string) (*Server, error) {
	hostPub, err := Keygen(filepath.Join(dir, "host_ed25519"))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), []byte(strings.Join(o.ClientKeys, "\n")+"\n"), 0o644); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	level := "VERBOSE"
	if o.Debug {
		level = "DEBUG1"
	}
	pw := "no"
	if o.Password {
		pw = "yes"
	}
	keyFiles := filepath.Join(dir, "authorized_keys")
	if o.HomeKeys {
		keyFiles += " %h/.ssh/authorized_keys"
	}
	conf := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
PidFile none
AuthorizedKeysFile %s
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication %s
KbdInteractiveAuthentication no
AllowTcpForwarding yes
LogLevel %s
MaxStartups 100:30:200
MaxSessions 50
`, port, filepath.Join(dir, "host_ed25519"), keyFiles, pw, level)
	confPath := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	s := &Server{Port: port, Dir: dir, HostKey: hostPub[:strings.LastIndex(hostPub, " ")], Log: filepath.Join(dir, "sshd.log")}
	logf, err := os.Create(s.Log)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	args := []string{"/usr/sbin/sshd", "-D", "-e", "-f", confPath}
	if len(o.Users) > 0 {
		binds, err := userFiles(dir, o.Users)
		if err != nil {
			return nil, err
		}
		// unshare execs the script in a mount namespace of its own; the
		// script binds the copies and becomes sshd.
		script := `set -e
while [ "$1" != -- ]; do mount --bind "$1" "$2"; shift 2; done; shift
exec "$@"`
		args = append(append([]string{"unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"}, binds...), append([]string{"--"}, args...)...)
	}
	s.cmd = exec.Command(args[0], args[1:]...)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
		if err == nil {
			c.Close()
			return s, nil
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(s.Log)
			s.Stop()
			return nil, fmt.Errorf("sshd on %s did not listen: %s", s.Addr(), b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// userFiles writes copies of the account files that add the users, and
// their homes, and returns the bind pairs (copy, target).
func userFiles(dir string, users []User) ([]string, error) {
	var passwd, group, shadow, sudoers bytes.Buffer
	for _, f := range []struct {
		b    *bytes.Buffer
		path string
	}{{&passwd, "/etc/passwd"}, {&group, "/etc/group"}, {&shadow, "/etc/shadow"}} {
		b, err := os.ReadFile(f.path)
		if err != nil {
			return nil, err
		}
		f.b.Write(b)
	}
	sudoers.WriteString("Defaults env_reset\nDefaults !lecture\nroot ALL=(ALL:ALL) ALL\n")
	for _, u := range users {
		home := filepath.Join(dir, "home-"+u.Name)
		if err := os.MkdirAll(home, 0o755); err != nil {
			return nil, err
		}
		if err := os.Chown(home, u.UID, u.UID); err != nil {
			return nil, err
		}
		fmt.Fprintf(&passwd, "%s:x:%d:%d::%s:/bin/sh\n", u.Name, u.UID, u.UID, home)
		fmt.Fprintf(&group, "%s:x:%d:\n", u.Name, u.UID)
		h := u.PasswdHash
		if h == "" {
			h = "*"
		}
		fmt.Fprintf(&shadow, "%s:%s:19000:0:99999:7:::\n", u.Name, h)
		switch u.Sudo {
		case "password":
			fmt.Fprintf(&sudoers, "%s ALL=(ALL:ALL) ALL\n", u.Name)
		case "nopasswd":
			fmt.Fprintf(&sudoers, "%s ALL=(ALL:ALL) NOPASSWD: ALL\n", u.Name)
		}
	}
	var binds []string
	for _, f := range []struct {
		b      *bytes.Buffer
		target string
		mode   os.FileMode
	}{{&passwd, "/etc/passwd", 0o644}, {&group, "/etc/group", 0o644}, {&shadow, "/etc/shadow", 0o640}, {&sudoers, "/etc/sudoers", 0o440}} {
		p := filepath.Join(dir, "etc-"+filepath.Base(f.target))
		if err := os.WriteFile(p, f.b.Bytes(), f.mode); err != nil {
			return nil, err
		}
		if err := os.Chmod(p, f.mode); err != nil {
			return nil, err
		}
		if _, err := os.Stat(f.target); errors.Is(err, os.ErrNotExist) {
			// sudo not installed: nothing to bind over.
			continue
		}
		binds = append(binds, p, f.target)
	}
	return binds, nil
}

// Stop stops the server and waits for it.
func (s *Server) Stop() {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
	os.RemoveAll(s.Dir)
}

// LogText is the server's log so far.
func (s *Server) LogText() string {
	b, _ := os.ReadFile(s.Log)
	return string(b)
}
