// Command ssh measures brine ssh against Ansible (issue 13) and prints a
// Markdown table: the same change, 50 files, applied to 10 hosts over
// SSH on loopback, each host a real OpenSSH server of its own
// (test/sshd), logging in as root with a key:
//
//   - brine ssh: file.managed from salt:// for each file, into a root of
//     the host's own (minion_opts root), --max-procs 10;
//   - Ansible (Debian's ansible package, Ansible 7): a playbook with a
//     copy task over the same 50 files into the same kind of root, 10
//     forks, pipelining on, its own ControlPersist connection sharing,
//     facts gathered as brine collects grains.
//
// For each: the first run (the 50 files written on every host; for brine
// it copies brine to the hosts too), the same change again on fresh
// roots (brine already cached there), and the no-op (everything right
// already; brine's the median of -runs runs, Ansible's one run), and
// next to brine's no-op its floor in the same run: one OpenSSH session a
// host, all at once, hashing the 50 files. Run it as root from the
// repository root: go run ./test/bench/ssh -brine bin/brine.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/brine-cm/brine/test/sshd"
)

const (
	hosts = 10
	files = 50
)

func main() {
	brine := flag.String("brine", "bin/brine", "the brine binary")
	runs := flag.Int("runs", 3, "no-op runs of each; the median is reported")
	ansible := flag.Bool("ansible", true, "measure Ansible too (minutes on a busy machine)")
	flag.Parse()
	if err := run(*brine, *runs, *ansible); err != nil {
		fmt.Fprintln(os.Stderr, "bench ssh:", err)
		os.Exit(1)
	}
}

type bench struct {
	dir, brine string
	servers    []*sshd.Server
	key, known string
}

func run(brine string, runs int, ansible bool) error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("run as root: it starts sshd servers")
	}
	abs, err := filepath.Abs(brine)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "brine-bench-ssh-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b := &bench{dir: dir, brine: abs, key: filepath.Join(dir, "id_ed25519"), known: filepath.Join(dir, "known_hosts")}
	pub, err := sshd.Keygen(b.key)
	if err != nil {
		return err
	}
	var known strings.Builder
	for i := 0; i < hosts; i++ {
		s, err := sshd.Start(sshd.Options{ClientKeys: []string{pub}})
		if err != nil {
			return err
		}
		defer s.Stop()
		b.servers = append(b.servers, s)
		fmt.Fprintln(&known, s.KnownHostsLine())
	}
	if err := os.WriteFile(b.known, []byte(known.String()), 0o600); err != nil {
		return err
	}
	if err := b.writeTrees(); err != nil {
		return err
	}
	brineFirst, err := b.timeRun(true, b.brineRun)
	if err != nil {
		return err
	}
	brineChange, err := b.timeRun(true, b.brineRun)
	if err != nil {
		return err
	}
	brineNoop, err := b.median(runs, b.brineRun)
	if err != nil {
		return err
	}
	// The floor: the least a no-op needs, one OpenSSH session a host,
	// all at once, reading and hashing its 50 files.
	floor, err := b.median(runs, b.floorRun)
	if err != nil {
		return err
	}
	fmt.Printf("| %d files to %d hosts over SSH | first run | the change again (brine cached) | no-op (median of %d) |\n|---|---:|---:|---:|\n", files, hosts, runs)
	fmt.Printf("| brine ssh | %s | %s | %s |\n", ms(brineFirst), ms(brineChange), ms(brineNoop))
	fmt.Printf("| floor: ssh + sha256sum of the files, every host at once | | | %s |\n", ms(floor))
	fmt.Printf("| brine / floor | | | **%.1f×** |\n", ratio(brineNoop, floor))
	if !ansible {
		return nil
	}
	ansFirst, err := b.timeRun(true, b.ansibleRun)
	if err != nil {
		return err
	}
	// One no-op of Ansible: on a shared 2-core machine it takes minutes.
	ansNoop, err := b.median(1, b.ansibleRun)
	if err != nil {
		return err
	}
	fmt.Printf("| %s (no-op: one run) | %s | %s | %s |\n", ansibleVersion(), ms(ansFirst), ms(ansFirst), ms(ansNoop))
	fmt.Printf("| Ansible / brine | %.1f× | %.1f× | **%.1f×** |\n", ratio(ansFirst, brineFirst), ratio(ansFirst, brineChange), ratio(ansNoop, brineNoop))
	return nil
}

