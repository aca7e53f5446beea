// Command bench measures brine's master and minions against the anchors
// of issue 3 and prints a Markdown table:
//
//   - test.ping to 10, 100 and 1,000 minions (real processes up to 100,
//     minions in this process, each with its own connection, beyond);
//   - state.apply test=True of a 50-file tree to 100 and 1,000 minions,
//     first and again, each a whole command process, next to its floor
//     (the 50 files fetched by bare NATS request-reply by each minion);
//   - idle RSS of a minion, and of the master with 100 minions;
//   - one minion of ten down, -t 5: how long until the command ends.
//
// Run it from the repository root: go run ./test/bench/net [-max 1000].
// With -profile DIR, the master and the benchmark process (its
// in-process minions) write CPU profiles of back-to-back state runs into
// DIR, the last command its own, and the first minion process one of its
// whole life.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/minion"
	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/client"
)

func main() {
	brine := flag.String("brine", "", "brine binary (default: build ./cmd/brine)")
	maxN := flag.Int("max", 1000, "largest ping size (10, 100, then this)")
	procs := flag.Int("procs", 100, "minions run as real processes; the rest run in this process")
	keep := flag.Bool("keep", false, "keep the work directory")
	profile := flag.String("profile", "", "write CPU profiles of state runs into this folder")
	flag.Parse()
	if err := run(*brine, *maxN, *procs, *keep, *profile); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type row struct{ scenario, minions, result, took string }

type bench struct {
	dir    string
	brine  string
	port   int
	etc    string
	master *exec.Cmd
	cl     *client.Client
	procs  map[string]*exec.Cmd
	cancel []context.CancelFunc
	rows   []row
	killed int
	// metrics is the master's metrics address.
	metrics string
	// profile is the folder of -profile, and the pprof address of the
	// master then.
	profile, masterPprof string
}

func run(brine string, maxN, nproc int, keep bool, profile string) error {
	dir, err := os.MkdirTemp("", "brine-bench-")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(dir)
	}
	if brine == "" {
		brine = filepath.Join(dir, "brine")
		b := exec.Command("go", "build", "-o", brine, "./cmd/brine")
		b.Stdout, b.Stderr = os.Stderr, os.Stderr
		if err := b.Run(); err != nil {
			return fmt.Errorf("build: %w", err)
		}
	}
	b := &bench{dir: dir, brine: brine, procs: map[string]*exec.Cmd{}}
	defer b.stop()
	if profile != "" {
		if b.profile, err = filepath.Abs(profile); err != nil {
			return err
		}
		if err := os.MkdirAll(b.profile, 0o755); err != nil {
			return err
		}
		port, err := freePort()
		if err != nil {
			return err
		}
		b.masterPprof = fmt.Sprintf("127.0.0.1:%d", port)
	}
	if err := b.startMaster(); err != nil {
		return err
	}
	ctx := context.Background()
	sizes := []int{10, 100}
	if maxN > 100 {
		sizes = append(sizes, maxN)
	}
	have := 0
	for _, n := range sizes {
		for ; have < n; have++ {
			id := fmt.Sprintf("m%04d", have+1)
			if have < nproc {
				err = b.startProcMinion(id)
			} else {
				err = b.startInProcMinion(id)
			}
			if err != nil {
				return err
			}
		}
		if err := b.waitConnected(ctx, n-b.killed, 5*time.Minute); err != nil {
			return err
		}
		kind := "processes"
		if n > nproc {
			kind = fmt.Sprintf("%d processes + %d in one process", nproc, n-nproc)
		}
		d, ok, err := b.ping(ctx, n-b.killed)
		if err != nil {
			return err
		}
		b.add("test.ping", fmt.Sprintf("%d (%s)", n, kind), ok, d)
		if n == 100 {
			if err := b.at100(ctx); err != nil {
				return err
			}
		}
		if n > 100 {
			if err := b.applyRows(ctx, n-b.killed, fmt.Sprintf("%d (%s)", n-b.killed, kind)); err != nil {
				return err
			}
		}
	}
	if err := b.lone(ctx, have-b.killed); err != nil {
		return err
	}
	fmt.Println("| scenario | minions | result | time / size |")
	fmt.Println("|---|---|---|---|")
	for _, r := range b.rows {
		fmt.Printf("| %s | %s | %s | %s |\n", r.scenario, r.minions, r.result, r.took)
	}
	return nil
}

func (b *bench) add(scenario, minions, result string, took string) {
	b.rows = append(b.rows, row{scenario, minions, result, took})
	fmt.Fprintf(os.Stderr, "%s, %s: %s in %s\n", scenario, minions, result, took)
}

