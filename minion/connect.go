package minion

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The ways the road to the master can fail that are brine's own (the
// others are the standard library's and nats.go's typed errors); each
// is a diagnosis of its own (see Classify).
var (
	// ErrPlaintextMaster: minion.yaml names a plain-text master beyond
	// loopback without allow_plaintext.
	ErrPlaintextMaster = errors.New("plain text to a master beyond loopback")
	// ErrMasterRequiresTLS: the URL says nats:// and no CA is pinned, but
	// the master speaks only TLS.
	ErrMasterRequiresTLS = errors.New("the master requires TLS")
	// ErrNotNATS: something answers on the master's port, but not with a
	// NATS greeting.
	ErrNotNATS = errors.New("not a NATS server")
	// ErrNoCAInChain: the master's TLS chain ends at its own certificate,
	// so there is no CA to pin or to check against the pin.
	ErrNoCAInChain = errors.New("the master sent no CA certificate in its chain")
	// ErrKeyNotAccepted: connected, but the master's server denied this
	// minion its hello: its key is pending or rejected.
	ErrKeyNotAccepted = errors.New("key not accepted by the master")
	// ErrNoMasterAnswer: connected to the NATS server, but nobody answered
	// the hello and nothing was denied: no master serves there.
	ErrNoMasterAnswer = errors.New("no master answers")
)

// PinMismatchError is a master whose CA is not the pinned one. It is an
// ErrWrongMaster.
type PinMismatchError struct {
	Got, Pinned string
}

func (e *PinMismatchError) Error() string {
	return fmt.Sprintf("master CA fingerprint %s does not match the pinned %s", e.Got, e.Pinned)
}

func (e *PinMismatchError) Unwrap() error { return ErrWrongMaster }

// PlaintextRefusedError is a master that offers no TLS to a minion that
// will speak nothing else: a CA is pinned, or the URL says tls://. That
// is what a proxy that strips TLS looks like.
type PlaintextRefusedError struct {
	Addr string
	// Pinned is the pinned CA fingerprint, empty when tls:// alone asked
	// for TLS.
	Pinned string
}

func (e *PlaintextRefusedError) Error() string {
	why := "the master URL says tls://"
	if e.Pinned != "" {
		why = "the master's CA is pinned (" + e.Pinned + ")"
	}
	return fmt.Sprintf("%s offers no TLS, and %s: refusing plain text", e.Addr, why)
}

// TLSError is a TLS handshake with the master that failed. Seen is the
// fingerprint of the CA the master presented, when it got that far.
type TLSError struct {
	Addr string
	Seen string
	Err  error
}

func (e *TLSError) Error() string {
	if e.Seen != "" {
		return fmt.Sprintf("TLS handshake with %s (its CA %s): %v", e.Addr, e.Seen, e.Err)
	}
	return fmt.Sprintf("TLS handshake with %s: %v", e.Addr, e.Err)
}

func (e *TLSError) Unwrap() error { return e.Err }

// DefaultPort is the master's NATS port when the URL names none.
const DefaultPort = 4222

// MasterURL is the `master` key of minion.yaml, parsed: one master's
// URL, or several (Salt's list of masters; for brine the nodes of one
// NATS cluster, see docs/scaling.md). Scheme, Host and Port are the
// first's; All lists every one.
type MasterURL struct {
	Scheme string // nats or tls
	Host   string
	Port   int
	// more are the URLs after the first, in the order given.
	more []MasterURL
}

// ParseMasterURL reads nats://HOST[:PORT] or tls://HOST[:PORT]; a bare
// HOST[:PORT] is nats://, as nats.go reads it. Several URLs are written
// with commas between them, as nats.go takes them (minion.yaml may give
// them as a list): they must share one scheme, since a minion that
// wants TLS from one master wants it from all, and name each address
// once.
func ParseMasterURL(s string) (MasterURL, error) {
	if s == "" {
		return MasterURL{}, errors.New("empty")
	}
	var first MasterURL
	seen := map[string]bool{}
	for i, one := range strings.Split(s, ",") {
		u, err := parseOneURL(strings.TrimSpace(one))
		if err != nil {
			if strings.Contains(s, ",") {
				return MasterURL{}, fmt.Errorf("%q: %w", strings.TrimSpace(one), err)
			}
			return MasterURL{}, err
		}
		if seen[u.Addr()] {
			return MasterURL{}, fmt.Errorf("%s is listed twice", u.Addr())
		}
		seen[u.Addr()] = true
		if i == 0 {
			first = u
			continue
		}
		if u.Scheme != first.Scheme {
			return MasterURL{}, fmt.Errorf("%s and %s: every master must use the same scheme (tls:// for all, or nats:// on loopback)", first, u)
		}
		first.more = append(first.more, u)
	}
	return first, nil
}

