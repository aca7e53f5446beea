package proto

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nkeys"
)

// Several masters sign jobs, each with a key of its own; a minion trusts
// a set of job-signing keys. The set has a history, the trust chain: a
// list of KeySets, each with the serial after the one before, each
// signed by a key of the set before it (the first, the genesis, by a key
// of its own set: the first master's). A minion keeps the last set it
// verified and its serial; a master hands it the chain (hello, and a
// push to every minion when it grows), and the minion walks it from the
// serial it has, each step signed by a key it already trusts. Adding a
// master's key and retiring one are each one step; nobody who holds no
// trusted key can make one.

// KindKeySet is the signed kind of a step of the trust chain.
const KindKeySet = "keyset"

// MaxTrustChain bounds the steps of a chain a minion reads.
const MaxTrustChain = 1024

// ErrUntrusted is a step of the trust chain that is not signed by a key
// the set before it holds, or that does not follow it.
var ErrUntrusted = errors.New("trust chain step not signed by a trusted job key")

// TrustedKey is one job-signing key of a set, with the master's name.
type TrustedKey struct {
	Key  string `json:"key"`
	Name string `json:"name,omitempty"`
}

// KeySet is one step of the trust chain: the whole set from then on.
type KeySet struct {
	Header
	Serial uint64       `json:"serial"`
	Keys   []TrustedKey `json:"keys"`
	// Change says what this step did, for people ("add m2 ABC…").
	Change   string    `json:"change,omitempty"`
	IssuedAt time.Time `json:"issued_at"`
}

// Has reports whether key is in the set.
func (s *KeySet) Has(key string) bool {
	return slices.ContainsFunc(s.Keys, func(k TrustedKey) bool { return k.Key == key })
}

// Public lists the set's keys.
func (s *KeySet) Public() []string {
	out := make([]string, len(s.Keys))
	for i, k := range s.Keys {
		out[i] = k.Key
	}
	return out
}

// CheckKeySet refuses a set no minion can use: empty, a key that is not
// a job key (an account nkey), a key twice.
func CheckKeySet(s *KeySet) error {
	if len(s.Keys) == 0 {
		return fmt.Errorf("key set %d: %w: no key", s.Serial, ErrUntrusted)
	}
	seen := map[string]bool{}
	for _, k := range s.Keys {
		if !nkeys.IsValidPublicAccountKey(k.Key) {
			return fmt.Errorf("key set %d: %q is not a job key (an account public key, A…)", s.Serial, Clip(k.Key, 80))
		}
		if seen[k.Key] {
			return fmt.Errorf("key set %d: %s twice", s.Serial, k.Key)
		}
		seen[k.Key] = true
	}
	return nil
}

// SignKeySet signs a step of the chain.
func SignKeySet(kp nkeys.KeyPair, s *KeySet) ([]byte, error) { return Sign(kp, KindKeySet, s) }

// OpenKeySet decodes a step of the chain signed by one of trusted, and
// returns it with the key that signed it.
func OpenKeySet(data []byte, trusted []string) (*KeySet, string, error) {
	var s KeySet
	signer, err := openAny(data, trusted, KindKeySet, &s)
	if err != nil {
		return nil, "", err
	}
	if err := CheckKeySet(&s); err != nil {
		return nil, "", err
	}
	return &s, signer, nil
}

// WalkChain verifies the steps of chain that follow serial, from the
// set trusted, and returns the last set it reached (nil when the chain
// has nothing after serial). A minion that trusts nothing yet (its first
// acceptance) takes the genesis on first use, as it took its master's
// key before. Every later step must be the next serial and signed by a
// key of the set before it.
func WalkChain(chain []json.RawMessage, trusted []string, serial uint64) (*KeySet, error) {
	if len(chain) > MaxTrustChain {
		return nil, fmt.Errorf("trust chain of %d steps: %w", len(chain), ErrUntrusted)
	}
	var last *KeySet
	cur := trusted
	for i, raw := range chain {
		var peek struct {
			Body json.RawMessage `json:"body"`
		}
		if err := json.Unmarshal(raw, &peek); err != nil {
			return nil, fmt.Errorf("trust chain step %d: %w", i+1, err)
		}
		var hdr struct {
			Serial uint64 `json:"serial"`
		}
		if err := json.Unmarshal(peek.Body, &hdr); err != nil {
			return nil, fmt.Errorf("trust chain step %d: %w", i+1, err)
		}
		if hdr.Serial <= serial {
			continue
		}
		if hdr.Serial != serial+1 {
			return nil, fmt.Errorf("trust chain: step %d after %d: %w", hdr.Serial, serial, ErrUntrusted)
		}
		check := cur
		if len(cur) == 0 && hdr.Serial == 1 {
			// Trust on first use: the genesis is signed by a key of
			// its own set.
			var s KeySet
			if err := Unmarshal(peek.Body, &s); err != nil {
				return nil, fmt.Errorf("trust chain step 1: %w", err)
			}
			check = s.Public()
		}
		s, _, err := OpenKeySet(raw, check)
		if err != nil {
			return nil, fmt.Errorf("trust chain step %d: %w", hdr.Serial, err)
		}
		if s.Serial != hdr.Serial {
			return nil, fmt.Errorf("trust chain step %d: %w", hdr.Serial, ErrUntrusted)
		}
		last, cur, serial = s, s.Public(), s.Serial
	}
	return last, nil
}

// TrustRequest is the operator adding a step to the trust chain: Step is
// signed by a key of the chain's last set (the operator's command signs
// it with the job key of the master it runs on). An empty Step asks for
// the chain only.
type TrustRequest struct {
	Header
	Step json.RawMessage `json:"step,omitempty"`
}

// TrustReply is the trust chain, oldest step first, and its last set.
type TrustReply struct {
	Reply
	Chain []json.RawMessage `json:"chain"`
	Set   *KeySet           `json:"set,omitempty"`
}

// TrustPush is what a master sends every minion when the chain grows.
type TrustPush struct {
	Header
	Chain []json.RawMessage `json:"chain"`
}
