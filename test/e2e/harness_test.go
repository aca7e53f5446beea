// Package e2e runs real brine master and minion processes against each
// other on loopback, on random ports, and checks what an operator sees.
// The processes come from test/harness.
package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/harness"
)

func TestMain(m *testing.M) { harness.Main(m, filepath.Join("..", "..")) }

// env is one master, its state tree and its minions; proc a daemon.
type (
	env  = harness.Env
	proc = harness.Proc
)

const stateTree = `
-- top.sls --
base:
  '*':
    - common
  'role:web':
    - match: grain
    - web
-- common.sls --
common_file:
  file.managed:
    - name: /etc/brine-common
    - contents: common
    - makedirs: True
-- web.sls --
web_file:
  file.managed:
    - name: /etc/brine-web
    - contents: web {{ grains["id"] }}
    - makedirs: True
-- slow.sls --
slow_started:
  file.managed:
    - name: /tmp/slow-started
    - contents: started
    - makedirs: True
slow:
  cmd.run:
    - name: sleep 3
-- boot.sls --
boot_file:
  file.managed:
    - name: /etc/brine-boot
    - contents: booted
    - makedirs: True
`

const pillarTree = `
-- top.sls --
base:
  '*':
    - common
  'm1':
    - m1
-- common.sls --
shared: all
-- m1.sls --
secret: m1-only
`

// newEnv writes a master config (with extra), the state and pillar trees
// above, and starts the master.
func newEnv(t *testing.T, extra string) *env { return harness.NewEnv(t, stateTree, pillarTree, extra) }

// started waits until a minion's slow state runs: the file its first
// state writes is there.
func started(e *env, id string) {
	e.T.Helper()
	p := filepath.Join(e.Dir, id, "root", "tmp", "slow-started")
	harness.CheckFor(e.T, 10*time.Second, 10*time.Millisecond, func() error {
		_, err := os.Stat(p)
		return err
	})
}

func regexpAll(re, s string) []string {
	var out []string
	for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}
