package master

import (
	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
)

// answer is the one way the master answers a request. It publishes only
// inside the requester's own inbox namespace: the master's NATS user may
// publish anywhere (registries, the job cache, any minion's subjects), so
// a reply subject the requester chose is never trusted. An answer larger
// than one message goes in parts (proto.SplitParts).
func (m *Master) answer(msg *nats.Msg, inbox string, b []byte) {
	if !proto.InInbox(msg.Reply, inbox) {
		m.refused.note("reply", msg.Subject, "reply subject outside the requester's inbox", "reply", clipLog(msg.Reply), "inbox", inbox)
		return
	}
	parts := proto.SplitParts(b, proto.PartSize)
	for i, p := range parts {
		out := &nats.Msg{Subject: msg.Reply, Data: p}
		if len(parts) > 1 {
			out.Header = nats.Header{proto.PartHeader: []string{proto.PartLabel(i, len(parts))}}
		}
		if err := m.nc.PublishMsg(out); err != nil {
			m.log.Warn("answer", "subject", msg.Subject, "err", err)
			return
		}
	}
}

// Roles of the operator's credentials, known by the subject a request
// came on: the read-only operator may publish only on its own.
type role int

const (
	roleOperator role = iota
	roleReadOnly
)
