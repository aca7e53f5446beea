package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // -pprof
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/brine-cm/brine/minion"
	"github.com/brine-cm/brine/pkg/memtrim"
)

// runMinions is the `swarm minions` child: n real minions (minion.New and
// Run, each with its own config, state dir, nkey and NATS connection) in
// this process, until SIGTERM. It prints "started N" once every minion
// has been started, and the minions' progress is the master's to tell.
func runMinions(args []string) error {
	fs := flag.NewFlagSet("minions", flag.ContinueOnError)
	url := fs.String("master", "", "the master's NATS URL")
	dir := fs.String("dir", "", "the folder that holds one state dir per minion")
	first := fs.Int("first", 1, "number of the first minion (ids are m00001 on)")
	n := fs.Int("n", 2000, "how many minions")
	perSec := fs.Int("rate", 500, "minions started per second (a burst of connections past the listen backlog costs SYN retries)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of this process here")
	logFile := fs.String("log", "", "the minions' warnings go here")
	pprofAddr := fs.String("pprof", "", "serve net/http/pprof on this loopback address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" || *dir == "" {
		return errors.New("minions: -master and -dir are needed")
	}
	if _, err := raiseNofile(); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	if *pprofAddr != "" {
		srv := &http.Server{Addr: *pprofAddr, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.ListenAndServe() }()
		defer srv.Close()
	}
	logW := os.Stderr
	if *logFile != "" {
		f, err := os.Create(*logFile)
		if err != nil {
			return err
		}
		defer f.Close()
		logW = f
	}
	log := slog.New(slog.NewTextHandler(logW, &slog.HandlerOptions{Level: slog.LevelWarn}))

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	var wg sync.WaitGroup
	var failed atomic.Int64
	var firstErr error
	var errOnce sync.Once
	tick := time.NewTicker(time.Second / time.Duration(max(1, *perSec)))
	defer tick.Stop()
	started := 0
	for i := *first; i < *first+*n && ctx.Err() == nil; i++ {
		m, err := newSwarmMinion(*url, *dir, minionID(i), log)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := m.Run(ctx); err != nil {
				failed.Add(1)
				errOnce.Do(func() { firstErr = err })
			}
		}()
		started++
		select {
		case <-tick.C:
		case <-ctx.Done():
		}
	}
	fmt.Printf("started %d\n", started)
	<-ctx.Done()
	wg.Wait()
	if n := failed.Load(); n > 0 {
		return fmt.Errorf("%d minions ended with an error, the first: %w", n, firstErr)
	}
	return nil
}

func minionID(i int) string { return fmt.Sprintf("m%05d", i) }

// swarmGrains are every swarm minion's grains: small and fixed, so that
// 2,000 minions do not each read the host's facts.
func swarmGrains() map[string]any {
	return map[string]any{"os": "Debian", "os_family": "Debian", "osmajorrelease": 12, "kernel": "Linux",
		"roles": []any{"swarm"}}
}

// newSwarmMinion makes one minion with a config of its own.
func newSwarmMinion(url, dir, id string, log *slog.Logger) (*minion.Minion, error) {
	cfg := minion.Defaults()
	home := filepath.Join(dir, id)
	cfg.ID, cfg.Master = id, url
	cfg.StateDir, cfg.CacheDir, cfg.Root = filepath.Join(home, "state"), filepath.Join(home, "cache"), filepath.Join(home, "root")
	cfg.LogLevel = "warn"
	cfg.DrainTimeout = minion.Duration(5 * time.Second)
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := minion.New(&cfg, log)
	m.Grains = swarmGrains
	m.ShareTrimmer(processTrimmer)
	return m, nil
}

// processTrimmer is the swarm process's memory trimmer, which its
// minions share (minion.ShareTrimmer): memtrim.Idle (a forced GC,
// debug.FreeOSMemory, and a page-out of the binary) acts on the whole
// process. It waits an hour: the benchmark measures the minions'
// memory untrimmed.
var processTrimmer = memtrim.NewTrimmer(time.Hour)

// raiseNofile raises this process's open-file limit to its hard limit:
// each minion holds a connection, and the master one per minion. The
// children of this process inherit it.
func raiseNofile() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("getrlimit: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, fmt.Errorf("setrlimit nofile %d: %w", lim.Max, err)
		}
	}
	return lim.Cur, nil
}
