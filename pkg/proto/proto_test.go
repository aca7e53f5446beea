package proto

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
)

func TestRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   Message
		out  Message
	}{
		{"ack", &Ack{JID: "20261122080000000000", ID: "m1", Time: now}, &Ack{}},
		{"heartbeat", &Heartbeat{JID: "j", ID: "m1", Time: now, Done: 3}, &Heartbeat{}},
		{"return", &Return{JID: "j", ID: "m1", Fun: "test.ping", Return: true, Success: true, Start: now, End: now}, &Return{}},
		{"grains", &Grains{ID: "m1", Grains: map[string]any{"os": "Debian"}}, &Grains{}},
		{"presence", &Presence{ID: "m1", Status: Online, Time: now, Interval: Duration(10 * time.Second)}, &Presence{}},
		{"file info", &FileInfo{Path: "a/b", SHA256: "ab", Size: 3, ChunkSize: 1, Chunks: 3}, &FileInfo{}},
		{"chunk", &Chunk{SHA256: "ab", Index: 2, Data: []byte{0, 1, 255}}, &Chunk{}},
		{"pillar", &PillarReply{Pillar: json.RawMessage(`{"k":"v"}`)}, &PillarReply{}},
		{"publish", &PublishRequest{JID: "j", Target: "*", TargetType: TargetGlob, Fun: "test.ping", Timeout: Duration(5 * time.Second)}, &PublishRequest{}},
		{"key list", &KeyListReply{Keys: []KeyInfo{{ID: "m1", State: KeyPending, Time: now}}}, &KeyListReply{}},
		{"reply error", &Reply{Error: "boom"}, &Reply{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), `"v":1`) {
				t.Errorf("Marshal(%T) = %s; want a version field", tt.in, b)
			}
			if err := Unmarshal(b, tt.out); err != nil {
				t.Fatal(err)
			}
			// Compare through JSON: json.Number and any values decode to
			// other Go types than went in.
			again, _ := json.Marshal(tt.out)
			if string(again) != string(b) {
				t.Errorf("round trip of %T:\n got %s\nwant %s", tt.in, again, b)
			}
		})
	}
}

func TestVersionRefused(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{`{"v":2,"jid":"x"}`, "wire version 2, this brine speaks version 1"},
		{`{"jid":"x"}`, "no version field"},
		{`{"v":0}`, "wire version 0"},
		{`not json`, "not a brine message"},
		{`{"v":1,"jid":"x"} {"v":1}`, "not a brine message"},
		{`{"v":1,"jid":"x"}]`, "not a brine message"},
		{`{"v":null,"jid":"x"}`, "no version field"},
		{`{"v":"1","jid":"x"}`, "not a brine message"},
		{`{"v":-1,"jid":"x"}`, "wire version -1"},
		{`{"v":2,"jid":7}`, "wire version 2, this brine speaks version 1"},
	}
	for _, tt := range tests {
		var a Ack
		err := Unmarshal([]byte(tt.in), &a)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Unmarshal(%s) = %v; want error containing %q", tt.in, err, tt.want)
		}
		if strings.HasPrefix(tt.in, "{") && !strings.Contains(tt.want, "not a brine message") && !errors.Is(err, ErrVersion) {
			t.Errorf("Unmarshal(%s) = %v; want ErrVersion", tt.in, err)
		}
	}
}

func mustKey(t *testing.T) (nkeys.KeyPair, string) {
	t.Helper()
	kp, err := nkeys.CreateAccount()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	return kp, pub
}

