package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/proto"
)

type driver struct {
	brine string
	self  string
	dir   string // the master's folder, on the disk
	shm   string // the minions' folders, on tmpfs when there is one
	etc   string
	port  int
	per   int
	rate  int
	// masterEnv is added to the master's environment.
	masterEnv []string
	runs      int
	profile   string

	master  *child // the first of masters
	masters []*child
	minions []*child
	cl      *client.Client
	rows    []row
	started int // minions started so far
	nofile  uint64
	// pprof addresses of the swarm processes and the master, with
	// -profile.
	pprof       []string
	masterPprof string
	deadline    time.Duration
	// external: the master on a nats-server of its own (-external),
	// natsServer's binary; nats is that server's process.
	external   bool
	natsServer string
	nats       *child
	// tls: the master's server speaks TLS to everyone (tls: true), as
	// beyond loopback it always does (-tls).
	tls bool
	// cluster: three masters, each running a node of a NATS cluster
	// (-cluster); clientPorts are the nodes' client ports.
	cluster     bool
	clientPorts []int
}

// row is one line of a table: speed and memory against the floor, or
// onboarding (onboard).
type row struct {
	measure, minions, brine, floor, ratio, target string
	onboard                                       bool
}

// SizeError is a -sizes value that is not a list of growing counts.
type SizeError struct{ Value string }

func (e *SizeError) Error() string {
	return fmt.Sprintf("-sizes %q: want growing numbers of minions, comma-separated", e.Value)
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || (len(out) > 0 && n <= out[len(out)-1]) {
			return nil, &SizeError{Value: s}
		}
		out = append(out, n)
	}
	return out, nil
}

func runDriver(args []string) error {
	fs := flag.NewFlagSet("swarm", flag.ContinueOnError)
	brine := fs.String("brine", "bin/brine", "the brine binary")
	sizesFlag := fs.String("sizes", "1000,10000", "fleet sizes, growing")
	per := fs.Int("per", 2000, "minions per swarm process")
	runs := fs.Int("runs", 7, "runs of each ping (and floor); the median is reported")
	keep := fs.Bool("keep", false, "keep the work folders")
	profile := fs.String("profile", "", "write CPU profiles of the master, the last ping command and the swarm processes into this folder")
	rate := fs.Int("rate", 400, "minions started per second by a swarm process (one starts its minions at a time)")
	wait := fs.Duration("wait", 4*time.Minute, "longest wait for a fleet to come up (keys pending, then connected)")
	masterEnv := fs.String("master-env", "", "extra environment of the master, KEY=VALUE,… (GOGC, GOMEMLIMIT)")
	external := fs.Bool("external", false, "run the master on a nats-server process of its own (nats_url, docs/scaling.md 2b), the minions connected to that server; its RSS and CPU are reported apart")
	natsServer := fs.String("nats-server", "bin/nats-server", "with -external: the nats-server binary (run.sh builds it from go.mod's module)")
	useTLS := fs.Bool("tls", false, "the master's server speaks TLS (tls: true, as it always does beyond loopback); the minions pin its CA at their first connection")
	cluster := fs.Bool("cluster", false, "run three masters, each running a node of a NATS cluster (docs/scaling.md 2a), the minions given the three nodes' URLs; the command runs on the first master's node")
	hold := fs.Bool("hold", false, "once measured, keep the master and the fleet up until interrupted (for profiling: brine -c ETC ...)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sizes, err := parseSizes(*sizesFlag)
	if err != nil {
		return err
	}
	d := &driver{per: *per, runs: *runs, deadline: *wait, rate: *rate, external: *external, tls: *useTLS, cluster: *cluster}
	if d.tls && d.external {
		return errors.New("-tls and -external: the external server's TLS is its own configuration, not measured here")
	}
	if d.cluster && (d.tls || d.external) {
		return errors.New("-cluster goes alone: its nodes speak plain text on loopback")
	}
	if d.external {
		if d.natsServer, err = filepath.Abs(*natsServer); err != nil {
			return err
		}
		if _, err := os.Stat(d.natsServer); err != nil {
			return fmt.Errorf("-external: %w (test/bench/swarm/run.sh builds it)", err)
		}
	}
	if *masterEnv != "" {
		d.masterEnv = strings.Split(*masterEnv, ",")
	}
	if d.brine, err = filepath.Abs(*brine); err != nil {
		return err
	}
	if d.self, err = os.Executable(); err != nil {
		return err
	}
	if *profile != "" {
		if d.profile, err = filepath.Abs(*profile); err != nil {
			return err
		}
		if err := os.MkdirAll(d.profile, 0o755); err != nil {
			return err
		}
	}
	// The master and every child inherit the limit.
	if d.nofile, err = raiseNofile(); err != nil {
		return err
	}
	if need := uint64(sizes[len(sizes)-1]) + 1024; d.nofile < need {
		return fmt.Errorf("open-file limit %d: the master needs about %d for %d minions (raise the hard limit: ulimit -Hn, prlimit)", d.nofile, need, sizes[len(sizes)-1])
	}
	if d.dir, err = os.MkdirTemp("", "brine-swarm-"); err != nil {
		return err
	}
	shmBase := ""
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		shmBase = "/dev/shm"
	}
	if d.shm, err = os.MkdirTemp(shmBase, "brine-swarm-minions-"); err != nil {
		return err
	}
	if !*keep {
		defer os.RemoveAll(d.dir)
		defer os.RemoveAll(d.shm)
	} else {
		progress("work folders kept: %s %s", d.dir, d.shm)
	}
	defer d.stopAll()

	floors := map[int]floorResult{}
	for _, n := range sizes {
		f, err := d.floor(n)
		if err != nil {
			return fmt.Errorf("floor, %d connections: %w", n, err)
		}
		floors[n] = f
		progress("floor, %d: %v, its server's RSS %s", n, f.took, mb(f.rssKB))
	}
	if err := d.startMaster(); err != nil {
		return err
	}
	help, err := d.helpTime()
	if err != nil {
		return err
	}
	for _, n := range sizes {
		if err := d.grow(n); err != nil {
			return err
		}
		if err := d.ping(n, floors[n]); err != nil {
			return err
		}
	}
	if *hold {
		progress("holding: master.yaml in %s; interrupt to stop", d.etc)
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		<-ctx.Done()
		stop()
		return nil
	}
	if !d.external && !d.cluster {
		// A minion's own memory does not depend on where its
		// connection ends: measured in the default mode alone.
		if err := d.idleRSS(sizes[len(sizes)-1]); err != nil {
			return err
		}
	}
	d.add(row{measure: "start-up of the command alone: `brine --help` (median)", brine: ms(help)})
	d.print()
	return nil
}

