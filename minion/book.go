package minion

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

// The book is what a minion keeps on disk about its jobs, in one file
// it only appends to: the nonce of every signed job and kill it took
// (so that a job replayed after a restart is still refused, until it
// expires), and the journal of running jobs (journal.go: a job written
// down before it runs, crossed out once the master holds its return).
//
// A job taken costs one line, its nonce and its journal entry together,
// written and flushed to disk (fdatasync) before the job runs; the
// return stored costs one more line, flushed too. A whole file
// rewritten and fsynced for every job (the nonce cache of before) grew
// with the jobs of the last job_expiry; a line does not. Now and then,
// and at every start, the book is compacted: rewritten with only the
// live nonces and the jobs still running, atomically (a new file
// flushed, then renamed over the old one), so that a crash leaves the
// old book or the new one. A line cut short by a crash is the last one,
// and is ignored.

// BookFile is the book's name in the state dir.
const BookFile = "jobs.log"

// compactAfter is how many lines the book takes between compactions at
// least; more when many nonces are live.
const compactAfter = 1024

// bookLine is one line of the book: a nonce (with its expiry, in Unix
// nanoseconds), a job written down (Run), a job crossed out (Done); the
// nonce and the entry of a job it took come in one line.
type bookLine struct {
	Nonce  string        `json:"n,omitempty"`
	Expiry int64         `json:"x,omitempty"`
	Run    *journalEntry `json:"run,omitempty"`
	Done   string        `json:"done,omitempty"`
}

type book struct {
	path string

	mu      sync.Mutex
	f       *os.File
	running map[string]journalEntry
	lines   int // since the last compaction
	limit   int // lines that trigger the next one
	// live returns the nonces to keep at a compaction.
	live func() map[string]time.Time
}

// bookState is what a book on disk holds.
type bookState struct {
	nonces  map[string]time.Time
	running map[string]journalEntry
}

// readBook reads the book at path; a book that is not there is empty.
// Lines it cannot read are skipped and counted.
func readBook(path string) (st bookState, bad int, err error) {
	st = bookState{nonces: map[string]time.Time{}, running: map[string]journalEntry{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, 0, nil
	}
	if err != nil {
		return st, 0, fmt.Errorf("job book: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), len(b)+1)
	for sc.Scan() {
		var l bookLine
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			bad++
			continue
		}
		if l.Nonce != "" && l.Expiry != 0 {
			e := time.Unix(0, l.Expiry)
			if old, ok := st.nonces[l.Nonce]; !ok || e.After(old) {
				st.nonces[l.Nonce] = e
			}
		}
		if l.Run != nil && proto.ValidJID(l.Run.JID) == nil {
			st.running[l.Run.JID] = *l.Run
		}
		if l.Done != "" {
			delete(st.running, l.Done)
		}
	}
	return st, bad, nil
}

// openBook reads the book in the state dir, takes in what an older
// minion kept in files of their own (nonces.json, running/), compacts
// it all into a new book and opens it to append. It returns the nonces
// still live and the jobs written down and not crossed out.
func openBook(dir string, now time.Time, live func() map[string]time.Time, log func(msg string, args ...any)) (*book, bookState, error) {
	path := filepath.Join(dir, BookFile)
	st, bad, err := readBook(path)
	if err != nil {
		return nil, st, err
	}
	if bad > 0 {
		// The last line of a crash mid-write; more is damage.
		log("job book: unreadable lines skipped", "lines", bad)
	}
	legacy := takeLegacy(dir, &st, log)
	for n, e := range st.nonces {
		if !e.After(now) {
			delete(st.nonces, n)
		}
	}
	b := &book{path: path, running: map[string]journalEntry{}, live: live}
	for jid, e := range st.running {
		b.running[jid] = e
	}
	if err := b.compactLocked(st.nonces); err != nil {
		return nil, st, err
	}
	// Only once the book holds them.
	for _, p := range legacy {
		_ = os.RemoveAll(p)
	}
	return b, st, nil
}

// takeLegacy adds what an older minion kept, a nonce cache rewritten
// whole (NoncesFile) and a journal file per job (journalDir), to st,
// and returns the paths to remove once the book holds them.
func takeLegacy(dir string, st *bookState, log func(msg string, args ...any)) []string {
	var done []string
	if b, err := os.ReadFile(filepath.Join(dir, NoncesFile)); err == nil {
		var saved map[string]time.Time
		if json.Unmarshal(b, &saved) == nil {
			for n, e := range saved {
				if old, ok := st.nonces[n]; !ok || e.After(old) {
					st.nonces[n] = e
				}
			}
		}
		done = append(done, filepath.Join(dir, NoncesFile))
	}
	jd := filepath.Join(dir, journalDir)
	ents, err := os.ReadDir(jd)
	if err != nil {
		return done
	}
	for _, e := range ents {
		jid, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || proto.ValidJID(jid) != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(jd, e.Name()))
		var je journalEntry
		if err == nil {
			err = json.Unmarshal(b, &je)
		}
		if err != nil || je.JID != jid {
			log("job journal: unreadable entry, dropped", "file", e.Name(), "err", err)
			continue
		}
		st.running[jid] = je
	}
	return append(done, jd)
}

// compactLocked rewrites the book with nonces and the jobs running, and
// opens it again to append. b.mu is held (or b is not shared yet).
func (b *book) compactLocked(nonces map[string]time.Time) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for n, e := range nonces {
		_ = enc.Encode(bookLine{Nonce: n, Expiry: e.UnixNano()})
	}
	for _, e := range b.running {
		_ = enc.Encode(bookLine{Run: &e})
	}
	if err := writeFile0600(b.path, buf.Bytes()); err != nil {
		return fmt.Errorf("job book: %w", err)
	}
	if b.f != nil {
		_ = b.f.Close()
		b.f = nil
	}
	f, err := os.OpenFile(b.path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("job book: %w", err)
	}
	b.f = f
	b.lines = 0
	b.limit = max(compactAfter, 2*(len(nonces)+len(b.running)))
	return nil
}

