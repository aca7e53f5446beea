package master

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/brine-cm/brine/pkg/proto"
)

// The mine. Each minion's mine entry ({function: value}) is kept in a
// replicated KV bucket, under the minion's id token, and written by the
// master alone, on the minion's request on its own subject: a minion
// writes only its own entry, of at most limits.mine_bytes. Others read
// it only through a mine get, which the master answers for the asking
// minion: the target picks the minions (pkg/top's matchers, as for a
// job), the master's mine_get ACL (Salt's: minion-id regex to function
// regexes; unset: everything) the functions, and each function's own
// allow_tgt (Salt's minion-side ACL) the minions that may see it.

// MineBucket holds the mine.
const MineBucket = "brine_mine"

// mineEntry is one minion's entry in the bucket.
type mineEntry map[string]proto.MineItem

func (m *Master) onMine(ctx context.Context, id string, msg *nats.Msg) []byte {
	var req proto.MineRequest
	if err := proto.Unmarshal(msg.Data, &req); err != nil {
		return proto.ErrorReply(err)
	}
	var data map[string]any
	var err error
	switch req.Op {
	case proto.MineUpdate:
		err = m.mineUpdate(ctx, id, req.Data, req.Clear)
	case proto.MineDelete:
		if len(req.Funs) != 1 {
			err = errors.New("mine delete: name one function")
			break
		}
		err = m.mineEdit(ctx, id, func(e mineEntry) mineEntry { delete(e, req.Funs[0]); return e })
	case proto.MineFlush:
		err = m.mineDeleteEntry(ctx, id)
	case proto.MineGet:
		data, err = m.mineGet(ctx, id, &req)
	default:
		err = fmt.Errorf("mine: unknown operation %q", proto.Clip(req.Op, 32))
	}
	if err != nil {
		if errors.Is(err, errMineRefused) {
			m.refused.note("mine", id, err.Error())
		}
		return proto.ErrorReply(err)
	}
	b, _ := proto.Marshal(&proto.MineReply{Data: data})
	return b
}

var errMineRefused = errors.New("mine entry refused")

// mineUpdate merges a minion's new values into its entry (replaces it,
// with clear), within the size limit.
func (m *Master) mineUpdate(ctx context.Context, id string, data map[string]proto.MineItem, clear bool) error {
	for fun := range data {
		if fun == "" || len(fun) > 256 || hasControl(fun) {
			return fmt.Errorf("%w: function name %q", errMineRefused, proto.Clip(fun, 64))
		}
	}
	return m.mineEdit(ctx, id, func(e mineEntry) mineEntry {
		if clear {
			e = mineEntry{}
		}
		for k, v := range data {
			e[k] = v
		}
		return e
	})
}

// mineEdit changes a minion's entry, written only if it did not change
// meanwhile (another master, another request), tried again if it did.
func (m *Master) mineEdit(ctx context.Context, id string, edit func(mineEntry) mineEntry) error {
	key := proto.Token(id)
	for try := 0; try < 5; try++ {
		e := mineEntry{}
		var rev uint64
		kv, err := m.mine.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
		case err != nil:
			return fmt.Errorf("mine: read %s: %w", id, err)
		default:
			rev = kv.Revision()
			if json.Unmarshal(kv.Value(), &e) != nil {
				e = mineEntry{}
			}
		}
		e = edit(e)
		b, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("%w: %w", errMineRefused, err)
		}
		if len(b) > m.cfg.Limits.MineBytes {
			return fmt.Errorf("%w: %d bytes, more than limits.mine_bytes (%d)", errMineRefused, len(b), m.cfg.Limits.MineBytes)
		}
		if rev == 0 {
			_, err = m.mine.Create(ctx, key, b)
		} else {
			_, err = m.mine.Update(ctx, key, b, rev)
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !isWrongSequence(err) {
			return fmt.Errorf("mine: write %s: %w", id, err)
		}
	}
	return fmt.Errorf("mine: write %s: changed under every try", id)
}

func isWrongSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

func (m *Master) mineDeleteEntry(ctx context.Context, id string) error {
	if err := m.mine.Delete(ctx, proto.Token(id)); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return fmt.Errorf("mine: flush %s: %w", id, err)
	}
	return nil
}

// mineAllowed returns the functions of funs the master's mine_get ACL
// lets minion id read: all when mine_get is unset, as Salt.
func (m *Master) mineAllowed(id string, funs []string) []string {
	if m.cfg.MineGet == nil {
		return funs
	}
	var perms []*regexp.Regexp
	for idRE, list := range m.cfg.MineGet {
		if re, err := compileMatch(idRE); err == nil && re.MatchString(id) {
			for _, p := range list {
				if pre, err := compileMatch(p); err == nil {
					perms = append(perms, pre)
				}
			}
		}
	}
	var out []string
	for _, f := range funs {
		for _, p := range perms {
			if p.MatchString(f) {
				out = append(out, f)
				break
			}
		}
	}
	return out
}

// compileMatch compiles a regex for Python's re.match: anchored at the
// start only.
func compileMatch(re string) (*regexp.Regexp, error) { return regexp.Compile(`^(?:` + re + `)`) }

// mineGet answers minion asker's mine.get: the entries of the minions
// the target matches, each function the ACLs let it see.
func (m *Master) mineGet(ctx context.Context, asker string, req *proto.MineRequest) (map[string]any, error) {
	if len(req.Funs) == 0 || len(req.Funs) > 64 {
		return nil, errors.New("mine get: name 1 to 64 functions")
	}
	tt := req.TargetType
	if tt == "" {
		tt = proto.TargetGlob
	}
	out := map[string]any{}
	funs := m.mineAllowed(asker, req.Funs)
	if len(funs) == 0 {
		return out, nil
	}
	match, err := m.match(req.Target, tt)
	if err != nil {
		return nil, fmt.Errorf("mine get: target: %w", err)
	}
	allowed := map[string]bool{} // allow_tgt "tgt\x00type" -> asker matches
	askerMatches := func(tgt, typ string) bool {
		if typ == "" {
			typ = proto.TargetGlob
		}
		k := tgt + "\x00" + typ
		if v, ok := allowed[k]; ok {
			return v
		}
		ok := false
		if f, err := m.match(tgt, typ); err == nil {
			ok = f(asker, m.grainsOf(asker), nil)
		}
		allowed[k] = ok
		return ok
	}
	for _, k := range m.allKeys() {
		if k.State != proto.KeyAccepted || !match(k.ID, m.grainsOf(k.ID), nil) {
			continue
		}
		kv, err := m.mine.Get(ctx, proto.Token(k.ID))
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("mine: read %s: %w", k.ID, err)
		}
		var e mineEntry
		if json.Unmarshal(kv.Value(), &e) != nil {
			continue
		}
		for _, f := range funs {
			item, ok := e[f]
			if !ok || (item.AllowTgt != "" && !askerMatches(item.AllowTgt, item.AllowTgtType)) {
				continue
			}
			if !req.FunsList {
				out[k.ID] = item.Data
				continue
			}
			byMinion, _ := out[f].(map[string]any)
			if byMinion == nil {
				byMinion = map[string]any{}
				out[f] = byMinion
			}
			byMinion[k.ID] = item.Data
		}
	}
	return out, nil
}

// MineFunctions lists the functions in a minion's mine entry (for the
// operator and tests), sorted.
func (m *Master) MineFunctions(ctx context.Context, id string) ([]string, error) {
	kv, err := m.mine.Get(ctx, proto.Token(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var e mineEntry
	if err := json.Unmarshal(kv.Value(), &e); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(e))
	for f := range e {
		out = append(out, f)
	}
	sort.Strings(out)
	return out, nil
}
