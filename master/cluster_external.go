package master

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/proto"
)

// NATSAuthFile is written in the state dir at every start: the
// authorization block a nats-server needs for brine masters to use it
// (nats_url), from this master's keys. A NATS cluster's config includes
// it (`include nats-auth.conf`, docs/scaling.md): the master's own user,
// the operator's and the read-only operator's, and the auth callout that
// the masters answer for every other connection. It holds public keys
// only.
const NATSAuthFile = "nats-auth.conf"

// natsAuth renders NATSAuthFile in nats-server's config syntax.
func natsAuth(issuer, service, operator, readOnly string) string {
	q := strconv.Quote
	var ro []string
	for _, s := range proto.ReadOnlySubjects() {
		ro = append(ro, q(s))
	}
	var b strings.Builder
	fmt.Fprintf(&b, `# Written by brine master from the keys in its state dir: the
# authorization of a NATS server or cluster that brine masters use
# (nats_url). In nats-server.conf: include %s
authorization {
  users: [
    # the masters
    {nkey: %s}
    # the operator (operator.nk)
    {nkey: %s}
    # the read-only operator (readonly.nk): lists and lookups, nothing else
    {nkey: %s, permissions: {publish: {allow: [%s]}, subscribe: {allow: [%s]}}}
  ]
  # Every other connection (the minions) is authorised by the masters.
  auth_callout {
    issuer: %s
    auth_users: [%s, %s, %s]
  }
}
`, NATSAuthFile, q(service), q(operator), q(readOnly), strings.Join(ro, ", "), q(proto.ReadOnlyInbox+".>")+", "+q(proto.SubjBusRO),
		q(issuer), q(service), q(operator), q(readOnly))
	return b.String()
}

// writeNATSAuth writes NATSAuthFile from the master's keys.
func (m *Master) writeNATSAuth() error {
	iss, _ := m.issuer.PublicKey()
	svc, _ := m.service.PublicKey()
	text := natsAuth(iss, svc, m.opPub, m.roPub)
	if err := atomicfile.WriteSync(filepath.Join(m.cfg.StateDir, NATSAuthFile), []byte(text), 0o644); err != nil {
		return fmt.Errorf("master: %s: %w", NATSAuthFile, err)
	}
	return nil
}
