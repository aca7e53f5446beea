package proto

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nkeys"
)

// Signed kinds.
const (
	KindJob  = "job"
	KindKill = "kill"
)

// Errors a minion gets for a job it must refuse.
var (
	ErrUnsigned  = errors.New("not signed")
	ErrBadSig    = errors.New("bad signature")
	ErrWrongKey  = errors.New("signed by a key the minion does not trust")
	ErrExpired   = errors.New("expired")
	ErrFuture    = errors.New("issued in the future")
	ErrReplayed  = errors.New("replayed (nonce seen before)")
	ErrNoNonce   = errors.New("no nonce")
	ErrNoExpiry  = errors.New("no expiry")
	ErrWrongKind = errors.New("wrong kind of signed message")
)

// MaxClockSkew is how far in the future a job's issue time may lie.
const MaxClockSkew = 30 * time.Second

// Signed is the envelope of a job or a kill. Body is the message's JSON,
// byte for byte what was signed, so that verifying never re-encodes.
type Signed struct {
	Header
	Kind string          `json:"kind"`
	Body json.RawMessage `json:"body"`
	Key  string          `json:"key"`
	Sig  []byte          `json:"sig"`
}

func signedPayload(kind string, body []byte) []byte {
	p := make([]byte, 0, len(kind)+len(body)+16)
	p = append(p, "brine/1/"...)
	p = append(p, kind...)
	p = append(p, '\n')
	return append(p, body...)
}

// Sign encodes m, signs it with kp and returns the envelope's bytes.
func Sign(kp nkeys.KeyPair, kind string, m Message) ([]byte, error) {
	body, err := Marshal(m)
	if err != nil {
		return nil, err
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("proto: sign: %w", err)
	}
	sig, err := kp.Sign(signedPayload(kind, body))
	if err != nil {
		return nil, fmt.Errorf("proto: sign: %w", err)
	}
	return Marshal(&Signed{Kind: kind, Body: body, Key: pub, Sig: sig})
}

// Open checks the envelope's version, kind and signature against the
// pinned public key, and decodes the body into m. It does not look at
// expiry or nonce; CheckFresh does.
func Open(data []byte, pinned, kind string, m Message) error {
	_, err := openAny(data, []string{pinned}, kind, m)
	return err
}

// WrongKeyError is a message signed by a key outside the trusted set; it
// matches ErrWrongKey. Key is the key that signed it, as the envelope
// says (unverified).
type WrongKeyError struct {
	Kind string
	Key  string
}

func (e *WrongKeyError) Error() string {
	return fmt.Sprintf("proto: %s: %v: %s", e.Kind, ErrWrongKey, Clip(e.Key, 80))
}

func (e *WrongKeyError) Is(target error) bool { return target == ErrWrongKey }

// envelope is Signed as openAny reads it: V a pointer, to tell a
// message without a version from one of version 0.
type envelope struct {
	V    *int            `json:"v"`
	Kind string          `json:"kind"`
	Body json.RawMessage `json:"body"`
	Key  string          `json:"key"`
	Sig  []byte          `json:"sig"`
}

// openAny is Open against a set of trusted keys; it returns the key that
// signed the message. A minion pays for this on every job: the envelope
// in the shape Sign writes is read straight from its bytes
// (plainEnvelope); any other shape, and any envelope refused, is read by
// encoding/json, whose reading names the refusal.
func openAny(data []byte, trusted []string, kind string, m Message) (string, error) {
	s, ok := plainEnvelope(data)
	if !ok || checkEnvelope(s, trusted, kind) != nil {
		s = envelope{}
		if err := json.Unmarshal(data, &s); err != nil {
			return "", fmt.Errorf("proto: decode %T: not a brine message: %w", &Signed{}, err)
		}
		if err := checkEnvelope(s, trusted, kind); err != nil {
			return "", err
		}
	}
	// The body is what a trusted key signed: one JSON value, as Sign
	// writes none other. Decode it with numbers kept as written, and
	// read its version from what decoded.
	d := json.NewDecoder(bytes.NewReader(s.Body))
	d.UseNumber()
	if err := d.Decode(m); err != nil {
		return "", fmt.Errorf("proto: decode %T: %w", m, err)
	}
	if v := m.version(); v != Version {
		var err error
		if v == 0 {
			err = checkVersion(nil)
		} else {
			err = checkVersion(&v)
		}
		return "", fmt.Errorf("proto: decode %T: %w", m, err)
	}
	return s.Key, nil
}

