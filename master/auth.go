package master

import (
	"encoding/base64"
	"fmt"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/proto"
)

// authSubject is where the NATS server asks who a connecting client is.
const authSubject = "$SYS.REQ.USER.AUTH"

// authorize answers the server's auth callout. The minion's identity is
// the nkey whose signature over the server's nonce we check here (the
// server leaves that to the callout); its rights come from the key
// registry: an accepted key gets its own subjects, any other key may only
// ask to be accepted.
func (m *Master) authorize(msg *nats.Msg) {
	req, err := jwt.DecodeAuthorizationRequestClaims(string(msg.Data))
	if err != nil {
		m.log.Warn("auth callout: bad request", "err", err)
		return
	}
	respond := func(userJWT, reason string) {
		resp := jwt.NewAuthorizationResponseClaims(req.UserNkey)
		resp.Audience = req.Server.ID
		resp.Jwt = userJWT
		resp.Error = reason
		tok, err := resp.Encode(m.issuer)
		if err != nil {
			m.log.Error("auth callout: encode", "err", err)
			return
		}
		_ = msg.Respond([]byte(tok))
	}
	nk := req.ConnectOptions.Nkey
	if err := verifyNonce(nk, req.ConnectOptions.SignedNonce, req.ClientInformation.Nonce); err != nil {
		m.log.Warn("auth refused", "nkey", nk, "host", req.ClientInformation.Host, "err", err)
		respond("", "authentication failed")
		return
	}
	uc := jwt.NewUserClaims(req.UserNkey)
	uc.Audience = "$G"
	info, ok := m.keyByNkey(nk)
	if ok && info.State == proto.KeyAccepted {
		pub, sub := proto.MinionPermissions(info.ID)
		uc.Name = info.ID
		uc.Pub.Allow.Add(pub...)
		uc.Sub.Allow.Add(sub...)
	} else {
		uc.Name = "pending:" + req.ConnectOptions.Name
		uc.Pub.Allow.Add(proto.SubjKeyRequest)
		uc.Sub.Deny.Add(">")
	}
	m.mu.Lock()
	if len(m.cids) > maxTrackedKeys {
		m.pruneCIDs()
	}
	m.cids[nk] = append(m.cids[nk], req.ClientInformation.ID)
	if len(m.cids[nk]) > 8 {
		m.cids[nk] = m.cids[nk][len(m.cids[nk])-8:]
	}
	m.mu.Unlock()
	tok, err := uc.Encode(m.issuer)
	if err != nil {
		m.log.Error("auth callout: user jwt", "err", err)
		respond("", "internal error")
		return
	}
	m.log.Debug("auth", "nkey", nk, "as", uc.Name)
	respond(tok, "")
}

// maxTrackedKeys bounds the client ids kept for kicking, against a flood
// of connections with made-up keys.
const maxTrackedKeys = 20000

// pruneCIDs forgets keys with no open connection. m.mu is held.
func (m *Master) pruneCIDs() {
	for nk, ids := range m.cids {
		open := false
		for _, id := range ids {
			if m.srv != nil && m.srv.GetClient(id) != nil {
				open = true
				break
			}
		}
		if !open {
			delete(m.cids, nk)
		}
	}
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

// kick disconnects a key's connections, so that they reconnect and are
// authorised again with the key's new rights. Only the embedded server
// can do it; on an external server the minion reconnects by itself.
func (m *Master) kick(nk string) {
	m.mu.Lock()
	ids := m.cids[nk]
	delete(m.cids, nk)
	m.mu.Unlock()
	if m.srv == nil {
		return
	}
	for _, id := range ids {
		_ = m.srv.DisconnectClientByID(id)
	}
}

// connectedCID reports whether the embedded server holds an open
// connection for a key; ok is false when it cannot tell.
func (m *Master) connectedCID(nk string) (connected, ok bool) {
	if m.srv == nil {
		return false, false
	}
	m.mu.Lock()
	ids := append([]uint64(nil), m.cids[nk]...)
	m.mu.Unlock()
	for _, id := range ids {
		if m.srv.GetClient(id) != nil {
			return true, true
		}
	}
	return false, true
}
