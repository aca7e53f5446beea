package minion

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

func nopLog(string, ...any) {}

// The book keeps nonces and running jobs across a restart, drops what
// expired or was crossed out when it compacts, and ignores a last line a
// crash cut short.
func TestBookAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	seen := proto.NewReplayCache()
	bk, st, err := openBook(dir, now, seen.Snapshot, nopLog)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.nonces) != 0 || len(st.running) != 0 {
		t.Fatalf("a new book holds %+v", st)
	}
	jid1, jid2 := proto.NewJID(now), proto.NewJID(now.Add(time.Millisecond))
	for _, l := range []bookLine{
		{Nonce: "n1", Expiry: now.Add(time.Hour).UnixNano(), Run: &journalEntry{JID: jid1, Fun: "test.ping", Start: now.UTC()}},
		{Nonce: "n2", Expiry: now.Add(time.Hour).UnixNano(), Run: &journalEntry{JID: jid2, Fun: "cmd.run", Args: []any{"true"}, Start: now.UTC()}},
		{Nonce: "old", Expiry: now.Add(-time.Second).UnixNano()},
		{Nonce: "kill", Expiry: now.Add(time.Minute).UnixNano()},
		{Done: jid1},
	} {
		if err := bk.write(l); err != nil {
			t.Fatal(err)
		}
	}
	bk.close()
	if err := bk.write(bookLine{Done: jid2}); err == nil {
		t.Error("write after close = nil; want an error")
	}
	// A crash in the middle of the next line.
	f, err := os.OpenFile(filepath.Join(dir, BookFile), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"done":"` + jid2[:5]); err != nil {
		t.Fatal(err)
	}
	f.Close()

	var warned []string
	bk, st, err = openBook(dir, now, seen.Snapshot, func(msg string, _ ...any) { warned = append(warned, msg) })
	if err != nil {
		t.Fatal(err)
	}
	defer bk.close()
	if len(warned) != 1 || !strings.Contains(warned[0], "unreadable") {
		t.Errorf("warnings %q; want one for the line cut short", warned)
	}
	for _, n := range []string{"n1", "n2", "kill"} {
		if _, ok := st.nonces[n]; !ok {
			t.Errorf("nonce %s lost across the restart: %v", n, st.nonces)
		}
	}
	if _, ok := st.nonces["old"]; ok {
		t.Error("an expired nonce was kept")
	}
	if len(st.running) != 1 || st.running[jid2].Fun != "cmd.run" || len(st.running[jid2].Args) != 1 {
		t.Errorf("running after the restart = %+v; want %s (cmd.run) alone", st.running, jid2)
	}
	// The start compacted the book: what it holds and nothing more.
	again, bad, err := readBook(filepath.Join(dir, BookFile))
	if err != nil || bad != 0 {
		t.Fatalf("compacted book: %d bad lines, %v", bad, err)
	}
	if len(again.nonces) != 3 || len(again.running) != 1 {
		t.Errorf("compacted book holds %d nonces and %d jobs; want 3 and 1", len(again.nonces), len(again.running))
	}
	if fi, err := os.Stat(filepath.Join(dir, BookFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("book file: %v, %v; want mode 0600", fi, err)
	}
}