// checkEnvelope checks a signed message's version, kind, key and
// signature.
func checkEnvelope(s envelope, trusted []string, kind string) error {
	if err := checkVersion(s.V); err != nil {
		return fmt.Errorf("proto: decode %T: %w", &Signed{}, err)
	}
	if s.Kind != kind {
		return fmt.Errorf("proto: %s: got %q: %w", kind, s.Kind, ErrWrongKind)
	}
	if len(s.Sig) == 0 {
		return fmt.Errorf("proto: %s: %w", kind, ErrUnsigned)
	}
	if s.Key == "" || !slices.Contains(trusted, s.Key) {
		return &WrongKeyError{Kind: kind, Key: s.Key}
	}
	pk, err := nkeys.FromPublicKey(s.Key)
	if err != nil {
		return fmt.Errorf("proto: %s: trusted key: %w", kind, err)
	}
	if err := pk.Verify(signedPayload(kind, s.Body), s.Sig); err != nil {
		return fmt.Errorf("proto: %s: %w", kind, ErrBadSig)
	}
	return nil
}

// plainPrefix and the markers around a signed message's key and
// signature: the shape Sign writes, Signed's fields in order.
var plainPrefix = `{"v":` + strconv.Itoa(Version) + `,"kind":"`

const (
	plainBody = `","body":`
	plainKey  = `,"key":"`
	plainSig  = `","sig":"`
)