func parseOneURL(s string) (MasterURL, error) {
	if s == "" {
		return MasterURL{}, errors.New("empty")
	}
	if !strings.Contains(s, "://") {
		s = "nats://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return MasterURL{}, err
	}
	if u.Scheme != "nats" && u.Scheme != "tls" {
		return MasterURL{}, fmt.Errorf("scheme %s: want nats:// or tls://", u.Scheme)
	}
	if u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return MasterURL{}, errors.New("want scheme://host:port and nothing else (credentials are the minion's key)")
	}
	mu := MasterURL{Scheme: u.Scheme, Host: u.Hostname(), Port: DefaultPort}
	if mu.Host == "" {
		return MasterURL{}, errors.New("no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return MasterURL{}, fmt.Errorf("port %q out of range", p)
		}
		mu.Port = n
	}
	return mu, nil
}

// All lists every master's URL, the first first.
func (u MasterURL) All() []MasterURL {
	one := u
	one.more = nil
	return append([]MasterURL{one}, u.more...)
}

// at is the URL whose address is addr (what nats.go hands the dialer).
func (u MasterURL) at(addr string) (MasterURL, bool) {
	for _, one := range u.All() {
		if one.Addr() == addr {
			return one, true
		}
	}
	return MasterURL{}, false
}

// Addr is host:port (of the first master, when there are several).
func (u MasterURL) Addr() string { return net.JoinHostPort(u.Host, strconv.Itoa(u.Port)) }

// String is the URL, or the URLs with commas between them: the form
// nats.Connect takes for a list of servers.
func (u MasterURL) String() string {
	s := u.Scheme + "://" + u.Addr()
	for _, m := range u.more {
		s += "," + m.String()
	}
	return s
}

// Loopback reports whether the host is this machine by its name alone
// (localhost, 127.0.0.0/8, ::1): a name that merely resolves to loopback
// does not count, since what it resolves to can change. With several
// masters, every one must be.
func (u MasterURL) Loopback() bool {
	for _, one := range u.All() {
		if !one.loopback() {
			return false
		}
	}
	return true
}

func (u MasterURL) loopback() bool {
	if strings.EqualFold(u.Host, "localhost") {
		return true
	}
	ip := net.ParseIP(u.Host)
	return ip != nil && ip.IsLoopback()
}

// MasterError is a failure on the way to one master of several: it
// names which, so that the diagnosis speaks of that one.
type MasterError struct {
	URL MasterURL
	Err error
}

func (e *MasterError) Error() string { return e.Err.Error() }
func (e *MasterError) Unwrap() error { return e.Err }

// failedAt is the master a failure names, u when it names none.
func failedAt(err error, u MasterURL) MasterURL {
	var me *MasterError
	if errors.As(err, &me) {
		return me.URL
	}
	return u
}

// dialTimeout bounds each step of reaching the master: the TCP connect,
// and the greeting plus TLS handshake after it.
const dialTimeout = 5 * time.Second

// masterDialer makes the connection nats.go speaks NATS over, doing
// itself what nats.go would do up to the CONNECT line (resolve, connect,
// read the greeting, TLS), for two reasons: nats.go's reconnect loop
// drops every error after the TCP connect, so a TLS or pin failure would
// be silent; and the decision to speak TLS is the minion's, never the
// server's: once TLS is wanted (a pinned CA, or tls://), a server that
// offers none is refused, where nats.go would carry on in plain text.
type masterDialer struct {
	// url is every master the minion may dial; nats.go picks which, and
	// hands the dialer its address.
	url MasterURL
	ca  *caPin
	// result, when set, hears how every attempt ended (nil: connected
	// up to the NATS CONNECT, which is nats.go's).
	result func(error)
}

// SkipTLSHandshake tells nats.go the connection comes back with TLS
// already done (or rightly without).
func (d *masterDialer) SkipTLSHandshake() bool { return true }

// Dial is nats.CustomDialer's. nats.go holds its lock while dialing, so
// every step is bounded by dialTimeout.
func (d *masterDialer) Dial(network, addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*dialTimeout)
	defer cancel()
	c, err := d.dial(ctx, network, addr)
	if err != nil && len(d.url.more) > 0 {
		u, _ := d.url.at(addr)
		err = &MasterError{URL: u, Err: err}
	}
	if d.result != nil {
		d.result(err)
	}
	if err != nil {
		return nil, &dialFailure{err}
	}
	return c, nil
}

