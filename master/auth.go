package master

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/proto"
)

// authSubject is where the NATS server asks who a connecting client is.
const authSubject = "$SYS.REQ.USER.AUTH"

// pendingPayload is the largest message an unaccepted key may send: a
// key request is a few hundred bytes.
const pendingPayload = 4096

// pendingAuthTTL bounds how long an unaccepted key's authorisation lasts
// where no master can disconnect it on acceptance; a pending minion
// reconnects by itself too, less and less often (minion.waitAccepted).
const pendingAuthTTL = time.Minute

// pendingExpiry is the life of a pending key's authorisation on a server
// the master cannot kick from: pendingAuthTTL at most, less a jitter
// of up to a quarter, so that a fleet onboarding at once does not
// reconnect at once.
func pendingExpiry(ttl time.Duration) time.Duration {
	d := min(ttl, pendingAuthTTL)
	return d - time.Duration(rand.Int64N(int64(d/4)+1))
}

// authorize answers the server's auth callout. The minion's identity is
// the nkey whose signature over the server's nonce we check here (the
// server leaves that to the callout); its rights come from the key
// registry: an accepted key gets its own subjects, any other key may only
// ask, in small messages, for itself to be accepted.
//
// Every authorisation expires (auth_ttl, with jitter so that a fleet does
// not come back at once): the minion is then authorised again, so a key
// revoked on a NATS cluster the master cannot kick from is out within
// that time. The key's state is read and the connection recorded under
// one lock that revocation also takes, so a connection authorised with
// the old state is always one revocation kicks.
func (m *Master) authorize(msg *nats.Msg) {
	if calloutExpired(string(msg.Data), time.Now()) {
		m.refused.note("auth", "callout", "the server stopped waiting before the request's turn came; the client will try again")
		return
	}
	req, err := jwt.DecodeAuthorizationRequestClaims(string(msg.Data))
	if err != nil {
		m.refused.note("auth", "callout", "bad request: "+err.Error())
		return
	}
	// In a cluster every node's callout reaches every master: each
	// answers its own node's alone, so that one answer comes, and from
	// the master that can see and kick the connection. A leaf node's
	// callout comes over its leaf connection: the master of the node it
	// is connected to answers it, and cannot kick what it authorises
	// (the authorisation's expiry does).
	own := m.srv == nil || req.Server.ID == m.srv.ID()
	if !own && !m.fromLeaf(req.Server) {
		return
	}
	respond := func(userJWT, reason string) {
		resp := jwt.NewAuthorizationResponseClaims(req.UserNkey)
		resp.Audience = req.Server.ID
		resp.Jwt = userJWT
		resp.Error = reason
		tok, err := resp.Encode(signerFor(m.issuer))
		if err != nil {
			m.log.Error("auth callout: encode", "err", err)
			return
		}
		_ = msg.Respond([]byte(tok))
	}
	nk := req.ConnectOptions.Nkey
	if err := verifyNonce(nk, req.ConnectOptions.SignedNonce, req.ClientInformation.Nonce); err != nil {
		m.refused.note("auth", req.ClientInformation.Host, err.Error(), "nkey", clipLog(nk))
		respond("", "authentication failed")
		return
	}
	uc := jwt.NewUserClaims(req.UserNkey)
	uc.Audience = "$G"
	ttl := m.cfg.AuthTTL.D()
	uc.Expires = time.Now().Add(ttl - time.Duration(rand.Int64N(int64(ttl/10)+1))).Unix()

	m.mu.Lock()
	info, ok := m.keyByNkeyLocked(nk)
	if ok && info.State == proto.KeyAccepted {
		pub, sub := proto.MinionPermissions(info.ID)
		uc.Name = info.ID
		uc.Pub.Allow.Add(pub...)
		uc.Sub.Allow.Add(sub...)
		uc.Limits.Payload = int64(m.cfg.MaxPayload)
	} else {
		uc.Name = "pending"
		uc.Pub.Allow.Add(proto.SubjKeyRequest(nk))
		// Denied every subscription, so it holds none; no limit of
		// zero subscriptions besides: nats-server 2.15.3 enforces a
		// callout JWT's limits, and refuses a subscription over the
		// limit with an error the client takes for its connection's,
		// where a denied one is a permissions violation the minion
		// expects while pending.
		uc.Sub.Deny.Add(">")
		uc.Limits.Payload = pendingPayload
		if !own || m.srv == nil {
			// No master can disconnect this connection when its key
			// is accepted (an external server, a leaf node): its
			// authorisation's expiry does, soon.
			uc.Expires = time.Now().Add(pendingExpiry(ttl)).Unix()
		}
	}
	if own {
		// A client id is the server's own: one from a leaf node names
		// another connection here, or none.
		ids := m.cids[nk]
		if ids == nil {
			ids = map[uint64]bool{}
			m.cids[nk] = ids
		}
		ids[req.ClientInformation.ID] = ok && info.State == proto.KeyAccepted
	}
	m.mu.Unlock()

	tok, err := uc.Encode(signerFor(m.issuer))
	if err != nil {
		m.log.Error("auth callout: user jwt", "err", err)
		respond("", "internal error")
		return
	}
	m.log.Debug("auth", "nkey", nk, "as", uc.Name)
	respond(tok, "")
}

