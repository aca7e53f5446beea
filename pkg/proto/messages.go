package proto

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// Target types, as the operator's flags name them.
const (
	TargetGlob      = "glob"
	TargetPCRE      = "pcre"
	TargetList      = "list"
	TargetGrain     = "grain"
	TargetGrainPCRE = "grain_pcre"
	TargetPillar    = "pillar"
	TargetCompound  = "compound"
	TargetNodegroup = "nodegroup"
)

// Job is one function call sent to minions. It travels inside a Signed
// envelope; see SignJob and VerifyJob.
type Job struct {
	Header
	JID        string         `json:"jid"`
	Target     string         `json:"tgt"`
	TargetType string         `json:"tgt_type"`
	Fun        string         `json:"fun"`
	Args       []any          `json:"arg"`
	Kwargs     map[string]any `json:"kwarg,omitempty"`
	Timeout    Duration       `json:"timeout"`
	// Minions are the minions the master expects to run it.
	Minions  IDList    `json:"minions"`
	IssuedAt time.Time `json:"issued_at"`
	Expiry   time.Time `json:"expiry"`
	Nonce    string    `json:"nonce"`
	User     string    `json:"user,omitempty"`
	// Tree is the hash of the publishing master's state tree, for a
	// function that reads it: the minion refuses files from a master
	// whose tree hash differs (FileInfo.Tree).
	Tree string `json:"tree,omitempty"`
}

// For reports whether id is among the job's expected minions.
func (j *Job) For(id string) bool {
	for _, m := range j.Minions {
		if m == id {
			return true
		}
	}
	return false
}

// Kill asks a minion to stop a running job. It is signed like a job.
type Kill struct {
	Header
	JID      string    `json:"jid"`
	Minion   string    `json:"minion"`
	IssuedAt time.Time `json:"issued_at"`
	Expiry   time.Time `json:"expiry"`
	Nonce    string    `json:"nonce"`
}

// Ack says a minion has received a job and started it.
type Ack struct {
	Header
	JID  string    `json:"jid"`
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
	// Busy is set when the minion refused the job because another state
	// run is going on; a return with the reason follows.
	Busy bool `json:"busy,omitempty"`
	// Heartbeat is how often the minion sends a heartbeat while it runs
	// the job: the command reports it lost after missing a few.
	Heartbeat Duration `json:"heartbeat,omitempty"`
	// Startup marks the ack of a run the minion started itself (its
	// startup_states), which no operator published: Fun and Args say
	// what it runs, and the master records the job from them, after
	// checking them (see StartupFuns).
	Startup bool   `json:"startup,omitempty"`
	Fun     string `json:"fun,omitempty"`
	Args    []any  `json:"fun_args,omitempty"`
	// Schedule names the minion's schedule that started this run, which
	// no operator published (Salt marks such returns the same way): Fun,
	// Args and Kwargs say what it runs, and the master records the job
	// from them, after checking them and the minion's rate.
	Schedule string         `json:"schedule,omitempty"`
	Kwargs   map[string]any `json:"fun_kwargs,omitempty"`
}

// StartupFuns are the functions a minion may run by itself at start, and
// so the only ones the master records a job for on a minion's word.
var StartupFuns = []string{"state.highstate", "state.sls"}

// Stored is the master's answer to a minion's return, or to one part of
// it: the job cache holds it (or Error says why not, and whether to try
// again).
type Stored struct {
	Reply
	// Refused is set when the master will never keep this return (a job
	// that was not sent to the minion, a return too large): trying again
	// is useless.
	Refused bool `json:"refused,omitempty"`
}

// Heartbeat says a minion is still running a job.
type Heartbeat struct {
	Header
	JID  string    `json:"jid"`
	ID   string    `json:"id"`
	Time time.Time `json:"time"`
	// Done counts the states finished so far.
	Done int `json:"done"`
}

// StateResult is one state's result in Salt's shape.
type StateResult struct {
	Key      string         `json:"-"`
	ID       string         `json:"__id__"`
	Name     string         `json:"name"`
	Func     string         `json:"fun,omitempty"`
	SLS      string         `json:"__sls__"`
	RunNum   int            `json:"__run_num__"`
	Result   *bool          `json:"result"`
	Comment  string         `json:"comment"`
	Warnings []string       `json:"warnings,omitempty"` // for the operator, as Salt's; highstate shows them
	Changes  map[string]any `json:"changes"`
	Start    string         `json:"start_time"`
	Duration float64        `json:"duration"` // milliseconds
	// StateRan is Salt's __state_ran__, set (false) only for a state an
	// onchanges or onfail requisite kept from running.
	StateRan *bool `json:"__state_ran__,omitempty"`
	// SkipWatch is Salt's skip_watch, set (true) only for a state an
	// onlyif, unless or creates check skipped.
	SkipWatch bool `json:"skip_watch,omitempty"`
	// Parallel is Salt's __parallel__, set (true) only for a state with
	// parallel: True whose function ran.
	Parallel bool `json:"__parallel__,omitempty"`
}

