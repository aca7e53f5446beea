package output

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
}

// StateOutputError is a state_output (or --state-output) that names no
// form of Salt's highstate outputter that brine has.
type StateOutputError struct{ Value string }

func (e *StateOutputError) Error() string {
	return fmt.Sprintf("state_output %q: want full, terse, mixed or changes (or full_id, terse_id, mixed_id, changes_id)", e.Value)
}

// CheckStateOutput checks a state_output value, in any case as Salt
// lowercases it.
func CheckStateOutput(s string) error {
	switch strings.ToLower(s) {
	case "", "full", "terse", "mixed", "changes", "full_id", "terse_id", "mixed_id", "changes_id":
		return nil
	}
	return &StateOutputError{Value: s}
}

// Validate checks the values a config file gave.
func (c Settings) Validate() error {
	return CheckStateOutput(c.StateOutput)
}
