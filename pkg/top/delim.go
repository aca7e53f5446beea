package top

import "fmt"

// CompileDelim is Compile for a grain or pillar target whose keys and
// value are separated by delim rather than ":", as Salt's match.grain,
// grain_pcre, pillar, pillar_pcre and pillar_exact take a delimiter
// (match.grain('ipv6|2001:db8::1', delimiter='|')).
func CompileDelim(expr, kind, delim string) (*Matcher, error) {
	var of func(*Minion) map[string]any
	var mode matchMode
	switch kind {
	case KindGrain:
		of, mode = grainsOf, modeGlob
	case KindGrainPCRE:
		of, mode = grainsOf, modeRegex
	case KindPillar:
		of, mode = pillarOf, modeGlob
	case KindPillarPCRE:
		of, mode = pillarOf, modeRegex
	case KindPillarExact:
		of, mode = pillarOf, modeExact
	default:
		return nil, fmt.Errorf("a %s target takes no delimiter", kind)
	}
	n, err := leafSubdict(of, expr, delim, mode)
	if err != nil {
		return nil, &ExprError{Expr: expr, Pos: -1, Msg: err.Error()}
	}
	return &Matcher{expr: expr, kind: kind, root: n}, nil
}