// StateEvents carries states that finished while a run goes on, in the
// order they finished: a minion sends its states in batches on
// SubjEvent, one message per StateEventsEvery or per MaxStateEvents
// states, whichever comes first, and the last batch before its return.
// The master refuses a batch of no state or of more than MaxStateEvents,
// and one of another job or minion than its subject names.
type StateEvents struct {
	Header
	JID    string       `json:"jid"`
	ID     string       `json:"id"`
	States []KeyedState `json:"states"`
}

// KeyedState is one state of a StateEvents batch: its key in the run
// in the run and its result.
type KeyedState struct {
	Key   string      `json:"key"`
	State StateResult `json:"state"`
	// FireEvent, set for a state with Salt's fire_event, is the end of
	// the tag the master publishes it under instead of its prog event:
	// salt/state_result/<jid>/<id>/<FireEvent> (TagStateResult).
	FireEvent string `json:"fire_event,omitempty"`
}

// Bounds of a StateEvents batch. A minion sends what it has once a batch
// holds MaxStateEvents states or StateEventsBytes bytes of states, or
// StateEventsEvery after its first state; one state larger than
// StateEventsBytes goes alone (max_payload bounds it, as any message).
const (
	MaxStateEvents   = 64
	StateEventsBytes = 64 << 10
	StateEventsEvery = 100 * time.Millisecond
)

// Return is a minion's final answer to a job.
type Return struct {
	Header
	JID     string    `json:"jid"`
	ID      string    `json:"id"`
	Fun     string    `json:"fun"`
	Args    []any     `json:"fun_args,omitempty"`
	Return  any       `json:"return"`
	Retcode int       `json:"retcode"`
	Success bool      `json:"success"`
	Out     string    `json:"out,omitempty"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end"`
	// Startup marks a run of the minion's startup_states, which no
	// operator published.
	Startup bool `json:"startup,omitempty"`
	// Schedule names the schedule that ran it (see Ack.Schedule).
	Schedule string         `json:"schedule,omitempty"`
	Kwargs   map[string]any `json:"fun_kwargs,omitempty"`
	// Interrupted marks the return a minion sends, once started again,
	// for a job it was running when it stopped.
	Interrupted bool `json:"interrupted,omitempty"`
}

// ReturnHead is a Return whose free-form values stay as the JSON they
// came in: the master checks every return's shape and reads its head,
// and keeps the bytes as the minion sent them, so that it builds the
// values (Full) only when it hands them on. Its fields are Return's,
// name for name (TestReturnHeadIsReturn).
type ReturnHead struct {
	Header
	JID         string                     `json:"jid"`
	ID          string                     `json:"id"`
	Fun         string                     `json:"fun"`
	Args        []json.RawMessage          `json:"fun_args,omitempty"`
	Return      json.RawMessage            `json:"return"`
	Retcode     int                        `json:"retcode"`
	Success     bool                       `json:"success"`
	Out         string                     `json:"out,omitempty"`
	Start       time.Time                  `json:"start"`
	End         time.Time                  `json:"end"`
	Startup     bool                       `json:"startup,omitempty"`
	Schedule    string                     `json:"schedule,omitempty"`
	Kwargs      map[string]json.RawMessage `json:"fun_kwargs,omitempty"`
	Interrupted bool                       `json:"interrupted,omitempty"`
}

// KeyRequest is a minion asking to be accepted. Sig is the minion's nkey
// signature over KeyRequestPayload, so that nobody can ask in the name
// of a key they do not hold.
type KeyRequest struct {
	Header
	ID   string    `json:"id"`
	Nkey string    `json:"nkey"`
	Time time.Time `json:"time"`
	Sig  []byte    `json:"sig"`
}

// KeyRequestPayload is what a KeyRequest's signature covers.
func KeyRequestPayload(id, nkey string, t time.Time) []byte {
	return []byte("brine-key-request\n" + id + "\n" + nkey + "\n" + t.UTC().Format(time.RFC3339Nano))
}

// Grains is a minion's grains report, sent at connect and on change.
type Grains struct {
	Header
	ID     string         `json:"id"`
	Grains map[string]any `json:"grains"`
}

// Presence statuses.
const (
	Online  = "online"
	Offline = "offline"
)

// Presence is a minion saying it is up (at connect and every interval)
// or going down.
type Presence struct {
	Header
	ID     string    `json:"id"`
	Status string    `json:"status"`
	Time   time.Time `json:"time"`
	// Interval is how often the minion repeats Online.
	Interval Duration `json:"interval"`
}

// Hello is an accepted minion asking the master for what it pins.
type Hello struct {
	Header
	ID string `json:"id"`
	// Refresh marks a hello that only asks for the trust chain again (a
	// job signed by a key the minion does not know), or a check: no
	// start of the minion.
	Refresh bool `json:"refresh,omitempty"`
}

// HelloReply tells the minion the master's job-signing public key, and
// the trust chain of every master's (trust.go).
type HelloReply struct {
	Reply
	JobKey string            `json:"job_key"`
	Chain  []json.RawMessage `json:"trust_chain,omitempty"`
}