func progress(f string, a ...any) { fmt.Fprintf(os.Stderr, "swarm: "+f+"\n", a...) }

func (d *driver) add(r row) {
	d.rows = append(d.rows, r)
	progress("%s, %s: %s (floor %s, ratio %s)", r.measure, r.minions, r.brine, r.floor, r.ratio)
}

// chunks splits n minions into processes of at most per.
func chunks(n, per int) []int {
	var out []int
	for n > 0 {
		c := min(n, per)
		out = append(out, c)
		n -= c
	}
	return out
}

// floorResult is the floor at one size: the time to collect n replies,
// and the RSS of its server with the n connections up.
type floorResult struct {
	took  time.Duration
	rssKB int
}

// floor measures the floor with n connections in processes of d.per.
func (d *driver) floor(n int) (floorResult, error) {
	srv, err := d.startChild("natsd", []string{"natsd"}, "ready ", nil)
	if err != nil {
		return floorResult{}, err
	}
	url := strings.TrimPrefix(srv.line, "ready ")
	var answer []*child
	defer func() {
		// The server first: see stopAll.
		srv.stop()
		for _, c := range answer {
			c.stop()
		}
	}()
	for i, c := range chunks(n, d.per) {
		a, err := d.startChild(fmt.Sprintf("answer-%d", i), []string{"answer", "-url", url, "-n", strconv.Itoa(c)}, "ready ", nil)
		if err != nil {
			return floorResult{}, err
		}
		answer = append(answer, a)
	}
	took, err := floorMedian(url, n, d.runs)
	return floorResult{took: took, rssKB: statusKB(srv.cmd.Process.Pid, "VmRSS:")}, err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startMaster writes master.yaml and starts `brine master` (with
// -cluster, three: startCluster).
func (d *driver) startMaster() error {
	var err error
	if d.port, err = freePort(); err != nil {
		return err
	}
	d.etc = filepath.Join(d.dir, "etc")
	srv := filepath.Join(d.dir, "srv")
	if err := write(filepath.Join(srv, "top.sls"), "base:\n  '*': []\n"); err != nil {
		return err
	}
	env := append([]string(nil), d.masterEnv...)
	if d.profile != "" {
		port, err := freePort()
		if err != nil {
			return err
		}
		d.masterPprof = fmt.Sprintf("127.0.0.1:%d", port)
		env = append(env, "BRINE_PPROF="+d.masterPprof)
	}
	if d.cluster {
		if err := d.startCluster(srv, env); err != nil {
			return err
		}
	} else {
		where := fmt.Sprintf("port: %d\n", d.port)
		if d.tls {
			where += "tls: true\n"
		}
		if d.external {
			where = d.externalConfig()
		}
		if err := write(filepath.Join(d.etc, "master.yaml"), where+d.masterConfig(filepath.Join(d.dir, "master"), srv)); err != nil {
			return err
		}
		if d.external {
			if err := d.startNATSServer(); err != nil {
				return err
			}
		}
		m, err := d.runMaster("master", d.etc, env)
		if err != nil {
			return err
		}
		d.masters = []*child{m}
	}
	d.master = d.masters[0]
	creds := filepath.Join(d.dir, "master", master.OperatorFile)
	// A cluster's masters are ready once two nodes have formed its
	// JetStream: some seconds more.
	deadline := time.Now().Add(90 * time.Second)
	for {
		err = nil
		if d.cl == nil {
			d.cl, err = client.Connect(client.Config{URL: d.url(), Creds: creds, CAFile: filepath.Join(d.dir, "master", master.CAFile), Name: "swarm-driver"})
		}
		if err == nil {
			// The server takes connections before its master (every
			// master of a cluster) serves: the fleet starts once
			// one answers, so that onboarding is not timed from before.
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, err = d.cl.Keys(ctx)
			cancel()
			if err == nil {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("master did not come up: %w (see %s)", err, filepath.Join(d.dir, d.master.name+".log"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// masterConfig is the part of master.yaml that every mode shares. The
// limits that bound onboarding are raised: a fleet of 10,000 pending
// keys is past max_pending_keys' default (1,000), and at the default
// key_requests_per_sec (50) its requests alone take 200 s.
func (d *driver) masterConfig(state, srv string) string {
	return fmt.Sprintf(`state_dir: %s
file_roots: {base: [%s]}
pillar_roots: {base: [%s/pillar]}
log_level: warn
idle_trim: %s
limits:
  max_pending_keys: 20000
  key_requests_per_sec: 2000
`, state, srv, d.dir, benchIdleTrim)
}

// runMaster starts `brine master -c etc`, its log in name.log.
func (d *driver) runMaster(name, etc string, env []string) (*child, error) {
	log, err := os.Create(filepath.Join(d.dir, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(d.brine, "master", "-c", etc)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, err
	}
	return &child{name: name, cmd: cmd, closer: log}, nil
}

// url is where the minions and the driver reach the master's server:
// with -cluster, every node's, with commas between them.
func (d *driver) url() string {
	scheme := "nats"
	if d.tls {
		scheme = "tls"
	}
	if d.cluster {
		var us []string
		for _, p := range d.clientPorts {
			us = append(us, fmt.Sprintf("nats://127.0.0.1:%d", p))
		}
		return strings.Join(us, ",")
	}
	return fmt.Sprintf("%s://127.0.0.1:%d", scheme, d.port)
}

// brineCmd runs the brine command line against the master and returns
// its wall time and output.
func (d *driver) brineCmd(env []string, args ...string) (time.Duration, string, error) {
	t, _, out, err := d.brineRun(env, args...)
	return t, out, err
}

// brineRun is brineCmd, with the command's CPU time (user and system).
func (d *driver) brineRun(env []string, args ...string) (time.Duration, time.Duration, string, error) {
	cmd := exec.Command(d.brine, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	var cpu time.Duration
	if cmd.ProcessState != nil {
		cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	if err != nil {
		return took, cpu, out.String(), fmt.Errorf("brine %s: %w: %s", strings.Join(args, " "), err, clip(errb.String()))
	}
	return took, cpu, out.String(), nil
}

func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

func (d *driver) helpTime() (time.Duration, error) {
	var ds []time.Duration
	for i := 0; i < d.runs; i++ {
		t, _, err := d.brineCmd(nil, "--help")
		if err != nil {
			return 0, err
		}
		ds = append(ds, t)
	}
	return median(ds), nil
}

// grow starts swarm processes until n minions run, accepts their keys
// as an operator would, and waits until every one is connected.
func (d *driver) grow(n int) error {
	begin := time.Now()
	from := d.started
	// One swarm process at a time, each once the keys of the one before
	// are all pending: a minion whose key waits reconnects now and then
	// (to pick up its rights from a master that cannot disconnect it),
	// and thousands of those, arriving at once, keep the master busy
	// authorising them rather than registering their keys.
	ctx := context.Background()
	for _, c := range chunks(n-d.started, d.per) {
		args := []string{"minions", "-rate", strconv.Itoa(d.rate), "-master", d.url(), "-dir", d.shm,
			"-first", strconv.Itoa(d.started + 1), "-n", strconv.Itoa(c), "-log", filepath.Join(d.dir, fmt.Sprintf("minions-%d.log", len(d.minions)))}
		if d.profile != "" {
			port, err := freePort()
			if err != nil {
				return err
			}
			addr := fmt.Sprintf("127.0.0.1:%d", port)
			args = append(args, "-pprof", addr)
			d.pprof = append(d.pprof, addr)
		}
		ch, err := d.startChild(fmt.Sprintf("minions-%d", len(d.minions)), args, "", nil)
		if err != nil {
			return err
		}
		d.minions = append(d.minions, ch)
		d.started += c
		if err := d.waitKeys(ctx, d.started-from, proto.KeyPending); err != nil {
			return err
		}
	}
	pending := time.Since(begin)
	d.add(row{measure: fmt.Sprintf("from the first start to every key pending, %d minions started a second", d.rate), minions: count(n - from), brine: ms(pending), onboard: true})
	acceptT, _, err := d.brineCmd(nil, "key", "accept", "-A", "-y", "-c", d.etc)
	if err != nil {
		return err
	}
	d.add(row{measure: "`brine key accept -A -y`, every pending key", minions: fmt.Sprintf("%s pending", count(n-from)), brine: ms(acceptT), onboard: true})
	start := time.Now()
	if err := d.waitConnected(ctx, n); err != nil {
		return err
	}
	d.add(row{measure: "from the accept to every minion connected with its rights", minions: count(n), brine: ms(time.Since(start)), onboard: true})
	var ls []time.Duration
	for i := 0; i < 3; i++ {
		t, out, err := d.brineCmd(nil, "key", "list", "-c", d.etc)
		if err != nil {
			return err
		}
		if got := strings.Count(out, "\nm"); got < n-1 {
			return fmt.Errorf("brine key list lists %d minions; want %d", got, n)
		}
		ls = append(ls, t)
	}
	d.add(row{measure: "`brine key list` (median of 3)", minions: count(n) + " accepted", brine: ms(median(ls)), onboard: true})
	return nil
}

func (d *driver) waitKeys(ctx context.Context, want int, state string) error {
	deadline := time.Now().Add(d.deadline)
	next := time.Now().Add(10 * time.Second)
	for {
		ks, err := d.cl.Keys(ctx)
		got := 0
		for _, k := range ks {
			if k.State == state {
				got++
			}
		}
		if err == nil && got >= want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d keys %s after %v (%v)", got, want, state, d.deadline, err)
		}
		if time.Now().After(next) {
			progress("%d of %d keys %s", got, want, state)
			next = time.Now().Add(10 * time.Second)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func (d *driver) waitConnected(ctx context.Context, want int) error {
	deadline := time.Now().Add(d.deadline)
	for {
		ms, err := d.cl.Minions(ctx)
		got := 0
		for _, m := range ms {
			if m.Connected {
				got++
			}
		}
		if err == nil && got >= want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d minions connected after %v (%v)", got, want, d.deadline, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// ping times the whole `brine '*' test.ping` process.
func (d *driver) ping(n int, floor floorResult) error {
	d.settle(n)
	var ds []time.Duration
	var cpu []cpuSplit
	for i := 0; i < d.runs; i++ {
		before := d.cpu()
		t, cmdCPU, out, err := d.brineRun(nil, "*", "test.ping", "-c", d.etc)
		if err != nil {
			return err
		}
		c := d.cpu().minus(before)
		c.command = cmdCPU
		cpu = append(cpu, c)
		if got := strings.Count(out, "    True\n"); got != n {
			return fmt.Errorf("brine '*' test.ping: %d of %d minions returned True", got, n)
		}
		ds = append(ds, t)
	}
	med := median(ds)
	progress("test.ping to %d, each run: %v", n, ds)
	target, rssTarget := "", ""
	switch n {
	case 1000:
		target = "< 150 ms"
	case 10000:
		target, rssTarget = "< 1.5 s", "< 250 MB"
	}
	d.add(row{measure: fmt.Sprintf("`brine '*' test.ping`, the whole command (median of %d; fastest–slowest)", d.runs), minions: count(n),
		brine: fmt.Sprintf("%s (%s–%s)", ms(med), ms(slices.Min(ds)), ms(slices.Max(ds))), floor: ms(floor.took),
		ratio: ratio(float64(med), float64(floor.took)), target: target})
	c := medianCPU(cpu)
	mp := d.master.cmd.Process.Pid
	rss := statusKB(mp, "VmRSS:")
	switch {
	case d.external:
		d.externalRows(n, c, rss, floor, rssTarget)
	case d.cluster:
		d.clusterRows(n, c, floor)
	default:
		d.add(row{measure: "CPU time of one ping: the command / the master / the swarm's minions (medians)", minions: count(n),
			brine: fmt.Sprintf("%s / %s / %s", ms(c.command), ms(c.master), ms(c.swarm))})
		d.add(row{measure: "RSS of the master, every minion connected, after the pings; the floor's: its nats-server's", minions: count(n),
			brine: fmt.Sprintf("%s (anonymous %s)", mb(rss), mb(statusKB(mp, "RssAnon:"))), floor: mb(floor.rssKB),
			ratio: ratio(float64(rss), float64(floor.rssKB)), target: rssTarget})
		d.masterIdleRSS(n, rssTarget)
	}
	if d.profile != "" {
		return d.profilePings(n)
	}
	return nil
}

// benchIdleTrim is the master's idle_trim here: shorter than the
// default minute, so that the bench need not wait one.
const benchIdleTrim = 5 * time.Second

// masterIdleRSS adds the master's RSS once it has been quiet for
// idle_trim and has given back what the pings freed, and again a minute
// later: what a master holding the fleet between jobs takes. The second
// is the one that lasts: each connection's writer in the NATS server
// grows its stack back to 32 KB (nats-server's flushOutbound keeps a
// 24 KB array of write vectors on its stack) the next time it writes,
// and a minion's keepalive (every 20 s) is answered within the minute.
func (d *driver) masterIdleRSS(n int, target string) {
	// idle_trim, a tick of its check (a quarter of it) and the two
	// collections.
	time.Sleep(benchIdleTrim + 5*time.Second)
	mp := d.master.cmd.Process.Pid
	trimmed := statusKB(mp, "VmRSS:")
	time.Sleep(time.Minute)
	d.add(row{measure: fmt.Sprintf("RSS of the master, every minion connected, idle: once idle_trim (%v) has given back what the pings freed / a minute later, the minions' keepalives answered", benchIdleTrim),
		minions: count(n), brine: fmt.Sprintf("%s / %s (anonymous %s)", mb(trimmed), mb(statusKB(mp, "VmRSS:")), mb(statusKB(mp, "RssAnon:"))), target: target})
}

// settle waits, before the pings, until the fleet's onboarding is over:
// the master and the swarm busy less than a quarter of a core each over
// two seconds (at 10,000 minions their presence alone keeps the master
// at about a tenth). An operator pings a fleet that has been up a while,
// not one whose every minion just sent its hello, grains and pillar.
// It gives up after a minute and says so.
func (d *driver) settle(n int) {
	const window, busy = 2 * time.Second, 4 // CPU under window/busy
	start := time.Now()
	var c cpuSplit
	for time.Since(start) < time.Minute {
		before := d.cpu()
		time.Sleep(window)
		c = d.cpu().minus(before)
		if c.master < window/busy && c.nats < window/busy && c.swarm < window/busy {
			progress("%d minions: settled after %v (master %v, swarm %v of CPU in %v)", n, time.Since(start).Round(time.Second), c.master, c.swarm, window)
			return
		}
	}
	progress("%d minions: still busy after a minute (master %v, swarm %v of CPU in %v); pinging anyway", n, c.master, c.swarm, window)
}

func ratio(a, b float64) string {
	if b <= 0 {
		return ""
	}
	return fmt.Sprintf("%.1f", a/b)
}

// profilePings pings back to back for a while, untimed, with the master
// and the swarm processes profiled all along and the last command
// profiled alone (BRINE_CPUPROFILE).
func (d *driver) profilePings(n int) error {
	const secs = 10
	fetch := func(addr, file string, done chan<- error) {
		resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs))
		if err == nil {
			defer resp.Body.Close()
			var b []byte
			if b, err = io.ReadAll(resp.Body); err == nil {
				err = os.WriteFile(file, b, 0o644)
			}
		}
		done <- err
	}
	done := make(chan error)
	fetchers := 1
	go fetch(d.masterPprof, filepath.Join(d.profile, fmt.Sprintf("master-ping-%d.pprof", n)), done)
	for i, a := range d.pprof {
		fetchers++
		go fetch(a, filepath.Join(d.profile, fmt.Sprintf("swarm-%d-ping-%d.pprof", i, n)), done)
	}
	pings := 0
	for start := time.Now(); time.Since(start) < secs*time.Second-time.Second; pings++ {
		env := []string{"BRINE_CPUPROFILE=" + filepath.Join(d.profile, fmt.Sprintf("command-ping-%d.pprof", n))}
		if _, _, err := d.brineCmd(env, "*", "test.ping", "-c", d.etc); err != nil {
			return err
		}
	}
	var first error
	for range fetchers {
		if err := <-done; err != nil && first == nil {
			first = err
		}
	}
	progress("profiled %d pings of %d minions into %s", pings, n, d.profile)
	return first
}

// idleRSS measures a minion as it runs on a host of its own: a `brine
// minion` process, from its own copy of the binary (the swarm's minions
// and the master share the binary's pages), idle after a ping with the
// whole fleet connected. It also reports what one more minion costs a
// swarm process.
func (d *driver) idleRSS(n int) error {
	var kb int
	for _, c := range d.minions {
		kb += statusKB(c.cmd.Process.Pid, "RssAnon:")
	}
	d.add(row{measure: "anonymous memory per minion in a swarm process (all swarm processes / minions)", minions: count(n),
		brine: fmt.Sprintf("%.0f kB", float64(kb)/float64(n))})
	own := filepath.Join(d.shm, "brine-lone")
	data, err := os.ReadFile(d.brine)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteSync(own, data, 0o755); err != nil {
		return err
	}
	home := filepath.Join(d.shm, "lone")
	if err := write(filepath.Join(home, "minion.yaml"), fmt.Sprintf("id: lone\nmaster: %s\nstate_dir: %s/state\ncache_dir: %s/cache\nroot: %s/root\nlog_level: warn\n",
		d.url(), home, home, home)); err != nil {
		return err
	}
	log, err := os.Create(filepath.Join(d.dir, "lone.log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(own, "minion", "-c", home)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return err
	}
	lone := &child{name: "lone", cmd: cmd, closer: log}
	defer lone.stop()
	ctx := context.Background()
	if err := d.waitKeys(ctx, 1, proto.KeyPending); err != nil {
		return err
	}
	if _, _, err := d.brineCmd(nil, "key", "accept", "lone", "-y", "-c", d.etc); err != nil {
		return err
	}
	if err := d.waitConnected(ctx, n+1); err != nil {
		return err
	}
	if _, _, err := d.brineCmd(nil, "-L", "lone", "test.ping", "-c", d.etc); err != nil {
		return err
	}
	// A minion gives memory back after 10 s with nothing to do.
	time.Sleep(12 * time.Second)
	pid := cmd.Process.Pid
	d.add(row{measure: "idle RSS of a `brine minion` process of its own, 12 s after a test.ping", minions: "1 (of " + count(n+1) + ")",
		brine: fmt.Sprintf("%s (anonymous %s)", mb(statusKB(pid, "VmRSS:")), mb(statusKB(pid, "RssAnon:"))), target: "< 10 MB"})
	return nil
}

// print writes the two tables: speed and memory against the floor, then
// onboarding.
func (d *driver) print() {
	fmt.Println("| measure | minions | brine | floor | ratio | target |")
	fmt.Println("|---|---|---:|---:|---:|---|")
	for _, r := range d.rows {
		if !r.onboard {
			fmt.Printf("| %s | %s | %s | %s | %s | %s |\n", r.measure, r.minions, r.brine, r.floor, r.ratio, r.target)
		}
	}
	fmt.Println()
	fmt.Println("| onboarding | minions | time |")
	fmt.Println("|---|---|---:|")
	for _, r := range d.rows {
		if r.onboard {
			fmt.Printf("| %s | %s | %s |\n", r.measure, r.minions, r.brine)
		}
	}
}

// cpuSplit is CPU time spent by the command, the master and the swarm
// processes.
type cpuSplit struct{ command, master, nats, swarm time.Duration }

func (a cpuSplit) minus(b cpuSplit) cpuSplit {
	return cpuSplit{a.command - b.command, a.master - b.master, a.nats - b.nats, a.swarm - b.swarm}
}

func (d *driver) cpu() cpuSplit {
	var c cpuSplit
	for _, m := range d.masters {
		c.master += cpuTime(m.cmd.Process.Pid)
	}
	if p := d.natsPid(); p != 0 {
		c.nats = cpuTime(p)
	}
	for _, m := range d.minions {
		c.swarm += cpuTime(m.cmd.Process.Pid)
	}
	return c
}

func medianCPU(cs []cpuSplit) cpuSplit {
	var c, m, n, s []time.Duration
	for _, x := range cs {
		c = append(c, x.command)
		m = append(m, x.master)
		n = append(n, x.nats)
		s = append(s, x.swarm)
	}
	return cpuSplit{median(c), median(m), median(n), median(s)}
}

// clockTick is the kernel's USER_HZ, which /proc/PID/stat counts in.
const clockTick = 100

// cpuTime is a process's user and system CPU time so far.
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+k) * time.Second / clockTick
}

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

func mb(kb int) string { return fmt.Sprintf("%.1f MB", float64(kb)/1024) }

func ms(d time.Duration) string {
	if d >= 10*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	if d >= time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func count(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func write(p, s string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(s), 0o644)
}

// child is a process the driver started and stops.
type child struct {
	name   string
	cmd    *exec.Cmd
	line   string // the line it was waited for
	closer io.Closer
}

// startChild starts this program with args and, when ready is set,
// waits for a line of its output that starts with it.
func (d *driver) startChild(name string, args []string, ready string, env []string) (*child, error) {
	cmd := exec.Command(d.self, args...)
	cmd.Env = append(os.Environ(), env...)
	log, err := os.Create(filepath.Join(d.dir, name+".err"))
	if err != nil {
		return nil, err
	}
	cmd.Stderr = log
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, err
	}
	c := &child{name: name, cmd: cmd, closer: log}
	lines := make(chan string, 1)
	go func() {
		// Owned by the child's stdout: it ends when the child exits.
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			if !sent && ready != "" && strings.HasPrefix(sc.Text(), ready) {
				lines <- sc.Text()
				sent = true
			}
		}
		close(lines)
	}()
	if ready == "" {
		return c, nil
	}
	select {
	case l, ok := <-lines:
		if !ok {
			c.stop()
			return nil, fmt.Errorf("%s exited before it was ready (see %s)", name, log.Name())
		}
		c.line = l
		return c, nil
	case <-time.After(2 * time.Minute):
		c.stop()
		return nil, fmt.Errorf("%s not ready after 2m (see %s)", name, log.Name())
	}
}

// stop ends the child: SIGTERM, then SIGKILL if it lingers.
func (c *child) stop() {
	if c == nil || c.cmd.Process == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		_ = c.cmd.Process.Kill()
		<-done
	}
	if c.closer != nil {
		c.closer.Close()
	}
}

// stopAll stops the master first, then the swarm: the side that closes
// a connection first keeps it in TIME_WAIT, and on the master's side
// that holds the master's one port rather than one of the machine's
// ephemeral ports per minion.
func (d *driver) stopAll() {
	if d.cl != nil {
		d.cl.Close()
	}
	// The masters of a cluster together: one by one, the last would
	// wait on a store that has lost its majority.
	stopTogether(d.masters)
	d.nats.stop()
	stopTogether(d.minions)
}

// stopTogether stops the children at once and waits for them all.
func stopTogether(cs []*child) {
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Go(c.stop)
	}
	wg.Wait()
}
