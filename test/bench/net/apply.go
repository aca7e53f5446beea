package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// benchFiles is how many files the state tree's one SLS manages.
const benchFiles = 50

// apply runs `brine '*' state.apply test=True` as a whole command
// process, n minions expected, and adds its row: the time, its ratio to
// the floor, and what the master did for it per minion (its metrics,
// read before and after).
func (b *bench) apply(ctx context.Context, label, minions string, n int, floor time.Duration) error {
	before, err := b.scrape(ctx)
	if err != nil {
		return err
	}
	out, err := os.Create(filepath.Join(b.dir, "apply.out"))
	if err != nil {
		return err
	}
	defer out.Close()
	cmd := exec.CommandContext(ctx, b.brine, "-c", b.etc, "-t", "600", "*", "state.apply", "test=True")
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	runErr := cmd.Run()
	took := time.Since(start)
	after, err := b.scrape(ctx)
	if err != nil {
		return err
	}
	text, err := os.ReadFile(out.Name())
	if err != nil {
		return err
	}
	// The command exits 0 only when every expected minion returned and
	// none failed; each return prints a summary.
	summaries := bytes.Count(text, []byte("\nSummary for "))
	result := fmt.Sprintf("%d/%d returned ok", summaries, n)
	var ee *exec.ExitError
	if errors.As(runErr, &ee) {
		result = fmt.Sprintf("exit status %d, %d of %d summaries", ee.ExitCode(), summaries, n)
	} else if runErr != nil {
		return fmt.Errorf("state.apply: %w", runErr)
	}
	per := func(name string) string {
		return strconv.FormatFloat((after[name]-before[name])/float64(max(n, 1)), 'f', 1, 64)
	}
	result += fmt.Sprintf("; per minion the master answered %s stat, %s chunk, %s bundle, %s manifest and %s pillar requests, and its NATS server took in %s messages",
		per(`brine_master_file_requests_total{kind="stat"}`), per(`brine_master_file_requests_total{kind="chunk"}`),
		per(`brine_master_file_requests_total{kind="bundle"}`),
		per(`brine_master_file_requests_total{kind="manifest"}`), per(`brine_master_pillar_render_seconds_count{result="ok"}`),
		per(`brine_master_nats_server_messages_total{direction="in"}`))
	t := took.Round(time.Millisecond).String()
	if floor > 0 {
		t += fmt.Sprintf(" (%.1f× the floor)", float64(took)/float64(floor))
	}
	b.add(label, minions, result, t)
	return nil
}

// scrape reads the master's metrics: each sample by its name and labels,
// as the text format writes them.
func (b *bench) scrape(ctx context.Context) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+b.metrics+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	defer resp.Body.Close()
	m := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			m[line[:i]] = v
		}
	}
	return m, sc.Err()
}

// applyFloor is the floor of a state run's file traffic: a plain
// embedded nats-server, one connection answering requests for the
// tree's files with their bytes, read from disk, and n connections that
// each ask for the 50 files one after the other, all n at once. It
// returns the median of three runs.
func (b *bench) applyFloor(n int) (time.Duration, error) {
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoSigs: true, NoLog: true})
	if err != nil {
		return 0, err
	}
	s.Start()
	defer s.Shutdown()
	if !s.ReadyForConnections(30 * time.Second) {
		return 0, errors.New("floor: nats-server not ready")
	}
	files := filepath.Join(b.dir, "srv", "files")
	srv, err := nats.Connect(s.ClientURL(), nats.Name("floor-files"))
	if err != nil {
		return 0, err
	}
	defer srv.Close()
	if _, err := srv.Subscribe("floor.file", func(m *nats.Msg) {
		data, err := os.ReadFile(filepath.Join(files, filepath.Base(string(m.Data))))
		if err != nil {
			data = []byte(err.Error())
		}
		_ = m.Respond(data)
	}); err != nil {
		return 0, err
	}
	if err := srv.Flush(); err != nil {
		return 0, err
	}
	conns := make([]*nats.Conn, n)
	defer func() {
		for _, nc := range conns {
			if nc != nil {
				nc.Close()
			}
		}
	}()
	for i := range conns {
		if conns[i], err = nats.Connect(s.ClientURL()); err != nil {
			return 0, err
		}
	}
	var ds []time.Duration
	for run := 0; run < 3; run++ {
		start := time.Now()
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for _, nc := range conns {
			wg.Add(1)
			go func(nc *nats.Conn) {
				defer wg.Done()
				for i := 1; i <= benchFiles; i++ {
					if _, err := nc.Request("floor.file", []byte(fmt.Sprintf("f%02d.conf", i)), time.Minute); err != nil {
						errs <- err
						return
					}
				}
			}(nc)
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return 0, fmt.Errorf("floor: %w", err)
		}
		ds = append(ds, time.Since(start))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[1], nil
}

// profileApply runs state.apply test=True back to back for a while,
// untimed, with the master and this process (its minions) profiled all
// along, into b.profile.
func (b *bench) profileApply(ctx context.Context, n int) error {
	const secs = 15
	fetch := func(addr, file string, done chan<- error) {
		resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs))
		if err != nil {
			done <- err
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(file)
		if err != nil {
			done <- err
			return
		}
		defer f.Close()
		_, err = io.Copy(f, resp.Body)
		done <- err
	}
	done := make(chan error, 1)
	go fetch(b.masterPprof, filepath.Join(b.profile, fmt.Sprintf("master-apply-%d.pprof", n)), done)
	self, err := os.Create(filepath.Join(b.profile, fmt.Sprintf("bench-apply-%d.pprof", n)))
	if err != nil {
		return err
	}
	defer self.Close()
	if err := pprof.StartCPUProfile(self); err != nil {
		return err
	}
	end := time.Now().Add(secs * time.Second)
	runs := 0
	for ; time.Now().Before(end); runs++ {
		cmd := exec.CommandContext(ctx, b.brine, "-c", b.etc, "-t", "600", "*", "state.apply", "test=True")
		cmd.Env = append(os.Environ(), "BRINE_CPUPROFILE="+filepath.Join(b.profile, fmt.Sprintf("command-apply-%d.pprof", n)))
		if err := cmd.Run(); err != nil {
			pprof.StopCPUProfile()
			return fmt.Errorf("profile: state.apply: %w", err)
		}
	}
	pprof.StopCPUProfile()
	if err := <-done; err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	fmt.Fprintf(os.Stderr, "profiled %d runs of state.apply to %d minions into %s\n", runs, n, b.profile)
	return nil
}
