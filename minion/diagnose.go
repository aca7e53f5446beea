package minion

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/proto"
)

// Step is one step of a minion's check of its way to the master.
type Step struct {
	Name string
	OK   bool
	// Skip is a step that could not be taken, which is no failure.
	Skip bool
	// Detail is what the step found, or, when it failed, the diagnosis.
	Detail string
	// Diag is the diagnosis of a failed step on the way to the master.
	Diag *Diagnosis
	Err  error
}

// Check walks the way to the master as the minion does, one step at a
// time: config, key and pins, DNS, TCP, the NATS greeting, TLS and the
// pin, the login with the minion's key, and the master's answer. It
// stops at the first step that fails, and says why; with several
// masters it walks the way to each. It changes nothing:
// no key is made, nothing is pinned, no acceptance is asked, no lock is
// taken (the minion may be running).
func Check(ctx context.Context, cfg *Config) []Step {
	var steps []Step
	add := func(s Step) bool { steps = append(steps, s); return s.OK }
	var u MasterURL

	if err := cfg.Validate(); err != nil {
		add(Step{Name: "config", Detail: err.Error(), Err: err})
		return steps
	}
	u, _ = ParseMasterURL(cfg.Master)
	add(Step{Name: "config", OK: true, Detail: fmt.Sprintf("id %s, master %s, state_dir %s", cfg.ID, u, cfg.StateDir)})

	// Key and pins, read as they are.
	kp, keyErr := readKey(cfg.StateDir)
	pins, err := loadPins(cfg.StateDir)
	if err != nil {
		add(Step{Name: "key", Detail: err.Error(), Err: err})
		return steps
	}
	ca := &caPin{pinned: pins.CAFinger}
	if cfg.MasterFinger != "" {
		if pins.CAFinger != "" && !strings.EqualFold(pins.CAFinger, cfg.MasterFinger) {
			err := fmt.Errorf("master_finger %s differs from the pinned %s: %w", cfg.MasterFinger, pins.CAFinger, ErrWrongMaster)
			add(Step{Name: "key", Detail: err.Error(), Err: err})
			return steps
		}
		ca.pinned = cfg.MasterFinger
	}
	var keyNote string
	switch {
	case keyErr == nil:
		pub, _ := kp.PublicKey()
		keyNote = "key " + pub
	case errors.Is(keyErr, fs.ErrNotExist):
		keyNote = "no key yet (the minion makes it on its first start)"
	default:
		add(Step{Name: "key", Detail: keyErr.Error(), Err: keyErr})
		return steps
	}
	if ca.pinned != "" {
		keyNote += "; master CA pinned " + ca.pinned
	} else {
		keyNote += "; master CA not pinned yet"
	}
	add(Step{Name: "key", OK: true, Detail: keyNote})

	// Each master in turn: with several, a failure at one does not
	// stop the check of the next, and each step names its master.
	all := u.All()
	for _, one := range all {
		label := ""
		if len(all) > 1 {
			label = one.String() + ": "
		}
		steps = checkMaster(ctx, cfg, one, label, ca, pins, kp, keyErr, steps)
	}
	return steps
}

