package jinja

import (
	"errors"
	"fmt"

	"github.com/brine-cm/brine/pkg/odict"
)

// ifelseDefault is the key Salt's ifelse stores its last argument under.
const ifelseDefault = "SALT_IFELSE_FUNCTION_DEFAULT"

// matchIfelse is Salt's match.ifelse(*args, tgt_type="compound",
// minion_id=None, merge=None, merge_lists=False) (3006.0), also the
// ifelse global of its templates: args are (target, value) pairs and a
// last default; the value of the first target this minion matches, else
// the default. A target True matches every minion, False none. It is
// match.filter_by over those pairs, the default under a key of its own.
func matchIfelse(c *saltCtx, args []any, kw map[string]any) (any, error) {
	if len(args)%2 == 0 {
		return nil, errors.New("The ifelse function must have an odd number of arguments!")
	}
	if len(args) == 1 {
		return args[0], nil
	}
	lookup := odict.New(len(args)/2 + 1)
	for i := 0; i+1 < len(args); i += 2 {
		var key string
		switch k := args[i].(type) {
		case bool:
			key = "SALT_IFELSE_MATCH_NOTHING"
			if k {
				key = "*"
			}
		default:
			key = keyString(k)
		}
		lookup.Set(key, args[i+1])
	}
	lookup.Set(ifelseDefault, args[len(args)-1])
	fkw := map[string]any{"default": ifelseDefault}
	for k, v := range kw {
		switch k {
		case "tgt_type", "minion_id", "merge", "merge_lists":
			fkw[k] = v
		default:
			return nil, fmt.Errorf("ifelse() got an unexpected keyword argument '%s'", k)
		}
	}
	return matchFilterBy(c, []any{lookup}, fkw)
}

// gIfelse is the ifelse global: match.ifelse of the render's salt
// functions.
func gIfelse(e *env, args []any, kw map[string]any) (any, error) {
	if fns, ok := e.lookup("salt").(map[string]Func); ok {
		if f, ok := fns["match.ifelse"]; ok {
			return f(args, kw)
		}
	}
	return nil, errors.New("ifelse: the salt functions are not available in this render")
}
