package proto

import (
	"unicode"
	"unicode/utf8"

	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
)

// Fuzz targets for every decoder of the wire. Each asserts properties,
// not only the absence of a panic; scripts/fuzz.sh runs each briefly in
// `make test`.

// wireTypes makes a fresh value of every message type the wire carries.
var wireTypes = []func() Message{
	func() Message { return &Job{} }, func() Message { return &Kill{} },
	func() Message { return &Ack{} }, func() Message { return &Heartbeat{} },
	func() Message { return &StateEvents{} }, func() Message { return &Return{} },
	func() Message { return &KeyRequest{} }, func() Message { return &Grains{} },
	func() Message { return &Presence{} }, func() Message { return &Hello{} },
	func() Message { return &HelloReply{} }, func() Message { return &FileRequest{} },
	func() Message { return &FileInfo{} }, func() Message { return &ChunkRequest{} },
	func() Message { return &Chunk{} }, func() Message { return &PillarRequest{} },
	func() Message { return &PillarReply{} }, func() Message { return &PublishRequest{} },
	func() Message { return &PublishReply{} }, func() Message { return &KeyListRequest{} },
	func() Message { return &KeyListReply{} }, func() Message { return &KeyActionRequest{} },
	func() Message { return &KeyActionReply{} }, func() Message { return &JobsRequest{} },
	func() Message { return &JobsListReply{} }, func() Message { return &JobLookupReply{} },
	func() Message { return &JobsKillReply{} }, func() Message { return &MinionsRequest{} },
	func() Message { return &MinionsReply{} }, func() Message { return &JobRecord{} },
	func() Message { return &Stored{} }, func() Message { return &Signed{} },
	func() Message { return &Reply{} }, func() Message { return &ChunkHeader{} },
}

// fuzzNow is the fixed clock of the signature target, so that its seeds
// are the same on every run.
var fuzzNow = time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)