// fromLeaf reports whether a callout request names a leaf node
// connected to the embedded server now: its name is one the server
// knows a leaf connection by, and it is not this server nor claims its
// id.
func (m *Master) fromLeaf(si jwt.ServerID) bool {
	if m.srv == nil || si.Name == "" || si.ID == "" || si.ID == m.srv.ID() || si.Name == m.srv.Name() {
		return false
	}
	return m.leafNames()[si.Name]
}

func verifyNonce(nk, sig, nonce string) error {
	if nk == "" || sig == "" || nonce == "" {
		return fmt.Errorf("no nkey signature")
	}
	pk, err := nkeys.FromPublicKey(nk)
	if err != nil {
		return fmt.Errorf("nkey: %w", err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		raw, err = base64.StdEncoding.DecodeString(sig)
		if err != nil {
			return fmt.Errorf("signature encoding: %w", err)
		}
	}
	if err := pk.Verify([]byte(nonce), raw); err != nil {
		return fmt.Errorf("signature: %w", err)
	}
	return nil
}

// pruneCIDs forgets connections that are closed. On an external server
// the master cannot see connections, and forgets them all: it cannot
// kick them either.
func (m *Master) pruneCIDs() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for nk, ids := range m.cids {
		for id := range ids {
			if m.srv == nil || m.srv.GetClient(id) == nil {
				delete(ids, id)
			}
		}
		if len(ids) == 0 {
			delete(m.cids, nk)
		}
	}
}

// kick disconnects every connection of a key, so that each reconnects
// and is authorised again with the key's new rights. m.mu must not be
// held. Only the embedded server can do it; on an external server the
// authorisation's expiry does.
func (m *Master) kick(nk string) {
	if nk == "" {
		return
	}
	m.mu.Lock()
	ids := m.cids[nk]
	delete(m.cids, nk)
	m.mu.Unlock()
	if m.srv == nil {
		return
	}
	for id := range ids {
		_ = m.srv.DisconnectClientByID(id)
	}
}

// kickPending disconnects the connections of a key authorised while it
// was not accepted, and only those: a key just accepted comes back with
// its rights, and a connection that already has them (it reconnected
// after another kick of the same acceptance) stays. m.mu must not be
// held.
func (m *Master) kickPending(nk string) {
	if nk == "" {
		return
	}
	var ids []uint64
	m.mu.Lock()
	for id, accepted := range m.cids[nk] {
		if !accepted {
			ids = append(ids, id)
			delete(m.cids[nk], id)
		}
	}
	m.mu.Unlock()
	if m.srv == nil {
		return
	}
	for _, id := range ids {
		_ = m.srv.DisconnectClientByID(id)
	}
}

// connectedCID reports whether the embedded server holds an open
// connection for a key; ok is false when it cannot tell (an external
// server, or a cluster where the key may be on another node).
func (m *Master) connectedCID(nk string) (connected, ok bool) {
	if m.srv == nil {
		return false, false
	}
	m.mu.Lock()
	ids := make([]uint64, 0, len(m.cids[nk]))
	for id := range m.cids[nk] {
		ids = append(ids, id)
	}
	m.mu.Unlock()
	for _, id := range ids {
		if m.srv.GetClient(id) != nil {
			return true, true
		}
	}
	if m.cfg.Clustered() || m.cfg.LeafNodes.Listen != "" {
		// Connected to another node or a leaf, maybe: presence tells.
		return false, false
	}
	return false, true
}
