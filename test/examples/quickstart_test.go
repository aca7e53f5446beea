package examples

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// shBlock is one ```sh block of a Markdown page.
type shBlock struct {
	line int // where its fence is, 1-based
	text string
}

// skipMark, on the line before a fence, keeps a block out of the test
// (it would change the machine: install a binary or a unit).
const skipMark = "<!-- quickstart-test: skip"

// shBlocks returns the ```sh blocks of a Markdown text, in order, less
// those marked to skip.
func shBlocks(md string) ([]shBlock, error) {
	var out []shBlock
	sc := bufio.NewScanner(strings.NewReader(md))
	n, prev := 0, ""
	var cur *shBlock
	var body strings.Builder
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case cur == nil && strings.TrimSpace(line) == "```sh":
			cur = &shBlock{line: n}
			if strings.HasPrefix(strings.TrimSpace(prev), skipMark) {
				cur.line = -n
			}
			body.Reset()
		case cur != nil && strings.TrimSpace(line) == "```":
			cur.text = body.String()
			if cur.line > 0 {
				out = append(out, *cur)
			}
			cur = nil
		case cur != nil:
			body.WriteString(line + "\n")
		}
		prev = line
	}
	if cur != nil {
		return nil, fmt.Errorf("line %d: ```sh block never closed", cur.line)
	}
	return out, sc.Err()
}

// TestQuickstart runs every ```sh block of docs/quickstart.md, as
// written, in one shell in an empty folder, with the test's brine first on
// PATH: parts 1 (one host), 2 (a master and two minions on loopback) and 3
// (a minion with startup_states). The only thing set from outside is the
// master's port, which the page reads as ${port:-24222}.
func TestQuickstart(t *testing.T) {
	dir, out := runDoc(t, "quickstart.md", 10)
	wantFile(t, dir, "quickstart/image/etc/motd", "Welcome to web1.\nThis host is managed by brine: ask ops@example.org first.\n")
	wantFile(t, dir, "quickstart/image/srv/www/index.html", "<h1>web1</h1>\n")
	for _, m := range []string{"web1", "db1", "web2"} {
		if got := readFile(t, dir, "lab/"+m+"/root/etc/motd"); !strings.HasPrefix(got, "Welcome to "+m+".\n") {
			t.Errorf("%s's motd: %q", m, got)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "lab/db1/root/srv/www")); !os.IsNotExist(err) {
		t.Errorf("db1 got webroot, which top.sls gives only to web*: %v", err)
	}
	// Each step's sample output in the page is what the run printed.
	for _, want := range []string{"Key for minion db1 accepted.", "Welcome to web2."} {
		if !strings.Contains(out, want) {
			t.Errorf("the run never printed %q", want)
		}
	}
}

// TestWritingStatesDoc runs the examples of docs/writing-states.md.
func TestWritingStatesDoc(t *testing.T) {
	dir, out := runDoc(t, "writing-states.md", 8)
	wantFile(t, dir, "ws/root/home/alice/.profile", "# alice on web1 (Linux)\nexport EDITOR=vim\n")
	wantFile(t, dir, "ws/root/etc/nginx/conf.d/brine.conf", "# for nginx, user nginx\n")
	wantFile(t, dir, "ws/root/etc/hosts", "127.0.0.1 localhost\n10.0.0.5 db1\n10.0.0.4 web1\n")
	wantFile(t, dir, "ws/root/etc/ntp.conf", "server 0.debian.pool.ntp.org iburst\nserver 1.debian.pool.ntp.org iburst\n# db port: 5432\n")
	wantFile(t, dir, "ws/root/etc/motd", "Web server. Authorised use only.\n")
	for _, want := range []string{"        - users\n", "        - hosts\n", "Command \"echo \"app.conf changed\" > /dev/null\" would have been executed"} {
		if !strings.Contains(out, want) {
			t.Errorf("the run never printed %q", want)
		}
	}
}

// runDoc runs every ```sh block of docs/PAGE, as written, in one shell
// in an empty folder, with the test's brine first on PATH, and returns the
// folder and the output. The only thing set from outside is a free port
// for the master, which pages read as ${port:-24222}.
func runDoc(t *testing.T, page string, minBlocks int) (string, string) {
	t.Helper()
	md, err := os.ReadFile(filepath.Join(moduleRoot, "docs", page))
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := shBlocks(string(md))
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) < minBlocks {
		t.Fatalf("docs/%s has %d sh blocks; the test expects at least %d", page, len(blocks), minBlocks)
	}
	var script strings.Builder
	script.WriteString("set -eu\n")
	for _, b := range blocks {
		fmt.Fprintf(&script, "echo '### docs/%s:%d'\n%s", page, b.line, b.text)
	}

	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"PATH="+filepath.Dir(brineBin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		fmt.Sprintf("port=%d", freePort(t)))
	// Its own process group, so that daemons it left behind after a
	// failure are stopped with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	}
	if err != nil {
		t.Fatalf("docs/%s failed: %v\n%s\n(the last ### line names the block)", page, err, tail(out.String(), 6000))
	}
	return dir, out.String()
}

func TestShBlocks(t *testing.T) {
	md := "intro\n```sh\necho a\n```\n<!-- quickstart-test: skip (x) -->\n```sh\nrm -rf /\n```\n```text\nno\n```\n```sh\necho b\necho c\n```\n"
	got, err := shBlocks(md)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].text != "echo a\n" || got[0].line != 2 || got[1].text != "echo b\necho c\n" || got[1].line != 12 {
		t.Errorf("shBlocks = %+v", got)
	}
	if _, err := shBlocks("```sh\necho\n"); err == nil {
		t.Error("an open block is not an error")
	}
}
