// Where the engine differs from Salt, on purpose:
//
//   - A None result (would change, under test) counts as a change for
//     onchanges, watch and prereq, even when the module left its changes
//     empty, so a dry run shows the reactions a real run would have.
//   - When a prereq state fails, its target reports False "One or more
//     requisite failed: sls.id"; Salt reports the target's test-run result
//     (None) with its changes removed.
//   - A per-state `test: false` does not turn a test=True run into a real
//     one; `test: true` makes one state a dry run.
//   - check_cmd is not run under test, so a dry run keeps its None.
//   - An onlyif/unless entry of Salt's `fun:` form without fun, or naming
//     a function that is not available, fails the state, where Salt would
//     run it.
//   - A __slot__: whose function fails fails the state with "An exception
//     occurred in this state: " and the function's error, where Salt
//     prints the traceback; a slot naming a function brine does not have
//     is passed on unchanged, as Salt passes on one it cannot call.
//   - A bad retry value is an error, where Salt logs it and uses defaults.
//   - A cancelled run reports every state it did not reach as False
//     "Run was cancelled before this state ran". After failhard the
//     remaining states are left out, as in Salt.
//   - parallel is accepted and ignored (logged): states run in order.
//     reload_modules, reload_grains and reload_pillar are ignored.
//   - An unknown requisite kind (use, use_in) fails the state with a clear
//     error. listen is supported, as in Salt: mod_watch at the end of the run.

package engine