// at100 runs what the issue measures with 100 minions.
func (b *bench) at100(ctx context.Context) error {
	// Idle RSS, after the pings.
	time.Sleep(2 * time.Second)
	var rss, anon []int
	for _, c := range b.procs {
		if kb := statusKB(c.Process.Pid, "VmRSS:"); kb > 0 {
			rss = append(rss, kb)
			anon = append(anon, statusKB(c.Process.Pid, "RssAnon:"))
		}
	}
	sort.Ints(rss)
	sort.Ints(anon)
	if len(rss) > 0 {
		b.add("idle RSS of a minion, 100 on one machine (median)", "1 of 100", "", fmt.Sprintf("%s (anonymous %s; the rest are pages of the binary, shared by all 100 and the master)", mb(rss[len(rss)/2]), mb(anon[len(anon)/2])))
	}
	mp := b.master.Process.Pid
	b.add("RSS of the master", "100 connected", "", fmt.Sprintf("%s (anonymous %s)", mb(statusKB(mp, "VmRSS:")), mb(statusKB(mp, "RssAnon:"))))

	if err := b.applyRows(ctx, 100, "100 (processes)"); err != nil {
		return err
	}

	// One of ten down, -t 5.
	var ten []string
	for i := 1; i <= 10; i++ {
		ten = append(ten, fmt.Sprintf("m%04d", i))
	}
	down := b.procs["m0010"]
	_ = down.Process.Kill()
	_, _ = down.Process.Wait()
	delete(b.procs, "m0010")
	b.killed++
	start := time.Now()
	res, err := b.cl.Run(ctx, client.Job{Target: strings.Join(ten, ","), TargetType: "list", Fun: "test.ping", Timeout: 5 * time.Second}, nil)
	if err != nil {
		return err
	}
	took := time.Since(start)
	named := "not named"
	if res.Status["m0010"] == client.NotConnected {
		named = "m0010 named not connected"
	}
	b.add("test.ping, one of ten down, -t 5", "10", summary(res, 9)+", "+named, took.Round(time.Millisecond).String())
	// Up again, for the rows that target every minion.
	if err := b.startProcMinion("m0010"); err != nil {
		return err
	}
	b.killed--
	return nil
}

// applyRows measures state.apply test=True of the 50-file tree to the n
// minions connected: its floor, a first run (each minion fetches what
// its cache lacks) and a second (the same tree again), and profiles
// state runs with -profile.
func (b *bench) applyRows(ctx context.Context, n int, minions string) error {
	floor, err := b.applyFloor(n)
	if err != nil {
		return err
	}
	b.add(fmt.Sprintf("floor: %d files fetched by bare NATS request-reply, one after the other, by each of the minions' number of connections at once (median of 3)", benchFiles), strconv.Itoa(n), "", floor.Round(100*time.Microsecond).String())
	if err := b.apply(ctx, fmt.Sprintf("state.apply test=True, %d files, first run", benchFiles), minions, n, floor); err != nil {
		return err
	}
	if err := b.apply(ctx, fmt.Sprintf("state.apply test=True, %d files, run again", benchFiles), minions, n, floor); err != nil {
		return err
	}
	if b.profile != "" {
		return b.profileApply(ctx, n)
	}
	return nil
}

func summary(res *client.Result, want int) string {
	ok := 0
	for id, s := range res.Status {
		if s == client.Returned && res.Returns[id] != nil && res.Returns[id].Retcode == 0 {
			ok++
		}
	}
	return fmt.Sprintf("%d/%d returned ok", ok, want)
}

