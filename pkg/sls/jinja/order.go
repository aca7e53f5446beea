package jinja

import "github.com/brine-cm/brine/pkg/sls/internal/keyorder"

// keyOrderVar is the variable through which SaltVars hands a run's
// key-order table to Render, so that the salt functions, the templates
// and the compiler's YAML share one.
const keyOrderVar = "__keyorder"

// VarsOrder returns the key-order table SaltVars put in a template's
// variables, or nil: the compiler records there the key order of the
// data a template made (the rendered SLS), for the renders that data
// reaches later. The table is the renderer's own (pkg/sls/internal).
func VarsOrder(vars map[string]any) *keyorder.KeyOrder {
	o, _ := vars[keyOrderVar].(*keyorder.KeyOrder)
	return o
}
