package ssh

import (
	"os"
	"testing"

	"github.com/brine-cm/brine/test/sshd"
)

// TestRawShell runs a command line as salt-ssh -r does: through the
// login's shell, nothing copied; each host returns retcode, stderr and
// stdout, and a retcode other than 0 makes the exit status 20.
func TestRawShell(t *testing.T) {
	e := newEnv(t)
	s := e.server(sshd.Options{})
	e.host("web1", s, "")
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"words joined", []string{"-r", "web1", "echo", "a  b;", "echo", "$((1+2))"}, 0,
			"web1:\n    ----------\n    retcode:\n        0\n    stderr:\n    stdout:\n        a b\n        3\n"},
		{"fails", []string{"--raw-shell", "web1", "echo out; echo err >&2; exit 3"}, 20,
			"web1:\n    ----------\n    retcode:\n        3\n    stderr:\n        err\n    stdout:\n        out\n"},
		// Salt's json outputter keeps handle_routine's order.
		{"json", []string{"-r", "--out", "json", "web1", "printf x"}, 0,
			"{\n    \"web1\": {\n        \"stdout\": \"x\",\n        \"stderr\": \"\",\n        \"retcode\": 0\n    }\n}\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, errout, code := e.brine(tt.args...)
			if code != tt.code || out != tt.want {
				t.Errorf("exit %d; want %d\n%s\nwant:\n%s\nstderr: %s", code, tt.code, out, tt.want, errout)
			}
		})
	}
	if _, err := os.Stat(e.thin("web1")); !os.IsNotExist(err) {
		t.Errorf("the cache dir %s: %v; want nothing copied by -r", e.thin("web1"), err)
	}
}