func TestVerifyJob(t *testing.T) {
	kp, pub := mustKey(t)
	other, otherPub := mustKey(t)
	now := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	job := func(mod func(*Job)) *Job {
		j := &Job{JID: NewJID(now), Target: "*", TargetType: TargetGlob, Fun: "test.ping",
			Args: []any{"a", 1}, Kwargs: map[string]any{"test": true}, Minions: []string{"m1"},
			IssuedAt: now, Expiry: now.Add(time.Minute), Nonce: NewNonce()}
		if mod != nil {
			mod(j)
		}
		return j
	}
	signed := func(kp nkeys.KeyPair, j *Job) []byte {
		b, err := SignJob(kp, j)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := signed(kp, job(nil))
	tampered := strings.Replace(string(good), "test.ping", "cmd.run", 1)
	var env Signed
	_ = json.Unmarshal(good, &env)
	env.Sig = nil
	unsigned, _ := json.Marshal(env)

	tests := []struct {
		name   string
		data   []byte
		pinned string
		at     time.Time
		want   error
	}{
		{"good", good, pub, now, nil},
		{"tampered", []byte(tampered), pub, now, ErrBadSig},
		{"unsigned", unsigned, pub, now, ErrUnsigned},
		{"other key", signed(other, job(nil)), pub, now, ErrWrongKey},
		{"nothing pinned", good, "", now, ErrWrongKey},
		{"pinned other", good, otherPub, now, ErrWrongKey},
		{"expired", good, pub, now.Add(2 * time.Minute), ErrExpired},
		{"future", signed(kp, job(func(j *Job) { j.IssuedAt = now.Add(time.Hour); j.Expiry = now.Add(2 * time.Hour) })), pub, now, ErrFuture},
		{"no nonce", signed(kp, job(func(j *Job) { j.Nonce = "" })), pub, now, ErrNoNonce},
		{"no expiry", signed(kp, job(func(j *Job) { j.Expiry = time.Time{} })), pub, now, ErrNoExpiry},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := VerifyJob(tt.data, []string{tt.pinned}, tt.at, NewReplayCache())
			if tt.want == nil {
				if err != nil {
					t.Fatalf("VerifyJob = %v; want ok", err)
				}
				if j.Fun != "test.ping" || !reflect.DeepEqual([]string(j.Minions), []string{"m1"}) {
					t.Errorf("VerifyJob decoded %+v", j)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("VerifyJob = %v; want %v", err, tt.want)
			}
		})
	}
}

func TestReplay(t *testing.T) {
	kp, pub := mustKey(t)
	now := time.Now()
	b, _ := SignJob(kp, &Job{JID: NewJID(now), Fun: "test.ping", IssuedAt: now, Expiry: now.Add(time.Minute), Nonce: NewNonce()})
	seen := NewReplayCache()
	if _, err := VerifyJob(b, []string{pub}, now, seen); err != nil {
		t.Fatalf("first VerifyJob = %v", err)
	}
	if _, err := VerifyJob(b, []string{pub}, now, seen); !errors.Is(err, ErrReplayed) {
		t.Fatalf("second VerifyJob = %v; want ErrReplayed", err)
	}
	// A cache restored from a snapshot still knows the nonce.
	again := NewReplayCache()
	again.Load(seen.Snapshot())
	if _, err := VerifyJob(b, []string{pub}, now, again); !errors.Is(err, ErrReplayed) {
		t.Fatalf("VerifyJob after reload = %v; want ErrReplayed", err)
	}
	// Expired nonces are dropped.
	later := now.Add(2 * time.Minute)
	seen.Add("x", later.Add(time.Minute), later)
	if n := len(seen.Snapshot()); n != 1 {
		t.Errorf("cache holds %d nonces after expiry; want 1", n)
	}
}

func TestKillWrongKind(t *testing.T) {
	kp, pub := mustKey(t)
	now := time.Now()
	b, _ := SignJob(kp, &Job{JID: "j", IssuedAt: now, Expiry: now.Add(time.Minute), Nonce: "n"})
	if _, err := VerifyKill(b, []string{pub}, now, nil); !errors.Is(err, ErrWrongKind) {
		t.Errorf("VerifyKill(job) = %v; want ErrWrongKind", err)
	}
	k, _ := Sign(kp, KindKill, &Kill{JID: "j", Minion: "m1", IssuedAt: now, Expiry: now.Add(time.Minute), Nonce: "n"})
	if got, err := VerifyKill(k, []string{pub}, now, nil); err != nil || got.JID != "j" {
		t.Errorf("VerifyKill = %+v, %v", got, err)
	}
}

