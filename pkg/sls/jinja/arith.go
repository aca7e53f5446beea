package jinja

import (
	"fmt"
	"math"
	"strings"
)

const maxRepeat = 1 << 22

// errIntOverflow reports an integer result beyond 64 bits: Python's ints
// have no limit, and a wrapped-around number would be silently wrong.
var errIntOverflow = fmt.Errorf("integer overflow: brine's integers are 64-bit")

// checked returns n, or errIntOverflow when the operation overflowed.
func checked(n int, ok bool) (any, error) {
	if !ok {
		return nil, errIntOverflow
	}
	return n, nil
}

func addInt(a, b int) (int, bool) {
	c := a + b
	return c, (c > a) == (b > 0) || b == 0
}

func mulInt(a, b int) (int, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	c := a * b
	return c, c/b == a && !(a == -1 && b == math.MinInt) && !(b == -1 && a == math.MinInt)
}

func arith(op string, l, r any) (any, error) {
	rawR := r
	// A tuple plus a tuple is a tuple; normalize would make lists of both.
	if lt, ok := l.(tuple); ok && op == "+" {
		if rt, ok := r.(tuple); ok {
			return append(append(tuple{}, lt...), rt...), nil
		}
	}
	l, r = normalize(l), normalize(r)
	for _, v := range []any{l, r} {
		if u, ok := v.(Undefined); ok {
			return nil, u.err()
		}
	}
	li, lf, lFloat, lok := toNum(l)
	ri, rf, rFloat, rok := toNum(r)
	if lok && rok {
		anyFloat := lFloat || rFloat
		switch op {
		case "+":
			if anyFloat {
				return lf + rf, nil
			}
			return checked(addInt(li, ri))
		case "-":
			if anyFloat {
				return lf - rf, nil
			}
			if ri == math.MinInt {
				return nil, errIntOverflow
			}
			return checked(addInt(li, -ri))
		case "*":
			if anyFloat {
				return lf * rf, nil
			}
			return checked(mulInt(li, ri))
		case "/":
			if rf == 0 {
				return nil, fmt.Errorf("division by zero")
			}
			return lf / rf, nil
		case "//":
			if rf == 0 {
				return nil, fmt.Errorf("integer division or modulo by zero")
			}
			if anyFloat {
				return math.Floor(lf / rf), nil
			}
			if li == math.MinInt && ri == -1 {
				return nil, errIntOverflow
			}
			q := li / ri
			if (li%ri != 0) && ((li < 0) != (ri < 0)) {
				q--
			}
			return q, nil
		case "%":
			if rf == 0 {
				return nil, fmt.Errorf("integer division or modulo by zero")
			}
			if anyFloat {
				m := math.Mod(lf, rf)
				if m != 0 && (m < 0) != (rf < 0) {
					m += rf
				}
				return m, nil
			}
			if ri == -1 {
				return 0, nil
			}
			m := li % ri
			if m != 0 && (m < 0) != (ri < 0) {
				m += ri
			}
			return m, nil
		case "**":
			if !anyFloat && ri >= 0 {
				// Square and multiply, refusing what does not fit.
				res, base, ok := 1, li, true
				for e := ri; e > 0 && ok; e >>= 1 {
					if e&1 == 1 {
						res, ok = mulInt(res, base)
					}
					if e > 1 && ok {
						base, ok = mulInt(base, base)
					}
				}
				return checked(res, ok)
			}
			return math.Pow(lf, rf), nil
		}
	}
	switch op {
	case "+":
		if ls, ok := l.(string); ok {
			if rs, ok := r.(string); ok {
				return ls + rs, nil
			}
		}
		if ll, ok := l.([]any); ok {
			if rl, ok := r.([]any); ok {
				out := make([]any, 0, len(ll)+len(rl))
				return append(append(out, ll...), rl...), nil
			}
		}
	case "*":
		if lok && !lFloat {
			l, r, li = r, l, ri
		}
		if _, _, isF, ok := toNum(r); ok && !isF {
			n, _, _, _ := toNum(r)
			if n < 0 {
				n = 0
			}
			switch x := l.(type) {
			case string:
				if n > maxRepeat || len(x)*n > maxRepeat {
					return nil, fmt.Errorf("repeated string too long")
				}
				return strings.Repeat(x, n), nil
			case []any:
				if n > maxRange || len(x)*n > maxRange {
					return nil, fmt.Errorf("repeated list too long")
				}
				out := make([]any, 0, len(x)*n)
				for range n {
					out = append(out, x...)
				}
				return out, nil
			}
		}
	case "%":
		if ls, ok := l.(string); ok {
			return percentFormat(ls, rawR)
		}
	}
	return nil, fmt.Errorf("unsupported operand type(s) for %s: '%s' and '%s'", op, typeName(l), typeName(r))
}

func (e *env) evalCompare(c *cmpNode) (any, error) {
	l, err := e.eval(c.xs[0])
	if err != nil {
		return nil, err
	}
	for i, op := range c.ops {
		r, err := e.eval(c.xs[i+1])
		if err != nil {
			return nil, err
		}
		ok, err := compareOp(op, l, r)
		if err != nil {
			return nil, lineErr(err, c.line)
		}
		if !ok {
			return false, nil
		}
		l = r
	}
	return true, nil
}

func compareOp(op string, l, r any) (bool, error) {
	switch op {
	case "==", "!=":
		for _, v := range []any{l, r} {
			if u, ok := v.(Undefined); ok {
				return false, u.err()
			}
		}
		return equal(l, r) == (op == "=="), nil
	case "in", "not in":
		ok, err := contains(r, l)
		return ok == (op == "in"), err
	}
	c, err := compare(l, r)
	if err != nil {
		return false, err
	}
	switch op {
	case "<":
		return c < 0, nil
	case ">":
		return c > 0, nil
	case "<=":
		return c <= 0, nil
	}
	return c >= 0, nil
}
