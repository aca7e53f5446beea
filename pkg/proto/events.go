package proto

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Event is one event of the master's event bus, in Salt's shape: a tag
// ("salt/job/<jid>/ret/<id>") and its data, stamped by the master. The
// tags and the data of the master's own events are Salt 3006's, so that
// a Salt reactor config carries over (docs/events.md lists them).
type Event struct {
	Tag   string          `json:"tag"`
	Data  json.RawMessage `json:"data"`
	Stamp time.Time       `json:"_stamp"`
}

// The event bus on NATS. Only masters publish on it; the operator reads
// SubjBus, the read-only operator SubjBusRO, where what returns and
// state events hold is left out (as its job lookups are redacted,
// unless readonly_returns). Minions may read neither.
const (
	SubjBus   = "brine.bus.full"
	SubjBusRO = "brine.bus.ro"
)

// SubjMinionEvent is where a minion sends an event of its own
// (`brine event send`, event.send). The master checks it and publishes
// it on the bus under the minion's namespace (MinionTag).
func SubjMinionEvent(id string) string { return FromMinion(id) + ".send" }

// AllMinionEvents is the master's subscription to SubjMinionEvent.
const AllMinionEvents = "brine.m.*.send"

// MinionEvent is an event a minion sends. The master sets the id from
// the subject (the server lets a minion publish only under its own),
// never from the message.
type MinionEvent struct {
	Header
	Tag  string          `json:"tag"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Limits of a minion's own events, checked by the master (and by the
// sender, to fail early).
const (
	MaxEventTagLen = 512
	// MaxMinionEventBytes bounds one minion event as sent.
	MaxMinionEventBytes = 64 << 10
)

// Tags of the master's own events, as Salt's.
const (
	TagKey  = "salt/key"
	TagAuth = "salt/auth"
	// TagMinionStartOld is the start event's tag before Salt had the
	// salt/ namespace; Salt 3006 still fires both.
	TagMinionStartOld = "minion_start"
	// TagPresenceChange is fired when minions connect or go away.
	TagPresenceChange = "salt/presence/change"
)

func TagJobNew(jid string) string     { return "salt/job/" + jid + "/new" }
func TagJobRet(jid, id string) string { return "salt/job/" + jid + "/ret/" + id }
func TagMinionStart(id string) string { return "salt/minion/" + id + "/start" }
func TagJobProg(jid, id string, n int) string {
	return "salt/job/" + jid + "/prog/" + id + "/" + strconv.Itoa(n)
}

// TagStateResult is the tag of a state with fire_event, as Salt's
// State.event: salt/state_result/<jid>/<id>/<the state's name, or the
// text fire_event gave>.
func TagStateResult(jid, id, what string) string {
	return "salt/state_result/" + jid + "/" + id + "/" + what
}

// IsStateResultTag reports whether tag is a fire_event state's
// (salt/state_result/<jid>/<id>/...).
func IsStateResultTag(tag string) bool {
	p := strings.SplitN(tag, "/", 5)
	return len(p) == 5 && p[0] == "salt" && p[1] == "state_result"
}

// MinionTagPrefix starts the tag of every event a minion sends:
// "minion/<id>/" then the tag it chose. A minion can send no event
// under the master's salt/ namespace nor under another minion's id.
const MinionTagPrefix = "minion/"

// MinionTag is the tag on the bus of the event minion id sent as tag.
func MinionTag(id, tag string) string { return MinionTagPrefix + id + "/" + tag }

// ValidEventTag checks the tag a minion sends: printable, no spaces,
// not empty, bounded, no "..", and no leading "/".
func ValidEventTag(tag string) error {
	switch {
	case tag == "":
		return fmt.Errorf("event tag: empty")
	case len(tag) > MaxEventTagLen:
		return fmt.Errorf("event tag: longer than %d bytes", MaxEventTagLen)
	case !utf8.ValidString(tag):
		return fmt.Errorf("event tag: not UTF-8")
	case strings.HasPrefix(tag, "/"):
		return fmt.Errorf("event tag %q: starts with /", clip(tag))
	}
	for _, r := range tag {
		if unicode.IsSpace(r) || unicode.IsControl(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("event tag %q: %q is not allowed (no spaces or control characters)", clip(tag), r)
		}
	}
	return nil
}

// Data of the master's events, Salt's keys.

// JobNewData is salt/job/<jid>/new.
type JobNewData struct {
	JID     string   `json:"jid"`
	Target  string   `json:"tgt"`
	TgtType string   `json:"tgt_type"`
	Fun     string   `json:"fun"`
	Args    []any    `json:"arg"`
	Minions []string `json:"minions"`
	Missing []string `json:"missing"`
	User    string   `json:"user"`
}

// JobRetData is salt/job/<jid>/ret/<id>.
type JobRetData struct {
	Cmd     string `json:"cmd"`
	ID      string `json:"id"`
	JID     string `json:"jid"`
	Fun     string `json:"fun"`
	FunArgs []any  `json:"fun_args"`
	Return  any    `json:"return,omitempty"`
	Retcode int    `json:"retcode"`
	Success bool   `json:"success"`
	Out     string `json:"out,omitempty"`
}

// JobProgData is salt/job/<jid>/prog/<id>/<n>: one state's result, as
// Salt's state_events send it ({"ret": {<chunk key>: <result>}, "len":
// states so far}). Len is 0 when the master does not know the total.
type JobProgData struct {
	Cmd  string         `json:"cmd"`
	ID   string         `json:"id"`
	JID  string         `json:"jid"`
	Data map[string]any `json:"data"`
}

// KeyEventData is salt/key and salt/auth.
type KeyEventData struct {
	ID     string `json:"id"`
	Act    string `json:"act"`
	Result bool   `json:"result"`
	Pub    string `json:"pub,omitempty"`
}

// Key event actions, Salt's words.
const (
	ActAccept = "accept"
	ActPend   = "pend"
	ActReject = "reject"
	ActDelete = "delete"
)

// MinionStartData is salt/minion/<id>/start and minion_start.
type MinionStartData struct {
	Cmd  string `json:"cmd"`
	ID   string `json:"id"`
	Data string `json:"data"`
}

// MinionEventData is the data on the bus of an event a minion sent, as
// Salt's _minion_event: id is the authenticated id, set by the master;
// data is what the minion sent; tag is the tag it chose.
type MinionEventData struct {
	Cmd  string          `json:"cmd"`
	ID   string          `json:"id"`
	Tag  string          `json:"tag"`
	Data json.RawMessage `json:"data"`
}

// PresenceChangeData is salt/presence/change.
type PresenceChangeData struct {
	New  []string `json:"new"`
	Lost []string `json:"lost"`
}

// IsRetTag reports whether tag is a job return's
// (salt/job/<jid>/ret/<id>).
func IsRetTag(tag string) bool {
	p := strings.SplitN(tag, "/", 5)
	return len(p) == 5 && p[0] == "salt" && p[1] == "job" && p[3] == "ret"
}

// IsProgTag reports whether tag is a state's progress
// (salt/job/<jid>/prog/<id>/<n>).
func IsProgTag(tag string) bool {
	p := strings.SplitN(tag, "/", 5)
	return len(p) == 5 && p[0] == "salt" && p[1] == "job" && p[3] == "prog"
}
