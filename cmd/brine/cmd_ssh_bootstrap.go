package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/brine-cm/brine/examples/systemd"
	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/sshrun"
)

// bootstrapFlags are brine ssh --bootstrap's: where the new minions'
// master is, and how the operator reaches it to accept their keys.
type bootstrapFlags struct {
	on        bool
	masterURL string
	finger    string
	wait      string
	conn      connFlags
}

func (b *bootstrapFlags) add(fs *pflag.FlagSet) {
	fs.BoolVar(&b.on, "bootstrap", false, "make TARGET's hosts minions instead of running a function: install brine, minion.yaml and the systemd unit, accept the minion's key on the master, start it")
	fs.StringVar(&b.masterURL, "master", "", "with --bootstrap: the master's URL as the minions reach it (tls://HOST:4222)")
	fs.StringVar(&b.finger, "master-finger", "", "with --bootstrap: the master's CA fingerprint for minion.yaml's master_finger (brine master logs it as ca_finger; default: the minion pins the master it first meets)")
	fs.StringVar(&b.wait, "bootstrap-wait", "60", "with --bootstrap: seconds (or a duration) to wait for the new minions to connect")
	b.conn.add(fs)
}

func (o *sshOptions) runBootstrap(ctx context.Context, args []string, s *streams) error {
	if len(args) != 1 {
		return usagef("--bootstrap takes TARGET alone (no function)")
	}
	if o.boot.masterURL == "" {
		return usagef("--bootstrap needs --master URL: the master as the new minions reach it")
	}
	wait, err := parseTimeout(o.boot.wait)
	if err != nil {
		return usage(fmt.Errorf("--bootstrap-wait: %w", err))
	}
	if err := o.loadHosts(args[0]); err != nil {
		return usage(err)
	}
	if err := o.out.validate(); err != nil {
		return err
	}
	ctx, stop := signalCtx(ctx)
	defer stop()
	c, err := o.boot.conn.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	b := &sshrun.Bootstrap{MasterURL: o.boot.masterURL, MasterFinger: o.boot.finger, Unit: systemd.MinionUnit,
		Accept: func(ctx context.Context, id, nkey string) error { return c.AcceptKey(ctx, id, nkey) }}
	opts := &sshrun.Options{Dialer: o.dialer, Log: newConsoleLogger(s.err, o.logLevel)}
	no := netOutput{f: o.out}
	p := no.printer(s)
	code := ExitOK
	var mu sync.Mutex
	var installed []sshrun.BootstrapResult
	slots := make(chan struct{}, o.maxProcs)
	var wg sync.WaitGroup
	for _, h := range o.hosts {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			r := sshrun.BootstrapHost(ctx, h, b, opts)
			mu.Lock()
			defer mu.Unlock()
			if r.Err != nil {
				printHostError(p, r.ID, r.Err)
				code = worse(code, ExitNoReturn)
				return
			}
			installed = append(installed, r)
		}()
	}
	wg.Wait()
	connected := waitConnected(ctx, c, installed, wait)
	for _, r := range installed {
		doc := output.OrderedMap{{Key: "minion", Value: "installed, started"}, {Key: "master", Value: o.boot.masterURL},
			{Key: "key", Value: "accepted " + r.Finger}, {Key: "connected", Value: connected[r.ID]}}
		p.minion(r.ID, &proto.Return{ID: r.ID, Return: doc, Out: "nested"})
		if !connected[r.ID] {
			code = worse(code, ExitNoReturn)
		}
	}
	if err := p.flush(); err != nil {
		code = worse(code, ExitError)
	}
	return exitWith(code)
}

// waitConnected waits until the master sees each new minion connected,
// or wait runs out.
func waitConnected(ctx context.Context, c *client.Client, rs []sshrun.BootstrapResult, wait time.Duration) map[string]bool {
	got := map[string]bool{}
	if len(rs) == 0 {
		return got
	}
	deadline := time.Now().Add(wait)
	for {
		ms, err := c.Minions(ctx)
		if err == nil {
			for _, m := range ms {
				if m.Connected {
					got[m.ID] = true
				}
			}
		}
		all := true
		for _, r := range rs {
			all = all && got[r.ID]
		}
		if all || time.Now().After(deadline) || errors.Is(ctx.Err(), context.Canceled) {
			return got
		}
		select {
		case <-ctx.Done():
			return got
		case <-time.After(250 * time.Millisecond):
		}
	}
}