// checkMaster walks the way to one master, from DNS to its answer, and
// stops at the first step that fails.
func checkMaster(ctx context.Context, cfg *Config, u MasterURL, label string, ca *caPin, pins Pins, kp nkeys.KeyPair, keyErr error, steps []Step) []Step {
	add := func(s Step) bool { s.Detail = label + s.Detail; steps = append(steps, s); return s.OK }
	fail := func(name string, err error) []Step {
		d := Diagnose(err, u, cfg.ID)
		steps = append(steps, Step{Name: name, Detail: label + d.String(), Diag: &d, Err: err})
		return steps
	}

	// DNS.
	if net.ParseIP(u.Host) == nil {
		rctx, cancel := context.WithTimeout(ctx, dialTimeout)
		addrs, err := net.DefaultResolver.LookupHost(rctx, u.Host)
		cancel()
		if err != nil {
			return fail("resolve", err)
		}
		add(Step{Name: "resolve", OK: true, Detail: u.Host + " is " + strings.Join(addrs, ", ")})
	} else {
		add(Step{Name: "resolve", OK: true, Detail: u.Host + " is an address"})
	}

	// TCP.
	addr := u.Addr()
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	raw, err := (&net.Dialer{}).DialContext(dctx, "tcp", addr)
	cancel()
	if err != nil {
		return fail("connect", fmt.Errorf("connect to the master at %s: %w", addr, err))
	}
	defer raw.Close()
	add(Step{Name: "connect", OK: true, Detail: "TCP to " + raw.RemoteAddr().String()})

	// The greeting, then TLS the minion's way.
	_ = raw.SetDeadline(time.Now().Add(dialTimeout))
	_, info, err := readInfo(raw)
	if err != nil {
		return fail("greeting", fmt.Errorf("master at %s: %w", addr, err))
	}
	offer := "no TLS"
	switch {
	case info.TLSRequired:
		offer = "TLS required"
	case info.TLSAvailable:
		offer = "TLS available"
	}
	add(Step{Name: "greeting", OK: true, Detail: fmt.Sprintf("NATS server %s, %s", info.Version, offer)})
	d := &masterDialer{url: u, ca: ca}
	tctx, cancel := context.WithTimeout(ctx, dialTimeout)
	c, err := d.secure(tctx, raw, addr, info)
	cancel()
	if err != nil {
		return fail("tls", err)
	}
	_ = c.Close()
	switch seen := ca.seenFinger(); {
	case seen == "" && cfg.AllowPlaintext && !u.Loopback():
		add(Step{Name: "tls", OK: true, Detail: "plain text (allow_plaintext: true): anyone on the way reads and changes everything"})
	case seen == "":
		add(Step{Name: "tls", OK: true, Detail: "plain text, on loopback"})
	case ca.pinned != "":
		add(Step{Name: "tls", OK: true, Detail: "TLS, master CA " + seen + " matches the pin"})
	default:
		add(Step{Name: "tls", OK: true, Detail: "TLS, master CA " + seen + " (not pinned yet: the minion pins it when accepted)"})
	}

	if keyErr != nil {
		add(Step{Name: "login", Skip: true, Detail: "no key yet, so the master cannot know this minion; start it once and accept its key"})
		return steps
	}

	// The login with the minion's key, and the master's answer.
	var denials atomic.Int64
	pub, _ := kp.PublicKey()
	nc, err := nats.Connect(u.String(),
		nats.Name(cfg.ID),
		nats.Nkey(pub, kp.Sign),
		nats.CustomInboxPrefix(proto.InboxPrefix(cfg.ID)),
		nats.SetCustomDialer(d),
		nats.SkipHostLookup(),
		nats.IgnoreDiscoveredServers(),
		nats.NoReconnect(),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrPermissionViolation) {
				denials.Add(1)
			}
		}),
	)
	if err != nil {
		return fail("login", err)
	}
	defer nc.Close()
	add(Step{Name: "login", OK: true, Detail: "the master's server let in key " + pub})
	r, err := helloOn(nc, cfg.ID, true)
	if err != nil {
		return fail("accepted", helloFailure(err, denials.Load() > 0))
	}
	keys, serial := pins.trusted()
	if len(r.Chain) > 0 {
		if _, err := proto.WalkChain(r.Chain, keys, serial); err != nil {
			return fail("accepted", fmt.Errorf("the master's trust chain does not follow from the keys pinned: %w: %w", ErrWrongMaster, err))
		}
		keys = nil
		if set, _ := proto.WalkChain(r.Chain, nil, 0); set != nil {
			keys = set.Public()
		}
	}
	switch {
	case len(r.Chain) == 0 && pins.JobKey != "" && pins.JobKey != r.JobKey:
		return fail("accepted", fmt.Errorf("master job key %s, pinned %s: %w", r.JobKey, pins.JobKey, ErrWrongMaster))
	case len(r.Chain) > 0 && !slices.Contains(keys, r.JobKey):
		add(Step{Name: "accepted", OK: true, Detail: "accepted; master job key " + r.JobKey + " is not trusted (not added with brine trust add, or retired): its jobs are refused"})
	case pins.JobKey == "":
		add(Step{Name: "accepted", OK: true, Detail: "accepted; master job key " + r.JobKey + " (not pinned yet: the minion pins it when it runs)"})
	default:
		add(Step{Name: "accepted", OK: true, Detail: "accepted; master job key " + r.JobKey + " matches the pin, trusted"})
	}
	return steps
}

// readKey reads the minion's key without making one.
func readKey(dir string) (nkeys.KeyPair, error) {
	p := filepath.Join(dir, KeyFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("minion key: %w", err)
	}
	kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(b))))
	if err != nil {
		return nil, fmt.Errorf("minion key %s: %w", p, err)
	}
	return kp, nil
}
