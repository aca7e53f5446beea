package jinja

import (
	"fmt"
	"math"
	"math/big"
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
	// A dict view is no list in Python 3: `d.keys() + [x]`, a Python 2
	// idiom, is a TypeError there (only keys and items views take set
	// operators, which templates do not use).
	if lv, ok := l.(dictView); ok {
		return nil, fmt.Errorf("unsupported operand type(s) for %s: '%s' and '%s'", op, lv.kind, typeName(r))
	}
	if rv, ok := r.(dictView); ok {
		return nil, fmt.Errorf("unsupported operand type(s) for %s: '%s' and '%s'", op, typeName(l), rv.kind)
	}
	// Bytes (from str.encode) join bytes alone, as Python 3's.
	if _, lb := l.(pyBytes); op == "+" {
		if _, rb := r.(pyBytes); lb || rb {
			return bytesConcat(l, r)
		}
	}
	// A tuple plus a tuple is a tuple; normalize would make lists of both.
	if lt, ok := l.(tuple); ok && op == "+" {
		if rt, ok := r.(tuple); ok {
			return append(append(tuple{}, lt...), rt...), nil
		}
	}
	// A tuple and a list do not concatenate.
	if _, lt := l.(tuple); op == "+" {
		if _, rt := r.(tuple); lt != rt {
			if _, ll := normalize(l).([]any); ll {
				if _, rl := normalize(r).([]any); rl {
					return nil, fmt.Errorf("can only concatenate %s (not \"%s\") to %s", typeName(l), typeName(r), typeName(l))
				}
			}
		}
	}
	// ...and a tuple repeated is a tuple, whichever side the count is on.
	_, lTuple := l.(tuple)
	_, rTuple := r.(tuple)
	if op == "*" && (lTuple || rTuple) {
		out, err := arith(op, normalize(l), normalize(r))
		if lst, ok := out.([]any); ok && err == nil {
			return tuple(lst), nil
		}
		return out, err
	}
	l, r = normalize(l), normalize(r)
	for _, v := range []any{l, r} {
		if u, ok := v.(Undefined); ok {
			return nil, u.err()
		}
	}
	_, lBig := l.(pyBigInt)
	if _, rBig := r.(pyBigInt); lBig || rBig {
		if out, ok, err := bigArith(op, l, r); ok {
			return out, err
		}
	}
	li, lf, lFloat, lok := toNum(l)
	ri, rf, rFloat, rok := toNum(r)
	// orBig is n when the int operation fit, else the operation done
	// again on Python's unbounded ints.
	orBig := func(n int, fit bool) (any, error) {
		if fit {
			return n, nil
		}
		out, _, err := bigArith(op, li, ri)
		return out, err
	}
	if lok && rok {
		anyFloat := lFloat || rFloat
		switch op {
		case "+":
			if anyFloat {
				return lf + rf, nil
			}
			return orBig(addInt(li, ri))
		case "-":
			if anyFloat {
				return lf - rf, nil
			}
			if ri == math.MinInt {
				return orBig(0, false)
			}
			return orBig(addInt(li, -ri))
		case "*":
			if anyFloat {
				return lf * rf, nil
			}
			return orBig(mulInt(li, ri))
		case "/":
			if rf == 0 {
				return nil, fmt.Errorf("division by zero")
			}
			if !anyFloat && (li > 1<<53 || li < -1<<53 || ri > 1<<53 || ri < -1<<53) {
				// Past 2**53 a float cannot hold the ints exactly.
				return intTrueDiv(big.NewInt(int64(li)), big.NewInt(int64(ri)))
			}
			return lf / rf, nil
		case "//":
			if rf == 0 {
				return nil, fmt.Errorf("integer division or modulo by zero")
			}
			if anyFloat {
				q, _ := floatDivmod(lf, rf)
				return q, nil
			}
			if li == math.MinInt && ri == -1 {
				return orBig(0, false)
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
				_, m := floatDivmod(lf, rf)
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
				return orBig(res, ok)
			}
			return floatPow(lf, rf)
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

// floatDivmod is CPython's _float_div_mod: the floor quotient computed
// from fmod, not floor(x/y), which rounds first (0.5 // 0.1 is 4.0 in
// Python, where floor(0.5/0.1) is 5), and a zero remainder takes the
// divisor's sign (-0.0 % 1 is 0.0).
func floatDivmod(x, y float64) (div, mod float64) {
	mod = math.Mod(x, y)
	div = (x - mod) / y
	if mod != 0 {
		if (y < 0) != (mod < 0) {
			mod += y
			div--
		}
	} else {
		mod = math.Copysign(0, y)
	}
	if div != 0 {
		q := math.Floor(div)
		if div-q > 0.5 {
			q++
		}
		return q, mod
	}
	return math.Copysign(0, x/y), mod
}

// exactPow is x**n correctly rounded, as the C library's pow gives it
// (math.Pow can be an ulp off: 1e20 ** 7 is 1e+140 in Python). x**|n| is
// exact at 53 bits a factor; a negative n then divides at that precision.
func exactPow(x float64, n int) float64 {
	k := n
	if k < 0 {
		k = -k
	}
	prec := uint(53*k + 64)
	res := new(big.Float).SetPrec(prec).SetFloat64(1)
	base := new(big.Float).SetPrec(prec).SetFloat64(x)
	for ; k > 0; k >>= 1 {
		if k&1 == 1 {
			res.Mul(res, base)
		}
		base.Mul(base, base)
	}
	if n < 0 {
		res.Quo(new(big.Float).SetPrec(prec).SetFloat64(1), res)
	}
	f, _ := res.Float64()
	return f
}

// floatPow is Python's float **: zero to a negative power and a finite
// result too large are errors, as are a negative base and a fractional
// exponent (a complex number in Python), where math.Pow gives Inf or NaN.
func floatPow(x, y float64) (any, error) {
	if x == 0 && y < 0 {
		return nil, fmt.Errorf("0.0 cannot be raised to a negative power")
	}
	r := math.Pow(x, y)
	if n := int(y); float64(n) == y && n >= -64 && n <= 64 && !math.IsInf(x, 0) && !math.IsNaN(x) && x != 0 {
		r = exactPow(x, n)
	}
	finite := !math.IsInf(x, 0) && !math.IsNaN(x) && !math.IsInf(y, 0) && !math.IsNaN(y)
	switch {
	case finite && math.IsInf(r, 0):
		return nil, fmt.Errorf("numerical result out of range")
	case finite && math.IsNaN(r):
		return nil, fmt.Errorf("a negative number cannot be raised to a fractional power here (Python gives a complex number)")
	}
	return r, nil
}
