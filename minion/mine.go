package minion

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/brine-cm/brine/pkg/exec"
	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/proto"
)

// The minion's side of the mine: it runs its mine_functions (minion.yaml's,
// with pillar's merged over them) at start, every mine_interval and on
// mine.update, and sends their values to the master, which keeps them
// (master/mine.go). mine.get asks the master, which answers with what the
// target and the ACLs allow.

// mineFn is one mine function as the minion runs it.
type mineFn struct {
	Name         string         // the name others read it by (an alias, or the function)
	Fun          string         // the function run
	Args         []any          // positional arguments
	Kwargs       map[string]any // keyword arguments
	AllowTgt     string         // Salt's minion-side ACL: who may read it
	AllowTgtType string
}

// parseMineFunctions reads mine_functions in Salt's shapes:
//
//	network.ip_addrs: []                      # the function, no arguments
//	network.ip_addrs: [eth0]                  # positional arguments
//	network.ip_addrs: {interface: eth0}       # keyword arguments
//	internal_ip:                              # an alias
//	  - mine_function: network.ip_addrs
//	  - cidr: 10.0.0.0/8                      # a one-key mapping: a keyword
//	  - allow_tgt: 'web*'                     # who may read it
//	  - allow_tgt_type: glob
func parseMineFunctions(conf map[string]any) ([]mineFn, error) {
	names := make([]string, 0, len(conf))
	for n := range conf {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []mineFn
	for _, name := range names {
		f := mineFn{Name: name, Fun: name, Kwargs: map[string]any{}}
		take := func(k string, v any) error {
			switch k {
			case "mine_function":
				s, ok := v.(string)
				if !ok || s == "" {
					return fmt.Errorf("mine_functions: %s: mine_function must name a function", name)
				}
				f.Fun = s
			case "allow_tgt":
				f.AllowTgt = fmt.Sprint(v)
			case "allow_tgt_type":
				f.AllowTgtType = fmt.Sprint(v)
			default:
				f.Kwargs[k] = v
			}
			return nil
		}
		switch v := conf[name].(type) {
		case nil:
		case []any:
			for _, a := range v {
				if m, ok := a.(map[string]any); ok && len(m) == 1 {
					for k, x := range m {
						if err := take(k, x); err != nil {
							return nil, err
						}
					}
					continue
				}
				f.Args = append(f.Args, a)
			}
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if err := take(k, v[k]); err != nil {
					return nil, err
				}
			}
		default:
			f.Args = []any{v}
		}
		if strings.HasPrefix(f.Fun, "mine.") || strings.HasPrefix(f.Fun, "schedule.") {
			return nil, fmt.Errorf("mine_functions: %s: %s cannot be a mine function", name, f.Fun)
		}
		out = append(out, f)
	}
	return out, nil
}

// mineFunctions are minion.yaml's mine_functions with pillar's merged
// over them, as Salt's config.merge reads them.
func (m *Minion) mineFunctions(pillar *odict.Map) ([]mineFn, error) {
	conf := map[string]any{}
	for k, v := range m.cfg.MineFunctions {
		conf[k] = v
	}
	for k, v := range pillarMineFunctions(pillar) {
		conf[k] = v
	}
	return parseMineFunctions(conf)
}

// pillarMineFunctions is pillar's mine_functions, plain; nil when pillar
// has none.
func pillarMineFunctions(pillar *odict.Map) map[string]any {
	v, _ := pillar.Get("mine_functions")
	p, _ := odict.Plain(v).(map[string]any)
	return p
}

// minionMine is exec.Mine for one job: mine.get answers are kept for the
// job, so that a template that loops over mine.get asks once.
type minionMine struct {
	m    *Minion
	host *exec.Host
	mu   sync.Mutex
	got  map[string]map[string]any
}

func (mm *minionMine) Get(ctx context.Context, tgt string, funs []string, byFun bool, tgtType string) (map[string]any, error) {
	key := fmt.Sprintf("%s\x00%s\x00%v\x00%s", tgt, strings.Join(funs, ","), byFun, tgtType)
	mm.mu.Lock()
	v, ok := mm.got[key]
	mm.mu.Unlock()
	if ok {
		return v, nil
	}
	var r proto.MineReply
	if err := mm.m.ask(ctx, proto.SubjMine(mm.m.id), &proto.MineRequest{Op: proto.MineGet, Funs: funs, FunsList: byFun,
		Target: tgt, TargetType: tgtType}, &r); err != nil {
		return nil, fmt.Errorf("mine.get: %w", err)
	}
	if r.Data == nil {
		r.Data = map[string]any{}
	}
	mm.mu.Lock()
	if mm.got == nil {
		mm.got = map[string]map[string]any{}
	}
	mm.got[key] = r.Data
	mm.mu.Unlock()
	return r.Data, nil
}

func (mm *minionMine) Update(ctx context.Context, clear bool) (map[string]any, error) {
	return mm.m.mineUpdate(ctx, mm.host, clear)
}

func (mm *minionMine) Delete(ctx context.Context, fun string) error {
	var r proto.MineReply
	defer mm.forget()
	return mm.m.ask(ctx, proto.SubjMine(mm.m.id), &proto.MineRequest{Op: proto.MineDelete, Funs: []string{fun}}, &r)
}

func (mm *minionMine) Flush(ctx context.Context) error {
	var r proto.MineReply
	defer mm.forget()
	return mm.m.ask(ctx, proto.SubjMine(mm.m.id), &proto.MineRequest{Op: proto.MineFlush}, &r)
}

