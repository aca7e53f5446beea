// Package proto is brine's wire: every NATS subject name and every message
// shape the master, the minions and the operator's command exchange. Each
// message is JSON and carries a version; a message of a version this build
// does not speak is refused with an error that says so.
//
// Jobs and kills are signed by the master's job-signing key (an ed25519
// nkey); a minion verifies them against the key it pinned when it was
// accepted, and refuses expired or replayed ones.
package proto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sync"
)

// Version is the wire version this build speaks.
const Version = 1

// ErrVersion is returned for a message of another wire version.
var ErrVersion = errors.New("unsupported wire version")

// Header is embedded in every message; its V field is the wire version.
type Header struct {
	V int `json:"v"`
}

func (h *Header) setVersion() { h.V = Version }

// versionAbsent is V before a message is decoded into it: a message
// without "v" leaves it so. (One that says this very number is refused
// as having none: refused either way.)
const versionAbsent = math.MinInt

func (h *Header) setVersionAbsent() { h.V = versionAbsent }

func (h *Header) version() int { return h.V }

// Message is any wire message: a struct that embeds Header.
type Message interface {
	setVersion()
	setVersionAbsent()
	version() int
}

// Marshal stamps the current version on m and encodes it.
func Marshal(m Message) ([]byte, error) {
	m.setVersion()
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("proto: encode %T: %w", m, err)
	}
	return b, nil
}

// Unmarshal checks the version of data and decodes it into m, in one
// pass over data: m's version is decoded with the rest, and a message
// that does not decode is read again for its version only, so that one
// of another version is refused as such. Anything after the one JSON
// value is refused, as CheckVersion refuses it.
//
// A message with a value of any type somewhere (a return's value, a
// job's arguments) is decoded with its numbers kept as written; any other
// goes through json.Unmarshal, which does not allocate a decoder and its
// buffer: the master decodes a presence or a heartbeat of every
// minion many times a minute.
func Unmarshal(data []byte, m Message) error {
	m.setVersionAbsent()
	var err error
	if holdsAny(reflect.TypeOf(m)) {
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		err = d.Decode(m)
		if err == nil {
			if _, terr := d.Token(); terr != io.EOF {
				err = errors.New("data after the message")
			}
		}
	} else {
		err = json.Unmarshal(data, m)
	}
	if err != nil {
		if verr := CheckVersion(data); verr != nil {
			return fmt.Errorf("proto: decode %T: %w", m, verr)
		}
		return fmt.Errorf("proto: decode %T: %w", m, err)
	}
	v := m.version()
	var vp *int
	if v != versionAbsent {
		vp = &v
	}
	if err := checkVersion(vp); err != nil {
		return fmt.Errorf("proto: decode %T: %w", m, err)
	}
	return nil
}

// anyTypes caches holdsAny by message type, as encoding/json caches what
// it learns of a type: the walk is done once a type.
var anyTypes sync.Map // reflect.Type -> bool

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// holdsAny reports whether a value of type t can hold a value of an
// interface type, where json would decode a number as float64 unless
// told to keep it as written. A type with its own UnmarshalJSON decodes
// itself, whatever the decoder's setting.
func holdsAny(t reflect.Type) bool {
	if v, ok := anyTypes.Load(t); ok {
		return v.(bool)
	}
	b := walkAny(t, map[reflect.Type]bool{})
	anyTypes.Store(t, b)
	return b
}

func walkAny(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface && reflect.PointerTo(t).Implements(unmarshalerType) {
		return false
	}
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return walkAny(t.Elem(), seen)
	case reflect.Map:
		return walkAny(t.Key(), seen) || walkAny(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if walkAny(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}

// CheckVersion reads only the version of a message and refuses any but
// Version, and a message with none.
func CheckVersion(data []byte) error {
	var h struct {
		V *int `json:"v"`
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return fmt.Errorf("not a brine message: %w", err)
	}
	return checkVersion(h.V)
}

// checkVersion refuses a version other than Version, and none (nil).
func checkVersion(v *int) error {
	if v == nil {
		return fmt.Errorf("message has no version field: %w", ErrVersion)
	}
	if *v != Version {
		return fmt.Errorf("message is wire version %d, this brine speaks version %d: %w", *v, Version, ErrVersion)
	}
	return nil
}

// Reply is embedded in every answer to a request; a non-empty Error says
// the request failed and why. Busy says the master could not take the
// request now: ask again a little later.
type Reply struct {
	Header
	Error string `json:"error,omitempty"`
	Busy  bool   `json:"busy,omitempty"`
	// NotFound says the error is that what was asked for is not there
	// (a job not in the job cache): Err then matches ErrNotFound.
	NotFound bool `json:"not_found,omitempty"`
}

// ErrNotFound is what a reply's error matches when the master has no
// such thing (errors.Is).
var ErrNotFound = errors.New("not found")

// NotFound is an error that matches ErrNotFound and reads as msg.
func NotFound(msg string) error { return notFoundError(msg) }

type notFoundError string

func (e notFoundError) Error() string        { return string(e) }
func (e notFoundError) Is(target error) bool { return target == ErrNotFound }

// ErrBusy is the error of a Busy reply.
var ErrBusy = errors.New("the master is busy; ask again")

// BusyReply encodes a Busy reply.
func BusyReply() []byte {
	b, _ := Marshal(&Reply{Error: ErrBusy.Error(), Busy: true})
	return b
}

// Err returns the reply's error, or nil; a Busy reply's is ErrBusy.
func (r *Reply) Err() error {
	switch {
	case r.Busy:
		return ErrBusy
	case r.Error == "":
		return nil
	case r.NotFound:
		return NotFound(r.Error)
	}
	return errors.New(r.Error)
}

// ErrorReply encodes a reply carrying only an error.
func ErrorReply(err error) []byte {
	b, _ := Marshal(&Reply{Error: err.Error(), NotFound: errors.Is(err, ErrNotFound)})
	return b
}
