package sshrun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/exec"
	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/grains"
	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/proto"
)

// ShimOptions are the shim's: what the operator put on its command line.
type ShimOptions struct {
	ID      string // the roster id: the host's minion id for this run
	Dir     string // the cache dir: files by sha256 under Dir/files
	Version string // brine's
	Log     *slog.Logger
}

// Serve is the shim: it runs one call for the operator at the other end
// of in and out (see wire.go) and returns when the return is sent.
func Serve(ctx context.Context, in io.Reader, out io.Writer, o ShimOptions) error {
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &shim{r: newLineReader(in), w: out, dir: o.Dir}
	g, err := grains.Collect(grains.Options{ID: o.ID, Version: o.Version})
	if err != nil {
		return fmt.Errorf("grains: %w", err)
	}
	g["id"] = o.ID
	if err := s.send(&message{T: tHello, Grains: g, Version: o.Version}); err != nil {
		return err
	}
	var start message
	if err := s.r.expect(&start, tStart); err != nil {
		return err
	}
	c := start.Call
	if c == nil {
		return &ProtocolError{Want: "start with a call", Got: tStart}
	}
	if start.Grains != nil {
		g = start.Grains
	}
	g["id"] = o.ID
	env := c.Saltenv
	if env == "" {
		env = fileroot.DefaultEnv
	}
	host := &exec.Host{
		ID:       o.ID,
		Grains:   g,
		Pillar:   odict.New(0),
		Files:    &shimFiles{s: s, env: env},
		Env:      env,
		Root:     c.Root,
		Log:      o.Log,
		Failhard: c.Failhard,
		OnState: func(r engine.StateResult) {
			ev := exec.WireState(r)
			if err := s.send(&message{T: tEvent, Event: &ev}); err != nil {
				o.Log.Warn("event not sent", "err", err)
			}
		},
	}
	if len(start.Pillar) > 0 && string(start.Pillar) != "null" {
		// In the pillar files' order, numbers as json.Number.
		if err := json.Unmarshal(start.Pillar, host.Pillar); err != nil {
			return fmt.Errorf("pillar: %w", err)
		}
	}
	begin := time.Now().UTC()
	r := exec.Call(ctx, host, c.Fun, c.Args, c.Kwargs)
	ret := &proto.Return{ID: o.ID, Fun: c.Fun, Args: c.Args, Return: exec.WireValue(r.Value), Retcode: r.Retcode,
		Success: r.Retcode == 0, Out: r.Out, Start: begin, End: time.Now().UTC()}
	return s.send(&message{T: tReturn, Return: ret})
}

// shim is the shim's end of the session.
type shim struct {
	r   *lineReader
	dir string

	wmu sync.Mutex // one message written at a time
	w   io.Writer

	rmu sync.Mutex // one request and its answer at a time
}

func (s *shim) send(m *message) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return writeMsg(s.w, m)
}

// ask sends a request and reads its answer, which must be of type want.
func (s *shim) ask(req *message, want string) (*message, error) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	if err := s.send(req); err != nil {
		return nil, err
	}
	var m message
	if err := s.r.expect(&m, want); err != nil {
		return nil, err
	}
	return &m, nil
}

// shimFiles reads the state tree through the operator
// (states.FileSource and states.FileLister), keeping what it fetched
// in the cache dir by sha256: a file the host has is not sent again.
type shimFiles struct {
	s   *shim
	env string

	mu   sync.Mutex
	memo map[string][]byte
}

// url is raw with the run's environment when it names none, so that
// the operator reads the same file the host means.
func (f *shimFiles) url(raw string) (string, error) {
	rel, env, err := fileroot.ParseURL(raw)
	if err != nil {
		return "", err
	}
	if env == "" {
		env = f.env
	}
	return "salt://" + rel + "?saltenv=" + env, nil
}

func (f *shimFiles) ReadFile(ctx context.Context, raw string) ([]byte, error) {
	u, err := f.url(raw)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	b, ok := f.memo[u]
	f.mu.Unlock()
	if ok {
		return b, nil
	}
	st, err := f.s.ask(&message{T: tStat, URL: u}, tFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", raw, err)
	}
	if err := answerErr(raw, st); err != nil {
		return nil, err
	}
	if !validSHA(st.SHA256) {
		return nil, fmt.Errorf("%s: %w", raw, &ProtocolError{Want: "a sha256", Got: st.SHA256})
	}
	cache := filepath.Join(f.s.dir, "files", st.SHA256)
	if b, err = os.ReadFile(cache); err != nil || sum(b) != st.SHA256 {
		got, err := f.s.ask(&message{T: tGet, URL: u}, tFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", raw, err)
		}
		if err := answerErr(raw, got); err != nil {
			return nil, err
		}
		b = got.Data
		if b == nil {
			b = []byte{}
		}
		if h := sum(b); h != got.SHA256 {
			return nil, fmt.Errorf("%s: content is not its sha256 (%s, said %s)", raw, h, proto.Clip(got.SHA256, 80))
		}
		if validSHA(got.SHA256) {
			if err := os.MkdirAll(filepath.Dir(cache), 0o700); err == nil {
				_ = atomicfile.WriteSync(filepath.Join(f.s.dir, "files", got.SHA256), b, 0o600)
			}
		}
	}
	f.mu.Lock()
	if f.memo == nil {
		f.memo = map[string][]byte{}
	}
	f.memo[u] = b
	f.mu.Unlock()
	return b, nil
}

func (f *shimFiles) ListDir(ctx context.Context, raw string) ([]string, error) {
	u, err := f.url(raw)
	if err != nil {
		return nil, err
	}
	m, err := f.s.ask(&message{T: tList, URL: u}, tList)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", raw, err)
	}
	if err := answerErr(raw, m); err != nil {
		return nil, err
	}
	return m.Names, nil
}

// answerErr is the error an answer carries: a missing file matches
// fs.ErrNotExist, as a file source's must.
func answerErr(raw string, m *message) error {
	switch {
	case m.Missing:
		return fmt.Errorf("%s: %w", raw, fs.ErrNotExist)
	case m.Err != "":
		return fmt.Errorf("%s: %s", raw, m.Err)
	}
	return nil
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func validSHA(s string) bool {
	return len(s) == 64 && strings.Trim(s, "0123456789abcdef") == ""
}
