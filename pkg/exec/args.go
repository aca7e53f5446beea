package exec

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/brine-cm/brine/pkg/cliargs"
	"github.com/brine-cm/brine/states"
)

// ParseArgs splits command-line words into positional and keyword
// arguments as Salt does (see cliargs.ParseArgs).
func ParseArgs(words []string) (args []any, kwargs map[string]any) { return cliargs.ParseArgs(words) }

// bind matches a call's positional and keyword arguments to the
// function's Params, as Python binds a call: positional arguments fill
// the Params in order (a Many Param takes the rest), keyword arguments go
// by name, and each is read as its Param's type, once. The values are
// returned by Param name; rest holds the keyword arguments a Rest Param
// took. An argument given twice, one the function does not take (with
// the nearest name it does take, when one is a likely typo), a bad value
// or a missing required one is an *states.ArgError naming the function.
func bind(fun string, params []states.Param, args []any, kwargs map[string]any) (kw, rest map[string]any, err error) {
	kw = map[string]any{}
	var errs []error
	fail := func(arg string, err error) {
		errs = append(errs, &states.ArgError{Func: fun, Arg: arg, Err: err})
	}
	var positional []states.Param
	var restParam *states.Param
	byName := map[string]*states.Param{}
	for i := range params {
		p := &params[i]
		if p.Rest {
			restParam = p
			continue
		}
		positional = append(positional, *p)
		byName[p.Name] = p
	}
	given := map[string]bool{}
	i := 0
	for ; i < len(args) && i < len(positional); i++ {
		p := positional[i]
		if p.Many {
			l := make([]string, 0, len(args)-i)
			for _, a := range args[i:] {
				v, err := p.Type.Decode(a)
				if err != nil {
					fail(p.Name, err)
					continue
				}
				if v != nil {
					l = append(l, toString(v))
				}
			}
			kw[p.Name], given[p.Name] = l, true
			i = len(args)
			break
		}
		v, err := p.Type.Decode(args[i])
		if err != nil {
			fail(p.Name, err)
		}
		kw[p.Name], given[p.Name] = v, true
	}
	if i < len(args) {
		names := make([]string, len(positional))
		for j, p := range positional {
			names[j] = p.Name
		}
		what := "no positional arguments"
		if len(names) > 0 {
			what = fmt.Sprintf("at most %d positional argument(s) (%s)", len(names), strings.Join(names, ", "))
		}
		errs = append(errs, fmt.Errorf("%s takes %s, got %d: %s", fun, what, len(args), toString(args[i])))
	}
	for _, k := range sortedKeys(kwargs) {
		p, ok := byName[k]
		switch {
		case ok && given[k]:
			fail(k, errors.New("given twice, by position and by name"))
		case ok:
			v, err := p.Type.Decode(kwargs[k])
			if err != nil {
				fail(k, err)
				continue
			}
			if p.Many {
				v, _ = states.StringList.Decode(v)
			}
			kw[k], given[k] = v, true
		case restParam != nil:
			if rest == nil {
				rest = map[string]any{}
			}
			rest[k] = kwargs[k]
		default:
			fail(k, unknownArg(fun, k, positional))
		}
	}
	for _, p := range positional {
		if kw[p.Name] == nil {
			if p.Required {
				fail(p.Name, states.ErrRequired)
			} else if p.Default != nil {
				kw[p.Name] = p.Default
			}
		}
	}
	return kw, rest, errors.Join(errs...)
}

// unknownArg is the error for a keyword argument a function does not
// take: "did you mean runas?" when it is a likely typo of one it takes,
// else the list of those it takes.
func unknownArg(fun, name string, params []states.Param) error {
	names := make([]string, len(params))
	for i, p := range params {
		names[i] = p.Name
	}
	if near, ok := states.Suggest(name, names); ok {
		return fmt.Errorf("%w; did you mean %s?", states.ErrUnknownArg, near)
	}
	if len(names) == 0 {
		return fmt.Errorf("%w: %s takes none", states.ErrUnknownArg, fun)
	}
	return fmt.Errorf("%w: %s takes %s", states.ErrUnknownArg, fun, strings.Join(names, ", "))
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func toString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		parts := make([]string, 0, len(t))
		for _, e := range t {
			parts = append(parts, toString(e))
		}
		return strings.Join(parts, ",")
	}
	b, _ := yaml.Marshal(v)
	return strings.TrimSpace(string(b))
}
