package sshrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

// The scripts brine runs on a host are constants: their data comes as
// positional parameters ($1…), quoted by Command, never pasted in.
const (
	// prepareScript makes the cache dir (0700, this user's, not a
	// link), and prints the machine and the sha256 of the brine binary
	// in it, when there is one.
	prepareScript = `d=$1
umask 077
mkdir -p -- "$d" 2>/dev/null
if [ -L "$d" ] || [ ! -d "$d" ] || [ ! -O "$d" ]; then echo "brine: $d is not a directory of this user" >&2; exit 97; fi
chmod 700 -- "$d" || exit 97
uname -m
if [ -f "$d/brine" ]; then sha256sum < "$d/brine"; fi`

	// installScript writes stdin to a temp file beside the target, makes
	// it executable and renames it into place, then prints the sha256
	// of what is in place.
	installScript = `d=$1 t="$1/.brine.tmp.$$"
umask 077
if cat > "$t" && chmod 700 -- "$t" && mv -f -- "$t" "$d/brine"; then sha256sum < "$d/brine"; else rm -f -- "$t"; exit 1; fi`

	// wipeScript removes the cache dir, when it is this user's.
	wipeScript = `d=$1
if [ -L "$d" ] || [ ! -O "$d" ]; then exit 0; fi
rm -rf -- "$d"`

	// readyScript is what sudo -S runs: it says on stderr that sudo
	// is done with stdin, then becomes the command.
	readyScript = `echo ` + sudoReady + ` >&2; exec "$@"`
)

const (
	sudoPrompt = "[brine-sudo-password]"
	sudoReady  = "brine-sudo-ready"
)

// RemoteError is a command that failed on the host: its exit status
// and the end of its stderr.
type RemoteError struct {
	What   string
	Status int // -1: no status (the connection went)
	Stderr string
	Err    error
}

func (e *RemoteError) Error() string {
	msg := fmt.Sprintf("%s: exit status %d", e.What, e.Status)
	if e.Status < 0 {
		msg = fmt.Sprintf("%s: %v", e.What, e.Err)
	}
	if s := strings.TrimSpace(e.Stderr); s != "" {
		msg += ": " + s
	}
	return msg
}

func (e *RemoteError) Unwrap() error { return e.Err }

// SudoError is sudo refusing: no password in the roster where one is
// needed, or the wrong one.
type SudoError struct {
	User   string
	Stderr string
}

func (e *SudoError) Error() string {
	return fmt.Sprintf("sudo as %s refused: %s", e.User, strings.TrimSpace(e.Stderr))
}

// remote is one connected host.
type remote struct {
	c *ssh.Client
	h *Host
}

// argv is what runs on the host for argv: under sudo when the roster
// says so (-n with no password; -S, with a prompt brine knows, when it
// has one).
func (r *remote) argv(argv []string) []string {
	if !r.h.sudo() {
		return argv
	}
	sudo := []string{"sudo"}
	if r.h.SudoUser != "" {
		// Salt's shim: sudo -u SUDO_USER, when sudo is on.
		sudo = append(sudo, "-u", r.h.SudoUser)
	}
	if r.h.Passwd == "" {
		return append(append(sudo, "-n", "-H", "--"), argv...)
	}
	return append(append(sudo, "-k", "-S", "-H", "-p", sudoPrompt, "--", "sh", "-c", readyScript, "sh"), argv...)
}

// sudo tells whether brine runs under sudo on the host: with sudo, as
// another user than the login (root, or sudo_user).
func (h *Host) sudo() bool {
	if !h.Sudo {
		return false
	}
	if h.SudoUser != "" {
		return h.SudoUser != h.User
	}
	return h.User != "root"
}

// proc is a command started on the host.
type proc struct {
	s      *ssh.Session
	stdin  io.WriteCloser
	stdout io.Reader
	stderr *tailBuffer
	ready  chan struct{} // closed once stdin is the command's
	sudo   *sudoWatch
}

