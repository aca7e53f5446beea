package api

import (
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

// The request and response bodies of the API, in salt-api's shapes
// where salt-api has the endpoint. The route table names them, and the
// OpenAPI document is generated from their fields and doc tags.

// LoginRequest is POST /login's body (JSON or a form).
type LoginRequest struct {
	Username string `json:"username,omitempty" doc:"operator or readonly; optional: the credential tells"`
	Password string `json:"password" doc:"the seed in the master's operator.nk or readonly.nk (state_dir)"`
	Eauth    string `json:"eauth,omitempty" doc:"nkey, or empty"`
}

// LoginResponse answers POST /login, as salt-api's.
type LoginResponse struct {
	Return []LoginReturn `json:"return"`
}

// LoginReturn is one issued token.
type LoginReturn struct {
	Token  string   `json:"token" doc:"send it as the X-Auth-Token header"`
	Start  float64  `json:"start" doc:"Unix time the token was issued"`
	Expire float64  `json:"expire" doc:"Unix time the token expires"`
	User   string   `json:"user" doc:"the role: operator or readonly"`
	Eauth  string   `json:"eauth"`
	Perms  []string `json:"perms" doc:"what the role may run: ['.*'] for the operator, [] for readonly"`
}

// LogoutResponse answers POST /logout.
type LogoutResponse struct {
	Return string `json:"return"`
}

// ErrorResponse is every error's body.
type ErrorResponse struct {
	Status int    `json:"status" doc:"the HTTP status"`
	Error  string `json:"error"`
}

// Minion is one accepted minion.
type Minion struct {
	ID        string         `json:"id"`
	Connected bool           `json:"connected" doc:"connected to the master now (its presence)"`
	LastSeen  time.Time      `json:"last_seen" doc:"its last presence message"`
	Grains    map[string]any `json:"grains"`
}

// MinionsResponse answers GET /minions and GET /minions/{id}: minions
// by id, as salt-api's (which gives their grains alone).
type MinionsResponse struct {
	Return []map[string]Minion `json:"return"`
}

// KeysResponse answers GET /keys, as salt-api's (salt-key's lists).
type KeysResponse struct {
	Return Keys `json:"return"`
}

// Keys are the key registry's ids by state.
type Keys struct {
	Local           []string `json:"local" doc:"always empty: the master's own keys are not minion keys"`
	Minions         []string `json:"minions" doc:"accepted"`
	MinionsPre      []string `json:"minions_pre" doc:"pending"`
	MinionsRejected []string `json:"minions_rejected"`
	MinionsDenied   []string `json:"minions_denied"`
}

// Job is one job of the job cache, in Salt's list_jobs shape.
type Job struct {
	Function   string         `json:"Function"`
	Arguments  []any          `json:"Arguments"`
	Kwargs     map[string]any `json:"Kwargs,omitempty"`
	Target     string         `json:"Target"`
	TargetType string         `json:"Target-type"`
	User       string         `json:"User"`
	StartTime  time.Time      `json:"StartTime"`
	Minions    []string       `json:"Minions" doc:"the minions the job was sent to"`
}

// JobsResponse answers GET /jobs: jobs by jid, newest first.
type JobsResponse struct {
	Return []map[string]Job `json:"return"`
}

// JobInfo is one job and its returns, as salt-api's GET /jobs/{jid}
// info.
type JobInfo struct {
	Job
	JID      string                  `json:"jid"`
	Result   map[string]MinionResult `json:"Result" doc:"each minion's return, by id"`
	Acked    []string                `json:"Acked" doc:"minions that acknowledged the job"`
	Redacted bool                    `json:"Redacted,omitempty" doc:"the returns' data is hidden from this role (readonly_returns)"`
}

// MinionResult is one minion's return to a job.
type MinionResult struct {
	Return  any       `json:"return"`
	Retcode int       `json:"retcode"`
	Success bool      `json:"success"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
}

// JobResponse answers GET /jobs/{jid}: info holds the job, return each
// minion's return alone, as salt-api's.
type JobResponse struct {
	Info   []JobInfo        `json:"info"`
	Return []map[string]any `json:"return"`
}

// Lowstate is one command of POST /run, as salt-api's lowstate.
type Lowstate struct {
	Client  string         `json:"client" doc:"local (wait for the returns), local_async (publish, answer the jid) or local_batch"`
	Tgt     string         `json:"tgt"`
	Fun     string         `json:"fun"`
	Arg     []any          `json:"arg,omitempty" doc:"positional arguments; a string KEY=VALUE is a keyword argument, as on the command line"`
	Kwarg   map[string]any `json:"kwarg,omitempty"`
	TgtType string         `json:"tgt_type,omitempty" doc:"glob (default), pcre, list, grain, grain_pcre, pillar, compound, nodegroup"`
	Timeout float64        `json:"timeout,omitempty" doc:"seconds to wait for news from a minion (default 5), as the command's -t"`
	Batch   string         `json:"batch,omitempty" doc:"N or N%: run on that many minions at a time, as --batch-size"`
	// FullReturn answers each minion's whole return, as Salt's
	// full_return.
	FullReturn bool `json:"full_return,omitempty" doc:"each minion's whole return (ret, retcode, jid) rather than its value"`
}

// RunRequest is POST /run's body: one lowstate or a list of them. The
// OpenAPI document shows the list.
type RunRequest []Lowstate

// RunResponse answers POST /run: one entry per lowstate, in order.
// client local gives {minion: return}; local_async {jid, minions}.
type RunResponse struct {
	Return []any `json:"return"`
}

// AsyncReturn is local_async's entry.
type AsyncReturn struct {
	JID     string   `json:"jid"`
	Minions []string `json:"minions"`
}

// FullReturn is one minion's entry with full_return.
type FullReturn struct {
	Ret     any    `json:"ret"`
	Retcode int    `json:"retcode"`
	JID     string `json:"jid"`
}

// Event is one event of GET /events' stream, the JSON of its data
// line: the master's event bus's (proto.Event), as Salt's.
type Event = proto.Event
