package exec

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/states"
)

// Salt's ps.pgrep (salt/modules/ps.py over psutil), which formulas call
// while rendering to ask whether a process runs
// (`salt['ps.pgrep']('systemd')`): the ids of the processes whose name
// (or, with full, command line) holds the pattern, None when there are
// none.

func init() {
	register("ps.pgrep", psPgrep, "Return the ids of the processes whose name holds the pattern (with full, whose command line does), in order; None when none does, as Salt's.",
		states.Param{Name: "pattern", Type: states.String, Required: true, Doc: "the text to look for (a Python regular expression with pattern_is_regex)."},
		states.Param{Name: "user", Type: states.String, Doc: "only the processes of this user."},
		states.Param{Name: "full", Type: states.Bool, Default: false, Doc: "match the whole command line, not the name."},
		states.Param{Name: "pattern_is_regex", Type: states.Bool, Default: false, Doc: "the pattern is a regular expression, searched for."})
}

// procDir is where the processes are read; a variable, for tests.
var procDir = "/proc"

// procInfo is what pgrep reads of one process.
type procInfo struct {
	pid     int
	name    string
	cmdline []string
	uid     string
}

// readProc reads a process as psutil does: its name from stat (the
// command line's program when stat's 15 characters cut it short), its
// command line, its real uid. ok is false when it has gone.
func readProc(pid int) (procInfo, bool) {
	dir := filepath.Join(procDir, strconv.Itoa(pid))
	stat, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return procInfo{}, false
	}
	s := string(stat)
	open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || closing < open {
		return procInfo{}, false
	}
	p := procInfo{pid: pid, name: s[open+1 : closing]}
	if raw, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil && len(raw) > 0 {
		p.cmdline = strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	}
	if len(p.name) >= 15 && len(p.cmdline) > 0 {
		if base := filepath.Base(p.cmdline[0]); strings.HasPrefix(base, p.name) {
			p.name = base
		}
	}
	if st, err := os.ReadFile(filepath.Join(dir, "status")); err == nil {
		for _, l := range strings.Split(string(st), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "Uid:" {
				p.uid = f[1]
				break
			}
		}
	}
	return p, true
}

func psPgrep(_ context.Context, c *call) Return {
	entries, err := os.ReadDir(procDir)
	if err != nil {
		return commandError(fmt.Sprintf("reading %s: %v", procDir, err))
	}
	var rx *regexp.Regexp
	if c.boolean("pattern_is_regex") {
		if rx, err = regexp.Compile(c.str("pattern")); err != nil {
			// Python's re.error.
			return commandError(fmt.Sprintf("bad pattern %s: %v", c.str("pattern"), err))
		}
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		p, ok := readProc(pid)
		if !ok {
			continue
		}
		line := p.name
		if c.boolean("full") {
			line = strings.Join(p.cmdline, " ")
		}
		match := strings.Contains(line, c.str("pattern"))
		if rx != nil {
			match = rx.MatchString(line)
		}
		if !match {
			continue
		}
		if c.has("user") {
			u, err := user.LookupId(p.uid)
			if err != nil || u.Username != c.str("user") {
				continue
			}
		}
		pids = append(pids, pid)
	}
	if len(pids) == 0 {
		return nested(nil)
	}
	sort.Ints(pids)
	out := make([]any, len(pids))
	for i, p := range pids {
		out[i] = p
	}
	return nested(out)
}
