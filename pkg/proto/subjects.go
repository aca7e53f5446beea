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
	// SubjKeyRequest is where a pending or rejected minion asks to be
	// accepted; it is the only subject such a minion may publish to.
	SubjKeyRequest = "brine.auth.request"
	// SubjJobAll carries jobs published to every minion at once; a minion
	// runs one only when its id is in the job's Minions.
	SubjJobAll = "brine.job._all"
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
)

// ReadOnlySubjects are the master requests a read-only operator may make.
var ReadOnlySubjects = []string{SubjKeyList, SubjJobsList, SubjJobsLookup, SubjJobsActive, SubjMinions}

// Per-minion subjects.
func SubjJob(id string) string         { return "brine.job." + id }
func SubjKill(id string) string        { return "brine.kill." + id }
func SubjAck(id, jid string) string    { return "brine.ack." + id + "." + jid }
func SubjHB(id, jid string) string     { return "brine.hb." + id + "." + jid }
func SubjEvent(id, jid string) string  { return "brine.evt." + id + "." + jid }
func SubjReturn(id, jid string) string { return "brine.ret." + id + "." + jid }
func SubjGrains(id string) string      { return "brine.grains." + id }
func SubjPresence(id string) string    { return "brine.presence." + id }
func SubjHello(id string) string       { return "brine.hello." + id }
func SubjPillar(id string) string      { return "brine.pillar." + id }
func SubjFile(id string) string        { return "brine.file." + id }
func SubjFileChunk(id string) string   { return "brine.chunk." + id }
func InboxPrefix(id string) string     { return "_INBOX." + id }
func SubjJobRecord(jid string) string  { return "brine.jobrec." + jid }

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
	AllJobRecord = "brine.jobrec.*"
)

// JobSubjects lists the subjects of one job's acks, heartbeats, events
// and returns from every minion, for the operator to watch.
func JobSubjects(jid string) []string {
	return []string{"brine.ack.*." + jid, "brine.hb.*." + jid, "brine.evt.*." + jid, "brine.ret.*." + jid}
}

// MinionOf returns the minion id in a per-minion subject
// ("brine.ret.web1.2026…" gives "web1").
func MinionOf(subject string) string {
	parts := strings.Split(subject, ".")
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

// Kind returns the second element of a subject: "ret", "ack", "hb", "evt"...
func Kind(subject string) string {
	parts := strings.Split(subject, ".")
	if len(parts) < 2 {
		return ""
	}
	return parts[1]
}

// MinionPermissions are the subjects an accepted minion may publish to and
// subscribe to. The server enforces them, so a minion cannot publish a
// job, publish as another minion, or read another's replies or pillar.
func MinionPermissions(id string) (pub, sub []string) {
	pub = []string{
		"brine.ack." + id + ".*",
		"brine.hb." + id + ".*",
		"brine.evt." + id + ".*",
		"brine.ret." + id + ".*",
		SubjGrains(id),
		SubjPresence(id),
		SubjHello(id),
		SubjPillar(id),
		SubjFile(id),
		SubjFileChunk(id),
	}
	sub = []string{
		SubjJob(id),
		SubjJobAll,
		SubjKill(id),
		InboxPrefix(id) + ".>",
	}
	return pub, sub
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`)

// ValidID checks a minion id. Ids are one subject token: letters, digits,
// '-' and '_' (a dotted hostname's dots become '_' by default, see
// minion.DefaultID). Anything else could reach into other subjects.
func ValidID(id string) error {
	if !idRE.MatchString(id) {
		return fmt.Errorf("minion id %q: must be 1-128 letters, digits, '-' or '_', starting with a letter or digit", id)
	}
	return nil
}

var jidRE = regexp.MustCompile(`^[0-9]{20}$`)

// ValidJID checks a job id: 20 digits, like Salt's.
func ValidJID(jid string) error {
	if !jidRE.MatchString(jid) {
		return fmt.Errorf("job id %q: want 20 digits", jid)
	}
	return nil
}