// FileRequest asks for a salt:// file's metadata.
type FileRequest struct {
	Header
	Env  string `json:"saltenv,omitempty"`
	Path string `json:"path"`
	// List asks for the files under the directory Path instead
	// (file.recurse); the reply's Files holds them.
	List bool `json:"list,omitempty"`
	// Symlinks asks for the symlinks of the environment's tree
	// (cp.list_master_symlinks); the reply's Links holds them.
	Symlinks bool `json:"symlinks,omitempty"`
	// Manifest asks for the whole state tree's files and hashes; the
	// reply is a Manifest.
	Manifest bool `json:"manifest,omitempty"`
}

// FileInfo describes a file by its content hash; the content itself comes
// in chunks, each asked for with a ChunkRequest.
type FileInfo struct {
	Reply
	Path      string `json:"path"`
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	ChunkSize int    `json:"chunk_size"`
	Chunks    int    `json:"chunks"`
	NotFound  bool   `json:"not_found,omitempty"`
	// Files answers a List request: every regular file under the
	// directory, relative to it, slash-separated, sorted.
	Files []string `json:"files,omitempty"`
	// Links answers a Symlinks request: each symlink of the tree,
	// relative to its root, to where it points.
	Links map[string]string `json:"links,omitempty"`
	// Tree is the hash of the answering master's whole state tree.
	Tree string `json:"tree,omitempty"`
}

// ChunkRequest asks for one chunk of a file by its hash. ChunkV is the
// chunk framing the asker reads (ChunkVersion); the answer is framed as
// chunk.go says, or is a plain Reply.
type ChunkRequest struct {
	Header
	SHA256 string `json:"sha256"`
	Index  int    `json:"index"`
	ChunkV int    `json:"chunk_v,omitempty"`
	// Files, when set, asks instead for these files whole, by sha256,
	// in one bundle answer (bundle.go): at most MaxBundleFiles, each of
	// one chunk. SHA256 and Index are then unused.
	Files []string `json:"files,omitempty"`
}

// Chunk is one piece of a file as chunk framing 1 carried it: base64 in
// JSON. Masters now answer with raw chunks (EncodeChunk, DecodeChunk);
// the shape stays so that a message of it still decodes, and is refused
// for its framing rather than as garbage.
type Chunk struct {
	Reply
	SHA256 string `json:"sha256"`
	Index  int    `json:"index"`
	Data   []byte `json:"data"`
}

// PillarRequest asks for the minion's own pillar, as a run in saltenv
// Env sees it; Pillarenv, when set, is the one pillar environment read
// (Salt's pillarenv, from the job's pillarenv= or the minion's option).
type PillarRequest struct {
	Header
	ID        string `json:"id"`
	Env       string `json:"saltenv,omitempty"`
	Pillarenv string `json:"pillarenv,omitempty"`
	// Override is the job's pillar= (a JSON object), which the master
	// merges into the pillar as Salt's compile_pillar merges its
	// pillar_override.
	Override json.RawMessage `json:"pillar,omitempty"`
}

// PillarReply carries a minion's rendered pillar: a JSON object whose
// keys are in the order of the pillar files, which templates loop in, as
// Salt's do.
type PillarReply struct {
	Reply
	Pillar json.RawMessage `json:"pillar"`
	// Overridden says the request's Override is merged into Pillar (a
	// master that does not know Override leaves it to the minion).
	Overridden bool `json:"overridden,omitempty"`
}

// Duration is a time.Duration that travels as a string ("5s").
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && bytes.IndexByte(b[1:n-1], '\\') < 0 {
		// No escape: the string is its bytes (ParseDuration refuses
		// any that is no duration). Presences and jobs carry one each.
		s = string(b[1 : n-1])
	} else if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(v)
	return nil
}

// NewJID makes a job id in Salt's shape: the time to the microsecond, as
// 20 digits.
func NewJID(t time.Time) string {
	t = t.UTC()
	return fmt.Sprintf("%s%06d", t.Format("20060102150405"), t.Nanosecond()/1000)
}

// JIDClock hands out job ids that never repeat within one process, as
// Salt's gen_jid does: two jobs started in the same microsecond (a
// --batch window's minions, each its own job) get ids a microsecond
// apart rather than one id, which the job cache would refuse the second
// time. The zero value is ready to use.
type JIDClock struct {
	mu   sync.Mutex
	last time.Time
}

// Next returns the job id for now, or a microsecond past the last one
// given if now is not later.
func (c *JIDClock) Next(now time.Time) string {
	now = now.UTC().Truncate(time.Microsecond)
	c.mu.Lock()
	if !now.After(c.last) {
		now = c.last.Add(time.Microsecond)
	}
	c.last = now
	c.mu.Unlock()
	return NewJID(now)
}

// NewNonce returns 16 random bytes, hex.
func NewNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x", b)
}

// ReturnBatch is several minions' returns of one job in one message of
// the job cache, each as the minion sent it and the master checked it
// (its id and job those of the subject it came on). It is written on
// CacheReturnBatch, with BatchHeader set to how many it holds.
type ReturnBatch struct {
	Header
	Returns []json.RawMessage `json:"returns"`
}
