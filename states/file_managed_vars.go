package states

import (
	"fmt"
	"strings"
)

// fileManagedVars are the variables Salt's file.get_managed hands the
// template of file.managed besides the context (salt/modules/file.py):
// the state's name, the source it chose, user, group, mode, attrs and
// saltenv. Formulas print them ("File managed by Salt at <{{ source }}>").
// The defaults, context and other arguments go on top, as in Salt, where
// the context is merged over them.
func fileManagedVars(req *Request, source string) map[string]any {
	env := req.Saltenv
	if env == "" {
		env = "base"
	}
	vars := map[string]any{"name": req.Name, "saltenv": env, "attrs": nil, "source": nil}
	if source != "" {
		vars["source"] = source
	}
	for _, k := range []string{"user", "group", "attrs"} {
		vars[k] = nil
		if v, ok := req.Args.Get(k); ok {
			vars[k] = v
		}
	}
	vars["mode"] = nil
	if v, ok := req.Args.Get("mode"); ok && v != nil {
		vars["mode"] = saltNormalizeMode(v)
	}
	return vars
}

// saltNormalizeMode is salt.utils.files.normalize_mode, which file.managed
// applies to its mode before the template sees it: the text of the value,
// "0o" read as "0", quotes and leading zeros dropped, then zero-padded to
// four digits (644 and "0644" both give "0644").
func saltNormalizeMode(v any) string {
	var s string
	switch t := v.(type) {
	case string:
		s = t
	default:
		s = fmt.Sprint(v)
	}
	s = strings.ReplaceAll(s, "0o", "0")
	s = strings.TrimLeft(strings.Trim(strings.Trim(s, `"`), "'"), "0")
	for len(s) < 4 {
		s = "0" + s
	}
	return s
}
