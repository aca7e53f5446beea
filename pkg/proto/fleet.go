package proto

import "time"

// The mine and drift: what minions share through the master, and what
// the master tells the operator about each minion's latest dry run.

// SubjMine is where a minion asks the master about the mine: it stores
// its own entry (MineUpdate, MineDelete, MineFlush) and reads others'
// (MineGet), all in one request shape. The server lets a minion publish
// only on its own.
func SubjMine(id string) string { return FromMinion(id) + ".mine" }

// AllMine is the master's subscription to every minion's mine requests.
const AllMine = "brine.m.*.mine"

// SubjDrift asks the master for the drift report (a read the read-only
// operator may make too).
const SubjDrift = "brine.master.drift"

// Mine operations.
const (
	MineUpdate = "update" // merge Data into the entry (Clear: replace it)
	MineDelete = "delete" // drop one function from the entry
	MineFlush  = "flush"  // drop the whole entry
	MineGet    = "get"    // read other minions' entries
)

// MineItem is one function's value in a minion's mine entry, with the
// minion-side ACL Salt's mine_functions allow_tgt gives it.
type MineItem struct {
	Data         any    `json:"data"`
	AllowTgt     string `json:"allow_tgt,omitempty"`
	AllowTgtType string `json:"allow_tgt_type,omitempty"`
}

// MineRequest is a minion's mine request.
type MineRequest struct {
	Header
	Op string `json:"op"`
	// Data: MineUpdate's functions and values.
	Data  map[string]MineItem `json:"data,omitempty"`
	Clear bool                `json:"clear,omitempty"`
	// Funs: MineDelete's one function, or MineGet's functions (more
	// than one: the answer is keyed by function, then minion, as Salt's).
	Funs []string `json:"funs,omitempty"`
	// FunsList: MineGet was asked with several functions (a list, or
	// names joined by commas), so the answer is keyed by function.
	FunsList   bool   `json:"funs_list,omitempty"`
	Target     string `json:"tgt,omitempty"`
	TargetType string `json:"tgt_type,omitempty"`
}

// MineReply answers a MineRequest: MineGet's Data is {minion: value}, or
// {function: {minion: value}} when FunsList.
type MineReply struct {
	Reply
	Data map[string]any `json:"data,omitempty"`
}

// DriftRequest asks which minions drifted from their states.
type DriftRequest struct {
	Header
	Target     string `json:"tgt"`
	TargetType string `json:"tgt_type"`
}

// Drift statuses of a minion.
const (
	DriftClean   = "clean"   // its latest dry run would change nothing
	DriftDrifted = "drifted" // its latest dry run would change something
	DriftFailed  = "failed"  // its latest dry run did not compile or a state failed
	DriftUnknown = "unknown" // no dry run of it in the job cache
)

// DriftState is one state of a dry run that differs from what its
// states ask (Result None or False), or that reports changes.
type DriftState struct {
	Key     string         `json:"key"`
	ID      string         `json:"id"`
	Name    string         `json:"name"`
	Func    string         `json:"fun"`
	SLS     string         `json:"sls"`
	Result  *bool          `json:"result"`
	Comment string         `json:"comment"`
	Changes map[string]any `json:"changes,omitempty"`
}

// DriftMinion is one minion's drift, from its latest dry run.
type DriftMinion struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	// JID, Fun, Time and Schedule say which dry run this is (Schedule:
	// the schedule that ran it, "" for an operator's run).
	JID      string    `json:"jid,omitempty"`
	Fun      string    `json:"fun,omitempty"`
	Time     time.Time `json:"time,omitempty"`
	Schedule string    `json:"schedule,omitempty"`
	// Error is a run that returned no state results (the tree did not
	// compile): its text.
	Error  string       `json:"error,omitempty"`
	States []DriftState `json:"states,omitempty"`
	// Total counts the states of the run.
	Total int `json:"total"`
}

// DriftReply is the drift report, in minion id order.
type DriftReply struct {
	Reply
	Minions []DriftMinion `json:"minions"`
}

// DryRun is the master's index entry of a minion's latest dry run (the
// drift bucket's value).
type DryRun struct {
	Header
	JID      string    `json:"jid"`
	Fun      string    `json:"fun"`
	Time     time.Time `json:"time"`
	Schedule string    `json:"schedule,omitempty"`
}