func TestSubjects(t *testing.T) {
	tests := []struct{ got, want string }{
		{SubjReturn("m1", "20261122080000000000"), "brine.m.m1.ret.20261122080000000000"},
		{MinionOf("brine.m.m1.ret.123"), "m1"},
		{Kind("brine.m.m1.ret.123"), "ret"},
		{JIDOf("brine.m.m1.ret.123"), "123"},
		{MinionOf("brine.cache.ret.m1.123"), "m1"},
		{Kind("brine.cache.ret.m1.123"), "ret"},
		{MinionOf("brine.m.m1.hello"), "m1"},
		{Kind("brine.m.m1.hello"), "hello"},
		{JIDOf("brine.m.m1.hello"), ""},
		{MinionOf("brine.m._all.job"), ""},
		{Kind(CacheJob("20261122080000000000")), "job"},
		{MinionOf(CacheJob("20261122080000000000")), ""},
		{MinionOf("brine.m.m1.ret.123.x"), ""},
		{MinionOf("brine.m.m1.ret.123.x.y.z"), ""},
		{JIDOf("brine.cache.ret.m1.123.x.y"), ""},
		{MinionOf("brine..m1.ret"), ""},
		{NewJID(time.Date(2026, 11, 22, 8, 1, 2, 3456789, time.UTC)), "20261122080102003456"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q; want %q", tt.got, tt.want)
		}
	}
	// Salt's ids: FQDNs, and whatever else Salt accepts.
	for _, id := range []string{"m1", "web-01", "db_2", "web1.example.org", "a*", ">", "-x", "ü.example", "a_2e"} {
		if err := ValidID(id); err != nil {
			t.Errorf("ValidID(%q) = %v", id, err)
		}
		tok := Token(id)
		if strings.ContainsAny(tok, ".*> ") {
			t.Errorf("Token(%q) = %q: not one safe token", id, tok)
		}
		if back, err := IDOfToken(tok); err != nil || back != id {
			t.Errorf("IDOfToken(Token(%q)) = %q, %v", id, back, err)
		}
		if got := MinionOf(SubjReturn(id, "20261122080000000000")); got != id {
			t.Errorf("MinionOf(SubjReturn(%q)) = %q", id, got)
		}
	}
	for _, id := range []string{"", "a b", "a/b", `a\b`, ".", "..", "a\x00", "a\n", strings.Repeat("x", 256)} {
		if ValidID(id) == nil {
			t.Errorf("ValidID(%q) = nil; want error", id)
		}
	}
	// No two ids share a token, and no other spelling reads back.
	if Token("a.b") == Token("a_b") || Token("a_2eb") == Token("a.b") {
		t.Errorf("Token is not injective")
	}
	for _, tok := range []string{"_41", "a_2E", "a_", "a_4", "a.b", "a*b"} {
		if id, err := IDOfToken(tok); err == nil {
			t.Errorf("IDOfToken(%q) = %q; want an error", tok, id)
		}
	}
	pub, sub := MinionPermissions("m1")
	if want := []string{"brine.m.m1.>"}; !slices.Equal(pub, want) {
		t.Errorf("m1 may publish %q; want %q", pub, want)
	}
	if want := []string{"brine.to.m1.>", "brine.to._all.>"}; !slices.Equal(sub, want) {
		t.Errorf("m1 may subscribe %q; want %q", sub, want)
	}
}

