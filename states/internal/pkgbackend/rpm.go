package pkgbackend

import (
	"context"
	"fmt"
	"strings"
)

// DNF is the RedHat-family backend: rpm for the database, dnf for the
// rest. Under a root it passes rpm --root and dnf --installroot.
type DNF struct {
	Root string
	Run  Runner
}

func (d *DNF) Name() string { return "dnf" }

func (d *DNF) rooted() bool { return d.Root != "" && d.Root != "/" }

// Compare is rpm's version order.
func (d *DNF) Compare(a, b string) int { return CompareRPM(a, b) }

const rpmQueryFormat = "%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n"

func (d *DNF) rpm(args ...string) []string {
	out := []string{"rpm"}
	if d.rooted() {
		out = append(out, "--root", d.Root)
	}
	return append(out, args...)
}

func (d *DNF) dnf(args ...string) []string {
	out := []string{"dnf", "-q"}
	if d.rooted() {
		out = append(out, "--installroot="+d.Root)
	}
	return append(out, args...)
}

// Installed runs rpm -qa.
func (d *DNF) Installed(ctx context.Context) (DB, error) {
	out, err := d.Run.Run(ctx, Cmd{Args: d.rpm("-qa", "--queryformat", rpmQueryFormat)})
	if err != nil {
		return nil, fmt.Errorf("rpm -qa: %w", err)
	}
	return ParseRPMQA(out), nil
}

// rpmEVR joins epoch, version and release the way Salt reports them.
func rpmEVR(epoch, version, release string) string {
	v := version
	if release != "" && release != "(none)" {
		v += "-" + release
	}
	if epoch != "" && epoch != "(none)" && epoch != "0" {
		v = epoch + ":" + v
	}
	return v
}

// ParseRPMQA reads rpm -qa output in rpmQueryFormat. Several
// architectures of one name (multilib) are keyed name.arch after the
// first, as Salt's yum module does.
func ParseRPMQA(out []byte) DB {
	db := DB{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 5 || f[0] == "" || f[0] == "gpg-pubkey" {
			continue
		}
		p := Pkg{Name: f[0], Version: rpmEVR(f[1], f[2], f[3]), Arch: f[4], Want: "install", State: "installed"}
		key := f[0]
		if _, dup := db[key]; dup {
			key = f[0] + "." + f[4]
		}
		db[key] = p
	}
	return db
}

// Refresh runs dnf makecache.
func (d *DNF) Refresh(ctx context.Context) error {
	if _, err := d.Run.Run(ctx, Cmd{Args: d.dnf("-y", "makecache")}); err != nil {
		return fmt.Errorf("dnf makecache: %w", err)
	}
	return nil
}

// Available runs dnf repoquery.
func (d *DNF) Available(ctx context.Context, names []string, fromrepo string) (map[string]Available, error) {
	args := d.dnf("repoquery", "--queryformat", "%{name}\t%{epoch}\t%{version}\t%{release}\t%{arch}\n")
	if fromrepo != "" {
		args = append(args, "--repo="+fromrepo)
	}
	args = append(args, "--")
	args = append(args, names...)
	out, err := d.Run.Run(ctx, Cmd{Args: args})
	if err != nil {
		return nil, fmt.Errorf("dnf repoquery: %w", err)
	}
	return ParseRepoquery(out), nil
}

// ParseRepoquery reads dnf repoquery output; the candidate is the
// highest version.
func ParseRepoquery(out []byte) map[string]Available {
	res := map[string]Available{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Split(strings.TrimSpace(line), "\t")
		if len(f) != 5 || f[0] == "" {
			continue
		}
		v := rpmEVR(f[1], f[2], f[3])
		a := res[f[0]]
		a.Versions = append(a.Versions, v)
		if a.Candidate == "" || CompareRPM(v, a.Candidate) > 0 {
			a.Candidate = v
		}
		res[f[0]] = a
	}
	return res
}

