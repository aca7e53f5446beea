package proto

import "time"

// PublishRequest is the operator asking the master to publish a job. The
// operator picks the JID, so that it can listen for the job's returns
// before the job exists.
type PublishRequest struct {
	Header
	JID        string         `json:"jid"`
	Target     string         `json:"tgt"`
	TargetType string         `json:"tgt_type"`
	Fun        string         `json:"fun"`
	Args       []any          `json:"arg"`
	Kwargs     map[string]any `json:"kwarg,omitempty"`
	Timeout    Duration       `json:"timeout"`
	// Minions, when set, narrows the job to these of the matched minions
	// (a --batch slice).
	Minions []string `json:"minions,omitempty"`
	// Resolve only answers which minions match, and publishes nothing.
	Resolve bool   `json:"resolve,omitempty"`
	User    string `json:"user,omitempty"`
}

// PublishReply says which minions the job went to, and which of the
// matched minions are known but not connected (they get nothing).
type PublishReply struct {
	Reply
	JID          string   `json:"jid"`
	Minions      []string `json:"minions"`
	NotConnected []string `json:"not_connected"`
}

// Key states.
const (
	KeyPending  = "pending"
	KeyAccepted = "accepted"
	KeyRejected = "rejected"
	// KeyDenied is a key that asked for an id another key holds (a
	// second host with the same id); it is listed, never stored.
	KeyDenied = "denied"
	// KeyCorrupt is a registry entry the master cannot read; it is
	// listed under its store key so that it can be deleted.
	KeyCorrupt = "corrupt"
)

// KeyInfo is one minion key in the registry.
type KeyInfo struct {
	ID     string    `json:"id"`
	Nkey   string    `json:"nkey"`
	State  string    `json:"state"`
	Finger string    `json:"finger"`
	Time   time.Time `json:"time"`
}

// KeyListRequest asks for the key registry.
type KeyListRequest struct {
	Header
}

// KeyListReply is the key registry, in id order. Like every answer, it
// comes in parts when it is larger than one message (see SplitParts).
type KeyListReply struct {
	Reply
	Keys []KeyInfo `json:"keys"`
}

// Key actions.
const (
	KeyAccept = "accept"
	KeyReject = "reject"
	KeyDelete = "delete"
)

// KeyActionRequest accepts, rejects or deletes keys.
type KeyActionRequest struct {
	Header
	Action string   `json:"action"`
	IDs    []string `json:"ids"`
	// All applies the action to every key it can apply to (pending keys
	// for accept and reject, every key for delete).
	All bool `json:"all,omitempty"`
	// IncludeRejected lets accept take rejected keys too, and reject take
	// accepted ones, as salt-key's --include-rejected/--include-accepted.
	Include bool `json:"include,omitempty"`
	// Nkey, with accept and one id, accepts that id with this public
	// key whether or not it has asked yet: brine ssh --bootstrap makes
	// the minion's key and has it accepted before the minion first
	// starts. An id accepted or rejected with another key is refused
	// (delete it first); a pending request of another key is replaced.
	Nkey string `json:"nkey,omitempty"`
}

// KeyActionReply names the keys changed.
type KeyActionReply struct {
	Reply
	Changed []string `json:"changed"`
}

// JobsRequest asks for the job list, one job, the active jobs, or a kill.
type JobsRequest struct {
	Header
	JID string `json:"jid,omitempty"`
}

// JobSummary is one job in the job cache.
type JobSummary struct {
	JID        string         `json:"jid"`
	Fun        string         `json:"fun"`
	Args       []any          `json:"arg"`
	Kwargs     map[string]any `json:"kwarg,omitempty"`
	Target     string         `json:"tgt"`
	TargetType string         `json:"tgt_type"`
	Minions    []string       `json:"minions"`
	IssuedAt   time.Time      `json:"issued_at"`
	User       string         `json:"user,omitempty"`
	// Schedule names the minion schedule that ran the job (User is then
	// "schedule"); "" for a job an operator published.
	Schedule string `json:"schedule,omitempty"`
	// Running lists minions seen working on it lately (heartbeats).
	Running []string `json:"running,omitempty"`
}

// JobsListReply lists jobs.
type JobsListReply struct {
	Reply
	Jobs []JobSummary `json:"jobs"`
}

// JobLookupReply is one job with every return in the cache, late ones
// included.
type JobLookupReply struct {
	Reply
	Job     JobSummary        `json:"job"`
	Returns map[string]Return `json:"returns"`
	Acked   []string          `json:"acked"`
	// LastHeard is when the master last heard from each minion that
	// acknowledged the job (its ack, or its latest heartbeat or event).
	LastHeard map[string]time.Time `json:"last_heard,omitempty"`
	// Redacted is set when the asker's role may not read what the
	// returns hold (the read-only operator, by default): each return
	// then carries its result code and success, not its data.
	Redacted bool `json:"redacted,omitempty"`
}

// JobsKillReply names the minions the kill was sent to.
type JobsKillReply struct {
	Reply
	Minions []string `json:"minions"`
}

// MinionsRequest asks for the minion registry: every accepted minion,
// or the one ID names; with Grains, each with its grains.
type MinionsRequest struct {
	Header
	ID     string `json:"id,omitempty"`
	Grains bool   `json:"grains,omitempty"`
}

// MinionInfo is one minion in the registry.
type MinionInfo struct {
	ID        string    `json:"id"`
	Connected bool      `json:"connected"`
	LastSeen  time.Time `json:"last_seen"`
	// Grains are the minion's grains, when asked for.
	Grains map[string]any `json:"grains,omitempty"`
}

// MinionsReply lists the accepted minions.
type MinionsReply struct {
	Reply
	Minions []MinionInfo `json:"minions"`
}

// JobRecord is the master's record of a published job, kept in the job
// cache next to the returns.
type JobRecord struct {
	Header
	JobSummary
}
