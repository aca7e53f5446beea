package proto

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nkeys"
)

func TestWalkChain(t *testing.T) {
	mk := func() (nkeys.KeyPair, string) {
		kp, err := nkeys.CreateAccount()
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := kp.PublicKey()
		return kp, pub
	}
	a, apub := mk()
	b, bpub := mk()
	x, xpub := mk()
	step := func(kp nkeys.KeyPair, serial uint64, keys ...string) json.RawMessage {
		s := &KeySet{Serial: serial, IssuedAt: time.Now()}
		for _, k := range keys {
			s.Keys = append(s.Keys, TrustedKey{Key: k})
		}
		raw, err := SignKeySet(kp, s)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	genesis := step(a, 1, apub)
	added := step(a, 2, apub, bpub)
	retired := step(b, 3, bpub) // b retires a
	chain := []json.RawMessage{genesis, added, retired}

	tests := []struct {
		name    string
		chain   []json.RawMessage
		trusted []string
		serial  uint64
		want    []string // nil: nothing newer
		err     error
	}{
		{"first use takes the genesis and walks on", chain, nil, 0, []string{bpub}, nil},
		{"a minion of one pinned key", chain, []string{apub}, 0, []string{bpub}, nil},
		{"from the middle", chain, []string{apub, bpub}, 2, []string{bpub}, nil},
		{"nothing newer", chain, []string{bpub}, 3, nil, nil},
		{"another fleet's genesis", []json.RawMessage{step(x, 1, xpub)}, []string{apub}, 0, nil, ErrWrongKey},
		{"a step signed by a key not in the set before", []json.RawMessage{genesis, step(x, 2, apub, xpub)}, nil, 0, nil, ErrWrongKey},
		{"a step signed by a retired key", append(chain[:3:3], step(a, 4, apub, bpub)), nil, 0, nil, ErrWrongKey},
		{"a serial skipped", []json.RawMessage{genesis, step(a, 3, apub, bpub)}, nil, 0, nil, ErrUntrusted},
		{"an empty set", []json.RawMessage{genesis, step(a, 2)}, nil, 0, nil, ErrUntrusted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := WalkChain(tt.chain, tt.trusted, tt.serial)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("WalkChain = %v, %v; want %v", set, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("WalkChain = %v", err)
			}
			switch {
			case tt.want == nil && set != nil:
				t.Fatalf("WalkChain = set %d; want nothing newer", set.Serial)
			case tt.want != nil && (set == nil || len(set.Public()) != len(tt.want) || set.Public()[0] != tt.want[0]):
				t.Fatalf("WalkChain = %+v; want %v", set, tt.want)
			}
		})
	}
}