// floorRun is the floor of a no-op: every host at once, one OpenSSH
// session each that reads and hashes the host's 50 files.
func (b *bench) floorRun() error {
	errs := make(chan error, len(b.servers))
	for i, s := range b.servers {
		root := filepath.Join(b.dir, "roots", fmt.Sprintf("host%02d", i+1))
		go func() {
			cmd := exec.Command("ssh", "-q", "-o", "BatchMode=yes", "-o", "UserKnownHostsFile="+b.known, "-i", b.key,
				"-p", fmt.Sprint(s.Port), "root@127.0.0.1", "sha256sum "+root+"/etc/bench/*")
			out, err := cmd.CombinedOutput()
			if err == nil && bytes.Count(out, []byte("\n")) != files {
				err = fmt.Errorf("hashed %d files, want %d", bytes.Count(out, []byte("\n")), files)
			}
			if err != nil {
				err = fmt.Errorf("floor ssh to port %d: %v\n%s", s.Port, err, tail(string(out)))
			}
			errs <- err
		}()
	}
	var first error
	for range b.servers {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func ms(d time.Duration) string {
	if d >= 10*time.Second {
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

func ansibleVersion() string {
	out, err := exec.Command("ansible", "--version").Output()
	if err != nil {
		return "Ansible"
	}
	first := strings.SplitN(string(out), "\n", 2)[0] // ansible [core 2.14.18]
	pkg, _ := exec.Command("dpkg-query", "-W", "-f", "${Version}", "ansible").Output()
	if len(pkg) > 0 {
		return fmt.Sprintf("Ansible %s (%s)", strings.SplitN(string(pkg), "+", 2)[0], strings.Trim(strings.TrimPrefix(first, "ansible "), "[]"))
	}
	return first
}

// writeTrees writes the state tree, the playbook, the roster and the
// inventory: the same 50 files for both tools.
func (b *bench) writeTrees() error {
	var sls, tasks strings.Builder
	for i := 1; i <= files; i++ {
		name := fmt.Sprintf("f%02d.conf", i)
		content := fmt.Sprintf("# file %d\n%s", i, strings.Repeat(fmt.Sprintf("setting_%d = value\n", i), 20))
		for _, p := range []string{filepath.Join(b.dir, "states", "bench", name), filepath.Join(b.dir, "ansible", "files", name)} {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				return err
			}
		}
		fmt.Fprintf(&sls, "/etc/bench/%s:\n  file.managed:\n    - source: salt://bench/%s\n    - makedirs: True\n", name, name)
	}
	fmt.Fprintf(&tasks, "- hosts: all\n  tasks:\n    - name: the directory (file.managed's makedirs)\n      file:\n        path: \"{{ root }}/etc/bench\"\n        state: directory\n    - name: the bench files\n      copy:\n        src: \"files/{{ item }}\"\n        dest: \"{{ root }}/etc/bench/{{ item }}\"\n        mode: \"0644\"\n      loop:\n")
	for i := 1; i <= files; i++ {
		fmt.Fprintf(&tasks, "        - f%02d.conf\n", i)
	}
	var roster, inv strings.Builder
	inv.WriteString("[all]\n")
	for i, s := range b.servers {
		id := fmt.Sprintf("host%02d", i+1)
		root := filepath.Join(b.dir, "roots", id)
		fmt.Fprintf(&roster, "%s:\n  host: 127.0.0.1\n  port: %d\n  user: root\n  priv: %s\n  thin_dir: %s\n  minion_opts:\n    root: %s\n", id, s.Port, b.key, filepath.Join(b.dir, "thin", id), root)
		fmt.Fprintf(&inv, "%s ansible_host=127.0.0.1 ansible_port=%d ansible_user=root root=%s\n", id, s.Port, root)
	}
	cfg := fmt.Sprintf("[defaults]\ninventory = %s\nforks = %d\nhost_key_checking = True\ninterpreter_python = /usr/bin/python3\nprivate_key_file = %s\n[ssh_connection]\npipelining = True\ncontrol_path_dir = %s\nssh_args = -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile=%s\n",
		filepath.Join(b.dir, "ansible", "inventory"), hosts, b.key, filepath.Join(b.dir, "cp"), b.known)
	for p, s := range map[string]string{
		filepath.Join(b.dir, "states", "top.sls"):      "base:\n  '*':\n    - bench\n",
		filepath.Join(b.dir, "states", "bench.sls"):    sls.String(),
		filepath.Join(b.dir, "roster"):                 roster.String(),
		filepath.Join(b.dir, "ansible", "inventory"):   inv.String(),
		filepath.Join(b.dir, "ansible", "site.yml"):    tasks.String(),
		filepath.Join(b.dir, "ansible", "ansible.cfg"): cfg,
	} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// freshRoots empties every host's root, so that the next run writes
// the 50 files again.
func (b *bench) freshRoots() error {
	roots := filepath.Join(b.dir, "roots")
	if err := os.RemoveAll(roots); err != nil {
		return err
	}
	for i := range b.servers {
		if err := os.MkdirAll(filepath.Join(roots, fmt.Sprintf("host%02d", i+1)), 0o755); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) timeRun(fresh bool, f func() error) (time.Duration, error) {
	if fresh {
		if err := b.freshRoots(); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	err := f()
	return time.Since(start), err
}

func (b *bench) median(n int, f func() error) (time.Duration, error) {
	var ds []time.Duration
	for i := 0; i < n; i++ {
		d, err := b.timeRun(false, f)
		if err != nil {
			return 0, err
		}
		ds = append(ds, d)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2], nil
}

func (b *bench) brineRun() error {
	cmd := exec.Command(b.brine, "ssh", "--roster-file", filepath.Join(b.dir, "roster"), "--known-hosts", b.known,
		"--file-root", filepath.Join(b.dir, "states"), "--max-procs", fmt.Sprint(hosts), "--out", "json", "--static", "*", "state.apply")
	cmd.Env = append(os.Environ(), "HOME="+b.dir)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("brine ssh: %v\n%s\n%s", err, tail(out.String()), errb.String())
	}
	return nil
}

func (b *bench) ansibleRun() error {
	cmd := exec.Command("ansible-playbook", "site.yml")
	cmd.Dir = filepath.Join(b.dir, "ansible")
	cmd.Env = append(os.Environ(), "HOME="+b.dir, "ANSIBLE_CONFIG="+filepath.Join(cmd.Dir, "ansible.cfg"), "ANSIBLE_NOCOLOR=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ansible-playbook: %v\n%s", err, tail(out.String()))
	}
	return nil
}

func tail(s string) string {
	if len(s) > 3000 {
		return s[len(s)-3000:]
	}
	return s
}
