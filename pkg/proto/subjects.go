package proto

import (
	"fmt"
	"regexp"
	"strings"
)

// Prefix starts every brine subject.
const Prefix = "brine"

// Subjects the minions use. <id> is the minion id, <jid> the job id.
//
// Every subject of one minion is rooted at it: what it publishes under
// FromMinion (brine.m.<token>.>), what it receives under ToMinion
// (brine.to.<token>.>, its inbox included). Its permissions are then
// those two roots and the broadcasts' (ToAll): three entries the NATS
// server matches in one short walk, whatever the job id in the subject.
const (
	// AllKeyRequests is where pending and rejected minions ask to be
	// accepted, each on SubjKeyRequest of its own key.
	AllKeyRequests = "brine.auth.request.*"
	// ToAll roots what goes to every minion at once. "_all" is never a
	// Token: "_" starts an escape of two hex digits.
	ToAll = "brine.to._all"
	// SubjJobAll carries jobs published to every minion at once; a minion
	// runs one only when its id is in the job's Minions.
	SubjJobAll = ToAll + ".job"
	// SubjTrustPush carries the trust chain (TrustPush) to every minion
	// when it grows: a key added or retired.
	SubjTrustPush = ToAll + ".trust"
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

// FromMinion is the root of every subject a minion publishes on:
// brine.m.<token>. The server lets a minion publish under its own root
// alone, so the token of such a subject is the id it logged in as.
func FromMinion(id string) string { return "brine.m." + Token(id) }

// ToMinion is the root of every subject a minion receives on:
// brine.to.<token>. It may subscribe under its own root alone (and
// ToAll).
func ToMinion(id string) string { return "brine.to." + Token(id) }

// Per-minion subjects. An id goes into a subject as its Token.
func SubjJob(id string) string         { return ToMinion(id) + ".job" }
func SubjKill(id string) string        { return ToMinion(id) + ".kill" }
func SubjAck(id, jid string) string    { return FromMinion(id) + ".ack." + jid }
func SubjHB(id, jid string) string     { return FromMinion(id) + ".hb." + jid }
func SubjEvent(id, jid string) string  { return FromMinion(id) + ".evt." + jid }
func SubjReturn(id, jid string) string { return FromMinion(id) + ".ret." + jid }
func SubjGrains(id string) string      { return FromMinion(id) + ".grains" }
func SubjPresence(id string) string    { return FromMinion(id) + ".presence" }
func SubjHello(id string) string       { return FromMinion(id) + ".hello" }
func SubjPillar(id string) string      { return FromMinion(id) + ".pillar" }
func SubjFile(id string) string        { return FromMinion(id) + ".file" }
func SubjFileChunk(id string) string   { return FromMinion(id) + ".chunk" }

// InboxPrefix is a minion's inbox: the answers to its requests come
// under it, and the master answers nowhere else (InInbox).
func InboxPrefix(id string) string { return ToMinion(id) + ".in" }

// IsHello and IsMinionInbox tell a minion's hello and a subscription to
// a minion's inbox: what every minion is denied before its key is
// accepted.
func IsHello(subject string) bool {
	return strings.HasPrefix(subject, "brine.m.") && strings.HasSuffix(subject, ".hello") && strings.Count(subject, ".") == 3
}
func IsMinionInbox(subject string) bool {
	return strings.HasPrefix(subject, "brine.to.") && strings.Count(subject, ".") >= 3 &&
		strings.Split(subject, ".")[3] == "in"
}

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
	for tok := range strings.SplitSeq(reply[len(prefix)+1:], ".") {
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

// CacheReturnBatch is the job cache subject of a ReturnBatch of the job:
// where a return's minion would be, "_x" and the batch's name, which is
// never a Token ("_" starts an escape of two hex digits, and "x" is none),
// so that the job's returns are all under "brine.cache.ret.*.<jid>".
func CacheReturnBatch(jid, name string) string { return "brine.cache.ret._x" + name + "." + jid }

// BatchHeader marks a job cache message that is a ReturnBatch, with the
// number of returns it holds.
const BatchHeader = "Brine-Returns"

func CacheSubjects(jid string) []string {
	return []string{CacheJob(jid), "brine.cache.ack.*." + jid, "brine.cache.ret.*." + jid}
}

// Wildcards the master and the operator subscribe to.
const (
	AllAcks      = "brine.m.*.ack.*"
	AllHBs       = "brine.m.*.hb.*"
	AllEvents    = "brine.m.*.evt.*"
	AllReturns   = "brine.m.*.ret.*"
	AllGrains    = "brine.m.*.grains"
	AllPresence  = "brine.m.*.presence"
	AllHello     = "brine.m.*.hello"
	AllPillar    = "brine.m.*.pillar"
	AllFile      = "brine.m.*.file"
	AllFileChunk = "brine.m.*.chunk"
	AllCache     = "brine.cache.>"
	AllCacheJobs = "brine.cache.job.*"
)

// JobSubjects lists the subjects of one job's acks, heartbeats, events
// and returns from every minion, for the operator to watch.
func JobSubjects(jid string) []string {
	return []string{"brine.m.*.ack." + jid, "brine.m.*.hb." + jid, "brine.m.*.evt." + jid, "brine.m.*.ret." + jid}
}

// JobWildcard is one subscription to everything every minion sends of
// one job (its acks, heartbeats, events and returns, and whatever else
// a minion publishes under its root with the job id last: Kind tells).
func JobWildcard(jid string) string { return "brine.m.*.*." + jid }

// splitMinion cuts a per-minion subject into its id token, kind and
// job id: "brine.m.<tok>.<kind>[.<jid>]", "brine.to.<tok>.<kind>" or
// the job cache's "brine.cache.<kind>.<tok>.<jid>". ok is false for any
// other shape.
func splitMinion(subject string) (tok, kind, jid string, ok bool) {
	// At most six fields: a subject of more is of no shape below. On
	// the stack: this runs for every message a master takes.
	var buf [6]string
	parts := buf[:0]
	for rest := subject; ; {
		field, after, more := strings.Cut(rest, ".")
		if len(parts) == len(buf) {
			return "", "", "", false
		}
		parts = append(parts, field)
		if !more {
			break
		}
		rest = after
	}
	if len(parts) < 4 || parts[0] != Prefix {
		return "", "", "", false
	}
	switch {
	case (parts[1] == "m" || parts[1] == "to") && len(parts) == 4:
		return parts[2], parts[3], "", true
	case parts[1] == "m" && len(parts) == 5:
		return parts[2], parts[3], parts[4], true
	case parts[1] == "cache" && len(parts) == 5:
		return parts[3], parts[2], parts[4], true
	case parts[1] == "cache" && len(parts) == 4:
		// A job's record: brine.cache.job.<jid>, of no minion.
		return "", parts[2], "", true
	}
	return "", "", "", false
}

// MinionOf returns the minion id in a per-minion subject
// ("brine.m.web1.ret.2026…" gives "web1"; "brine.cache.ret.web1.2026…"
// too), or "" when the subject holds no valid id token.
func MinionOf(subject string) string {
	tok, _, _, ok := splitMinion(subject)
	if !ok {
		return ""
	}
	id, err := IDOfToken(tok)
	if err != nil {
		return ""
	}
	return id
}

// JIDOf returns the job id of a per-job subject (its last token, when it
// is one of a job's subjects), or "".
func JIDOf(subject string) string {
	_, _, jid, _ := splitMinion(subject)
	return jid
}

// Kind returns the kind of a per-minion subject: "ret", "ack", "hb",
// "evt", "grains"... (in the job cache too), or "".
func Kind(subject string) string {
	_, kind, _, _ := splitMinion(subject)
	return kind
}

// MinionPermissions are the subjects an accepted minion may publish to and
// subscribe to: its own two roots and the broadcasts. The server enforces
// them, so a minion cannot publish a job, publish as another minion, or
// read another's replies or pillar.
func MinionPermissions(id string) (pub, sub []string) {
	return []string{FromMinion(id) + ".>"}, []string{ToMinion(id) + ".>", ToAll + ".>"}
}

var jidRE = regexp.MustCompile(`^[0-9]{20}$`)

// ValidJID checks a job id: 20 digits, like Salt's.
func ValidJID(jid string) error {
	if !jidRE.MatchString(jid) {
		return fmt.Errorf("job id %q: want 20 digits", clip(jid))
	}
	return nil
}
