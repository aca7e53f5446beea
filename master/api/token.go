package api

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// Role is what a token may do. The API never decides more than the
// master would: each role's requests go through the master on that
// role's own NATS credential, whose permissions the server enforces.
type Role int

const (
	// RoleNone: no token needed (login, the OpenAPI document).
	RoleNone Role = iota
	// RoleReadOnly reads minions, keys, jobs and events; it holds
	// readonly.nk's rights.
	RoleReadOnly
	// RoleOperator also runs jobs; it holds operator.nk's rights.
	RoleOperator
)

func (r Role) String() string {
	switch r {
	case RoleReadOnly:
		return "readonly"
	case RoleOperator:
		return "operator"
	}
	return "none"
}

// session is what a token stands for.
type session struct {
	Token  string
	Role   Role
	Start  time.Time
	Expire time.Time
}

// maxTokens bounds the live tokens: past it the oldest goes first.
const maxTokens = 4096

// tokens are the live tokens, in memory: a restart of the master ends
// every session (as a restart of salt-api's does with its default
// token store).
type tokens struct {
	mu  sync.Mutex
	m   map[string]*session
	ttl time.Duration
	now func() time.Time
}

func newTokens(ttl time.Duration) *tokens {
	return &tokens{m: map[string]*session{}, ttl: ttl, now: time.Now}
}

// issue makes a token for role.
func (t *tokens) issue(r Role) (*session, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	now := t.now()
	s := &session{Token: hex.EncodeToString(b), Role: r, Start: now, Expire: now.Add(t.ttl)}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sweepLocked(now)
	if len(t.m) >= maxTokens {
		var oldest *session
		for _, o := range t.m {
			if oldest == nil || o.Start.Before(oldest.Start) {
				oldest = o
			}
		}
		delete(t.m, oldest.Token)
	}
	t.m[s.Token] = s
	return s, nil
}

// check returns the live session of a token, nil for an unknown or
// expired one.
func (t *tokens) check(tok string) *session {
	if tok == "" {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.m[tok]
	if s == nil {
		return nil
	}
	if !t.now().Before(s.Expire) {
		delete(t.m, tok)
		return nil
	}
	return s
}

// revoke ends a session (logout).
func (t *tokens) revoke(tok string) {
	t.mu.Lock()
	delete(t.m, tok)
	t.mu.Unlock()
}

func (t *tokens) sweepLocked(now time.Time) {
	for k, s := range t.m {
		if !now.Before(s.Expire) {
			delete(t.m, k)
		}
	}
}
