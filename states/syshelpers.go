package states

// Helpers the system modules added for issue 12 share: running a tool as
// argv, and writing a whole file of the root atomically.

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/brine-cm/brine/pkg/atomicfile"
)

// sysRunner runs a command as argv (never through a shell) and returns
// its stdout; a failure is a *CmdError with what the command said.
type sysRunner func(ctx context.Context, env []string, argv ...string) ([]byte, error)

// CmdError is a tool a state ran that failed.
type CmdError struct {
	Argv   []string
	Err    error
	Stderr string
}

func (e *CmdError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		return fmt.Sprintf("%s: %v", strings.Join(e.Argv, " "), e.Err)
	}
	return fmt.Sprintf("%s: %v: %s", strings.Join(e.Argv, " "), e.Err, msg)
}

func (e *CmdError) Unwrap() error { return e.Err }

// sysExec is the sysRunner of the live system: LC_ALL=C, so that what a
// state parses is the tool's own wording.
func sysExec(ctx context.Context, env []string, argv ...string) ([]byte, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("run: empty command")
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(append(os.Environ(), "LC_ALL=C"), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.Bytes(), &CmdError{Argv: argv, Err: err, Stderr: errb.String()}
	}
	return out.Bytes(), nil
}

// sysWriteFile writes data to hp (a path rootPath returned), making its
// directory first, atomically.
func sysWriteFile(hp string, data []byte, mode fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(hp), 0o755); err != nil {
		return fmt.Errorf("mkdir %s: %w", filepath.Dir(hp), err)
	}
	return atomicfile.Write(hp, data, mode)
}

// sysReadFile reads hp; a missing file reads as nil.
func sysReadFile(hp string) ([]byte, error) {
	b, err := os.ReadFile(hp)
	if IsNotExist(err) {
		return nil, nil
	}
	return b, err
}

// sysAppendLine returns data with line added at its end, on a line of
// its own.
func sysAppendLine(data []byte, line string) []byte {
	out := append([]byte{}, data...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(out, line+"\n"...)
}

// sysDropLines returns data without the lines drop says to remove; the
// other bytes are kept.
func sysDropLines(data []byte, drop func(line string) bool) ([]byte, bool) {
	lines := linesSplit(data)
	kept := lines[:0:0]
	for _, l := range lines {
		if !drop(l) {
			kept = append(kept, l)
		}
	}
	if len(kept) == len(lines) {
		return data, false
	}
	if len(kept) == 0 {
		return []byte{}, true
	}
	return linesJoin(kept, func(s string) string { return s }, data), true
}

// syscallNoFollow opens a file without following a link at its last
// element.
const syscallNoFollow = syscall.O_NOFOLLOW
