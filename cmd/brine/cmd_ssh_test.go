package main

import (
	"errors"
	"testing"

	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/sshrun"
)

// TestSSHHostFailed pins which hosts make brine ssh exit 20, as any
// retcode other than 0 makes salt-ssh exit EX_AGGREGATE (SSH.run).
func TestSSHHostFailed(t *testing.T) {
	for _, tt := range []struct {
		name string
		r    sshrun.Result
		want bool
	}{
		{"returned 0", sshrun.Result{ID: "a", Return: &proto.Return{Retcode: 0}}, false},
		{"a state failed", sshrun.Result{ID: "a", Return: &proto.Return{Retcode: 2}}, true},
		{"the tree did not render", sshrun.Result{ID: "a", Return: &proto.Return{Retcode: 1}}, true},
		{"not reached", sshrun.Result{ID: "a", Err: &sshrun.UnreachableError{Host: "a", Port: 22, Err: errors.New("x")}}, true},
		{"returned, then the wipe failed", sshrun.Result{ID: "a", Return: &proto.Return{Retcode: 0}, Err: errors.New("wipe")}, true},
	} {
		if got := hostFailed(tt.r); got != tt.want {
			t.Errorf("%s: hostFailed = %v; want %v", tt.name, got, tt.want)
		}
	}
	if ExitSSHAggregate != 20 {
		t.Errorf("ExitSSHAggregate = %d; want Salt's EX_AGGREGATE, 20", ExitSSHAggregate)
	}
}
