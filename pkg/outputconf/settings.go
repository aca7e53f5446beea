// Package outputconf holds the outputters' options of the config files, apart
// from the outputters, so that the master's config can read them without
// depending on the state engine the outputters print.
package outputconf

import (
	"fmt"
	"strings"
)

// Settings is the outputters' part of a config file, with Salt's option
// names: master.yaml's for the target command and brine run, as salt and
// salt-run read the master config, and minion.yaml's for brine call, as
// salt-call reads the minion config. A flag given on the command line
// wins over it.
type Settings struct {
	// StateOutput is Salt's state_output (--state-output): full, terse,
	// mixed, changes, or their _id forms.
	StateOutput string `yaml:"state_output"`
	// StateVerbose is Salt's state_verbose (--state-verbose); unset is
	// true.
	StateVerbose *bool `yaml:"state_verbose"`
	// StateOutputDiff is Salt's state_output_diff: states that succeeded
	// without changes are not printed, as with state_verbose false.
	StateOutputDiff bool `yaml:"state_output_diff"`
	// StateOutputProfile is Salt's state_output_profile; unset is true:
	// false leaves out each state's Started and Duration and the
	// summary's Total run time.
	StateOutputProfile *bool `yaml:"state_output_profile"`
	// StateOutputPct is Salt's state_output_pct: the summary adds the
	// percentages of states that succeeded and failed.
	StateOutputPct bool `yaml:"state_output_pct"`
	// Color is Salt's color; unset is true. false is --no-color.
	Color *bool `yaml:"color"`
	// StateOutputExclude and StateOutputTerse are Salt's options of
	// state_output: filter: the results ("True", "False", "None") whose
	// states are left out, or printed terse; a string is split at its
	// commas, as Salt's _format_host does.
	StateOutputExclude any `yaml:"state_output_exclude"`
	StateOutputTerse   any `yaml:"state_output_terse"`
	// StateTabular is Salt's state_tabular: true prints terse lines in
	// aligned columns. Salt also takes a str.format string of its own
	// there; brine refuses one.
	StateTabular any `yaml:"state_tabular"`
}

// FilterWords reads state_output_exclude or state_output_terse as Salt's
// _format_host uses it: a string is split at its commas; a list is kept
// as it is, and since Salt looks str(result) up in it, only its strings
// can match ("True", not YAML's true).
func FilterWords(v any) []string {
	switch v := v.(type) {
	case string:
		return strings.Split(v, ",")
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// StateOutputError is a state_output (or --state-output) that names no
// form of Salt's highstate outputter that brine has.
type StateOutputError struct{ Value string }

func (e *StateOutputError) Error() string {
	return fmt.Sprintf("state_output %q: want full, terse, mixed, changes or filter (or full_id, terse_id, mixed_id, changes_id, filter_id)", e.Value)
}

// CheckStateOutput checks a state_output value, in any case as Salt
// lowercases it.
func CheckStateOutput(s string) error {
	switch strings.ToLower(s) {
	case "", "full", "terse", "mixed", "changes", "filter", "full_id", "terse_id", "mixed_id", "changes_id", "filter_id":
		return nil
	}
	return &StateOutputError{Value: s}
}

// Validate checks the values a config file gave.
func (c Settings) Validate() error {
	for _, f := range []struct {
		key string
		v   any
	}{{"state_output_exclude", c.StateOutputExclude}, {"state_output_terse", c.StateOutputTerse}} {
		switch f.v.(type) {
		case nil, string, []any:
		default:
			return &FilterError{Key: f.key, Value: f.v}
		}
	}
	switch c.StateTabular.(type) {
	case nil, bool:
	default:
		return &TabularError{Value: c.StateTabular}
	}
	return CheckStateOutput(c.StateOutput)
}

// TabularError is a state_tabular that is not true or false: Salt reads
// a string there as a format of its own, which brine has not.
type TabularError struct{ Value any }

func (e *TabularError) Error() string {
	return fmt.Sprintf("state_tabular %v: want true or false (brine has no custom format strings)", e.Value)
}

// FilterError is a state_output_exclude or state_output_terse that is
// neither a string nor a list.
type FilterError struct {
	Key   string
	Value any
}

func (e *FilterError) Error() string {
	return fmt.Sprintf("%s %v: want a list of results (True, False, None) or a string of them with commas between", e.Key, e.Value)
}
