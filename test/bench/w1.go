package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

type workload struct {
	name string
	run  func(bin string, runs int) ([]measurement, error)
}

var workloads = []workload{
	{"W1", runW1},
	{"W2", runW2},
	{"W3", runW3},
}

const notes = `
## Workloads

- **W1**: 900 ` + "`file.managed`" + ` states rendered from one Jinja template with two
  variables each, plus 100 ` + "`file.directory`" + ` states, all under a temporary
  ` + "`--root`" + `, through ` + "`brine call --local state.apply`" + `. Timed as a first run
  (nothing exists), a no-op rerun (everything correct) and a ` + "`test=True`" + ` run
  on the correct tree.
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

func runW1(bin string, runs int) ([]measurement, error) {
	tmp, err := os.MkdirTemp("", "brine-w1-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	tree, root := filepath.Join(tmp, "tree"), filepath.Join(tmp, "root")
	if err := w1Tree(tree); err != nil {
		return nil, err
	}
	base := []string{bin, "call", "--local", "--id", "bench", "--file-root", tree, "--root", root, "--out", "quiet"}
	apply := append(append([]string{}, base...), "state.apply")
	dry := append(append([]string{}, base...), "state.apply", "test=True")
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
	return []measurement{
		{"W1", "first run", first, firstRSS, "< 300 ms", "Salt 3006: 6.9 s"},
		{"W1", "no-op rerun", noop, noopRSS, "< 100 ms", "Salt 4.25 s, Puppet 7 4.07 s, grlx ~2.2 s"},
		{"W1", "test=True", test, testRSS, "", ""},
		{"W1", "peak RSS (all phases)", 0, max(firstRSS, noopRSS, testRSS), "< 40 MB", "Salt 97 MB"},
	}, nil
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