// Install runs dnf install; the simulation is the same call with
// --assumeno, whose transaction table is parsed.
func (d *DNF) Install(ctx context.Context, targets []Target, files []string, opt InstallOptions, simulate bool) ([]Change, error) {
	verb := "install"
	if opt.Reinstall {
		verb = "reinstall"
	}
	args := d.dnf()
	if simulate {
		args = append(args, "--assumeno")
	} else {
		args = append(args, "-y")
	}
	if !opt.InstallRecommends {
		args = append(args, "--setopt=install_weak_deps=False")
	}
	if opt.FromRepo != "" {
		args = append(args, "--repo="+opt.FromRepo)
	}
	if opt.AllowDowngrades {
		args = append(args, "--allowerasing")
	}
	args = append(args, verb, "--")
	for _, t := range targets {
		if t.Version != "" {
			args = append(args, t.Name+"-"+t.Version)
		} else {
			args = append(args, t.Name)
		}
	}
	args = append(args, files...)
	return d.transact(ctx, args, simulate)
}

// Remove runs dnf remove; rpm has no separate purge.
func (d *DNF) Remove(ctx context.Context, names []string, purge, simulate bool) ([]Change, error) {
	args := d.dnf()
	if simulate {
		args = append(args, "--assumeno")
	} else {
		args = append(args, "-y")
	}
	args = append(args, "remove", "--")
	args = append(args, names...)
	return d.transact(ctx, args, simulate)
}

func (d *DNF) transact(ctx context.Context, args []string, simulate bool) ([]Change, error) {
	// -q would hide the transaction table the simulation needs.
	if simulate {
		args = dropArg(args, "-q")
	}
	out, err := d.Run.Run(ctx, Cmd{Args: args})
	if simulate {
		// --assumeno exits 1 after printing the table.
		if changes := ParseDNFTransaction(out); len(changes) > 0 || err == nil {
			return changes, nil
		}
		if re, ok := err.(*RunError); ok && strings.Contains(re.Stdout+re.Stderr, "Operation aborted") {
			return nil, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("dnf: %w", err)
	}
	return nil, nil
}

func dropArg(args []string, drop string) []string {
	out := args[:0:0]
	for _, a := range args {
		if a != drop {
			out = append(out, a)
		}
	}
	return out
}

// ParseDNFTransaction reads the table dnf prints before it asks to go
// on. Old versions are not in the table; the caller fills them from the
// database.
func ParseDNFTransaction(out []byte) []Change {
	var changes []Change
	section := ""
	var pending string
	for _, line := range strings.Split(string(out), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "===") || strings.HasPrefix(t, "Package ") {
			continue
		}
		if !strings.HasPrefix(line, " ") {
			if strings.HasSuffix(t, ":") {
				section = strings.ToLower(strings.TrimSuffix(t, ":"))
			} else {
				section = ""
			}
			if strings.HasPrefix(t, "Transaction Summary") {
				break
			}
			continue
		}
		if section == "" {
			continue
		}
		f := strings.Fields(t)
		if pending != "" {
			f = append([]string{pending}, f...)
			pending = ""
		}
		if len(f) == 1 {
			pending = f[0] // dnf wraps a long name onto its own line
			continue
		}
		if len(f) < 4 {
			continue
		}
		name, version := f[0], f[2]
		switch {
		case strings.HasPrefix(section, "installing"), strings.HasPrefix(section, "upgrading"),
			strings.HasPrefix(section, "downgrading"), strings.HasPrefix(section, "reinstalling"):
			changes = append(changes, Change{Name: name, New: version})
		case strings.HasPrefix(section, "removing"):
			changes = append(changes, Change{Name: name, Old: version})
		}
	}
	return changes
}

// SetHold uses dnf's versionlock plugin, which must be installed.
func (d *DNF) SetHold(ctx context.Context, names []string, hold bool) error {
	verb := "delete"
	if hold {
		verb = "add"
	}
	args := append(d.dnf("versionlock", verb, "--"), names...)
	if _, err := d.Run.Run(ctx, Cmd{Args: args}); err != nil {
		return fmt.Errorf("dnf versionlock (needs python3-dnf-plugin-versionlock): %w", err)
	}
	return nil
}

// FileInfo reads an .rpm's name and version.
func (d *DNF) FileInfo(ctx context.Context, path string) (string, string, error) {
	out, err := d.Run.Run(ctx, Cmd{Args: []string{"rpm", "-qp", "--queryformat", "%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}", "--", path}})
	if err != nil {
		return "", "", fmt.Errorf("rpm -qp %s: %w", path, err)
	}
	f := strings.Split(strings.TrimSpace(string(out)), "\t")
	if len(f) != 4 {
		return "", "", fmt.Errorf("rpm -qp %s: unexpected output %q", path, out)
	}
	return f[0], rpmEVR(f[1], f[2], f[3]), nil
}
