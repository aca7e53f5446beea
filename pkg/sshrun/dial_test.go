package sshrun

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
)

// TestFailureIsSaltSSHs pins what a host the call did not run on
// returns, as salt-ssh's SSH.handle_routine and Shell._run_cmd make it:
// ssh's own line and 255, or 254 and the host-key question on stdout.
func TestFailureIsSaltSSHs(t *testing.T) {
	for _, tt := range []struct {
		name           string
		err            error
		retcode        int
		stdout, stderr string
	}{
		{"refused", &UnreachableError{Host: "10.0.0.5", Port: 22, Err: &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}},
			255, "", "ssh: connect to host 10.0.0.5 port 22: Connection refused"},
		{"no route", &UnreachableError{Host: "10.0.0.5", Port: 2222, Err: &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)}},
			255, "", "ssh: connect to host 10.0.0.5 port 2222: No route to host"},
		{"timeout", &UnreachableError{Host: "web1", Port: 22, Err: os.ErrDeadlineExceeded},
			255, "", "ssh: connect to host web1 port 22: Connection timed out"},
		{"no such host", &UnreachableError{Host: "nowhere.invalid", Port: 22, Err: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "nowhere.invalid", IsNotFound: true}}},
			255, "", "ssh: Could not resolve hostname nowhere.invalid: Name or service not known"},
		{"closed in the handshake", &UnreachableError{Host: "10.0.0.5", Port: 22, Handshake: true, Err: io.EOF},
			255, "", "Connection closed by 10.0.0.5 port 22 (EOF)"},
		{"stalled in the handshake", &UnreachableError{Host: "10.0.0.5", Port: 22, Handshake: true, Err: os.ErrDeadlineExceeded},
			255, "", "Connection timed out during banner exchange\nConnection to 10.0.0.5 port 22 timed out"},
		{"permission denied", &AuthError{User: "deploy", Host: "web1", Addr: "web1:22", Methods: []string{"publickey"}, Err: errors.New("ssh: unable to authenticate")},
			255, "", "deploy@web1: Permission denied (publickey)."},
		{"unknown host", &UnknownHostError{Addr: "10.0.0.5:22", Got: "SHA256:abc", KeyType: "ssh-ed25519", File: "/root/.ssh/known_hosts"},
			254, "The host key needs to be accepted, to auto accept run brine ssh with the -i flag:\n" +
				"The authenticity of host '10.0.0.5 (10.0.0.5)' can't be established.\n" +
				"ED25519 key fingerprint is SHA256:abc.\nThis key is not known by any other names (/root/.ssh/known_hosts).", ""},
		{"unknown host, other port", &UnknownHostError{Addr: "10.0.0.5:2222", Got: "SHA256:abc", KeyType: "ecdsa-sha2-nistp256", File: "/k"},
			254, "The host key needs to be accepted, to auto accept run brine ssh with the -i flag:\n" +
				"The authenticity of host '[10.0.0.5]:2222 ([10.0.0.5]:2222)' can't be established.\n" +
				"ECDSA key fingerprint is SHA256:abc.\nThis key is not known by any other names (/k).", ""},
		{"sudo, wrong password", &SudoError{User: "deploy", Stderr: "Sorry, try again.\n"},
			254, "", "Password authentication failed\nsudo as deploy refused: Sorry, try again."},
		{"sudo -n, a password wanted", &RemoteError{What: "prepare /var/tmp/.brine_deploy", Status: 1, Stderr: "sudo: a password is required\n"},
			1, "", "prepare /var/tmp/.brine_deploy: exit status 1: sudo: a password is required"},
		{"connection lost", &RemoteError{What: "brine ssh-shim on web1", Status: -1, Err: errors.New("EOF")},
			255, "", "brine ssh-shim on web1: EOF"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rc, out, errout := Failure(tt.err)
			if rc != tt.retcode || out != tt.stdout || errout != tt.stderr {
				t.Errorf("Failure = %d, %q, %q; want %d, %q, %q", rc, out, errout, tt.retcode, tt.stdout, tt.stderr)
			}
		})
	}
	he := (&HostKeyError{Addr: "h:22", Got: "SHA256:x", Want: []string{"SHA256:y"}}).Error()
	if want := "\nHost key verification failed."; len(he) < len(want) || he[len(he)-len(want):] != want {
		t.Errorf("HostKeyError: %q; want it to end with OpenSSH's %q", he, want)
	}
}
