package sshrun

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"

	"github.com/brine-cm/brine/pkg/proto"
)

// Options are how a run reaches its hosts and what it sends them.
type Options struct {
	Dialer *Dialer
	Tree   *Tree
	// Binary is the brine binary copied to hosts (default: this one).
	Binary string
	// Wipe removes the cache dir from each host after the run.
	Wipe bool
	// KeyDeploy puts the operator's public key in the login's
	// authorized_keys on each host the roster gives a password for,
	// after the run (salt-ssh's --key-deploy).
	KeyDeploy bool
	// ShimLogLevel is the shim's log level (its stderr ends up in the
	// error of a run that failed).
	ShimLogLevel string
	Log          *slog.Logger

	once    sync.Once
	binSum  string
	binPath string
	binErr  error
}

func (o *Options) binary() (path, sum string, err error) {
	o.once.Do(func() {
		o.binPath = o.Binary
		if o.binPath == "" {
			if o.binPath, o.binErr = os.Executable(); o.binErr != nil {
				return
			}
		}
		f, err := os.Open(o.binPath)
		if err != nil {
			o.binErr = fmt.Errorf("brine binary: %w", err)
			return
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			o.binErr = fmt.Errorf("brine binary %s: %w", o.binPath, err)
			return
		}
		o.binSum = hex.EncodeToString(h.Sum(nil))
	})
	return o.binPath, o.binSum, o.binErr
}

// Result is one host's outcome: its return, or why there is none.
type Result struct {
	ID     string
	Return *proto.Return // nil when the host did not run the call
	Err    error         // *UnreachableError, *AuthError, *HostKeyError, *UnknownHostError, *SudoError, *RemoteError, *PillarError…
	Copied bool          // the brine binary was copied to the host
}

// Failure is how salt-ssh reports a host the call did not run on
// (Salt's SSH.handle_routine, when the host's stdout holds no return):
// the retcode, and the stdout and stderr of its ssh. Salt's
// Shell._run_cmd gives 254 for a host key no known_hosts lists (the
// question on stdout) and for a password prompt its password did not
// pass (sudo's, here); a command that ran on the host and failed (sudo
// -n wanting a password) gives its exit status, as ssh passes it on;
// anything else is ssh's own 255.
func Failure(err error) (retcode int, stdout, stderr string) {
	var uh *UnknownHostError
	var se *SudoError
	var re *RemoteError
	switch {
	case errors.As(err, &uh):
		return 254, uh.Prompt(), ""
	case errors.As(err, &se):
		return 254, "", "Password authentication failed\n" + err.Error()
	case errors.As(err, &re) && re.Status > 0:
		return re.Status, "", err.Error()
	}
	return 255, "", err.Error()
}

// ArchError is a host of another machine type than this brine binary's.
type ArchError struct{ Host, Want string }

func (e *ArchError) Error() string {
	return fmt.Sprintf("the host is %s, this brine is built for %s: run brine ssh from a brine of the host's architecture", e.Host, e.Want)
}

// unameArch is uname -m for GOARCH, where they differ.
var unameArch = map[string][]string{"amd64": {"x86_64"}, "arm64": {"aarch64", "arm64"}, "386": {"i386", "i486", "i586", "i686"},
	"arm": {"armv6l", "armv7l", "armv8l"}, "riscv64": {"riscv64"}, "ppc64le": {"ppc64le"}, "s390x": {"s390x"}}

// RunHost runs one call on one host: connect, make sure the brine binary
// is in the cache dir, run the shim, converse with it.
func RunHost(ctx context.Context, h *Host, c Call, o *Options, onEvent func(proto.StateResult)) Result {
	res := Result{ID: h.ID}
	bin, want, err := o.binary()
	if err != nil {
		res.Err = err
		return res
	}
	r, copied, err := o.prepare(ctx, h, bin, want)
	res.Copied = copied
	if err != nil {
		res.Err = err
		return res
	}
	defer r.c.Close()
	res.Return, res.Err = r.shim(ctx, c, o, onEvent)
	if o.Wipe {
		if _, err := r.output(ctx, "wipe "+h.Dir(), []string{"sh", "-c", wipeScript, "sh", h.Dir()}, nil); err != nil && res.Err == nil {
			res.Err = err
		}
	}
	if o.KeyDeploy && h.Passwd != "" {
		// Salt's SSH.key_deploy: the key goes after the run, for the
		// next one, and a failure to put it leaves the return as it is.
		if err := deployKey(ctx, r.c, o.Dialer, h); err != nil && o.Log != nil {
			o.Log.Warn("--key-deploy: the key was not deployed", "host", h.ID, "err", err)
		}
	}
	return res
}

// keyDeployScript adds the line $1 to the login's authorized_keys when
// it is not there, as ssh-copy-id does.
const keyDeployScript = `umask 077
mkdir -p -- "$HOME/.ssh" && touch -- "$HOME/.ssh/authorized_keys" || exit 1
grep -qxF -- "$1" "$HOME/.ssh/authorized_keys" || printf '%s\n' "$1" >> "$HOME/.ssh/authorized_keys"`

