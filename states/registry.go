package states

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// The registry is the one global in brine: modules add themselves in init(),
// as Prometheus collectors do, and nothing changes it after start-up.
var (
	regMu    sync.RWMutex
	registry = map[string]Func{}
	watchers = map[string]Func{}
)

// Register adds a state function under its full name, such as
// "file.managed". It panics on a duplicate, which is a programming error
// caught at start-up, never a reaction to input.
func Register(name string, fn Func) {
	regMu.Lock()
	defer regMu.Unlock()
	if !strings.Contains(name, ".") {
		panic("states: Register name without a module: " + name)
	}
	if _, dup := registry[name]; dup {
		panic("states: duplicate Register of " + name)
	}
	registry[name] = fn
}

// RegisterWatch adds a module's mod_watch: what a state of that module does
// when a state it watches has changed (a service restarts, a command runs).
// The request's Func names the state function that holds the watch.
func RegisterWatch(module string, fn Func) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := watchers[module]; dup {
		panic("states: duplicate RegisterWatch of " + module)
	}
	watchers[module] = fn
}

// Lookup returns the state function for a full name.
func Lookup(name string) (Func, error) {
	regMu.RLock()
	defer regMu.RUnlock()
	fn, ok := registry[name]
	if !ok {
		mod, _, _ := strings.Cut(name, ".")
		var near []string
		for n := range registry {
			if strings.HasPrefix(n, mod+".") {
				near = append(near, n)
			}
		}
		sort.Strings(near)
		if len(near) > 0 {
			return nil, fmt.Errorf("state function %q is not available; module %q has %s", name, mod, strings.Join(near, ", "))
		}
		return nil, fmt.Errorf("state function %q is not available: no state module %q", name, mod)
	}
	return fn, nil
}

// Watcher returns the module's mod_watch, if it has one.
func Watcher(module string) (Func, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	fn, ok := watchers[module]
	return fn, ok
}

// Names lists every registered state function, sorted.
func Names() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
