package proto

import (
	"fmt"
	"regexp"
	"strings"
)

// Prefix starts every brine subject.
const Prefix = "brine"

// Subjects the minions use. <id> is the minion id, <jid> the job id.
const (
	// AllKeyRequests is where pending and rejected minions ask to be
	// accepted, each on SubjKeyRequest of its own key.
	AllKeyRequests = "brine.auth.request.*"
	// SubjJobAll carries jobs published to every minion at once; a minion
	// runs one only when its id is in the job's Minions.
	SubjJobAll = "brine.job._all"
	// SubjTrustPush carries the trust chain (TrustPush) to every minion
	// when it grows: a key added or retired.
	SubjTrustPush = "brine.trust"
)

// Subjects the operator's command (and the read-only operator) use to ask
// the master. Each is a request with a reply.
const (
	SubjPublish    = "brine.master.publish"
	SubjKeyList    = "brine.master.key.list"
	SubjKeyAction  = "brine.master.key.action"
	SubjJobsList   = "brine.master.jobs.list"
	SubjJobsLookup = "brine.master.jobs.lookup"
	SubjJobsActive = "brine.master.jobs.active"
	SubjJobsKill   = "brine.master.jobs.kill"
	SubjMinions    = "brine.master.minions"
	// SubjTrust reads the trust chain of job-signing keys, or adds a
	// step to it (TrustRequest).
	SubjTrust = "brine.master.trust"
)

// ReadOnlyRequests are the master requests a read-only operator may
// make. It makes them on subjects of its own (ReadOnlySubject), the only
// ones it may publish to, so that the master knows who asked by the
// subject: a role is never taken from a reply subject, which the asker
// chooses.
var ReadOnlyRequests = []string{SubjKeyList, SubjJobsList, SubjJobsLookup, SubjJobsActive, SubjMinions, SubjDrift}

// ReadOnlySubject is the read-only operator's subject for a master
// request ("brine.master.key.list" gives "brine.master.ro.key.list").
func ReadOnlySubject(subj string) string {
	return "brine.master.ro." + strings.TrimPrefix(subj, "brine.master.")
}

// ReadOnlySubjects are the subjects the read-only operator may publish
// to.
func ReadOnlySubjects() []string {
	out := make([]string, len(ReadOnlyRequests))
	for i, s := range ReadOnlyRequests {
		out[i] = ReadOnlySubject(s)
	}
	return out
}

// Per-minion subjects. An id goes into a subject as its Token.
func SubjJob(id string) string         { return "brine.job." + Token(id) }
func SubjKill(id string) string        { return "brine.kill." + Token(id) }
func SubjAck(id, jid string) string    { return "brine.ack." + Token(id) + "." + jid }
func SubjHB(id, jid string) string     { return "brine.hb." + Token(id) + "." + jid }
func SubjEvent(id, jid string) string  { return "brine.evt." + Token(id) + "." + jid }
func SubjReturn(id, jid string) string { return "brine.ret." + Token(id) + "." + jid }
func SubjGrains(id string) string      { return "brine.grains." + Token(id) }
func SubjPresence(id string) string    { return "brine.presence." + Token(id) }
func SubjHello(id string) string       { return "brine.hello." + Token(id) }
func SubjPillar(id string) string      { return "brine.pillar." + Token(id) }
func SubjFile(id string) string        { return "brine.file." + Token(id) }
func SubjFileChunk(id string) string   { return "brine.chunk." + Token(id) }
func InboxPrefix(id string) string     { return "_INBOX." + Token(id) }

// SubjKeyRequest is where the holder of one nkey asks for it to be
// accepted. It is the only subject a pending or rejected minion may
// publish to, and the server allows it only the one of its own key, so a
// connection can ask for no key but the one it proved it holds.
func SubjKeyRequest(nkey string) string { return "brine.auth.request." + nkey }

// Inbox prefixes of the operator and of the read-only operator. Each may
// subscribe only under its own; the master answers a request only there
// (see InInbox), and answers a read-only request with what that role may
// see.
const (
	OperatorInbox = "_INBOX_op"
	ReadOnlyInbox = "_INBOX_ro"
)

// InInbox reports whether reply is a subject inside the inbox namespace
// prefix: prefix, a dot, then one or more literal tokens. The master
// publishes answers only where this holds, so a requester cannot make it
// write into a registry, a job cache or another minion's subjects.
func InInbox(reply, prefix string) bool {
	if len(reply) > MaxReplyLen || !strings.HasPrefix(reply, prefix+".") {
		return false
	}
	for _, tok := range strings.Split(reply[len(prefix)+1:], ".") {
		if tok == "" || strings.ContainsAny(tok, "*> \t\r\n") {
			return false
		}
	}
	return true
}

