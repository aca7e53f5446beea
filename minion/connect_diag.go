package minion

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"syscall"

	"github.com/nats-io/nats.go"
)

// Kind is what went wrong on the way to the master, as an operator
// fixes it: each kind has its own cause and its own fix.
type Kind int

// The kinds, from the network up.
const (
	KindNone             Kind = iota // nothing wrong
	KindOther                        // none of the below
	KindConfig                       // minion.yaml refuses itself
	KindDNS                          // the master's name does not resolve
	KindRefused                      // nothing listens there
	KindUnreachable                  // no route to the host
	KindTimeout                      // no answer at all
	KindNotNATS                      // something else listens there
	KindTLSRequired                  // the master wants TLS, the URL says nats://
	KindPlaintext                    // TLS wanted, the master offers none
	KindPinMismatch                  // the master's CA is not the pinned one
	KindUnknownAuthority             // the chain leads to no CA
	KindCertificate                  // the certificate is not valid for the name
	KindTLS                          // any other TLS failure
	KindAuth                         // the NATS server refused the login
	KindPending                      // the key is pending or rejected
	KindNoAnswer                     // connected, but no master answers
	KindWrongMaster                  // the master's job key is not the pinned one
)

var kindNames = [...]string{
	KindNone:             "ok",
	KindOther:            "error",
	KindConfig:           "config",
	KindDNS:              "DNS",
	KindRefused:          "connection refused",
	KindUnreachable:      "unreachable",
	KindTimeout:          "timeout",
	KindNotNATS:          "not NATS",
	KindTLSRequired:      "TLS required",
	KindPlaintext:        "plain text refused",
	KindPinMismatch:      "CA pin mismatch",
	KindUnknownAuthority: "unknown authority",
	KindCertificate:      "bad certificate",
	KindTLS:              "TLS",
	KindAuth:             "authorization",
	KindPending:          "key pending",
	KindNoAnswer:         "no master",
	KindWrongMaster:      "wrong master",
}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Classify tells what kind of failure err is, from the types of the
// errors it wraps alone (never from their text). The order matters: a
// pin mismatch is also a TLS error, a DNS timeout is a DNS error.
func Classify(err error) Kind {
	if err == nil {
		return KindNone
	}
	var (
		pm  *PinMismatchError
		pr  *PlaintextRefusedError
		ua  x509.UnknownAuthorityError
		hn  x509.HostnameError
		ci  x509.CertificateInvalidError
		te  *TLSError
		rh  tls.RecordHeaderError
		ae  tls.AlertError
		dns *net.DNSError
		ne  net.Error
	)
	switch {
	case errors.Is(err, ErrPlaintextMaster):
		return KindConfig
	case errors.As(err, &pm):
		return KindPinMismatch
	case errors.Is(err, ErrWrongMaster):
		return KindWrongMaster
	case errors.As(err, &pr):
		return KindPlaintext
	case errors.Is(err, ErrMasterRequiresTLS):
		return KindTLSRequired
	case errors.As(err, &ua), errors.Is(err, ErrNoCAInChain):
		return KindUnknownAuthority
	case errors.As(err, &hn), errors.As(err, &ci):
		return KindCertificate
	case errors.As(err, &te), errors.As(err, &rh), errors.As(err, &ae), errors.Is(err, nats.ErrTLS):
		return KindTLS
	case errors.Is(err, ErrKeyNotAccepted):
		return KindPending
	case errors.Is(err, ErrNoMasterAnswer), errors.Is(err, nats.ErrNoResponders):
		return KindNoAnswer
	case errors.As(err, &dns):
		return KindDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return KindRefused
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return KindUnreachable
	case errors.Is(err, ErrNotNATS):
		return KindNotNATS
	case errors.Is(err, nats.ErrAuthorization), errors.Is(err, nats.ErrAuthExpired), errors.Is(err, nats.ErrAuthRevoked):
		return KindAuth
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return KindTimeout
	}
	return KindOther
}

// Diagnosis is a failure to reach the master, told as what it is and
// what to do about it.
type Diagnosis struct {
	Kind Kind
	What string // what happened, one line
	Hint string // what to do, may be empty
	Err  error
}

