package pkgbackend

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// scriptRunner answers each argv (joined by spaces) with fixed output.
type scriptRunner struct {
	out   map[string]string
	err   map[string]error
	calls []string
}

func (s *scriptRunner) Run(ctx context.Context, c Cmd) ([]byte, error) {
	k := strings.Join(c.Args, " ")
	s.calls = append(s.calls, k)
	if e := s.err[k]; e != nil {
		return []byte(s.out[k]), &RunError{Cmd: k, Err: e, Stdout: s.out[k]}
	}
	return []byte(s.out[k]), nil
}

func TestDNF(t *testing.T) {
	qa := string(readFixture(t, "rpm-qa.txt"))
	sim := string(readFixture(t, "dnf-assumeno.txt"))
	r := &scriptRunner{
		out: map[string]string{
			"rpm --root /img -qa --queryformat " + rpmQueryFormat:                                                                              qa,
			"dnf --installroot=/img --assumeno --setopt=install_weak_deps=False install -- tree python3-dnf-plugin-versionlock-very-long-name": sim,
			"dnf -q --installroot=/img repoquery --queryformat %{name}\t%{epoch}\t%{version}\t%{release}\t%{arch}\n -- curl":                   "curl\t0\t7.76.1\t26.el9\tx86_64\ncurl\t0\t7.76.1\t29.el9_4\tx86_64\n",
		},
		err: map[string]error{
			"dnf --installroot=/img --assumeno --setopt=install_weak_deps=False install -- tree python3-dnf-plugin-versionlock-very-long-name": errors.New("exit status 1"),
		},
	}
	d := &DNF{Root: "/img", Run: r}
	ctx := context.Background()
	db, err := d.Installed(ctx)
	if err != nil || db["bash"].Version != "5.1.8-9.el9" {
		t.Fatalf("Installed = %v, %v", db["bash"], err)
	}
	ch, err := d.Install(ctx, []Target{{Name: "tree"}, {Name: "python3-dnf-plugin-versionlock-very-long-name"}}, nil, InstallOptions{}, true)
	if err != nil || len(ch) != 5 {
		t.Fatalf("simulate = %v, %v (calls %q)", ch, err, r.calls)
	}
	av, err := d.Available(ctx, []string{"curl"}, "")
	if err != nil || av["curl"].Candidate != "7.76.1-29.el9_4" {
		t.Errorf("Available = %v, %v", av, err)
	}
	if _, err := d.Install(ctx, []Target{{Name: "tree", Version: "1.8.0-10.el9"}}, nil, InstallOptions{InstallRecommends: true}, false); err != nil {
		t.Fatal(err)
	}
	if got := r.calls[len(r.calls)-1]; got != "dnf -q --installroot=/img -y install -- tree-1.8.0-10.el9" {
		t.Errorf("install argv = %s", got)
	}
	if _, err := d.Remove(ctx, []string{"nano"}, true, false); err != nil {
		t.Fatal(err)
	}
	if got := r.calls[len(r.calls)-1]; got != "dnf -q --installroot=/img -y remove -- nano" {
		t.Errorf("remove argv = %s", got)
	}
	if d.Compare("1:1.0", "2.0") != 1 {
		t.Errorf("Compare uses rpm order")
	}
}