// Only a message that can hold a value of any type needs its numbers
// kept as written; the others take json.Unmarshal's path. A type that
// decodes itself, or refers to itself, is walked once and right.
func TestHoldsAny(t *testing.T) {
	type self struct {
		Next *self
		N    int
	}
	type selfAny struct {
		Next *selfAny
		V    map[string][]any
	}
	for _, tc := range []struct {
		v    any
		want bool
	}{
		{&Return{}, true},
		{&Job{}, true},
		{&Presence{}, false},
		{&Stored{}, false},
		{&ReturnHead{}, false},
		{&Ack{}, true}, // its args
		{&Heartbeat{}, false},
		{Duration(0), false},
		{&self{}, false},
		{&selfAny{}, true},
	} {
		if got := holdsAny(reflect.TypeOf(tc.v)); got != tc.want {
			t.Errorf("holdsAny(%T) = %v; want %v", tc.v, got, tc.want)
		}
	}
	// Either path refuses data after the message and keeps big numbers
	// exact where any type can hold them.
	var p Presence
	if err := Unmarshal([]byte(`{"v":1,"id":"m1","status":"online"} {}`), &p); err == nil {
		t.Error("presence with data after it decoded")
	}
	var r Return
	if err := Unmarshal([]byte(`{"v":1,"jid":"1","id":"m1","return":12345678901234567890}`), &r); err != nil {
		t.Fatal(err)
	}
	if n, ok := r.Return.(json.Number); !ok || n.String() != "12345678901234567890" {
		t.Errorf("return = %#v; want the number as written", r.Return)
	}
}

// A ReturnHead reads what a Return reads, field for field, with the
// free-form values left as JSON: the master checks returns with one and
// the command, the job cache's readers and the bus decode the other.
func TestReturnHeadIsReturn(t *testing.T) {
	rt, ht := reflect.TypeOf(Return{}), reflect.TypeOf(ReturnHead{})
	if rt.NumField() != ht.NumField() {
		t.Fatalf("Return has %d fields, ReturnHead %d", rt.NumField(), ht.NumField())
	}
	raw := reflect.TypeOf(json.RawMessage{})
	for i := range rt.NumField() {
		rf, hf := rt.Field(i), ht.Field(i)
		if rf.Name != hf.Name || rf.Tag != hf.Tag {
			t.Errorf("field %d: Return's %s %q, ReturnHead's %s %q", i, rf.Name, rf.Tag, hf.Name, hf.Tag)
		}
		// A free-form value is JSON in the head, in the same shape (a
		// list, a map, one value); anything else has the same type.
		want := rf.Type
		switch {
		case rf.Type.Kind() == reflect.Interface:
			want = raw
		case rf.Type.Kind() == reflect.Slice && rf.Type.Elem().Kind() == reflect.Interface:
			want = reflect.SliceOf(raw)
		case rf.Type.Kind() == reflect.Map && rf.Type.Elem().Kind() == reflect.Interface:
			want = reflect.MapOf(rf.Type.Key(), raw)
		}
		if hf.Type != want {
			t.Errorf("field %s: ReturnHead's type %v, want %v", hf.Name, hf.Type, want)
		}
	}
	good := `{"v":1,"jid":"20261206120000000001","id":"m1","fun":"state.apply","fun_args":["web",{"test":true}],` +
		`"return":{"a":12345678901234567890},"retcode":2,"success":false,"start":"2026-12-06T12:00:00Z","end":"2026-12-06T12:00:01Z",` +
		`"schedule":"nightly","fun_kwargs":{"test":true},"interrupted":true}`
	var r Return
	var h ReturnHead
	if err := Unmarshal([]byte(good), &r); err != nil {
		t.Fatal(err)
	}
	if err := Unmarshal([]byte(good), &h); err != nil {
		t.Fatal(err)
	}
	if h.JID != r.JID || h.ID != r.ID || h.Fun != r.Fun || h.Retcode != r.Retcode || h.Success != r.Success ||
		!h.Start.Equal(r.Start) || !h.End.Equal(r.End) || h.Schedule != r.Schedule || h.Interrupted != r.Interrupted ||
		len(h.Args) != len(r.Args) || len(h.Kwargs) != len(r.Kwargs) || string(h.Return) != `{"a":12345678901234567890}` {
		t.Errorf("head %+v\nreturn %+v", h, r)
	}
	// What a Return refuses, a head refuses too: a value of the wrong
	// shape, bad JSON, data after the message, another wire version.
	for _, bad := range []string{
		`{"v":1,"jid":"1","fun_args":5}`,
		`{"v":1,"jid":"1","fun_kwargs":[1]}`,
		`{"v":1,"jid":"1","retcode":"x"}`,
		`{"v":1,"jid":"1","return":}`,
		`{"v":1,"jid":"1"} {}`,
		`{"v":2,"jid":"1"}`,
	} {
		if err := Unmarshal([]byte(bad), &r); err == nil {
			t.Errorf("Return took %s", bad)
		}
		if err := Unmarshal([]byte(bad), &h); err == nil {
			t.Errorf("ReturnHead took %s", bad)
		}
	}
}