// Diagnose explains err, a failure to reach the master at u as minion id
// (the one of u's masters err names, when there are several).
func Diagnose(err error, u MasterURL, id string) Diagnosis {
	d := Diagnosis{Kind: Classify(err), Err: err}
	u = failedAt(err, u)
	addr := u.Addr()
	switch d.Kind {
	case KindNone:
		d.What = "ok"
	case KindConfig:
		d.What = "minion.yaml refuses a plain-text master beyond loopback"
		d.Hint = fmt.Sprintf("write master: tls://%s (or set allow_plaintext: true, for labs only)", addr)
	case KindDNS:
		d.What = fmt.Sprintf("DNS: the master's host name %q does not resolve", u.Host)
		d.Hint = "check master: in minion.yaml, and this host's resolver (/etc/resolv.conf, /etc/hosts)"
	case KindRefused:
		d.What = fmt.Sprintf("connection refused: nothing listens on %s", addr)
		d.Hint = "is brine master running there? check interface and port in its master.yaml against master: in minion.yaml (a firewall that rejects looks the same)"
	case KindUnreachable:
		d.What = fmt.Sprintf("no route to %s", addr)
		d.Hint = "the host is down, or the network or a firewall has no way to it"
	case KindTimeout:
		d.What = fmt.Sprintf("timed out: no answer from %s", addr)
		d.Hint = "the host is down, or a firewall drops the packets"
	case KindNotNATS:
		d.What = fmt.Sprintf("what listens on %s is not a NATS server", addr)
		d.Hint = "check the port in master: (brine master's NATS port, 4222 by default)"
	case KindTLSRequired:
		d.What = "TLS: the master requires TLS, and master: says nats://"
		d.Hint = fmt.Sprintf("write master: tls://%s in minion.yaml", addr)
	case KindPlaintext:
		d.What = fmt.Sprintf("TLS: %s offers no TLS where this minion wants it; refusing plain text", addr)
		d.Hint = "a proxy that strips TLS, or a master started without TLS: a minion whose master's CA is pinned (master.pin or master_finger) or whose URL is tls:// speaks TLS only"
	case KindPinMismatch:
		d.What = "TLS: the master's CA fingerprint does not match the pinned one"
		d.Hint = "another master, a master whose CA was made again, or a man in the middle; if the change is intended, delete master.pin in state_dir (and master_finger in minion.yaml) and restart"
	case KindUnknownAuthority:
		d.What = "TLS: the master's certificate does not lead to a CA this minion can check"
		d.Hint = "the master's chain must end at its CA (brine master sends it); a proxy in between would explain this"
	case KindCertificate:
		d.What = "TLS: the master's certificate is not valid for the name in master:"
		d.Hint = fmt.Sprintf("add %s to tls_names in the master's master.yaml, or use a name the certificate has", u.Host)
	case KindTLS:
		d.What = "TLS: the handshake with the master failed"
		d.Hint = "see err; the master's log may say more"
	case KindAuth:
		d.What = "the master's NATS server refused this minion's login"
		d.Hint = "on an external NATS cluster, is brine master running and connected to it?"
	case KindPending:
		d.What = "key pending (or rejected) on the master"
		d.Hint = fmt.Sprintf("run `brine key accept %s` there", id)
	case KindNoAnswer:
		d.What = "connected, but no master answers"
		d.Hint = "on an external NATS cluster, is brine master running and connected to it?"
	case KindWrongMaster:
		d.What = "the master's job key does not match the pinned one"
		d.Hint = "another master, or a master whose keys were made again; if intended, delete master.pin in state_dir and restart"
	default:
		d.What = "cannot reach the master"
	}
	return d
}

func (d Diagnosis) String() string {
	s := d.What
	if d.Err != nil && d.Kind != KindPending {
		s += " (" + d.Err.Error() + ")"
	}
	if d.Hint != "" {
		s += ": " + d.Hint
	}
	return s
}

// level is how loud a failure is logged: what threatens the trust in
// the master is an error, the rest a warning.
func (d Diagnosis) level() slog.Level {
	switch d.Kind {
	case KindPlaintext, KindPinMismatch, KindUnknownAuthority, KindCertificate, KindTLS, KindTLSRequired, KindWrongMaster, KindConfig:
		return slog.LevelError
	}
	return slog.LevelWarn
}

// attrs are the log attributes of a diagnosis: the fingerprints, for a
// TLS failure.
func (d Diagnosis) attrs() []any {
	a := []any{"kind", d.Kind.String()}
	var pm *PinMismatchError
	var te *TLSError
	switch {
	case errors.As(d.Err, &pm):
		a = append(a, "ca_finger", pm.Got, "pinned", pm.Pinned)
	case errors.As(d.Err, &te) && te.Seen != "":
		a = append(a, "ca_finger", te.Seen)
	}
	var pr *PlaintextRefusedError
	if errors.As(d.Err, &pr) && pr.Pinned != "" {
		a = append(a, "pinned", pr.Pinned)
	}
	if d.Err != nil {
		a = append(a, "err", d.Err.Error())
	}
	if d.Hint != "" {
		a = append(a, "hint", d.Hint)
	}
	return a
}