// plainEnvelope reads an envelope of this version in the shape Sign
// writes: {"v":1,"kind":"K","body":B,"key":"KEY","sig":"S"}, K and KEY
// letters and digits, S standard base64, nothing else between. B is
// everything between the kind and the key, from { to }, unchecked: the key's
// signature over it is what makes it a body (checkEnvelope), and a body
// Sign signed is one JSON value, with which encoding/json reads the same
// envelope the same way (FuzzPlainEnvelope). ok is false for any other
// shape, left to encoding/json.
func plainEnvelope(b []byte) (s envelope, ok bool) {
	if !bytes.HasPrefix(b, []byte(plainPrefix)) {
		return envelope{}, false
	}
	rest := b[len(plainPrefix):]
	kind := leadingWord(rest)
	rest = rest[len(kind):]
	if len(kind) == 0 || !bytes.HasPrefix(rest, []byte(plainBody)) {
		return envelope{}, false
	}
	rest = rest[len(plainBody):]
	// From the end: "}, the signature, the key.
	n := len(rest)
	if n < 2 || rest[n-2] != '"' || rest[n-1] != '}' {
		return envelope{}, false
	}
	rest = rest[:n-2]
	sig := trailing(rest, isBase64)
	rest = rest[:len(rest)-len(sig)]
	if len(sig) == 0 || !bytes.HasSuffix(rest, []byte(plainSig)) {
		return envelope{}, false
	}
	rest = rest[:len(rest)-len(plainSig)]
	key := trailing(rest, isWordByte)
	rest = rest[:len(rest)-len(key)]
	if len(key) == 0 || !bytes.HasSuffix(rest, []byte(plainKey)) {
		return envelope{}, false
	}
	body := rest[:len(rest)-len(plainKey)]
	if len(body) < 2 || body[0] != '{' || body[len(body)-1] != '}' {
		return envelope{}, false // Sign's bodies are objects
	}
	raw := make([]byte, base64.StdEncoding.DecodedLen(len(sig)))
	k, err := base64.StdEncoding.Decode(raw, sig)
	if err != nil {
		return envelope{}, false
	}
	v := Version
	return envelope{V: &v, Kind: string(kind), Body: body, Key: string(key), Sig: raw[:k]}, true
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func isBase64(c byte) bool { return isWordByte(c) || c == '+' || c == '/' || c == '=' }

// leadingWord is b's run of letters and digits at its start.
func leadingWord(b []byte) []byte {
	i := 0
	for i < len(b) && isWordByte(b[i]) {
		i++
	}
	return b[:i]
}

// trailing is b's run of bytes that pass at its end.
func trailing(b []byte, pass func(byte) bool) []byte {
	i := len(b)
	for i > 0 && pass(b[i-1]) {
		i--
	}
	return b[i:]
}

// CheckFresh refuses a message past its expiry, issued too far in the
// future, without a nonce, or whose nonce the cache has seen.
func CheckFresh(now, issued, expiry time.Time, nonce string, seen *ReplayCache) error {
	switch {
	case nonce == "":
		return ErrNoNonce
	case expiry.IsZero():
		return ErrNoExpiry
	case now.After(expiry):
		return fmt.Errorf("%w at %s", ErrExpired, expiry.UTC().Format(time.RFC3339))
	case issued.After(now.Add(MaxClockSkew)):
		return ErrFuture
	}
	if seen != nil && !seen.Add(nonce, expiry, now) {
		return ErrReplayed
	}
	return nil
}

// SignJob signs a job for publishing.
func SignJob(kp nkeys.KeyPair, j *Job) ([]byte, error) { return Sign(kp, KindJob, j) }

// VerifyJob opens a job signed by one of the trusted keys and checks it is fresh and not replayed.
func VerifyJob(data []byte, trusted []string, now time.Time, seen *ReplayCache) (*Job, error) {
	var j Job
	if _, err := openAny(data, trusted, KindJob, &j); err != nil {
		return nil, err
	}
	if err := CheckFresh(now, j.IssuedAt, j.Expiry, j.Nonce, seen); err != nil {
		return &j, fmt.Errorf("job %s: %w", j.JID, err)
	}
	return &j, nil
}

// VerifyKill opens a signed kill and checks it is fresh and not replayed.
func VerifyKill(data []byte, trusted []string, now time.Time, seen *ReplayCache) (*Kill, error) {
	var k Kill
	if _, err := openAny(data, trusted, KindKill, &k); err != nil {
		return nil, err
	}
	if err := CheckFresh(now, k.IssuedAt, k.Expiry, k.Nonce, seen); err != nil {
		return &k, fmt.Errorf("kill %s: %w", k.JID, err)
	}
	return &k, nil
}

// ReplayCache remembers nonces until their message expires. A nonce is
// kept only as long as its message could still be accepted, so the cache
// stays as small as the jobs in flight.
type ReplayCache struct {
	mu sync.Mutex
	m  map[string]time.Time
	// next is the earliest expiry in m: Add sweeps only once it is
	// past, not on every message.
	next time.Time
}

// NewReplayCache returns an empty cache.
func NewReplayCache() *ReplayCache { return &ReplayCache{m: map[string]time.Time{}} }

// Add records nonce until expiry and reports whether it was new.
func (c *ReplayCache) Add(nonce string, expiry, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.next.IsZero() && now.After(c.next) {
		c.next = time.Time{}
		for n, e := range c.m {
			if now.After(e) {
				delete(c.m, n)
			} else {
				c.note(e)
			}
		}
	}
	if _, ok := c.m[nonce]; ok {
		return false
	}
	c.m[nonce] = expiry
	c.note(expiry)
	return true
}

// note keeps next the earliest expiry; c.mu is held.
func (c *ReplayCache) note(e time.Time) {
	if c.next.IsZero() || e.Before(c.next) {
		c.next = e
	}
}

// Snapshot returns the live nonces, for saving across restarts.
func (c *ReplayCache) Snapshot() map[string]time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]time.Time, len(c.m))
	for n, e := range c.m {
		out[n] = e
	}
	return out
}

// Load adds saved nonces.
func (c *ReplayCache) Load(m map[string]time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for n, e := range m {
		c.m[n] = e
		c.note(e)
	}
}

// Finger is the fingerprint brine shows for a certificate or a key: sha256
// of its bytes, hex with colons. The master prints it and the minion pins
// it, so both must compute it here.
func Finger(b []byte) string {
	sum := sha256.Sum256(b)
	h := hex.EncodeToString(sum[:])
	var out strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			out.WriteByte(':')
		}
		out.WriteString(h[i : i+2])
	}
	return out.String()
}