// fuzzKey is a fixed job-signing key (ed25519 signatures are
// deterministic, so the signed seeds are too).
func fuzzKey(tb testing.TB, b byte) (nkeys.KeyPair, string) {
	tb.Helper()
	kp, err := nkeys.FromRawSeed(nkeys.PrefixByteAccount, bytes.Repeat([]byte{b}, 32))
	if err != nil {
		tb.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	return kp, pub
}

func fuzzJob() *Job {
	return &Job{JID: NewJID(fuzzNow), Target: "web*", TargetType: TargetGlob, Fun: "state.apply",
		Args: []any{"web", 1.5}, Kwargs: map[string]any{"test": true}, Timeout: Duration(time.Minute),
		Minions: []string{"m1", "m2"}, IssuedAt: fuzzNow, Expiry: fuzzNow.Add(time.Minute), Nonce: "n1", User: "root"}
}

func fuzzKill() *Kill {
	return &Kill{JID: NewJID(fuzzNow), Minion: "m1", IssuedAt: fuzzNow, Expiry: fuzzNow.Add(time.Minute), Nonce: "n2"}
}

// FuzzUnmarshal decodes the same bytes into every message type.
// Properties: a decoder accepts only what CheckVersion accepts; what
// decodes encodes again, and that encoding is a fixed point (decode it,
// encode it: the same bytes); a Duration and an error reply survive the
// round trip.
func FuzzUnmarshal(f *testing.F) {
	kp, _ := fuzzKey(f, 1)
	signed, _ := SignJob(kp, fuzzJob())
	f.Add(signed)
	for _, m := range []Message{fuzzJob(), fuzzKill(),
		&Ack{JID: "20261122080000000000", ID: "m1", Time: fuzzNow, Startup: true, Fun: "state.sls", Args: []any{"a"}},
		&Heartbeat{JID: "j", ID: "m1", Time: fuzzNow, Done: 3},
		&StateEvents{JID: "j", ID: "m1", States: []KeyedState{{Key: "k", State: StateResult{ID: "x", Result: new(bool), Changes: map[string]any{"diff": "-a\n+b"}, Duration: 1.25}}}},
		&Return{JID: "j", ID: "m1", Fun: "test.ping", Return: map[string]any{"a": []any{1, "b", nil}}, Retcode: 2, Start: fuzzNow},
		&KeyRequest{ID: "m1", Nkey: "UABC", Time: fuzzNow, Sig: []byte{1, 2, 3}},
		&Grains{ID: "m1", Grains: map[string]any{"os": "Debian", "n": 12, "l": []any{"x"}}},
		&Presence{ID: "m1", Status: Online, Time: fuzzNow, Interval: Duration(1500 * time.Millisecond)},
		&FileInfo{Path: "a/b", SHA256: "ab", Size: 3, Chunks: 1, Files: []string{"x"}},
		&Chunk{SHA256: "ab", Index: 2, Data: []byte{0, 1, 255}},
		&ChunkRequest{SHA256: "ab", Index: 2, ChunkV: ChunkVersion},
		&ChunkHeader{ChunkV: ChunkVersion, SHA256: "ab", Index: 2, Length: 3},
		&PillarReply{Pillar: json.RawMessage(`{ "k" : "<v>" }`)},
		&PublishRequest{JID: "j", Target: "*", Fun: "test.ping", Timeout: Duration(-5 * time.Second)},
		&KeyListReply{Keys: []KeyInfo{{ID: "m1", State: KeyPending, Time: fuzzNow}}},
		&JobLookupReply{Returns: map[string]Return{"m1": {JID: "j", Return: "ok"}}, Acked: []string{"m1"}},
		&Stored{Reply: Reply{Error: "boom"}, Refused: true},
	} {
		b, err := Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, `null`, `[]`, `{}`, `{"v":1}`, `{"v":2}`, `{"v":1.0}`, `{"V":1}`, `{"v":1,"V":2}`, `{"v":null}`,
		`{"v":1} {"v":1}`, `{"v":1,"timeout":"5s"}`, `{"v":1,"timeout":"1.5h"}`, `{"v":1,"timeout":5}`,
		`{"v":1,"time":"2026-11-22T08:00:00+23:59"}`, `{"v":1,"pillar":null}`, `{"v":1,"body":[1, 2]}`,
		`{"v":1,"arg":[1e400]}`, `{"v":1,"data":"AAE="}`, `{"v":1,"grains":{"\ud800":"\xff"}}`, `"5s"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		verr := CheckVersion(data)
		for _, mk := range wireTypes {
			m := mk()
			err := Unmarshal(data, m)
			if verr != nil {
				if err == nil {
					t.Fatalf("Unmarshal(%q, %T) = nil; CheckVersion refused it: %v", data, m, verr)
				}
				if errors.Is(verr, ErrVersion) && !errors.Is(err, ErrVersion) {
					t.Fatalf("Unmarshal(%q, %T) = %v; want ErrVersion like CheckVersion's %v", data, m, err, verr)
				}
				continue
			}
			if err != nil {
				continue
			}
			b1, err := Marshal(m)
			if err != nil {
				t.Fatalf("Marshal(%T) of what Unmarshal(%q) gave: %v", m, data, err)
			}
			m2 := mk()
			if err := Unmarshal(b1, m2); err != nil {
				t.Fatalf("Unmarshal(Marshal(%T)) = %v\n%s", m, err, b1)
			}
			b2, err := Marshal(m2)
			if err != nil {
				t.Fatalf("Marshal(%T) again: %v", m2, err)
			}
			if !bytes.Equal(b1, b2) {
				t.Fatalf("%T is not stable through Marshal/Unmarshal:\n once %s\ntwice %s", m, b1, b2)
			}
		}

		var d Duration
		if d.UnmarshalJSON(data) == nil {
			b, err := d.MarshalJSON()
			if err != nil {
				t.Fatalf("Duration(%q).MarshalJSON: %v", data, err)
			}
			var d2 Duration
			if err := d2.UnmarshalJSON(b); err != nil || d2 != d {
				t.Fatalf("Duration %q -> %s -> %v, %v; want %v", data, b, time.Duration(d2), err, time.Duration(d))
			}
		}

		// An error reply carries its text.
		if s := string(data); s != "" && strings.ToValidUTF8(s, "") == s {
			var r Reply
			if err := Unmarshal(ErrorReply(errors.New(s)), &r); err != nil || r.Err() == nil || r.Err().Error() != s {
				t.Fatalf("ErrorReply(%q) decodes to %v, %v", s, r.Err(), err)
			}
		}
	})
}

// signedEnvelope splices body into an envelope with the signature and
// key of another body, byte by byte, as an attacker would.
func signedEnvelope(kind string, body []byte, key string, sig []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"v":1,"kind":%q,"body":`, kind)
	b.Write(body)
	fmt.Fprintf(&b, `,"key":%q,"sig":%q}`, key, base64.StdEncoding.EncodeToString(sig))
	return b.Bytes()
}

// FuzzSigned attacks the signed envelope of jobs and kills, with the
// master's key pinned. data is a whole envelope; body is spliced into a
// valid envelope in place of the body that was signed. Properties:
// Open, VerifyJob and VerifyKill accept only a body byte-identical to
// one the pinned key signed, of the kind it was signed as, and hand back
// exactly what was signed; an accepted job or kill is refused the
// second time (replay); nothing signed by another key is accepted.
func FuzzSigned(f *testing.F) {
	kp, pub := fuzzKey(f, 1)
	other, otherPub := fuzzKey(f, 2)
	job, kill := fuzzJob(), fuzzKill()
	jobEnv, err := SignJob(kp, job)
	if err != nil {
		f.Fatal(err)
	}
	killEnv, _ := Sign(kp, KindKill, kill)
	otherEnv, _ := SignJob(other, job)
	var jobS, killS Signed
	if err := Unmarshal(jobEnv, &jobS); err != nil {
		f.Fatal(err)
	}
	_ = Unmarshal(killEnv, &killS)
	// What each key signed, by kind: the pinned key a job and a kill,
	// the other key the same job.
	signedBy := map[string]map[string][]byte{
		pub:      {KindJob: jobS.Body, KindKill: killS.Body},
		otherPub: {KindJob: jobS.Body},
	}

	f.Add(jobEnv, []byte(jobS.Body))
	f.Add(killEnv, []byte(killS.Body))
	f.Add(otherEnv, []byte(" "+string(jobS.Body)+" "))
	tampered := [][]byte{
		bytes.Replace(jobEnv, []byte("state.apply"), []byte("cmd.run"), 1),
		bytes.Replace(jobEnv, []byte(`"m2"`), []byte(`"m3"`), 1),
		bytes.Replace(jobEnv, []byte(`"kind":"job"`), []byte(`"kind":"kill"`), 1),
		bytes.Replace(jobEnv, []byte(pub), []byte(otherPub), 1),
		bytes.Replace(jobEnv, []byte(`"sig":"`), []byte(`"sig":"AA`), 1),
		bytes.Replace(jobEnv, []byte(`"v":1`), []byte(`"v":2`), 1),
		bytes.Replace(jobEnv, []byte(`{"v":1,`), []byte(`{"v":1,"body":{"v":1,"fun":"cmd.run"},`), 1),
		append(bytes.TrimSuffix(jobEnv, []byte("}")), []byte(`,"body":{"v":1,"fun":"cmd.run"}}`)...),
		append(bytes.TrimSuffix(jobEnv, []byte("}")), []byte(`,"BODY":{"v":1,"fun":"cmd.run"}}`)...),
	}
	for _, b := range tampered {
		f.Add(b, bytes.Replace(jobS.Body, []byte("state.apply"), []byte("cmd.run"), 1))
	}
	f.Add([]byte(`{"v":1,"kind":"job","body":{},"key":"`+pub+`","sig":"AA=="}`), []byte(`{"v":1,"jid":"x","fun":"state.apply"}`))

	f.Fuzz(func(t *testing.T, data, body []byte) {
		check := func(what string, env []byte) {
			t.Helper()
			var s Signed
			decoded := Unmarshal(env, &s) == nil
			for pin, signed := range signedBy {
				for _, kind := range []string{KindJob, KindKill, "other"} {
					if err := Open(env, pin, kind, &Job{}); err != nil {
						continue
					}
					if !decoded || s.Kind != kind || s.Key != pin {
						t.Fatalf("%s: Open(%q) with %s pinned accepted an envelope of kind %q, key %q", what, env, pin, s.Kind, s.Key)
					}
					if want, ok := signed[kind]; !ok || !bytes.Equal(s.Body, want) {
						t.Fatalf("%s: Open(%q, %s) accepted body %s; the key signed %s", what, env, kind, s.Body, want)
					}
				}
			}
			seen := NewReplayCache()
			if j, err := VerifyJob(env, []string{pub}, fuzzNow, seen); err == nil {
				if got, want := mustJSONT(t, j), mustJSONT(t, job); got != want {
					t.Fatalf("%s: VerifyJob gave %s; the key signed %s", what, got, want)
				}
				if _, err := VerifyJob(env, []string{pub}, fuzzNow, seen); !errors.Is(err, ErrReplayed) {
					t.Fatalf("%s: VerifyJob a second time = %v; want ErrReplayed", what, err)
				}
			}
			if k, err := VerifyKill(env, []string{pub}, fuzzNow, NewReplayCache()); err == nil {
				if got, want := mustJSONT(t, k), mustJSONT(t, kill); got != want {
					t.Fatalf("%s: VerifyKill gave %s; the key signed %s", what, got, want)
				}
			}
		}
		check("envelope", data)
		// body in place of the signed body, under its signature.
		check("job body", signedEnvelope(KindJob, body, pub, jobS.Sig))
		check("kill body", signedEnvelope(KindKill, body, pub, killS.Sig))
	})
}

func mustJSONT(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// partModel is what the Assembler must do, as its doc says: parts filed
// by index, a repeated index ignored, a disagreement about n or a size
// over MaxBytes drops the whole, and a whole once complete is the
// concatenation of its parts in index order.
type partModel struct {
	max  int
	open map[string]*modelWhole
}

type modelWhole struct {
	n     int
	size  int
	parts map[int][]byte
}

func (p *partModel) add(key string, i, n int, data []byte) (whole []byte, done, fails bool) {
	if n == 1 && i == 0 {
		if len(data) > p.max {
			return nil, false, true
		}
		return data, true, false
	}
	if n < 1 || n > MaxParts || i < 0 || i >= n {
		return nil, false, true
	}
	w := p.open[key]
	if w == nil {
		w = &modelWhole{n: n, parts: map[int][]byte{}}
		p.open[key] = w
	}
	if w.n != n {
		delete(p.open, key)
		return nil, false, true
	}
	if _, ok := w.parts[i]; ok {
		return nil, false, false
	}
	w.size += len(data)
	if w.size > p.max {
		delete(p.open, key)
		return nil, false, true
	}
	w.parts[i] = bytes.Clone(data)
	if len(w.parts) < n {
		return nil, false, false
	}
	delete(p.open, key)
	var out []byte
	for j := 0; j < n; j++ {
		out = append(out, w.parts[j]...)
	}
	return out, true, false
}

// madeOf reports whether whole is the concatenation, in index order, of
// one of the pieces given for each index.
func madeOf(whole []byte, given map[int][][]byte, n int) bool {
	reach := map[int]bool{0: true}
	for i := 0; i < n; i++ {
		next := map[int]bool{}
		for at := range reach {
			for _, piece := range given[i] {
				if bytes.HasPrefix(whole[at:], piece) {
					next[at+len(piece)] = true
				}
			}
		}
		reach = next
	}
	return reach[len(whole)]
}

// FuzzParts checks ParsePart and the Assembler. ops is a little program:
// each step is a key, an index, a count, a length and that many bytes of
// data. Properties: ParsePart gives only 0 <= i < n <= MaxParts and
// reads back PartLabel; the Assembler never panics, never returns a
// whole of more than MaxBytes, returns exactly what the model of its
// doc says (one Assembler without MaxOpen), and, when it must drop
// wholes to stay under MaxOpen, still returns only a concatenation of
// parts given for that whole, one per index (another Assembler).
func FuzzParts(f *testing.F) {
	f.Add("", []byte{0, 1, 3, 2, 'a', 'b', 0, 0, 3, 1, 'c', 0, 2, 3, 0})
	f.Add("0/1", []byte{1, 2, 3, 4, 'w', 'x', 'y', 'z', 1, 2, 3, 1, 'q', 1, 1, 3, 1, 'r', 1, 0, 3, 1, 's'})
	f.Add("3/5", []byte{0, 0, 0, 0})
	f.Add("-1/2", []byte{2, 1, 1, 70})
	f.Add("+1/2", []byte{0, 1, 2, 1, 'a', 1, 1, 2, 1, 'b', 2, 1, 2, 1, 'c', 0, 0, 2, 1, 'd'})
	f.Add("1/4097", []byte{0, 0, 7, 0, 0, 0, 2, 5, '1', '2', '3', '4', '5'})
	f.Add("00/0001", []byte(nil))
	f.Add("1/2/3", []byte(nil))
	f.Add("9999999999999999999/1", []byte(nil))
	f.Fuzz(func(t *testing.T, hdr string, ops []byte) {
		i, n, err := ParsePart(hdr)
		if err == nil {
			if n < 1 || n > MaxParts || i < 0 || i >= n {
				t.Fatalf("ParsePart(%q) = %d, %d; out of bounds", hdr, i, n)
			}
			if i2, n2, err := ParsePart(PartLabel(i, n)); err != nil || i2 != i || n2 != n {
				t.Fatalf("ParsePart(PartLabel(%d, %d)) = %d, %d, %v", i, n, i2, n2, err)
			}
		} else if !errors.Is(err, ErrPart) {
			t.Fatalf("ParsePart(%q) = %v; want ErrPart", hdr, err)
		}
		if hdr == "" && (err != nil || i != 0 || n != 1) {
			t.Fatalf(`ParsePart("") = %d, %d, %v; want 0, 1, nil`, i, n, err)
		}

		const maxBytes = 64
		exact := &Assembler{MaxBytes: maxBytes}
		bounded := &Assembler{MaxBytes: maxBytes, MaxOpen: 2}
		model := &partModel{max: maxBytes, open: map[string]*modelWhole{}}
		// given: every piece handed to the bounded Assembler, per key
		// and index, since that key's last whole.
		given := map[string]map[int][][]byte{}
		for len(ops) >= 4 {
			key := fmt.Sprint(ops[0] % 3)
			pi, pn := int(ops[1]%8)-1, int(ops[2]%8)-1
			if ops[2] == 255 {
				pn = MaxParts + 1
			}
			ln := min(int(ops[3]), len(ops)-4)
			data := ops[4 : 4+ln]
			ops = ops[4+ln:]

			wantWhole, wantDone, wantErr := model.add(key, pi, pn, data)
			in := bytes.Clone(data)
			whole, done, err := exact.Add(key, pi, pn, in)
			if (err != nil) != wantErr || done != wantDone || !bytes.Equal(whole, wantWhole) {
				t.Fatalf("Add(%s, %d, %d, %q) = %q, %v, %v; want %q, %v, error %v", key, pi, pn, data, whole, done, err, wantWhole, wantDone, wantErr)
			}
			if err != nil && !errors.Is(err, ErrPart) {
				t.Fatalf("Add(%s, %d, %d) = %v; want ErrPart", key, pi, pn, err)
			}
			if len(whole) > maxBytes {
				t.Fatalf("Add returned %d bytes; MaxBytes is %d", len(whole), maxBytes)
			}
			// The Assembler keeps its own copy of a part.
			for j := range in {
				in[j] = '#'
			}

			if given[key] == nil {
				given[key] = map[int][][]byte{}
			}
			given[key][pi] = append(given[key][pi], bytes.Clone(data))
			whole, done, err = bounded.Add(key, pi, pn, bytes.Clone(data))
			if len(whole) > maxBytes {
				t.Fatalf("bounded Add returned %d bytes; MaxBytes is %d", len(whole), maxBytes)
			}
			if done {
				if err != nil {
					t.Fatalf("bounded Add returned a whole and an error %v", err)
				}
				if pn == 1 && pi == 0 {
					if !bytes.Equal(whole, data) {
						t.Fatalf("bounded Add of one part = %q; want %q", whole, data)
					}
					continue
				}
				if !madeOf(whole, given[key], pn) {
					t.Fatalf("bounded Add returned %q for %s, not a concatenation of the %d parts given %v", whole, key, pn, given[key])
				}
				delete(given, key)
			}
		}
	})
}

// FuzzSubjects checks the subject helpers against the NATS server's own
// idea of a subject. Properties: InInbox says yes only to a literal
// subject (no wildcard token, no space or tab or line break, which NATS
// reads as the end of a subject) under prefix + "." and at most
// MaxReplyLen bytes, and says yes to every such plain subject; MinionOf,
// JIDOf and Kind read back what the subject builders put in, for every
// id and job id that ValidID and ValidJID accept, and never return more
// than one token; ValidID and ValidJID accept exactly their documented
// alphabets.
func FuzzSubjects(f *testing.F) {
	for _, s := range []string{
		"brine.to.m1.in.abc", "brine.to.m1.in.>", "brine.to.m1.in.*", "brine.to.m1.in", "brine.to.m1.in.",
		"brine.to.m1.in..x", "brine.to.m1.in.a b", "brine.to.m1.in.a\tb", "brine.to.m1.in.a\r\nPUB x",
		"brine.to.m10.in.x", "brine.to.m1.job", "_INBOX_op.x.y", "_INBOX_ro.x", "_INBOX_op.a*b",
		"brine.m.m1.ret.20261122080000000000", "brine.cache.ret.m1.20261122080000000000", "brine.cache", "brine",
		"brine.m.m1.hello", "brine.m.m1.ret.x.y", "brine.to._all.job", "brine.auth.request.UABC", "", ".", "..",
		"brine.to.m1.in.\f", "brine.to.m1.in.\x00", "brine.to.m1.in." + strings.Repeat("a", 250),
	} {
		f.Add(s, "m1", "20261122080000000000")
	}
	f.Add("x", "web-01", "12345678901234567890")
	f.Add("x", "a.b", "1234567890123456789x")
	f.Add("x", "-x", "٠١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩")
	f.Add("x", strings.Repeat("a", 256), "")
	f.Add("brine.m.web1_2eexample_2eorg.ret.12345678901234567890", "web1.example.org", "12345678901234567890")
	f.Add("brine.m.a_2E.ret.12345678901234567890", "a_b", "12345678901234567890")
	f.Add("brine.m._41.ret.12345678901234567890", "ü.x", "12345678901234567890")
	f.Add("x", "a\n", "12345678901234567890\n")
	f.Fuzz(func(t *testing.T, s, id, jid string) {
		idOK := ValidID(id) == nil
		prefixes := []string{OperatorInbox, ReadOnlyInbox, InboxPrefix("m1")}
		if idOK {
			prefixes = append(prefixes, InboxPrefix(id))
		}
		for _, p := range prefixes {
			in := InInbox(s, p)
			if in {
				if !strings.HasPrefix(s, p+".") || len(s) > MaxReplyLen {
					t.Fatalf("InInbox(%q, %q) = true; not under %q. or too long", s, p, p)
				}
				if !server.IsValidLiteralSubject(s) {
					t.Fatalf("InInbox(%q, %q) = true; NATS finds it no literal subject", s, p)
				}
				if strings.ContainsAny(s, " \t\r\n") {
					t.Fatalf("InInbox(%q, %q) = true; NATS splits the protocol line there", s, p)
				}
				if !server.SubjectMatchesFilter(s, p+".>") {
					t.Fatalf("InInbox(%q, %q) = true; it is not delivered under %s.>", s, p, p)
				}
				for q := range strings.SplitSeq(s, ".") {
					if q == "*" || q == ">" {
						t.Fatalf("InInbox(%q, %q) = true with a wildcard token", s, p)
					}
				}
			} else if strings.HasPrefix(s, p+".") && len(s) <= MaxReplyLen && server.IsValidPublishSubject(s) &&
				!strings.ContainsAny(s, "*> \t\r\n\f") {
				t.Fatalf("InInbox(%q, %q) = false for a plain subject in the inbox", s, p)
			}
		}

		for _, got := range []string{Token(MinionOf(s)), JIDOf(s), Kind(s)} {
			if strings.Contains(got, ".") {
				t.Fatalf("a subject helper returned %q for %q: more than one token", got, s)
			}
		}
		if toks := strings.Split(s, "."); len(toks) == 5 && toks[0] == Prefix && toks[1] == "m" {
			want, err := IDOfToken(toks[2])
			if err != nil {
				want = ""
			}
			if MinionOf(s) != want || JIDOf(s) != toks[4] || Kind(s) != toks[3] {
				t.Fatalf("MinionOf/JIDOf/Kind(%q) = %q, %q, %q", s, MinionOf(s), JIDOf(s), Kind(s))
			}
		}
		// Token is one safe token, read back exactly, and IDOfToken
		// takes no other spelling of it.
		if tok := Token(id); idOK {
			if tok == "" || strings.Trim(tok, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != "" {
				t.Fatalf("Token(%q) = %q: not one safe token", id, tok)
			}
			if back, err := IDOfToken(tok); err != nil || back != id {
				t.Fatalf("IDOfToken(Token(%q)) = %q, %v", id, back, err)
			}
		}
		if back, err := IDOfToken(s); err == nil && Token(back) != s {
			t.Fatalf("IDOfToken(%q) = %q, whose token is %q", s, back, Token(back))
		}

		if want := idAlphabet(id); idOK != want {
			t.Fatalf("ValidID(%q) = %v; want ok %v", id, ValidID(id), want)
		}
		jidOK := ValidJID(jid) == nil
		if want := len(jid) == 20 && strings.Trim(jid, "0123456789") == ""; jidOK != want {
			t.Fatalf("ValidJID(%q) = %v; want ok %v", jid, ValidJID(jid), want)
		}
		if !idOK {
			return
		}
		for _, subj := range []string{SubjJob(id), SubjKill(id), SubjGrains(id), SubjPresence(id), SubjHello(id),
			SubjPillar(id), SubjFile(id), SubjFileChunk(id)} {
			if !server.IsValidPublishSubject(subj) || MinionOf(subj) != id || JIDOf(subj) != "" {
				t.Fatalf("subject %q of id %q: MinionOf %q, JIDOf %q", subj, id, MinionOf(subj), JIDOf(subj))
			}
		}
		if !InInbox(InboxPrefix(id)+".x1", InboxPrefix(id)) {
			t.Fatalf("InInbox refuses %q", InboxPrefix(id)+".x1")
		}
		// A minion's permissions are its own two roots and the
		// broadcasts', and match no subject of another minion.
		pub, sub := MinionPermissions(id)
		for _, p := range append(pub, sub...) {
			if !server.IsValidSubject(p) {
				t.Fatalf("permission %q of id %q is no subject", p, id)
			}
			if p != FromMinion(id)+".>" && p != ToMinion(id)+".>" && p != ToAll+".>" {
				t.Fatalf("permission %q of id %q is too wide", p, id)
			}
			if id == "m1" {
				continue
			}
			for _, other := range []string{SubjJob("m1"), SubjKill("m1"), SubjReturn("m1", "20261122080000000000"),
				SubjPillar("m1"), SubjHello("m1"), InboxPrefix("m1") + ".x", SubjMine("m1"), SubjMinionEvent("m1")} {
				if server.SubjectMatchesFilter(other, p) {
					t.Fatalf("permission %q of id %q matches m1's %q", p, id, other)
				}
			}
		}
		if slices.ContainsFunc(pub, func(p string) bool { return server.SubjectMatchesFilter(SubjJob(id), p) }) {
			t.Fatalf("id %q may publish its own jobs", id)
		}
		if !jidOK {
			return
		}
		for kind, subj := range map[string]string{"ack": SubjAck(id, jid), "hb": SubjHB(id, jid), "evt": SubjEvent(id, jid),
			"ret": SubjReturn(id, jid)} {
			cache := "brine.cache." + kind + "." + Token(id) + "." + jid
			for _, x := range []string{subj, cache} {
				if MinionOf(x) != id || JIDOf(x) != jid || Kind(x) != kind || !server.IsValidPublishSubject(x) {
					t.Fatalf("%q: MinionOf %q, JIDOf %q, Kind %q; want %q, %q, %q", x, MinionOf(x), JIDOf(x), Kind(x), id, jid, kind)
				}
			}
		}
		for _, x := range []string{CacheAck(id, jid), CacheEvent(id, jid), CacheReturn(id, jid)} {
			if !server.SubjectMatchesFilter(x, AllCache) || MinionOf(x) != id || JIDOf(x) != jid {
				t.Fatalf("%q: not a cache subject of %q, %q", x, id, jid)
			}
		}
	})
}

// idAlphabet is ValidID's rule, written out: Salt's valid_id (no '/',
// '\\' or NUL, not "." or "..") and printable UTF-8 with no space, of
// 1-255 bytes.
func idAlphabet(id string) bool {
	if len(id) < 1 || len(id) > MaxIDLen || id == "." || id == ".." || !utf8.ValidString(id) {
		return false
	}
	for _, r := range id {
		if r == '/' || r == '\\' || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// FuzzPlainEnvelope checks that an envelope plainEnvelope reads, with a
// body that is one JSON value (what a trusted key signs: openAny uses
// no other), is the envelope encoding/json reads from the same bytes.
func FuzzPlainEnvelope(f *testing.F) {
	kp, _ := fuzzKey(f, 1)
	job, _ := SignJob(kp, fuzzJob())
	kill, _ := Sign(kp, KindKill, fuzzKill())
	f.Add(job)
	f.Add(kill)
	for _, s := range []string{
		`{"v":1,"kind":"job","body":{},"key":"K","sig":"AA=="}`,
		`{"v":1,"kind":"job","body":{"key":"x","sig":"AA=="},"key":"K","sig":"AA=="}`,
		`{"v":1,"kind":"job","body":{},"key":"K","sig":"AA=="},"key":"L","sig":"AA=="}`,
		`{"v":1,"kind":"job","body":{} ,"key":"K","sig":"AA=="}`,
		`{"v":1,"kind":"job","body":{},"key":"K","sig":"A"}`,
		`{"v":1,"kind":"job","body":{"a":"\"},\"key\":\"K"},"key":"K","sig":"AA=="}`,
		`{"v":1,"kind":"jo\u0062","body":{},"key":"K","sig":"AA=="}`,
		`{"v":1,"kind":"job","body":{},"key":"K","sig":"AA==","sig":"AQ=="}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, ok := plainEnvelope(data)
		if !ok || !json.Valid(s.Body) {
			return
		}
		var j envelope
		if err := json.Unmarshal(data, &j); err != nil {
			t.Fatalf("plainEnvelope read %q, encoding/json refuses it: %v", data, err)
		}
		if j.V == nil || *j.V != *s.V || j.Kind != s.Kind || !bytes.Equal(j.Body, s.Body) || j.Key != s.Key || !bytes.Equal(j.Sig, s.Sig) {
			t.Fatalf("%q: plainEnvelope read v %d kind %q body %s key %q sig %x; encoding/json v %v kind %q body %s key %q sig %x",
				data, *s.V, s.Kind, s.Body, s.Key, s.Sig, j.V, j.Kind, j.Body, j.Key, j.Sig)
		}
	})
}

// TestSignedIsPlain checks that what Sign writes is read by
// plainEnvelope, not left to encoding/json: the shape it reads is
// Signed's, field for field.
func TestSignedIsPlain(t *testing.T) {
	kp, pub := fuzzKey(t, 1)
	for _, m := range []struct {
		kind string
		msg  Message
	}{{KindJob, fuzzJob()}, {KindKill, fuzzKill()}, {KindJob, &Job{JID: "j", Fun: "test.echo", Args: []any{`"},"key":"x`, "<&>"}}}} {
		b, err := Sign(kp, m.kind, m.msg)
		if err != nil {
			t.Fatal(err)
		}
		s, ok := plainEnvelope(b)
		if !ok {
			t.Fatalf("plainEnvelope does not read %s", b)
		}
		if s.Kind != m.kind || s.Key != pub || checkEnvelope(s, []string{pub}, m.kind) != nil {
			t.Fatalf("plainEnvelope read %s as kind %q key %q, not verified", b, s.Kind, s.Key)
		}
	}
}