// Compaction while the minion runs keeps the live nonces (what the
// replay cache holds) and the running jobs, and the book stays bounded.
func TestBookCompacts(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	seen := proto.NewReplayCache()
	bk, _, err := openBook(dir, now, seen.Snapshot, nopLog)
	if err != nil {
		t.Fatal(err)
	}
	defer bk.close()
	seen.Add("keep", now.Add(time.Hour), now)
	if err := bk.write(bookLine{Nonce: "keep", Expiry: now.Add(time.Hour).UnixNano()}); err != nil {
		t.Fatal(err)
	}
	running := proto.NewJID(now)
	if err := bk.write(bookLine{Run: &journalEntry{JID: running, Fun: "state.apply"}}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 * compactAfter {
		jid := proto.NewJID(now.Add(time.Duration(i+1) * time.Microsecond))
		if err := bk.write(bookLine{Run: &journalEntry{JID: jid, Fun: "test.ping"}}); err != nil {
			t.Fatal(err)
		}
		if err := bk.write(bookLine{Done: jid}); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, BookFile))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n > compactAfter+2 {
		t.Errorf("book of %d lines after %d jobs; want it compacted to at most %d", n, 3*compactAfter, compactAfter+2)
	}
	st, _, err := readBook(filepath.Join(dir, BookFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.nonces["keep"]; !ok || len(st.running) != 1 || st.running[running].Fun != "state.apply" {
		t.Errorf("after compactions: nonces %v, running %v; want keep and %s", st.nonces, st.running, running)
	}
}

// A minion of an older brine kept its nonces in nonces.json and its
// journal in running/: the first start takes them into the book and
// removes them.
func TestBookTakesLegacyFiles(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	jid := proto.NewJID(now)
	nonces, _ := json.Marshal(map[string]time.Time{"legacy": now.Add(time.Hour), "gone": now.Add(-time.Hour)})
	if err := os.WriteFile(filepath.Join(dir, NoncesFile), nonces, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, journalDir), 0o700); err != nil {
		t.Fatal(err)
	}
	entry, _ := json.Marshal(journalEntry{JID: jid, Fun: "state.apply", Start: now.UTC()})
	for name, b := range map[string][]byte{jid + ".json": entry, "x.json": []byte("{"), "20260101000000000000.json": []byte("{")} {
		if err := os.WriteFile(filepath.Join(dir, journalDir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var warned int
	bk, st, err := openBook(dir, now, proto.NewReplayCache().Snapshot, func(string, ...any) { warned++ })
	if err != nil {
		t.Fatal(err)
	}
	bk.close()
	if _, ok := st.nonces["legacy"]; !ok || len(st.nonces) != 1 {
		t.Errorf("nonces %v; want legacy alone", st.nonces)
	}
	if len(st.running) != 1 || st.running[jid].Fun != "state.apply" {
		t.Errorf("running %v; want %s", st.running, jid)
	}
	if warned != 1 {
		t.Errorf("%d warnings; want one, for the unreadable entry", warned)
	}
	for _, p := range []string{NoncesFile, journalDir} {
		if _, err := os.Stat(filepath.Join(dir, p)); !os.IsNotExist(err) {
			t.Errorf("%s still there after the book took it in: %v", p, err)
		}
	}
	if st, _, _ := readBook(filepath.Join(dir, BookFile)); len(st.nonces) != 1 || len(st.running) != 1 {
		t.Errorf("book on disk: %+v", st)
	}
}

// checkSpread draws n waits from wait: each within [d/2, 3d/2), and at
// least distinct of them different.
func checkSpread(t *testing.T, what string, d time.Duration, n, distinct int, wait func() time.Duration) {
	t.Helper()
	seen := map[time.Duration]bool{}
	for range n {
		w := wait()
		if w < d/2 || w >= d*3/2 {
			t.Fatalf("%s: wait %v; want within [%v, %v)", what, w, d/2, d*3/2)
		}
		seen[w] = true
	}
	if len(seen) < distinct {
		t.Errorf("%s: %d distinct waits of %d; want them spread", what, len(seen), n)
	}
}

// A pending minion's reconnects are spread over [d/2, 3d/2).
func TestJittered(t *testing.T) {
	for _, d := range []time.Duration{time.Second, pendingReconnectMax} {
		checkSpread(t, fmt.Sprintf("jittered(%v)", d), d, 200, 150, func() time.Duration { return jittered(d) })
	}
}

// The waits between tries to reach the master double up to retry_max,
// each spread over [d/2, 3d/2), so that minions cut off together do not
// come back together.
func TestBackoffSpread(t *testing.T) {
	cfg := Defaults()
	cfg.RetryMax = Duration(4 * time.Second)
	m := &Minion{cfg: &cfg}
	delay := m.backoff()
	for attempts, d := range map[int]time.Duration{1: 250 * time.Millisecond, 2: 500 * time.Millisecond, 3: time.Second, 5: 4 * time.Second, 9: 4 * time.Second} {
		checkSpread(t, fmt.Sprintf("attempt %d", attempts), d, 100, 50, func() time.Duration { return delay(attempts) })
	}
}

// The lines the book writes by hand read back as json.Marshal's would.
func TestBookLineEncoding(t *testing.T) {
	now := time.Now().UTC()
	for _, l := range []bookLine{
		{Nonce: "0123abcd", Expiry: now.UnixNano(), Run: &journalEntry{JID: "20261206083000123456", Fun: "test.ping", Start: now}},
		{Nonce: "0123abcd", Expiry: now.UnixNano()},
		{Done: "20261206083000123456"},
		{Run: &journalEntry{JID: "20261206083000123456", Fun: "state.highstate", Start: now, Startup: true}},
		{Run: &journalEntry{JID: "20261206083000123456", Fun: "cmd.run", Args: []any{"echo \"hi\"\n"}, Start: now}},
		{Run: &journalEntry{JID: "20261206083000123456", Fun: "state.apply", Start: now, Schedule: "nightly", Kwargs: map[string]any{"test": true}}},
		{Nonce: `we"ird`, Expiry: 1, Run: &journalEntry{JID: "j\u2028", Fun: "f<>", Start: now}},
	} {
		b, err := appendLine(nil, l)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 || b[len(b)-1] != '\n' || strings.Count(string(b), "\n") != 1 {
			t.Fatalf("line %q: want one line", b)
		}
		var got bookLine
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("line %q: %v", b, err)
		}
		want, _ := json.Marshal(l)
		again, _ := json.Marshal(got)
		if string(want) != string(again) {
			t.Errorf("line %q reads back as\n%s; want\n%s", b, again, want)
		}
	}
}
