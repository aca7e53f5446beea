// Command bigfile measures how a minion fetches a large salt:// file
// (issue 9) and prints a Markdown table:
//
//   - the floor: a plain NATS request loop on the master's own embedded
//     server, fetching the same 1 GiB in 512 KiB replies read from the
//     file, one request at a time: the least work the job needs;
//   - a real `brine minion` process applying file.managed with source
//     salt://big.bin (1 GiB) through a real `brine master`: the fetch alone
//     (test=True with an empty cache: the file is fetched, nothing is
//     written but the cache), a whole apply from an empty cache, and a
//     rerun that finds the file right;
//   - the minion's peak RSS over all of it (VmHWM).
//
// The files live on tmpfs (/dev/shm when there is one), so that the
// figures are brine's and not the disk's. Run it from the repository
// root: go run ./test/bench/bigfile -brine bin/brine.
package main

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/client"
)

// chunk is the size of the floor's replies: the master's chunk size as
// issue 9 measured it. (The master's chunks are now 1 KiB smaller, so that
// one with its header fits one message; the floor keeps the size.)
const chunk = 512 << 10

func main() {
	brine := flag.String("brine", "bin/brine", "the brine binary")
	size := flag.Int64("size", 1<<30, "the file's size in bytes")
	runs := flag.Int("runs", 3, "runs of the floor and of the fetch; the median is reported")
	dir := flag.String("dir", "", "work directory (default: a new one under /dev/shm, or the temp dir)")
	keep := flag.Bool("keep", false, "keep the work directory")
	flag.Parse()
	if err := run(*brine, *size, *runs, *dir, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bigfile:", err)
		os.Exit(1)
	}
}

type bench struct {
	dir, brine, etc string
	size            int64
	port            int
	master, minion  *exec.Cmd
	cl              *client.Client
}

func run(brine string, size int64, runs int, dir string, keep bool) error {
	abs, err := filepath.Abs(brine)
	if err != nil {
		return err
	}
	if dir == "" {
		base := os.TempDir()
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
			base = "/dev/shm"
		}
		if dir, err = os.MkdirTemp(base, "brine-bigfile-"); err != nil {
			return err
		}
		if !keep {
			defer os.RemoveAll(dir)
		}
	}
	b := &bench{dir: dir, brine: abs, size: size}
	defer b.stop()
	if err := b.makeFile(); err != nil {
		return err
	}
	if err := b.startMaster(); err != nil {
		return err
	}
	if err := b.startMinion(); err != nil {
		return err
	}
	ctx := context.Background()
	progress("master pid %d, minion pid %d, files under %s", b.master.Process.Pid, b.minion.Process.Pid, dir)

	floor, err := b.medianOf(runs, b.floor)
	if err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	progress("floor: %s", rate(size, floor))

	peak := watchRSS(b.minion.Process.Pid)
	// The master hashes the file once, on the first fetch; that fetch
	// is not the one measured.
	first, err := b.apply(ctx, true, true)
	if err != nil {
		return fmt.Errorf("first fetch: %w", err)
	}
	progress("first fetch (the master hashes the file): %s", rate(size, first))
	cpuM, cpuN := cpuTime(b.master.Process.Pid), cpuTime(b.minion.Process.Pid)
	fetch, err := b.medianOf(runs, func() (time.Duration, error) { return b.apply(ctx, true, true) })
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	cpuM, cpuN = (cpuTime(b.master.Process.Pid)-cpuM)/time.Duration(max(runs, 1)), (cpuTime(b.minion.Process.Pid)-cpuN)/time.Duration(max(runs, 1))
	progress("fetch: %s; CPU per fetch: master %.2f s, minion %.2f s", rate(size, fetch), cpuM.Seconds(), cpuN.Seconds())
	full, err := b.apply(ctx, false, true)
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	progress("apply: %s", rate(size, full))
	if err := b.checkTarget(); err != nil {
		return err
	}
	noop, err := b.apply(ctx, false, false)
	if err != nil {
		return fmt.Errorf("rerun: %w", err)
	}
	progress("rerun: %s", noop)
	hwm := statusKB(b.minion.Process.Pid, "VmHWM:")
	anon, file := peak()

	ratio := float64(floor) / float64(fetch)
	ok := func(b bool) string {
		if b {
			return "met"
		}
		return "**missed**"
	}
	fmt.Println("| measure | time | throughput | vs floor | target |")
	fmt.Println("|---|---:|---:|---:|---|")
	fmt.Printf("| floor: plain NATS request loop, %s in 512 KiB replies (median of %d) | %s | %s | 1.00 | |\n", gib(size), runs, secs(floor), rate(size, floor))
	fmt.Printf("| fetch into the minion's cache: `state.apply big test=True`, empty cache (median of %d) | %s | %s | %.2f | ≥ 0.50: %s |\n", runs, secs(fetch), rate(size, fetch), ratio, ok(ratio >= 0.5))
	fmt.Printf("| CPU time of one fetch: the master (with its NATS server) / the minion | %.2f s / %.2f s | | | |\n", cpuM.Seconds(), cpuN.Seconds())
	fmt.Printf("| the first fetch, the master hashing the file first | %s | %s | %.2f | |\n", secs(first), rate(size, first), float64(floor)/float64(first))
	fmt.Printf("| `state.apply big`, empty cache: fetch, then copy to the managed path | %s | %s | %.2f | |\n", secs(full), rate(size, full), float64(floor)/float64(full))
	fmt.Printf("| `state.apply big` again: the file is right (compared, not copied) | %s | | | |\n", secs(noop))
	fmt.Printf("| peak RSS of the minion process over all runs (VmHWM) | | %.1f MB | | < 40 MB: %s |\n", float64(hwm)/1024, ok(hwm < 40*1024))
	fmt.Printf("| of which, at most: anonymous (heap, stacks) / pages of the binary (sampled every 10 ms) | | %.1f MB / %.1f MB | | |\n", float64(anon)/1024, float64(file)/1024)
	return nil
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bigfile: "+format+"\n", args...)
}

