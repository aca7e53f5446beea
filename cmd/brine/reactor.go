package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/reactor"
)

// runReactor runs the master's reactor (master.yaml `reactor:`) until ctx
// is done: it connects to the master as the operator, from the master's
// state dir, and reads the bus in the reactors' queue group, so that on a
// cluster of masters each event is reacted to once.
func runReactor(ctx context.Context, cfg *master.Config, url string, log *slog.Logger) error {
	log = log.With("component", "reactor")
	var c *client.Client
	var err error
	// The master is ready; its server may still be settling on a
	// cluster: try for a while.
	for i := 0; i < 30; i++ {
		c, err = client.Connect(client.Config{URL: url, Creds: filepath.Join(cfg.StateDir, master.OperatorFile),
			CAFile: filepath.Join(cfg.StateDir, master.CAFile), Name: "brine-reactor"})
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
	if err != nil {
		return fmt.Errorf("reactor: %w", err)
	}
	defer c.Close()
	return reactor.Run(ctx, reactor.Options{
		Client:      c,
		Rules:       reactor.Rules(cfg.Reactor),
		FileRoots:   fileroot.Roots(cfg.FileRoots),
		PillarRoots: fileroot.Roots(cfg.PillarRoots),
		Nodegroups:  cfg.Nodegroups,
		Workers:     cfg.ReactorWorkers,
		Queue:       cfg.ReactorQueue,
		Log:         log,
	})
}
