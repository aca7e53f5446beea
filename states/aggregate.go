package states

// Low is a state call as a module's mod_aggregate sees it: Salt's low
// chunk, with the fields its mod_aggregate functions read and write.
type Low struct {
	Func string // "pkg.installed"
	Name string
	// Args are the module's arguments (the engine's keywords taken out).
	// A mod_aggregate may change them: the state then runs with them.
	Args map[string]any
	// Agg is Salt's __agg__: the call was folded into another one, or
	// was the one others were folded into; no aggregation takes it again.
	Agg bool
	// Ran is Salt's "tag in running": the state has run already.
	Ran bool
}

// AggregateFunc is a module's mod_aggregate: low is about to run, chunks
// are every call of the run in order, low among them. It folds what it
// can of the others into low's arguments and marks them Agg; they still
// run after, as in Salt.
type AggregateFunc func(low *Low, chunks []*Low)

var aggregators = map[string]AggregateFunc{}

// RegisterAggregate adds a module's mod_aggregate, which the engine calls
// when the state's `aggregate` argument or the minion option
// state_aggregate names the module (Salt's State._mod_aggregate).
func RegisterAggregate(module string, fn AggregateFunc) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := aggregators[module]; dup {
		panic("states: duplicate RegisterAggregate of " + module)
	}
	aggregators[module] = fn
}

// Aggregator returns the module's mod_aggregate, if it has one.
func Aggregator(module string) (AggregateFunc, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	fn, ok := aggregators[module]
	return fn, ok
}