// A batch of returns sits among the job's returns in the job cache, and
// is no minion's: its token can be no id's.
func TestCacheReturnBatchIsNoMinions(t *testing.T) {
	jid := NewJID(time.Now())
	for _, name := range []string{"abc", "2oJ3QTyz0xZNJnADZhkpYr", "00", "ff"} {
		s := CacheReturnBatch(jid, name)
		if !server.SubjectMatchesFilter(s, "brine.cache.ret.*."+jid) || !server.IsValidPublishSubject(s) {
			t.Errorf("%q: not among the job's returns", s)
		}
		if MinionOf(s) != "" || JIDOf(s) != jid || Kind(s) != "ret" {
			t.Errorf("%q: MinionOf %q, JIDOf %q, Kind %q", s, MinionOf(s), JIDOf(s), Kind(s))
		}
	}
}

// TestDurationJSON reads a duration the same with and without JSON
// escapes in its string, and refuses what is no duration.
func TestDurationJSON(t *testing.T) {
	for in, want := range map[string]time.Duration{
		`"1m30s"`: 90 * time.Second, `"\u0031m30s"`: 90 * time.Second,
		`"1.5µs"`: 1500 * time.Nanosecond, `"1.5\u00b5s"`: 1500 * time.Nanosecond, `"-2h"`: -2 * time.Hour,
	} {
		var d Duration
		if err := json.Unmarshal([]byte(in), &d); err != nil || time.Duration(d) != want {
			t.Errorf("%s: %v, %v; want %v", in, time.Duration(d), err, want)
		}
	}
	for _, in := range []string{`""`, `"1m\n"`, `"1x"`, `"\x"`, `5`, `"5`, `null`, `"1m\u0000"`} {
		var d Duration
		if err := json.Unmarshal([]byte(in), &d); err == nil && in != `null` {
			t.Errorf("%s: read as %v; want an error", in, time.Duration(d))
		}
	}
}

// Two jobs in one microsecond (a --batch window starts one job per
// minion, concurrently) must not share an id: the job cache keeps the
// first record of an id and refuses the second.
func TestJIDClockNeverRepeats(t *testing.T) {
	var c JIDClock
	now := time.Date(2026, 12, 7, 14, 45, 10, 365963000, time.UTC)
	tests := []struct {
		at   time.Time
		want string
	}{
		{now, "20261207144510365963"},
		{now, "20261207144510365964"},
		{now.Add(200 * time.Nanosecond), "20261207144510365965"},
		{now.Add(-time.Second), "20261207144510365966"}, // the clock stepped back
		{now.Add(time.Millisecond), "20261207144510366963"},
	}
	for i, tt := range tests {
		if got := c.Next(tt.at); got != tt.want {
			t.Errorf("%d: Next = %s; want %s", i, got, tt.want)
		}
	}
	// Concurrent callers all get distinct ids.
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
		wg   sync.WaitGroup
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				jid := c.Next(now)
				mu.Lock()
				if seen[jid] {
					t.Errorf("job id %s given twice", jid)
				}
				seen[jid] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}