// deployKey runs keyDeployScript as the login (never under sudo: the
// key is the login's).
func deployKey(ctx context.Context, c *ssh.Client, d *Dialer, h *Host) error {
	key, err := d.DeployKey(h)
	if err != nil {
		return err
	}
	s, err := c.NewSession()
	if err != nil {
		return &RemoteError{What: "key deploy", Status: -1, Err: err}
	}
	defer s.Close()
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	var stderr bytes.Buffer
	s.Stderr = &stderr
	if err := s.Run(Command("sh", "-c", keyDeployScript, "sh", key)); err != nil {
		return &RemoteError{What: "key deploy", Status: -1, Stderr: stderr.String(), Err: err}
	}
	return nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// shim runs brine ssh-shim on the host and converses with it.
func (r *remote) shim(ctx context.Context, c Call, o *Options, onEvent func(proto.StateResult)) (*proto.Return, error) {
	dir := r.h.Dir()
	argv := []string{dir + "/brine", "ssh-shim", "--id", r.h.ID, "--dir", dir}
	if o.ShimLogLevel != "" {
		argv = append(argv, "--log-level", o.ShimLogLevel)
	}
	what := "brine ssh-shim on " + r.h.ID
	p, err := r.start(ctx, what, argv)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { p.s.Close() })
	defer stop()
	// The shim speaks first (hello): no need to wait for sudo to hand
	// over stdin, and a sudo that refuses ends stdout.
	ret, cerr := converse(ctx, p.stdout, p.stdin, r.h, c, o.Tree, onEvent)
	p.stdin.Close()
	if cerr != nil {
		// The shim may have said why on stderr: wait for its end.
		if werr := p.wait(what, r.h.User); werr != nil {
			return nil, fmt.Errorf("%w (%v)", werr, cerr)
		}
		return nil, cerr
	}
	if err := p.wait(what, r.h.User); err != nil {
		return ret, err
	}
	return ret, nil
}

// Run runs a call on hosts: batch at a time (0: all), at most maxProcs
// of them at once. onEvent and onResult are never called at once.
func Run(ctx context.Context, hosts []*Host, c Call, o *Options, maxProcs, batch int, onEvent func(id string, ev proto.StateResult), onResult func(Result)) {
	var mu sync.Mutex
	forHosts(ctx, hosts, maxProcs, batch, func(h *Host) {
		mu.Lock()
		onResult(Result{ID: h.ID, Err: ctx.Err()})
		mu.Unlock()
	}, func(h *Host) {
		hc := c
		hc.ID = h.ID
		if root, ok := h.MinionOpts["root"].(string); ok && hc.Root == "" {
			hc.Root = root
		}
		res := RunHost(ctx, h, hc, o, func(ev proto.StateResult) {
			if onEvent != nil {
				mu.Lock()
				onEvent(h.ID, ev)
				mu.Unlock()
			}
		})
		mu.Lock()
		onResult(res)
		mu.Unlock()
	})
}

// forHosts calls run for each host, batch at a time (0: all), at most
// maxProcs at once; canceled, for the hosts left when ctx ends.
func forHosts(ctx context.Context, hosts []*Host, maxProcs, batch int, canceled, run func(*Host)) {
	if maxProcs <= 0 {
		maxProcs = 25
	}
	if batch <= 0 {
		batch = len(hosts)
	}
	for len(hosts) > 0 {
		group := hosts[:min(batch, len(hosts))]
		hosts = hosts[len(group):]
		var wg sync.WaitGroup
		slots := make(chan struct{}, maxProcs)
		for _, h := range group {
			if ctx.Err() != nil {
				canceled(h)
				continue
			}
			slots <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-slots; wg.Done() }()
				run(h)
			}()
		}
		wg.Wait()
	}
}

// prepare connects to a host and makes sure its cache dir holds this
// brine binary (bin, of sha256 want), copying it only when the one
// there differs. The caller closes r.c.
func (o *Options) prepare(ctx context.Context, h *Host, bin, want string) (r *remote, copied bool, err error) {
	client, err := o.Dialer.Dial(ctx, h)
	if err != nil {
		return nil, false, err
	}
	r = &remote{c: client, h: h}
	defer func() {
		if err != nil {
			client.Close()
		}
	}()
	dir := h.Dir()
	out, err := r.output(ctx, "prepare "+dir, []string{"sh", "-c", prepareScript, "sh", dir}, nil)
	if err != nil {
		return nil, false, err
	}
	lines := strings.Fields(string(out))
	if len(lines) == 0 {
		return nil, false, &RemoteError{What: "prepare " + dir, Status: 0, Stderr: "no machine type"}
	}
	if names, ok := unameArch[runtime.GOARCH]; ok && !contains(names, lines[0]) {
		return nil, false, &ArchError{Host: lines[0], Want: runtime.GOOS + "/" + runtime.GOARCH}
	}
	if len(lines) >= 2 && lines[1] == want {
		return r, false, nil
	}
	f, err := os.Open(bin)
	if err != nil {
		return nil, false, fmt.Errorf("brine binary: %w", err)
	}
	out, err = r.output(ctx, "install "+dir+"/brine", []string{"sh", "-c", installScript, "sh", dir}, f)
	f.Close()
	if err != nil {
		return nil, false, err
	}
	if got := strings.Fields(string(out)); len(got) == 0 || got[0] != want {
		return nil, false, &RemoteError{What: "install " + dir + "/brine", Stderr: "the copy's sha256 is not the binary's"}
	}
	if o.Log != nil {
		o.Log.Info("brine copied to the host", "host", h.ID, "dir", dir, "sha256", want)
	}
	return r, true, nil
}