func (b *bench) ping(ctx context.Context, n int) (string, string, error) {
	var times []time.Duration
	var last *client.Result
	for i := 0; i < 5; i++ {
		start := time.Now()
		res, err := b.cl.Run(ctx, client.Job{Target: "*", Fun: "test.ping", Timeout: time.Minute}, nil)
		if err != nil {
			return "", "", err
		}
		times = append(times, time.Since(start))
		last = res
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	return fmt.Sprintf("median %s (of 5)", times[2].Round(100*time.Microsecond)), summary(last, n), nil
}

func mb(kb int) string { return fmt.Sprintf("%.1f MB", float64(kb)/1024) }

func statusKB(pid int, field string) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (b *bench) startMaster() error {
	var err error
	if b.port, err = freePort(); err != nil {
		return err
	}
	b.etc = filepath.Join(b.dir, "etc")
	srv := filepath.Join(b.dir, "srv")
	var sls strings.Builder
	for i := 1; i <= benchFiles; i++ {
		name := fmt.Sprintf("f%02d.conf", i)
		if err := write(filepath.Join(srv, "files", name), strings.Repeat(fmt.Sprintf("line %d of %s\n", i, name), 40)); err != nil {
			return err
		}
		fmt.Fprintf(&sls, "%s:\n  file.managed:\n    - name: /etc/bench/%s\n    - source: salt://files/%s\n    - makedirs: True\n", name, name, name)
	}
	if err := write(filepath.Join(srv, "top.sls"), "base:\n  '*':\n    - files\n"); err != nil {
		return err
	}
	if err := write(filepath.Join(srv, "files.sls"), sls.String()); err != nil {
		return err
	}
	mport, err := freePort()
	if err != nil {
		return err
	}
	b.metrics = fmt.Sprintf("127.0.0.1:%d", mport)
	if err := write(filepath.Join(b.etc, "master.yaml"), fmt.Sprintf("port: %d\nstate_dir: %s/master\nfile_roots: {base: [%s]}\npillar_roots: {base: [%s/pillar]}\nauto_accept: true\nlog_level: warn\nmetrics: {listen: %q}\n",
		b.port, b.dir, srv, b.dir, b.metrics)); err != nil {
		return err
	}
	log, err := os.Create(filepath.Join(b.dir, "master.log"))
	if err != nil {
		return err
	}
	b.master = exec.Command(b.brine, "master", "-c", b.etc)
	b.master.Stdout, b.master.Stderr = log, log
	if b.masterPprof != "" {
		b.master.Env = append(os.Environ(), "BRINE_PPROF="+b.masterPprof)
	}
	if err := b.master.Start(); err != nil {
		return err
	}
	creds := filepath.Join(b.dir, "master", master.OperatorFile)
	deadline := time.Now().Add(30 * time.Second)
	for {
		b.cl, err = client.Connect(client.Config{URL: fmt.Sprintf("nats://127.0.0.1:%d", b.port), Creds: creds})
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("master did not come up: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (b *bench) minionConfig(id string) (string, error) {
	dir := filepath.Join(b.dir, id)
	if err := os.MkdirAll(filepath.Join(dir, "root"), 0o755); err != nil {
		return "", err
	}
	return dir, write(filepath.Join(dir, "minion.yaml"), fmt.Sprintf(
		"id: %s\nmaster: nats://127.0.0.1:%d\nstate_dir: %s/state\ncache_dir: %s/cache\nroot: %s/root\nlog_level: warn\n",
		id, b.port, dir, dir, dir))
}

func (b *bench) startProcMinion(id string) error {
	dir, err := b.minionConfig(id)
	if err != nil {
		return err
	}
	log, err := os.Create(filepath.Join(dir, "minion.log"))
	if err != nil {
		return err
	}
	c := exec.Command(b.brine, "minion", "-c", dir)
	c.Stdout, c.Stderr = log, log
	if b.profile != "" && len(b.procs) == 0 {
		// The minion's whole life, written when it stops.
		c.Env = append(os.Environ(), "BRINE_CPUPROFILE="+filepath.Join(b.profile, "minion-"+id+".pprof"))
	}
	if err := c.Start(); err != nil {
		return err
	}
	b.procs[id] = c
	return nil
}

func (b *bench) startInProcMinion(id string) error {
	dir, err := b.minionConfig(id)
	if err != nil {
		return err
	}
	cfg, err := minion.LoadConfig(dir)
	if err != nil {
		return err
	}
	m := minion.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = append(b.cancel, cancel)
	go func() { _ = m.Run(ctx) }()
	return nil
}

func (b *bench) waitConnected(ctx context.Context, n int, total time.Duration) error {
	deadline := time.Now().Add(total)
	for {
		ms, err := b.cl.Minions(ctx)
		c := 0
		for _, m := range ms {
			if m.Connected {
				c++
			}
		}
		if err == nil && c >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d minions connected after %v (%v)", c, n, total, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (b *bench) stop() {
	for _, c := range b.cancel {
		c()
	}
	for _, c := range b.procs {
		_ = c.Process.Signal(syscall.SIGTERM)
	}
	for _, c := range b.procs {
		_, _ = c.Process.Wait()
	}
	if b.cl != nil {
		b.cl.Close()
	}
	if b.master != nil {
		_ = b.master.Process.Signal(syscall.SIGTERM)
		_, _ = b.master.Process.Wait()
	}
}

func write(p, s string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(s), 0o644)
}

// lone measures one minion as it runs on a host of its own: from its own
// copy of the binary, so that no other brine process shares its pages (on
// one machine the fleet's minions and the master share the binary's pages,
// which the kernel then will not reclaim from any one of them).
func (b *bench) lone(ctx context.Context, connected int) error {
	own := filepath.Join(b.dir, "brine-lone")
	data, err := os.ReadFile(b.brine)
	if err != nil {
		return err
	}
	// Synced, as an installed binary is: the kernel does not page out
	// dirty page-cache pages, which a just-written copy would have.
	if err := atomicfile.WriteSync(own, data, 0o755); err != nil {
		return err
	}
	dir, err := b.minionConfig("lone")
	if err != nil {
		return err
	}
	c := exec.Command(own, "minion", "-c", dir)
	if err := c.Start(); err != nil {
		return err
	}
	b.procs["lone"] = c
	if err := b.waitConnected(ctx, connected+1, time.Minute); err != nil {
		return err
	}
	if _, err := b.cl.Run(ctx, client.Job{Target: "lone", Fun: "test.ping", Timeout: time.Minute}, nil); err != nil {
		return err
	}
	// A minion gives memory back after 10 s with nothing to do.
	time.Sleep(12 * time.Second)
	pid := c.Process.Pid
	b.add("idle RSS of a minion on a host of its own", "1", "12 s after a test.ping",
		fmt.Sprintf("%s (anonymous %s)", mb(statusKB(pid, "VmRSS:")), mb(statusKB(pid, "RssAnon:"))))
	return nil
}