// start starts argv on the host. Once ready is closed, what goes to
// stdin reaches the command (not sudo).
func (r *remote) start(ctx context.Context, what string, argv []string) (*proc, error) {
	s, err := r.c.NewSession()
	if err != nil {
		return nil, &RemoteError{What: what, Status: -1, Err: err}
	}
	p := &proc{s: s, stderr: &tailBuffer{max: 16 << 10}, ready: make(chan struct{})}
	if p.stdin, err = s.StdinPipe(); err != nil {
		s.Close()
		return nil, &RemoteError{What: what, Status: -1, Err: err}
	}
	if p.stdout, err = s.StdoutPipe(); err != nil {
		s.Close()
		return nil, &RemoteError{What: what, Status: -1, Err: err}
	}
	full := r.argv(argv)
	if r.h.sudo() && r.h.Passwd != "" {
		p.sudo = &sudoWatch{pw: r.h.Passwd, stdin: p.stdin, out: p.stderr, ready: p.ready}
		s.Stderr = p.sudo
	} else {
		s.Stderr = p.stderr
		close(p.ready)
	}
	if err := s.Start(Command(full...)); err != nil {
		s.Close()
		return nil, &RemoteError{What: what, Status: -1, Err: err}
	}
	return p, nil
}

// waitReady waits until stdin is the command's, or the command ended.
func (p *proc) waitReady(ctx context.Context, done <-chan struct{}) error {
	select {
	case <-p.ready:
		return nil
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wait waits for the command and returns a *RemoteError (or
// *SudoError) when it failed.
func (p *proc) wait(what, user string) error {
	err := p.s.Wait()
	p.s.Close()
	if err == nil {
		return nil
	}
	if p.sudo != nil && p.sudo.refused() {
		return &SudoError{User: user, Stderr: p.stderr.String()}
	}
	var ee *ssh.ExitError
	if errors.As(err, &ee) {
		return &RemoteError{What: what, Status: ee.ExitStatus(), Stderr: p.stderr.String()}
	}
	return &RemoteError{What: what, Status: -1, Stderr: p.stderr.String(), Err: err}
}

// output runs argv with stdin and returns its stdout.
func (r *remote) output(ctx context.Context, what string, argv []string, stdin io.Reader) ([]byte, error) {
	p, err := r.start(ctx, what, argv)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(&out, p.stdout)
	}()
	if err := p.waitReady(ctx, copied); err != nil {
		p.s.Close()
		<-copied
		return nil, err
	}
	if stdin != nil {
		_, _ = io.Copy(p.stdin, stdin)
	}
	p.stdin.Close()
	stop := context.AfterFunc(ctx, func() { p.s.Close() })
	defer stop()
	<-copied
	if err := p.wait(what, r.h.User); err != nil {
		return nil, err
	}
	if p.sudo != nil && p.sudo.refused() {
		return nil, &SudoError{User: r.h.User, Stderr: p.stderr.String()}
	}
	return out.Bytes(), nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// sudoWatch reads sudo's stderr: it answers sudo's prompt with the
// password once, and closes ready when sudo hands over to the command.
// A second prompt is a wrong password: stdin is closed, and sudo fails.
type sudoWatch struct {
	pw    string
	stdin io.WriteCloser
	out   io.Writer
	ready chan struct{}

	mu      sync.Mutex
	seen    []byte // stderr until ready
	asked   int
	isReady bool
	refuse  bool
}

func (w *sudoWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.isReady {
		return w.out.Write(p)
	}
	w.seen = append(w.seen, p...)
	for {
		pi := bytes.Index(w.seen, []byte(sudoPrompt))
		ri := bytes.Index(w.seen, []byte(sudoReady+"\n"))
		switch {
		case ri >= 0 && (pi < 0 || ri < pi):
			w.isReady = true
			rest := w.seen[ri+len(sudoReady)+1:]
			_, _ = w.out.Write(w.seen[:ri])
			close(w.ready)
			if len(rest) > 0 {
				_, _ = w.out.Write(rest)
			}
			w.seen = nil
			return len(p), nil
		case pi >= 0:
			_, _ = w.out.Write(w.seen[:pi])
			w.seen = w.seen[pi+len(sudoPrompt):]
			w.asked++
			if w.asked == 1 {
				_, _ = io.WriteString(w.stdin, w.pw+"\n")
			} else {
				w.refuse = true
				w.stdin.Close()
			}
			continue
		}
		if len(w.seen) > 64<<10 {
			_, _ = w.out.Write(w.seen)
			w.seen = nil
		}
		return len(p), nil
	}
}

func (w *sudoWatch) refused() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.isReady {
		_, _ = w.out.Write(w.seen)
		w.seen = nil
	}
	return w.refuse || !w.isReady
}