// forget drops the job's kept mine.get answers, after the job changed
// its own entry (send, delete, flush): a later mine.get asks again.
func (mm *minionMine) forget() {
	mm.mu.Lock()
	mm.got = nil
	mm.mu.Unlock()
}

// Send is mine.send: one value, merged into the minion's entry (not
// clear), as Salt's _mine_store(mine_data) sends it. The job's kept
// mine.get answers are dropped, so that a template that sends, then
// reads, sees its own value.
func (mm *minionMine) Send(ctx context.Context, name string, value any, allowTgt, allowTgtType string) error {
	b, err := json.Marshal(value)
	if err != nil {
		return fmt.Errorf("mine.send: %s: %w", name, err)
	}
	var plain any
	if err := json.Unmarshal(b, &plain); err != nil {
		return fmt.Errorf("mine.send: %s: %w", name, err)
	}
	data := map[string]proto.MineItem{name: {Data: plain, AllowTgt: allowTgt, AllowTgtType: allowTgtType}}
	var r proto.MineReply
	if err := mm.m.ask(ctx, proto.SubjMine(mm.m.id), &proto.MineRequest{Op: proto.MineUpdate, Data: data}, &r); err != nil {
		return fmt.Errorf("mine.send: %w", err)
	}
	mm.forget()
	return nil
}

func (mm *minionMine) Valid(ctx context.Context) (map[string]any, error) {
	fns, err := mm.m.mineFunctions(mm.host.Pillar)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, f := range fns {
		args := append([]any{}, f.Args...)
		for _, k := range sortedKeys(f.Kwargs) {
			args = append(args, map[string]any{k: f.Kwargs[k]})
		}
		out[f.Name] = map[string]any{f.Fun: args}
	}
	return out, nil
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// mineUpdate runs the mine functions on host and sends their values; it
// returns them ({name: value}). A function that fails is left out and
// logged, as Salt's mine.update does.
func (m *Minion) mineUpdate(ctx context.Context, host *exec.Host, clear bool) (map[string]any, error) {
	fns, err := m.mineFunctions(host.Pillar)
	if err != nil {
		return nil, err
	}
	data := map[string]proto.MineItem{}
	sent := map[string]any{}
	for _, f := range fns {
		r := exec.Call(ctx, host, f.Fun, f.Args, f.Kwargs)
		if r.Retcode != 0 {
			m.log.Warn("mine function failed", "name", f.Name, "fun", f.Fun, "err", fmt.Sprint(r.Value))
			continue
		}
		v := wireValue(r.Value)
		// Through JSON: the value as the master will keep it.
		b, err := json.Marshal(v)
		if err != nil {
			m.log.Warn("mine function value not encodable", "name", f.Name, "err", err)
			continue
		}
		var plain any
		_ = json.Unmarshal(b, &plain)
		data[f.Name] = proto.MineItem{Data: plain, AllowTgt: f.AllowTgt, AllowTgtType: f.AllowTgtType}
		sent[f.Name] = plain
	}
	if len(data) == 0 && !clear {
		return sent, nil
	}
	var r proto.MineReply
	if err := m.ask(ctx, proto.SubjMine(m.id), &proto.MineRequest{Op: proto.MineUpdate, Data: data, Clear: clear}, &r); err != nil {
		return nil, fmt.Errorf("mine.update: %w", err)
	}
	return sent, nil
}

// mineLoop sends the mine at start and every mine_interval, until ctx
// ends (the minion's stop). Mine functions from pillar alone are learnt
// from the first pillar a job fetches (noteMinePillar): the loop does
// not ask the master for pillar at every minion's start for functions
// most fleets do not have.
func (m *Minion) mineLoop(ctx context.Context) {
	var tick <-chan time.Time
	if m.cfg.MineInterval > 0 {
		t := time.NewTicker(m.cfg.MineInterval.D())
		defer t.Stop()
		tick = t.C
	}
	if len(m.cfg.MineFunctions) > 0 {
		m.mineRefresh(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.mineKick:
			m.mineRefresh(ctx)
		case <-tick:
			if len(m.cfg.MineFunctions) > 0 || m.minePillar.Load() {
				m.mineRefresh(ctx)
			}
		}
	}
}

// noteMinePillar looks at a pillar a job fetched: the first one with
// mine_functions starts a mine update.
func (m *Minion) noteMinePillar(p *odict.Map) {
	if pillarMineFunctions(p) == nil || m.minePillar.Swap(true) {
		return
	}
	select {
	case m.mineKick <- struct{}{}:
	default:
	}
}

// mineRefresh runs one mine update, with the minion's pillar.
func (m *Minion) mineRefresh(ctx context.Context) {
	host := m.newHost(nil, m.log, "")
	p, _, err := m.fetchPillar(ctx, nil)
	if err != nil {
		m.log.Warn("mine update: no pillar", "err", err)
		if ctx.Err() != nil {
			return
		}
		p = odict.New(0)
	}
	if pillarMineFunctions(p) != nil {
		m.minePillar.Store(true)
	}
	host.Pillar = p
	fns, err := m.mineFunctions(p)
	if err != nil {
		m.log.Warn("mine update", "err", err)
		return
	}
	if len(fns) == 0 {
		return
	}
	if _, err := m.mineUpdate(ctx, host, false); err != nil {
		m.log.Warn("mine update", "err", err)
		return
	}
	m.log.Debug("mine updated", "functions", len(fns))
}
