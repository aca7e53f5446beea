// Package sshrun is `brine ssh`: it runs brine's execution functions on
// hosts that have no minion, over SSH, and bootstraps minions the same
// way.
//
// The operator's side reads Salt's roster (roster.go), targets its ids
// with pkg/top's matchers, connects with golang.org/x/crypto/ssh
// (dial.go: known_hosts strict by default, keys from files and the
// agent, passwords only when the roster gives one, ProxyJump), makes
// sure the host holds this very brine binary in its cache dir (copied
// only when its sha256 differs, renamed into place), and starts it there
// as `brine ssh-shim` under sudo when the roster says so (remote.go).
//
// The shim (shim.go) is the target's side: it speaks JSON lines on its
// stdin and stdout with the operator (wire.go). It sends its grains,
// receives the call and the host's own pillar (rendered on the
// operator's side, never another host's), reads the state tree through
// the operator one salt:// file at a time as the engine asks for it
// (files it has by sha256 in its cache are not sent again), runs the
// same engine as `brine call --local` (pkg/exec), and streams an event
// per state and the return back.
//
// No command line sent to a host is built from data by pasting: every
// argv element goes through Quote, and the few shell scripts are
// constants that read their data as positional parameters.
//
// The package may not import master/, minion/ or NATS (test/deps): it
// speaks SSH alone. Bootstrap reaches the master through an interface
// the command wires to pkg/client.
package sshrun
