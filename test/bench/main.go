// Command bench runs brine's whole-process workloads and writes the table
// in docs/PERFORMANCE.md. `make bench` runs it.
//
// Each workload is timed as a whole process (exec of the brine binary),
// as the anchors for Salt, Puppet and Ansible were measured, and reports
// the median wall time of several runs and the peak RSS.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"
)

// measurement is one row of the table.
type measurement struct {
	workload, phase string
	wall            time.Duration
	rssKB           int64
	target, anchor  string
}

func main() {
	bin := flag.String("brine", "bin/brine", "the brine binary")
	out := flag.String("out", "docs/PERFORMANCE.md", "the Markdown file to write")
	runs := flag.Int("runs", 5, "runs per phase; the median is reported")
	flag.Parse()
	abs, err := filepath.Abs(*bin)
	if err != nil {
		log.Fatal(err)
	}
	var rows []measurement
	for _, w := range workloads {
		r, err := w.run(abs, *runs)
		if err != nil {
			log.Fatalf("%s: %v", w.name, err)
		}
		rows = append(rows, r...)
	}
	if err := os.WriteFile(*out, []byte(table(rows, *runs)), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Print(table(rows, *runs))
}

// timed runs argv once and returns its wall time and peak RSS.
func timed(argv []string, env []string) (time.Duration, int64, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	var stderr, stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %v\n%s%s", strings.Join(argv, " "), err, tail(stdout.String()), stderr.String())
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var rss int64
	if ru != nil {
		rss = ru.Maxrss
	}
	return wall, rss, nil
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}

// median runs prepare+argv n times and returns the median wall time and
// the largest RSS seen.
func median(n int, prepare func() error, argv []string) (time.Duration, int64, error) {
	var walls []time.Duration
	var rss int64
	for i := 0; i < n; i++ {
		if prepare != nil {
			if err := prepare(); err != nil {
				return 0, 0, err
			}
		}
		w, r, err := timed(argv, nil)
		if err != nil {
			return 0, 0, err
		}
		walls = append(walls, w)
		rss = max(rss, r)
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	return walls[len(walls)/2], rss, nil
}

func table(rows []measurement, runs int) string {
	var b strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "# brine performance\n\n")
	fmt.Fprintf(&b, "Written by `make bench` (test/bench) on %s, %s, %d cores, %s. ", time.Now().UTC().Format("2006-01-02"), host, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(&b, "Each phase runs the brine binary as a whole process; wall time is the median of %d runs, peak RSS the largest seen. ", runs)
	fmt.Fprintf(&b, "The anchors for other tools were measured on this kind of machine (2 cores, 24 GiB) and are quoted from the project's issues.\n\n")
	fmt.Fprintf(&b, "| workload | phase | wall | peak RSS | target | anchor |\n|---|---|---:|---:|---|---|\n")
	for _, r := range rows {
		wall := "—"
		if r.wall > 0 {
			wall = fmtDur(r.wall)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %.1f MB | %s | %s |\n", r.workload, r.phase, wall, float64(r.rssKB)/1024, r.target, r.anchor)
	}
	b.WriteString(notes)
	return b.String()
}

func fmtDur(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}
