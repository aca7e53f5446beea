package master

import (
	"crypto/ed25519"
	"fmt"
	"reflect"
	"sync"

	"github.com/nats-io/nkeys"
)

// signer is an nkeys.KeyPair whose ed25519 keys are derived from the
// seed once. nkeys derives them again on every Sign and every
// PublicKey, each a scalar multiplication as dear as the signature
// itself; a JWT's Encode asks for both, so the auth callout paid three
// times for each of its two signatures, and a job to a large fleet once
// more per group of minions.
type signer struct {
	nkeys.KeyPair
	pub  string
	priv ed25519.PrivateKey
}

func newSigner(kp nkeys.KeyPair) (*signer, error) {
	seed, err := kp.Seed()
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	_, raw, err := nkeys.DecodeSeed(seed)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if len(raw) != ed25519.SeedSize {
		return nil, fmt.Errorf("signing key: seed of %d bytes", len(raw))
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	return &signer{KeyPair: kp, pub: pub, priv: ed25519.NewKeyFromSeed(raw)}, nil
}

func (s *signer) PublicKey() (string, error) { return s.pub, nil }

func (s *signer) Sign(input []byte) ([]byte, error) { return ed25519.Sign(s.priv, input), nil }

// signers holds the signer of each key pair the master signs with (the
// issuer of authorisations, the job key): a handful per master.
var signers = struct {
	mu sync.Mutex
	m  map[nkeys.KeyPair]*signer
}{m: map[nkeys.KeyPair]*signer{}}

// maxSigners bounds the cache, for processes (tests) that start many
// masters.
const maxSigners = 64

// signerFor returns kp with its keys derived once. A key pair it cannot
// derive (not an ed25519 seed) is returned as it is, to fail as before.
func signerFor(kp nkeys.KeyPair) nkeys.KeyPair {
	if kp == nil || !reflect.TypeOf(kp).Comparable() {
		return kp
	}
	signers.mu.Lock()
	defer signers.mu.Unlock()
	if s, ok := signers.m[kp]; ok {
		return s
	}
	s, err := newSigner(kp)
	if err != nil {
		return kp
	}
	if len(signers.m) >= maxSigners {
		clear(signers.m)
	}
	signers.m[kp] = s
	return s
}
