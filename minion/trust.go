package minion

import (
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
)

// A minion trusts a set of job-signing keys, one per master (see
// pkg/proto/trust.go): the set it last verified, with its serial, in
// its pins. It learns a newer set from a master's hello reply and from
// the push every master sends when the set changes, and takes it only
// when each step from the serial it has is signed by a key it already
// trusts. A minion of an older brine pinned one key (Pins.JobKey): that
// is its set, at serial 0.

// trusted returns the keys pinned, and the serial of their set.
func (p *Pins) trusted() ([]string, uint64) {
	if len(p.JobKeys) > 0 {
		return p.JobKeys, p.KeySerial
	}
	if p.JobKey != "" {
		return []string{p.JobKey}, 0
	}
	return nil, 0
}

func (m *Minion) trustedKeys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	k, _ := m.pins.trusted()
	return k
}

// applyChainLocked walks a master's trust chain from the pins and takes
// the set it reaches; it reports whether the pins changed. A chain that
// does not follow from the pins is a master of another fleet (or a
// forged chain): ErrWrongMaster. m.mu is held.
func (m *Minion) applyChainLocked(walk func() (*proto.KeySet, error)) (bool, error) {
	set, err := walk()
	if err != nil {
		return false, fmt.Errorf("minion: the master's trust chain does not follow from the keys pinned: %w: %w", ErrWrongMaster, err)
	}
	if set == nil {
		return false, nil
	}
	old, serial := m.pins.trusted()
	m.pins.JobKeys, m.pins.KeySerial = set.Public(), set.Serial
	if m.pins.JobKey == "" {
		m.pins.JobKey = set.Keys[0].Key
	}
	m.log.Info("trusted job keys changed", "serial_was", serial, "serial", set.Serial, "keys_were", old, "keys", m.pins.JobKeys, "change", set.Change)
	return true, nil
}

// onTrustPush takes the chain a master pushed to every minion.
func (m *Minion) onTrustPush(msg *nats.Msg) {
	var p proto.TrustPush
	if err := proto.Unmarshal(msg.Data, &p); err != nil {
		m.log.Warn("trust chain refused", "err", err)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	keys, serial := m.pins.trusted()
	changed, err := m.applyChainLocked(func() (*proto.KeySet, error) { return proto.WalkChain(p.Chain, keys, serial) })
	if err != nil {
		m.log.Warn("trust chain refused", "err", err)
		return
	}
	if changed {
		if err := savePins(m.cfg.StateDir, m.pins); err != nil {
			m.log.Warn("pins", "err", err)
		}
	}
}

// refreshGap is how often, at most, a job signed by a key the minion
// does not know makes it ask a master for the chain again: the job may
// come from a master just added, whose push it has missed.
const refreshGap = 5 * time.Second

// unknownSigner handles a job refused for its key: once in a while it
// asks a master for the trust chain, and verifies the job again with
// what it learnt.
func (m *Minion) unknownSigner(err error, retry func()) bool {
	var wk *proto.WrongKeyError
	if !errors.As(err, &wk) {
		return false
	}
	m.mu.Lock()
	due := time.Since(m.lastRefresh) > refreshGap
	if due {
		m.lastRefresh = time.Now()
	}
	m.mu.Unlock()
	if !due {
		return false
	}
	return m.bg.Go(func() {
		r, err := m.helloAsk(true)
		if err != nil {
			m.log.Warn("job refused: signed by an unknown key, and no master answered for the trust chain", "key", wk.Key, "err", err)
			return
		}
		if err := m.pin(r); err != nil {
			m.log.Warn("job refused: signed by an unknown key", "key", wk.Key, "err", err)
			return
		}
		retry()
	})
}