// dialFailure marks the errors the dialer has told already, when
// nats.go hands them back.
type dialFailure struct{ err error }

func (e *dialFailure) Error() string { return e.err.Error() }
func (e *dialFailure) Unwrap() error { return e.err }

func (d *masterDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(dctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("connect to the master at %s: %w", addr, err)
	}
	c, _, err := d.greet(ctx, raw, addr)
	if err != nil {
		raw.Close()
		return nil, err
	}
	return c, nil
}

// serverInfo is what the NATS greeting says that matters here.
type serverInfo struct {
	ServerID     string `json:"server_id"`
	Version      string `json:"version"`
	TLSRequired  bool   `json:"tls_required"`
	TLSAvailable bool   `json:"tls_available"`
}

// greet reads the server's INFO line from a fresh connection and does
// the TLS handshake the minion wants. The returned conn replays the INFO
// line for nats.go, then reads on (through TLS when there is TLS).
func (d *masterDialer) greet(ctx context.Context, raw net.Conn, addr string) (net.Conn, serverInfo, error) {
	deadline := time.Now().Add(dialTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = raw.SetDeadline(deadline)
	defer raw.SetDeadline(time.Time{})
	line, info, err := readInfo(raw)
	if err != nil {
		return nil, info, fmt.Errorf("master at %s: %w", addr, err)
	}
	c, err := d.secure(ctx, raw, addr, info)
	if err != nil {
		return nil, info, err
	}
	return &replayConn{Conn: c, r: io.MultiReader(strings.NewReader(line), c)}, info, nil
}

// secure decides between TLS and plain text, the minion's way: TLS
// when a CA is pinned or the URL says tls://, and then nothing else;
// plain text otherwise, and never TLS the URL did not ask for. With
// TLS, it does the handshake and checks the pin.
func (d *masterDialer) secure(ctx context.Context, raw net.Conn, addr string, info serverInfo) (net.Conn, error) {
	// nats.go dials only the URLs it was given (the minion ignores
	// the servers a cluster advertises), so addr is one of them; a
	// caller that dials by itself (brine minion --check) checks the
	// first.
	u, ok := d.url.at(addr)
	if !ok {
		u = d.url
	}
	pinned := d.ca.pinnedFinger()
	want := pinned != "" || u.Scheme == "tls"
	switch {
	case want && !info.TLSRequired && !info.TLSAvailable:
		return nil, &PlaintextRefusedError{Addr: addr, Pinned: pinned}
	case !want && info.TLSRequired:
		return nil, fmt.Errorf("master at %s: %w", addr, ErrMasterRequiresTLS)
	case !want:
		return raw, nil
	}
	cfg := d.ca.tlsConfig()
	cfg.ServerName = u.Host
	d.ca.forgetSeen()
	tc := tls.Client(raw, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, &TLSError{Addr: addr, Seen: d.ca.seenFinger(), Err: err}
	}
	return tc, nil
}

// maxInfo bounds the greeting read; a NATS INFO is a few hundred bytes.
const maxInfo = 64 << 10

// readInfo reads the NATS greeting, one byte at a time so as not to read
// into the TLS handshake that may follow it.
func readInfo(r io.Reader) (string, serverInfo, error) {
	var info serverInfo
	var b strings.Builder
	one := make([]byte, 1)
	for b.Len() < maxInfo {
		n, err := r.Read(one)
		if n == 1 {
			b.WriteByte(one[0])
			if one[0] == '\n' {
				break
			}
			continue
		}
		if err == nil {
			continue
		}
		if b.Len() == 0 {
			return "", info, fmt.Errorf("%w: it sent no greeting: %w", ErrNotNATS, err)
		}
		return "", info, fmt.Errorf("%w: it sent %q: %w", ErrNotNATS, clip(b.String()), err)
	}
	line := b.String()
	rest, ok := strings.CutPrefix(line, "INFO ")
	if !ok || !strings.HasSuffix(line, "\n") {
		return "", info, fmt.Errorf("%w: it sent %q", ErrNotNATS, clip(line))
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(rest)), &info); err != nil {
		return "", info, fmt.Errorf("%w: its INFO: %w", ErrNotNATS, err)
	}
	return line, info, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// replayConn gives back the greeting read ahead, then the connection.
type replayConn struct {
	net.Conn
	r io.Reader
}

func (c *replayConn) Read(p []byte) (int, error) { return c.r.Read(p) }