// MaxReplyLen bounds a reply subject the master will answer on: room for
// the longest id's token (3 bytes per byte of MaxIDLen) under "_INBOX."
// and nats.go's request suffix, and no more.
const MaxReplyLen = 1024

// Subjects of the job cache, a JetStream stream that only the master
// writes to: minions publish acks, events and returns on their live
// subjects, and the master checks each before it keeps it here.
func CacheJob(jid string) string        { return "brine.cache.job." + jid }
func CacheAck(id, jid string) string    { return "brine.cache.ack." + Token(id) + "." + jid }
func CacheEvent(id, jid string) string  { return "brine.cache.evt." + Token(id) + "." + jid }
func CacheReturn(id, jid string) string { return "brine.cache.ret." + Token(id) + "." + jid }
func CacheSubjects(jid string) []string {
	return []string{CacheJob(jid), "brine.cache.ack.*." + jid, "brine.cache.ret.*." + jid}
}

// Wildcards the master and the operator subscribe to.
const (
	AllAcks      = "brine.ack.>"
	AllHBs       = "brine.hb.>"
	AllEvents    = "brine.evt.>"
	AllReturns   = "brine.ret.>"
	AllGrains    = "brine.grains.*"
	AllPresence  = "brine.presence.*"
	AllHello     = "brine.hello.*"
	AllPillar    = "brine.pillar.*"
	AllFile      = "brine.file.*"
	AllFileChunk = "brine.chunk.*"
	AllCache     = "brine.cache.>"
	AllCacheJobs = "brine.cache.job.*"
)

// JobSubjects lists the subjects of one job's acks, heartbeats, events
// and returns from every minion, for the operator to watch.
func JobSubjects(jid string) []string {
	return []string{"brine.ack.*." + jid, "brine.hb.*." + jid, "brine.evt.*." + jid, "brine.ret.*." + jid}
}

// MinionOf returns the minion id in a per-minion subject
// ("brine.ret.web1.2026…" gives "web1"; "brine.cache.ret.web1.2026…"
// too), or "" when the subject holds no valid id token.
func MinionOf(subject string) string {
	parts := strings.Split(subject, ".")
	if len(parts) > 1 && parts[1] == "cache" {
		parts = parts[1:]
	}
	if len(parts) < 3 {
		return ""
	}
	id, err := IDOfToken(parts[2])
	if err != nil {
		return ""
	}
	return id
}

// JIDOf returns the job id of a per-job subject (its last token, when it
// is one of a job's subjects), or "".
func JIDOf(subject string) string {
	parts := strings.Split(subject, ".")
	if len(parts) > 1 && parts[1] == "cache" {
		parts = parts[1:]
	}
	if len(parts) != 4 {
		return ""
	}
	return parts[3]
}

// Kind returns the kind of a subject: "ret", "ack", "hb", "evt"... (the
// token after "brine", or after "brine.cache" in the job cache).
func Kind(subject string) string {
	parts := strings.Split(subject, ".")
	if len(parts) > 2 && parts[1] == "cache" {
		return parts[2]
	}
	if len(parts) < 2 {
		return ""
	}
	return parts[1]
}

// MinionPermissions are the subjects an accepted minion may publish to and
// subscribe to. The server enforces them, so a minion cannot publish a
// job, publish as another minion, or read another's replies or pillar.
func MinionPermissions(id string) (pub, sub []string) {
	tok := Token(id)
	pub = []string{
		"brine.ack." + tok + ".*",
		"brine.hb." + tok + ".*",
		"brine.evt." + tok + ".*",
		"brine.ret." + tok + ".*",
		SubjGrains(id),
		SubjPresence(id),
		SubjHello(id),
		SubjPillar(id),
		SubjFile(id),
		SubjFileChunk(id),
		SubjMinionEvent(id),
		SubjMine(id),
	}
	sub = []string{
		SubjJob(id),
		SubjJobAll,
		SubjTrustPush,
		SubjKill(id),
		InboxPrefix(id) + ".>",
	}
	return pub, sub
}

var jidRE = regexp.MustCompile(`^[0-9]{20}$`)

// ValidJID checks a job id: 20 digits, like Salt's.
func ValidJID(jid string) error {
	if !jidRE.MatchString(jid) {
		return fmt.Errorf("job id %q: want 20 digits", clip(jid))
	}
	return nil
}
