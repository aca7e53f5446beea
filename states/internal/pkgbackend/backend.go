// Package pkgbackend talks to a host's package manager for brine's pkg
// states: apt/dpkg on the Debian family, dnf/rpm on the RedHat family.
// Parsers are pure and tested on text; commands go through a Runner, as
// argv, never through a shell.
package pkgbackend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/rootfs"
)

// Target is one package to install: a name and, optionally, the exact
// version to ask the package manager for (empty: its candidate).
type Target struct {
	Name    string
	Version string
}

// Change is one package's move, as a simulation or a database diff tells
// it. Old is empty for a new package, New is empty for a removed one.
type Change struct {
	Name string
	Old  string
	New  string
}

// Available is what the repositories offer for one package.
type Available struct {
	Candidate string   // what an install without a version would pick
	Versions  []string // every version offered, any order
}

// InstallOptions are the knobs of an install.
type InstallOptions struct {
	FromRepo          string
	InstallRecommends bool
	Reinstall         bool
	AllowDowngrades   bool
	// AllowChangeHeld lets apt change held packages (a dry run of what
	// the real run does after releasing them).
	AllowChangeHeld bool
}

// Backend is a package manager. Simulate arguments make a call report what
// it would do (through the same argv with a dry-run flag) and change
// nothing.
type Backend interface {
	Name() string
	// Installed reads the package database.
	Installed(ctx context.Context) (DB, error)
	// Refresh updates the package index (apt-get update).
	Refresh(ctx context.Context) error
	// Available asks the repositories about names.
	Available(ctx context.Context, names []string, fromrepo string) (map[string]Available, error)
	// Install installs or upgrades targets; files are local package
	// files (.deb, .rpm) installed in the same transaction.
	Install(ctx context.Context, targets []Target, files []string, opt InstallOptions, simulate bool) ([]Change, error)
	// Remove removes (or purges) names.
	Remove(ctx context.Context, names []string, purge, simulate bool) ([]Change, error)
	// SetHold holds or releases names.
	SetHold(ctx context.Context, names []string, hold bool) error
	// FileInfo reads a package file's name and version.
	FileInfo(ctx context.Context, path string) (name, version string, err error)
	// Compare orders two versions: -1, 0 or 1.
	Compare(a, b string) int
}

// Cmd is one command to run.
type Cmd struct {
	Args  []string // argv; Args[0] is the program
	Env   []string // added to the process environment
	Stdin []byte
}

func (c Cmd) String() string { return strings.Join(c.Args, " ") }

// Runner runs commands. Tests replace it to check argv and feed output.
type Runner interface {
	Run(ctx context.Context, c Cmd) ([]byte, error)
}

// ExecRunner runs commands with os/exec.
type ExecRunner struct{}

// RunError is a command that failed, with what it said.
type RunError struct {
	Cmd    string
	Err    error
	Stderr string
	Stdout string
}

func (e *RunError) Error() string {
	msg := strings.TrimSpace(e.Stderr)
	if msg == "" {
		msg = lastLines(e.Stdout, 5)
	}
	if msg == "" {
		return fmt.Sprintf("%s: %v", e.Cmd, e.Err)
	}
	return fmt.Sprintf("%s: %v: %s", e.Cmd, e.Err, msg)
}

func (e *RunError) Unwrap() error { return e.Err }

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Run runs c and returns its stdout; a non-zero exit is a *RunError.
func (ExecRunner) Run(ctx context.Context, c Cmd) ([]byte, error) {
	if len(c.Args) == 0 {
		return nil, errors.New("run: empty command")
	}
	cmd := exec.CommandContext(ctx, c.Args[0], c.Args[1:]...)
	cmd.Env = append(os.Environ(), c.Env...)
	if c.Stdin != nil {
		cmd.Stdin = bytes.NewReader(c.Stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.Bytes(), &RunError{Cmd: c.String(), Err: err, Stderr: errb.String(), Stdout: out.String()}
	}
	return out.Bytes(), nil
}

// Diff compares two databases and returns the packages whose version
// changed, sorted by name. With withConfig, a package whose configuration
// files are left counts as present (what a purge clears).
func Diff(before, after DB, withConfig bool) []Change {
	has := func(p Pkg) bool {
		if withConfig {
			return p.Present()
		}
		return p.Installed()
	}
	var out []Change
	for name, b := range before {
		a, ok := after[name]
		switch {
		case has(b) && (!ok || !has(a)):
			out = append(out, Change{Name: name, Old: b.Version})
		case has(b) && has(a) && a.Version != b.Version:
			out = append(out, Change{Name: name, Old: b.Version, New: a.Version})
		}
	}
	for name, a := range after {
		b, ok := before[name]
		if has(a) && (!ok || !has(b)) {
			out = append(out, Change{Name: name, New: a.Version})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// OSFamily reads the family (Debian, RedHat, …) of the system at root
// from its os-release file, for when there are no grains to ask (an
// image under --root is not the host the grains describe).
//
// /etc/os-release is usually a link; it is resolved inside the root
// (rootfs), so that an absolute one names the image's file and not the
// host's.
func OSFamily(root string) string {
	for _, p := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		hp, err := rootfs.Resolve(root, p, true)
		if err != nil {
			continue
		}
		data, err := os.ReadFile(hp)
		if err != nil {
			continue
		}
		return FamilyFromOSRelease(string(data))
	}
	return ""
}

// FamilyFromOSRelease maps os-release's ID and ID_LIKE to Salt's
// os_family grain.
func FamilyFromOSRelease(text string) string {
	var ids []string
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || (k != "ID" && k != "ID_LIKE") {
			continue
		}
		ids = append(ids, strings.Fields(strings.Trim(v, `"'`))...)
	}
	for _, id := range ids {
		switch strings.ToLower(id) {
		case "debian", "ubuntu":
			return "Debian"
		case "rhel", "fedora", "centos", "rocky", "almalinux":
			return "RedHat"
		case "suse", "opensuse":
			return "Suse"
		case "arch":
			return "Arch"
		case "alpine":
			return "Alpine"
		}
	}
	return ""
}

// ErrNoBackend is returned by New for an os_family brine has no package
// manager for.
var ErrNoBackend = errors.New("no package backend")

// New returns the backend for an os_family, acting on root ("" or "/"
// for the live host).
func New(family, root string, r Runner) (Backend, error) {
	if r == nil {
		r = ExecRunner{}
	}
	switch family {
	case "Debian":
		return &Apt{Root: root, Run: r}, nil
	case "RedHat":
		return &DNF{Root: root, Run: r}, nil
	}
	if family == "" {
		family = "unknown"
	}
	return nil, fmt.Errorf("%w for os_family %s: brine supports apt (Debian) and dnf (RedHat)", ErrNoBackend, family)
}
