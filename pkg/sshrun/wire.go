package sshrun

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/brine-cm/brine/pkg/proto"
)

// The shim and the operator speak JSON lines on the shim's stdin and
// stdout, one message a line. Both ends are the same brine binary (the
// operator copies itself, by sha256), so the shapes need no version: a
// shim of another build is never spoken to.
//
//	shim → operator  hello   {grains, version}
//	operator → shim  start   {call, grains, pillar}
//	shim → operator  stat    {url}        → file {sha256, size} | {missing} | {err}
//	shim → operator  get     {url}        → file {sha256, size, data}
//	shim → operator  list    {url}        → list {names} | {missing} | {err}
//	shim → operator  event   {event}      (one per state, as it finishes)
//	shim → operator  return  {return}     (last)
//
// The shim asks for one file at a time and waits for the answer.
type message struct {
	T string `json:"t"`

	// hello
	Grains  map[string]any `json:"grains,omitempty"`
	Version string         `json:"version,omitempty"`

	// start
	Call   *Call           `json:"call,omitempty"`
	Pillar json.RawMessage `json:"pillar,omitempty"`

	// stat, get, list; file, list
	URL     string   `json:"url,omitempty"`
	SHA256  string   `json:"sha256,omitempty"`
	Size    int64    `json:"size,omitempty"`
	Data    []byte   `json:"data,omitempty"`
	Names   []string `json:"names,omitempty"`
	Missing bool     `json:"missing,omitempty"`
	Err     string   `json:"err,omitempty"`

	// event, return
	Event  *proto.StateResult `json:"event,omitempty"`
	Return *proto.Return      `json:"return,omitempty"`
}

// Message types.
const (
	tHello  = "hello"
	tStart  = "start"
	tStat   = "stat"
	tGet    = "get"
	tList   = "list"
	tFile   = "file"
	tEvent  = "event"
	tReturn = "return"
)

// Call is what to run on a host.
type Call struct {
	ID       string         `json:"id"`
	Fun      string         `json:"fun"`
	Args     []any          `json:"args,omitempty"`
	Kwargs   map[string]any `json:"kwargs,omitempty"`
	Saltenv  string         `json:"saltenv,omitempty"`
	Root     string         `json:"root,omitempty"`
	Failhard bool           `json:"failhard,omitempty"`
}

// ProtocolError is a message that is not what the other side should
// have sent at that point.
type ProtocolError struct {
	Want string
	Got  string
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("brine ssh protocol: want a %q message, got %q", e.Want, proto.Clip(e.Got, 32))
}

// maxMessage bounds one message: a salt:// file travels in one.
const maxMessage = 256 << 20

// lineReader reads messages, one a line.
type lineReader struct{ r *bufio.Reader }

func newLineReader(r io.Reader) *lineReader { return &lineReader{r: bufio.NewReaderSize(r, 64<<10)} }

// ErrTooLarge is a message past maxMessage.
var ErrTooLarge = errors.New("brine ssh protocol: message too large")

func (l *lineReader) read(m *message) error {
	var line []byte
	for {
		chunk, err := l.r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxMessage {
			return ErrTooLarge
		}
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return io.EOF
		}
		if errors.Is(err, io.EOF) {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	*m = message{}
	d := json.NewDecoder(bytesReader(line))
	d.UseNumber()
	if err := d.Decode(m); err != nil {
		return fmt.Errorf("brine ssh protocol: %w", err)
	}
	return nil
}

func (l *lineReader) expect(m *message, t string) error {
	if err := l.read(m); err != nil {
		return err
	}
	if m.T != t {
		return &ProtocolError{Want: t, Got: m.T}
	}
	return nil
}

func writeMsg(w io.Writer, m *message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("brine ssh protocol: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func newJSONDecoder(r io.Reader) *json.Decoder {
	d := json.NewDecoder(r)
	d.UseNumber()
	return d
}