// write appends one line and flushes it to disk.
func (b *book) write(l bookLine) error {
	if b == nil {
		return fmt.Errorf("job book: %w", os.ErrClosed)
	}
	line, err := appendLine(make([]byte, 0, 192), l)
	if err != nil {
		return fmt.Errorf("job book: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.f == nil {
		return fmt.Errorf("job book: %w", os.ErrClosed)
	}
	if l.Run != nil {
		b.running[l.Run.JID] = *l.Run
	}
	if l.Done != "" {
		delete(b.running, l.Done)
	}
	if _, err := b.f.Write(line); err != nil {
		return fmt.Errorf("job book: %w", err)
	}
	if err := b.f.Sync(); err != nil {
		return fmt.Errorf("job book: %w", err)
	}
	b.lines++
	if b.lines >= b.limit {
		return b.compactLocked(b.live())
	}
	return nil
}

// isRunning reports whether jid is written down and not crossed out.
func (b *book) isRunning(jid string) bool {
	if b == nil {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.running[jid]
	return ok
}

// close closes the file; a write after it fails.
func (b *book) close() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.f != nil {
		_ = b.f.Close()
		b.f = nil
	}
}

// appendLine appends l and a newline to b: by hand for the lines of most
// jobs (a job's nonce and entry with no arguments, a job crossed out),
// which every job pays for; json.Marshal for the rest.
func appendLine(b []byte, l bookLine) ([]byte, error) {
	e := l.Run
	if !plain(l.Nonce) || !plain(l.Done) || (e != nil && (!plain(e.JID) || !plain(e.Fun) || len(e.Args) > 0 ||
		e.Schedule != "" || len(e.Kwargs) > 0)) {
		line, err := json.Marshal(l)
		return append(append(b, line...), '\n'), err
	}
	b = append(b, '{')
	sep := func() {
		if len(b) > 1 && b[len(b)-1] != '{' {
			b = append(b, ',')
		}
	}
	if l.Nonce != "" {
		b = append(append(append(b, `"n":"`...), l.Nonce...), '"')
	}
	if l.Expiry != 0 {
		sep()
		b = strconv.AppendInt(append(b, `"x":`...), l.Expiry, 10)
	}
	if e != nil {
		sep()
		b = append(append(append(b, `"run":{"jid":"`...), e.JID...), `","fun":"`...)
		b = append(append(b, e.Fun...), `","start":"`...)
		b = append(e.Start.AppendFormat(b, time.RFC3339Nano), '"')
		if e.Startup {
			b = append(b, `,"startup":true`...)
		}
		b = append(b, '}')
	}
	if l.Done != "" {
		sep()
		b = append(append(append(b, `"done":"`...), l.Done...), '"')
	}
	return append(b, '}', '\n'), nil
}

// plain reports whether s needs no escaping in JSON (a jid, a nonce, a
// function's name).
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