func (b *bench) medianOf(n int, f func() (time.Duration, error)) (time.Duration, error) {
	var ds []time.Duration
	for range max(n, 1) {
		d, err := f()
		if err != nil {
			return 0, err
		}
		ds = append(ds, d)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2], nil
}

// makeFile writes the file: pseudo-random, each MiB stamped with its
// number so that no two chunks are alike.
func (b *bench) makeFile() error {
	srv := filepath.Join(b.dir, "srv")
	if err := os.MkdirAll(srv, 0o755); err != nil {
		return err
	}
	sls := "/data/big.bin:\n  file.managed:\n    - source: salt://big.bin\n    - makedirs: True\n"
	if err := os.WriteFile(filepath.Join(srv, "big.sls"), []byte(sls), 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(srv, "big.bin"))
	if err != nil {
		return err
	}
	block := make([]byte, 1<<20)
	rng := rand.NewChaCha8([32]byte{9})
	_, _ = rng.Read(block)
	for off := int64(0); off < b.size; off += int64(len(block)) {
		binary.LittleEndian.PutUint64(block, uint64(off))
		n := min(int64(len(block)), b.size-off)
		if _, err := f.Write(block[:n]); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func write(p, s string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(s), 0o644)
}

func (b *bench) startMaster() error {
	var err error
	if b.port, err = freePort(); err != nil {
		return err
	}
	b.etc = filepath.Join(b.dir, "etc")
	if err := write(filepath.Join(b.etc, "master.yaml"), fmt.Sprintf("port: %d\nstate_dir: %s/master\nfile_roots: {base: [%s/srv]}\npillar_roots: {base: [%s/pillar]}\nauto_accept: true\nlog_level: warn\n",
		b.port, b.dir, b.dir, b.dir)); err != nil {
		return err
	}
	log, err := os.Create(filepath.Join(b.dir, "master.log"))
	if err != nil {
		return err
	}
	b.master = exec.Command(b.brine, "master", "-c", b.etc)
	b.master.Stdout, b.master.Stderr = log, log
	if err := b.master.Start(); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		b.cl, err = client.Connect(client.Config{URL: b.url(), Creds: b.creds()})
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("master did not come up: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (b *bench) url() string   { return fmt.Sprintf("nats://127.0.0.1:%d", b.port) }
func (b *bench) creds() string { return filepath.Join(b.dir, "master", master.OperatorFile) }

func (b *bench) startMinion() error {
	dir := filepath.Join(b.dir, "m1")
	if err := os.MkdirAll(filepath.Join(dir, "root"), 0o755); err != nil {
		return err
	}
	if err := write(filepath.Join(dir, "minion.yaml"), fmt.Sprintf(
		"id: m1\nmaster: %s\nstate_dir: %s/state\ncache_dir: %s/cache\nroot: %s/root\nlog_level: warn\n",
		b.url(), dir, dir, dir)); err != nil {
		return err
	}
	log, err := os.Create(filepath.Join(dir, "minion.log"))
	if err != nil {
		return err
	}
	b.minion = exec.Command(b.brine, "minion", "-c", dir)
	b.minion.Stdout, b.minion.Stderr = log, log
	if err := b.minion.Start(); err != nil {
		return err
	}
	ctx := context.Background()
	deadline := time.Now().Add(time.Minute)
	for {
		ms, err := b.cl.Minions(ctx)
		for _, m := range ms {
			if m.ID == "m1" && m.Connected {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("minion m1 did not connect (%v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// floor fetches the file over the master's NATS server as plainly as
// NATS allows: one connection answers each request with the next 512 KiB
// of the file, another asks for them one after the other.
func (b *bench) floor() (time.Duration, error) {
	nc := func(name string) (*nats.Conn, error) {
		kp, err := master.ReadKey(b.creds())
		if err != nil {
			return nil, err
		}
		pub, _ := kp.PublicKey()
		return nats.Connect(b.url(), nats.Nkey(pub, kp.Sign), nats.Name(name))
	}
	srv, err := nc("bench-floor-server")
	if err != nil {
		return 0, err
	}
	defer srv.Close()
	cli, err := nc("bench-floor-client")
	if err != nil {
		return 0, err
	}
	defer cli.Close()
	f, err := os.Open(filepath.Join(b.dir, "srv", "big.bin"))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, chunk)
	sub, err := srv.Subscribe("bench.floor", func(msg *nats.Msg) {
		i, _ := strconv.ParseInt(string(msg.Data), 10, 64)
		// The last chunk is a short read; the loop counts what arrives.
		n, _ := f.ReadAt(buf, i*chunk)
		_ = msg.Respond(buf[:n])
	})
	if err != nil {
		return 0, err
	}
	defer sub.Unsubscribe()
	if err := srv.Flush(); err != nil {
		return 0, err
	}
	chunks := (b.size + chunk - 1) / chunk
	var got int64
	start := time.Now()
	for i := int64(0); i < chunks; i++ {
		msg, err := cli.Request("bench.floor", []byte(strconv.FormatInt(i, 10)), 10*time.Second)
		if err != nil {
			return 0, fmt.Errorf("chunk %d: %w", i, err)
		}
		got += int64(len(msg.Data))
	}
	took := time.Since(start)
	if got != b.size {
		return 0, fmt.Errorf("the loop fetched %d bytes of %d", got, b.size)
	}
	return took, nil
}

// apply runs state.apply big on m1 and times it. fresh empties the
// minion's cache and its managed file first.
func (b *bench) apply(ctx context.Context, test, fresh bool) (time.Duration, error) {
	if fresh {
		for _, p := range []string{filepath.Join(b.dir, "m1", "cache", "files"), filepath.Join(b.dir, "m1", "root", "data")} {
			if err := os.RemoveAll(p); err != nil {
				return 0, err
			}
		}
	}
	job := client.Job{Target: "m1", TargetType: "list", Fun: "state.apply", Args: []any{"big"}, Timeout: time.Minute}
	if test {
		job.Kwargs = map[string]any{"test": true}
	}
	start := time.Now()
	res, err := b.cl.Run(ctx, job, nil)
	took := time.Since(start)
	if err != nil {
		return 0, err
	}
	ret := res.Returns["m1"]
	if ret == nil || ret.Retcode != 0 {
		return 0, fmt.Errorf("state.apply big: %s: %+v", res.Status["m1"], ret)
	}
	return took, nil
}

// checkTarget checks the managed file is the source, by size and by a
// sample of its bytes at each MiB's stamp.
func (b *bench) checkTarget() error {
	f, err := os.Open(filepath.Join(b.dir, "m1", "root", "data", "big.bin"))
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() != b.size {
		return fmt.Errorf("managed file is %d bytes; want %d", fi.Size(), b.size)
	}
	stamp := make([]byte, 8)
	for off := int64(0); off+8 <= b.size; off += 1 << 20 {
		if _, err := f.ReadAt(stamp, off); err != nil {
			return err
		}
		if got := binary.LittleEndian.Uint64(stamp); got != uint64(off) {
			return fmt.Errorf("managed file at %d: stamp %d", off, got)
		}
	}
	return nil
}

func (b *bench) stop() {
	if b.cl != nil {
		b.cl.Close()
	}
	for _, c := range []*exec.Cmd{b.minion, b.master} {
		if c != nil && c.Process != nil {
			_ = c.Process.Signal(syscall.SIGTERM)
			_, _ = c.Process.Wait()
		}
	}
}

func statusKB(pid int, field string) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// watchRSS samples a process's anonymous and file-backed resident memory
// until the function it returns is called, which returns the largest of
// each.
func watchRSS(pid int) func() (anonKB, fileKB int) {
	stop := make(chan struct{})
	done := make(chan [2]int)
	go func() {
		var most [2]int
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			most[0] = max(most[0], statusKB(pid, "RssAnon:"))
			most[1] = max(most[1], statusKB(pid, "RssFile:"))
			select {
			case <-stop:
				done <- most
				return
			case <-t.C:
			}
		}
	}()
	return func() (int, int) {
		close(stop)
		m := <-done
		return m[0], m[1]
	}
}

// cpuTime is the CPU time, user and system, a process has used.
func cpuTime(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}

func gib(n int64) string {
	if n >= 1<<30 && n%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", n>>30)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func rate(n int64, d time.Duration) string {
	return fmt.Sprintf("%.0f MB/s", float64(n)/d.Seconds()/1e6)
}
