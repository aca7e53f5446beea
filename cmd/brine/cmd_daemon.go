package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/spf13/cobra"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/minion"
)

// notifyReady tells systemd (Type=notify) that the daemon is up, and
// keeps its watchdog fed until ctx ends. Outside systemd it does nothing.
func notifyReady(ctx context.Context, log *slog.Logger) {
	if ok, err := daemon.SdNotify(false, daemon.SdNotifyReady); err != nil {
		log.Warn("sd_notify", "err", err)
	} else if !ok {
		return
	}
	every, err := daemon.SdWatchdogEnabled(false)
	if err != nil || every == 0 {
		return
	}
	go func() {
		t := time.NewTicker(every / 2)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				_, _ = daemon.SdNotify(false, daemon.SdNotifyStopping)
				return
			case <-t.C:
				_, _ = daemon.SdNotify(false, daemon.SdNotifyWatchdog)
			}
		}
	}()
}

type masterOptions struct {
	configDir string
	natsURL   string
	creds     string
	port      int
}

func newMasterCmd(s *streams) *cobra.Command {
	o := &masterOptions{}
	cmd := &cobra.Command{
		Use:   "master",
		Short: "Run the master: embedded NATS server, keys, jobs, files, pillar",
		Example: `  # Run the master with /etc/brine/master.yaml
  brine master

  # Run it against an existing NATS cluster
  brine master --nats-url tls://nats1:4222 --creds /etc/brine/master.creds`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkConfigDir(o.configDir, cmd.Flags().Changed("config-dir")); err != nil {
				return err
			}
			cfg, err := master.LoadConfig(o.configDir)
			if err != nil {
				return err
			}
			if o.natsURL != "" {
				cfg.NATSURL, cfg.NATSCreds = o.natsURL, o.creds
			}
			if cmd.Flags().Changed("port") {
				cfg.Port = o.port
			}
			log := newLogger(s.err, cfg.LogLevel)
			ctx, cancel := signalContext()
			defer cancel()
			m := master.New(cfg, master.Options{Log: log})
			go servePprof(ctx, log)
			var reactorDone chan error
			err = m.Run(ctx, func() {
				if len(cfg.Reactor) > 0 {
					reactorDone = make(chan error, 1)
					go func() { reactorDone <- runReactor(ctx, cfg, m.ClientURL(), log) }()
				}
				notifyReady(ctx, log)
			})
			if reactorDone != nil {
				if rerr := <-reactorDone; rerr != nil {
					log.Warn("reactor", "err", rerr)
				}
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&o.configDir, "config-dir", "c", master.DefaultDir, "directory holding master.yaml")
	cmd.Flags().StringVar(&o.natsURL, "nats-url", "", "use this NATS server or cluster instead of the embedded one")
	cmd.Flags().StringVar(&o.creds, "creds", "", "the master's credentials on --nats-url")
	cmd.Flags().IntVar(&o.port, "port", 4222, "NATS port (overrides master.yaml)")
	return cmd
}

type minionOptions struct {
	configDir string
	id        string
	master    string
	root      string
	check     bool
}

func newMinionCmd(s *streams) *cobra.Command {
	o := &minionOptions{}
	cmd := &cobra.Command{
		Use:   "minion",
		Short: "Run a minion: connect to the master, run its jobs",
		Example: `  # Run the minion with /etc/brine/minion.yaml
  brine minion

  # Run a second minion on the same host, managing an image
  brine minion -c /etc/brine/m2 --id m2 --root /mnt/image

  # Check minion.yaml and the way to the master, step by step, and stop
  brine minion --check`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkConfigDir(o.configDir, cmd.Flags().Changed("config-dir")); err != nil {
				return err
			}
			cfg, err := minion.LoadConfig(o.configDir)
			if cfg == nil {
				// Unreadable. A config that reads but does not
				// validate is checked again below, after the
				// flags that override it (and --check reports it
				// as its first step).
				return err
			}
			if o.id != "" {
				cfg.ID = o.id
			}
			if o.master != "" {
				cfg.Master = o.master
			}
			if o.root != "" {
				cfg.Root = o.root
			}
			if o.check {
				return runMinionCheck(cmd.Context(), s, cfg)
			}
			if err := cfg.Validate(); err != nil {
				return err
			}
			log := newLogger(s.err, cfg.LogLevel)
			ctx, cancel := signalContext()
			defer cancel()
			m := minion.New(cfg, log)
			go servePprof(ctx, log)
			m.Ready = func() { notifyReady(ctx, log) }
			return m.Run(ctx)
		},
	}
	cmd.Flags().StringVarP(&o.configDir, "config-dir", "c", master.DefaultDir, "directory holding minion.yaml")
	cmd.Flags().StringVar(&o.id, "id", "", "minion id (overrides minion.yaml)")
	cmd.Flags().StringVar(&o.master, "master", "", "master URL (overrides minion.yaml)")
	cmd.Flags().StringVar(&o.root, "root", "", "manage the tree under this directory (overrides minion.yaml)")
	cmd.Flags().BoolVar(&o.check, "check", false, "check minion.yaml and the way to the master (DNS, TCP, TLS and pin, login, acceptance), print each step, and exit (1 on a failure)")
	return cmd
}

func newLeafCmd(s *streams) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "leaf",
		Short: "Run a NATS leaf node for a remote site's minions, joined to the master",
		Example: `  # Run the leaf node of /etc/brine/leaf.yaml (docs/scaling.md, Remote sites)
  brine leaf -c /etc/brine`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkConfigDir(dir, cmd.Flags().Changed("config-dir")); err != nil {
				return err
			}
			cfg, err := master.LoadLeafConfig(dir)
			if err != nil {
				return err
			}
			log := newLogger(s.err, cfg.LogLevel)
			ctx, cancel := signalContext()
			defer cancel()
			return master.RunLeaf(ctx, cfg, log, func() { notifyReady(ctx, log) })
		},
	}
	cmd.Flags().StringVarP(&dir, "config-dir", "c", master.DefaultDir, "directory holding leaf.yaml")
	cmd.AddCommand(newLeafCertCmd())
	return cmd
}

func newLeafCertCmd() *cobra.Command {
	var dir, out string
	cmd := &cobra.Command{
		Use:   "cert NAME…",
		Short: "On the master: issue a leaf node's certificate from the master's CA",
		Example: `  # For the leaf at leaf.site-a.example: leaf.pem and leaf-key.pem here
  brine leaf cert -c /etc/brine leaf.site-a.example`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkConfigDir(dir, cmd.Flags().Changed("config-dir")); err != nil {
				return err
			}
			cfg, err := master.LoadConfig(dir)
			if err != nil {
				return err
			}
			return master.IssueLeafCert(cfg.StateDir, out, args)
		},
	}
	cmd.Flags().StringVarP(&dir, "config-dir", "c", master.DefaultDir, "directory holding the master's master.yaml")
	cmd.Flags().StringVarP(&out, "out", "o", ".", "directory to write leaf.pem and leaf-key.pem in")
	return cmd
}
