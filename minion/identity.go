package minion

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/nats-io/nkeys"
)

// File names under the state dir.
const (
	KeyFile = "minion.nk"  // the minion's nkey seed, 0600
	PinFile = "master.pin" // the master's CA fingerprint and job key
	// NoncesFile is where an older minion kept its nonce cache,
	// rewritten whole for every job; the book (BookFile) takes it in.
	NoncesFile = "nonces.json"
)

// Pins are what the minion trusts of its masters. They are learned the
// first time a master accepts the minion (trust on first use); after,
// the set of job keys changes only by steps signed by a key already
// trusted (trust.go), and a master whose chain does not follow is
// refused. master_finger in
// minion.yaml sets the CA fingerprint ahead of time instead.
type Pins struct {
	CAFinger string `json:"ca_finger,omitempty"`
	// JobKey is the first job key pinned (the only one before several
	// masters had keys of their own).
	JobKey string `json:"job_key"`
	// JobKeys are the job keys trusted now, the set of serial KeySerial
	// in the masters' trust chain (trust.go).
	JobKeys   []string `json:"job_keys,omitempty"`
	KeySerial uint64   `json:"key_serial,omitempty"`
}

func loadKey(dir string) (nkeys.KeyPair, error) {
	p := filepath.Join(dir, KeyFile)
	b, err := os.ReadFile(p)
	if err == nil {
		kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(b))))
		if err != nil {
			return nil, fmt.Errorf("minion key %s: %w", p, err)
		}
		return kp, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("minion key: %w", err)
	}
	kp, err := nkeys.CreateUser()
	if err != nil {
		return nil, fmt.Errorf("minion key: %w", err)
	}
	seed, _ := kp.Seed()
	if err := writeFile0600(p, append(seed, '\n')); err != nil {
		return nil, err
	}
	return kp, nil
}

func loadPins(dir string) (Pins, error) {
	var p Pins
	b, err := os.ReadFile(filepath.Join(dir, PinFile))
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("pins: %w", err)
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("pins %s: %w", filepath.Join(dir, PinFile), err)
	}
	return p, nil
}

func savePins(dir string, p Pins) error {
	b, _ := json.MarshalIndent(p, "", "  ")
	return writeFile0600(filepath.Join(dir, PinFile), append(b, '\n'))
}

// writeFile0600 writes a secret atomically and durably, readable by its
// owner alone even when an older copy had looser permissions.
func writeFile0600(path string, b []byte) error {
	if err := atomicfile.WriteSync(path, b, 0o600); err != nil {
		return err
	}
	return os.Chmod(path, 0o600)
}

// caPin checks the master's certificate chain against a pinned CA
// fingerprint, or, with none pinned yet, remembers the CA it saw so that
// it can be pinned at acceptance.
type caPin struct {
	mu     sync.Mutex
	pinned string
	seen   string
}

func (c *caPin) pinnedFinger() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pinned
}

func (c *caPin) seenFinger() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen
}

// forgetSeen is called before a handshake, so that what it sees is
// this handshake's.
func (c *caPin) forgetSeen() {
	c.mu.Lock()
	c.seen = ""
	c.mu.Unlock()
}

// tlsConfig is a fresh config for one handshake with the master. Its
// errors are typed: *PinMismatchError, ErrNoCAInChain, and x509's own
// for a chain that does not hold together.
func (c *caPin) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// Verification is ours: the chain must end at the pinned CA
		// (or the one seen first) and the leaf must be valid under it.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			certs := cs.PeerCertificates
			if len(certs) < 2 {
				return ErrNoCAInChain
			}
			ca := certs[len(certs)-1]
			f := proto.Finger(ca.Raw)
			c.mu.Lock()
			pinned := c.pinned
			c.seen = f
			c.mu.Unlock()
			if pinned != "" && !strings.EqualFold(pinned, f) {
				return &PinMismatchError{Got: f, Pinned: pinned}
			}
			pool := x509.NewCertPool()
			pool.AddCert(ca)
			inter := x509.NewCertPool()
			for _, c := range certs[1 : len(certs)-1] {
				inter.AddCert(c)
			}
			_, err := certs[0].Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, DNSName: cs.ServerName})
			if err != nil {
				return fmt.Errorf("master certificate: %w", err)
			}
			return nil
		},
	}
}
