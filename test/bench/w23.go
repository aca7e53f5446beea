package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// installedPackages returns n packages installed on this host, so that W2
// is a no-op wherever it runs.
func installedPackages(n int) ([]string, error) {
	out, err := exec.Command("dpkg-query", "-W", "-f", "${Package} ${Priority} ${db:Status-Abbrev}\n").Output()
	if err != nil {
		return nil, fmt.Errorf("dpkg-query: %w", err)
	}
	var pkgs []string
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[1] == "required" && f[2] == "ii" && !strings.Contains(f[0], ":") {
			pkgs = append(pkgs, f[0])
		}
		if len(pkgs) == n {
			return pkgs, nil
		}
	}
	return nil, fmt.Errorf("only %d required packages installed; W2 needs %d", len(pkgs), n)
}

// runW2: 20 installed packages, as one pkgs: state and as 20 states, on
// the live host's package database. Nothing is installed: a no-op.
func runW2(bin string, runs int) ([]measurement, error) {
	pkgs, err := installedPackages(20)
	if err != nil {
		return nil, err
	}
	tree, err := os.MkdirTemp("", "brine-w2-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tree)
	var one, many strings.Builder
	one.WriteString("w2-all:\n  pkg.installed:\n    - refresh: False\n    - pkgs:\n")
	for _, p := range pkgs {
		fmt.Fprintf(&one, "      - %s\n", p)
		fmt.Fprintf(&many, "w2-%s:\n  pkg.installed:\n    - name: %s\n    - refresh: False\n", p, p)
	}
	if err := writeFiles(tree, map[string]string{"one.sls": one.String(), "many.sls": many.String()}); err != nil {
		return nil, err
	}
	var rows []measurement
	for _, c := range []struct{ sls, phase string }{{"one", "no-op, one state with pkgs:"}, {"many", "no-op, 20 states"}} {
		argv := []string{bin, "call", "--local", "--id", "bench", "--file-root", tree, "--out", "quiet", "state.apply", c.sls}
		wall, rss, err := median(runs, nil, argv)
		if err != nil {
			return nil, err
		}
		rows = append(rows, measurement{"W2", c.phase, wall, rss, "< 50 ms", "Salt 3006 4.4 s, Puppet 7 3.6 s, Ansible 7 4.8 s"})
	}
	return rows, nil
}

// runW3: 50 entries in an alternate fstab (config:, mount: False), as a
// no-op after a first run wrote them.
func runW3(bin string, runs int) ([]measurement, error) {
	tmp, err := os.MkdirTemp("", "brine-w3-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	tree, root := filepath.Join(tmp, "tree"), filepath.Join(tmp, "root")
	var sls strings.Builder
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&sls, "w3-%d:\n  mount.mounted:\n    - name: /mnt/w3/%d\n    - device: /dev/disk/by-label/w3-%d\n    - fstype: ext4\n    - opts: [noatime, nodev]\n    - config: /etc/fstab.w3\n    - mount: False\n    - persist: True\n", i, i, i)
	}
	if err := writeFiles(tree, map[string]string{"w3.sls": sls.String()}); err != nil {
		return nil, err
	}
	if err := writeFiles(root, map[string]string{"etc/fstab.w3": "# alternate fstab for W3\n"}); err != nil {
		return nil, err
	}
	argv := []string{bin, "call", "--local", "--id", "bench", "--file-root", tree, "--root", root, "--out", "quiet", "state.apply", "w3"}
	if _, _, err := timed(argv, nil); err != nil {
		return nil, err
	}
	wall, rss, err := median(runs, nil, argv)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(root, "etc/fstab.w3"))
	if err != nil {
		return nil, err
	}
	if n := strings.Count(string(b), "/mnt/w3/"); n != 50 {
		return nil, fmt.Errorf("W3 fstab has %d entries; want 50", n)
	}
	return []measurement{{"W3", "no-op, 50 fstab entries", wall, rss, "< 50 ms", "Puppet 7 2.2 s, Ansible 7 11 s"}}, nil
}

func writeFiles(dir string, files map[string]string) error {
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
