package master

import (
	"testing"

	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/proto"
)

// TestAcceptGivenKey accepts an id with a key the operator gives, before
// the minion ever asked (brine ssh --bootstrap): the minion then connects
// with minion rights at once. Another key for an accepted id, or a key
// that is another id's, is refused.
func TestAcceptGivenKey(t *testing.T) {
	m := startMaster(t, t.TempDir())
	op := operator(t, m)
	kp, _ := nkeys.CreateUser()
	pub, _ := kp.PublicKey()
	var ka proto.KeyActionReply
	if err := ask(t, op, proto.SubjKeyAction, &proto.KeyActionRequest{Action: proto.KeyAccept, IDs: []string{"boot1"}, Nkey: pub}, &ka); err != nil || len(ka.Changed) != 1 {
		t.Fatalf("accept boot1 with its key: %v, changed %v", err, ka.Changed)
	}
	var kl proto.KeyListReply
	if err := ask(t, op, proto.SubjKeyList, &proto.KeyListRequest{}, &kl); err != nil {
		t.Fatal(err)
	}
	if len(kl.Keys) != 1 || kl.Keys[0].ID != "boot1" || kl.Keys[0].State != proto.KeyAccepted || kl.Keys[0].Nkey != pub {
		t.Fatalf("keys = %+v; want boot1 accepted with the given key", kl.Keys)
	}
	// Again: nothing to change, no error.
	if err := ask(t, op, proto.SubjKeyAction, &proto.KeyActionRequest{Action: proto.KeyAccept, IDs: []string{"boot1"}, Nkey: pub}, &ka); err != nil {
		t.Errorf("accept again: %v", err)
	}
	other, _ := nkeys.CreateUser()
	opub, _ := other.PublicKey()
	for _, c := range []struct {
		name string
		req  proto.KeyActionRequest
	}{
		{"another key for an accepted id", proto.KeyActionRequest{Action: proto.KeyAccept, IDs: []string{"boot1"}, Nkey: opub}},
		{"a key that is another id's", proto.KeyActionRequest{Action: proto.KeyAccept, IDs: []string{"boot2"}, Nkey: pub}},
		{"not a user nkey", proto.KeyActionRequest{Action: proto.KeyAccept, IDs: []string{"boot2"}, Nkey: "SUAB"}},
		{"two ids", proto.KeyActionRequest{Action: proto.KeyAccept, IDs: []string{"boot2", "boot3"}, Nkey: opub}},
		{"reject with a key", proto.KeyActionRequest{Action: proto.KeyReject, IDs: []string{"boot2"}, Nkey: opub}},
	} {
		if err := ask(t, op, proto.SubjKeyAction, &c.req, &ka); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
}
