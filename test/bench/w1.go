package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

type workload struct {
	name string
	run  func(bin string, runs int) ([]measurement, error)
}

var workloads = []workload{
	{"W1", func(bin string, runs int) ([]measurement, error) { return runW1(bin, runs, "/dev/shm", "tmpfs") }},
	{"W1", func(bin string, runs int) ([]measurement, error) { return runW1(bin, runs, os.TempDir(), "disk") }},
	{"W2", runW2},
	{"W3", runW3},
}

const notes = `
## Workloads

- **W1**: 900 ` + "`file.managed`" + ` states rendered from one Jinja template with two
  variables each, plus 100 ` + "`file.directory`" + ` states, all under a temporary
  ` + "`--root`" + `, through ` + "`brine call --local state.apply`" + `. Timed as a first run
  (nothing exists), a no-op rerun (everything correct) and a ` + "`test=True`" + ` run
  on the correct tree. It runs twice: with the root on tmpfs (/dev/shm), and
  on the disk (the system's temp dir). The floor row times the same files and
  directories made by plain Go calls on that filesystem: on this machine's
  disk, creating 900 files costs most of the first run whatever tool does it.
- **W2**: 20 packages already installed on the host (its real dpkg database),
  as one ` + "`pkg.installed`" + ` state with ` + "`pkgs:`" + ` and as 20 states: a no-op.
- **W3**: 50 ` + "`mount.mounted`" + ` entries in an alternate fstab (` + "`config:`" + `,
  ` + "`mount: False`" + `), as a no-op after a first run wrote them.
`

// w1Tree writes the W1 state tree into dir.
func w1Tree(dir string) error {
	sls := `{% for i in range(900) %}
w1-file-{{ i }}:
  file.managed:
    - name: /srv/w1/files/{{ i // 100 }}/f{{ i }}.conf
    - source: salt://w1/tpl.conf.j2
    - template: jinja
    - makedirs: True
    - context:
        index: {{ i }}
        label: file-{{ i }}
{% endfor %}
{% for i in range(100) %}
w1-dir-{{ i }}:
  file.directory:
    - name: /srv/w1/dirs/d{{ i }}
    - makedirs: True
{% endfor %}
`
	tpl := "# managed by brine\nindex = {{ index }}\nlabel = {{ label }}\n"
	files := map[string]string{
		"top.sls":        "base:\n  '*':\n    - w1\n",
		"w1/init.sls":    sls,
		"w1/tpl.conf.j2": tpl,
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// runW1 runs W1 with its root on the filesystem of base; fs names it in
// the table. The floor row is the cost of making the same 900 files and
// 100 directories with plain Go calls on that filesystem: the part of the
// first run no configuration tool can avoid.
func runW1(bin string, runs int, base, fs string) ([]measurement, error) {
	tmp, err := os.MkdirTemp(base, "brine-w1-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	tree, root := filepath.Join(tmp, "tree"), filepath.Join(tmp, "root")
	if err := w1Tree(tree); err != nil {
		return nil, err
	}
	argv := []string{bin, "call", "--local", "--id", "bench", "--file-root", tree, "--root", root, "--out", "quiet"}
	apply := append(append([]string{}, argv...), "state.apply")
	dry := append(append([]string{}, argv...), "state.apply", "test=True")
	fresh := func() error {
		if err := os.RemoveAll(root); err != nil {
			return err
		}
		return os.MkdirAll(root, 0o755)
	}
	first, firstRSS, err := median(runs, fresh, apply)
	if err != nil {
		return nil, err
	}
	noop, noopRSS, err := median(runs, nil, apply)
	if err != nil {
		return nil, err
	}
	test, testRSS, err := median(runs, nil, dry)
	if err != nil {
		return nil, err
	}
	n, err := countFiles(root)
	if err != nil {
		return nil, err
	}
	if n != 900 {
		return nil, fmt.Errorf("W1 made %d files under the root; want 900", n)
	}
	floor, err := createFloor(tmp, runs)
	if err != nil {
		return nil, err
	}
	w := "W1 (" + fs + ")"
	return []measurement{
		{w, "first run", first, firstRSS, "< 300 ms", "Salt 3006: 6.9 s"},
		{w, "floor: the same files made by plain Go", floor, 0, "", ""},
		{w, "no-op rerun", noop, noopRSS, "< 100 ms", "Salt 4.25 s, Puppet 7 4.07 s, grlx ~2.2 s"},
		{w, "test=True", test, testRSS, "", ""},
		{w, "peak RSS (all phases)", 0, max(firstRSS, noopRSS, testRSS), "< 40 MB", "Salt 97 MB"},
	}, nil
}

// createFloor times making W1's files (temp file + rename, as brine
// does) and directories with plain Go calls, median of runs.
func createFloor(base string, runs int) (time.Duration, error) {
	var walls []time.Duration
	dir := filepath.Join(base, "floor")
	for r := 0; r < runs; r++ {
		// As brine's first runs do, start each run on a removed tree.
		if err := os.RemoveAll(dir); err != nil {
			return 0, err
		}
		start := time.Now()
		for i := 0; i < 900; i++ {
			d := filepath.Join(dir, "files", fmt.Sprint(i/100))
			if err := os.MkdirAll(d, 0o755); err != nil {
				return 0, err
			}
			f, err := os.CreateTemp(d, ".f")
			if err != nil {
				return 0, err
			}
			fmt.Fprintf(f, "# managed by brine\nindex = %d\nlabel = file-%d\n", i, i)
			f.Close()
			if err := os.Rename(f.Name(), filepath.Join(d, fmt.Sprintf("f%d.conf", i))); err != nil {
				return 0, err
			}
		}
		for i := 0; i < 100; i++ {
			if err := os.MkdirAll(filepath.Join(dir, "dirs", fmt.Sprintf("d%d", i)), 0o755); err != nil {
				return 0, err
			}
		}
		walls = append(walls, time.Since(start))
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	return walls[len(walls)/2], nil
}

func countFiles(root string) (int, error) {
	n := 0
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasSuffix(p, ".conf") {
			n++
		}
		return nil
	})
	return n, err
}
