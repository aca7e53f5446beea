package jinja

import (
	"fmt"
	"math"
	"math/big"
	"strings"
)

// pyBigInt is a Python int past 64 bits (`2 ** 64`, `10 ** 20|string`,
// a literal such as 100000000000000000000). Python's ints have no limit;
// brine's are Go ints until a result does not fit, then one of these,
// and back to an int when a result fits again. Arithmetic, comparison,
// printing, `int`, `float`, `string`, `abs`, `tojson` and `yaml` take
// them; anything else refuses them as a type it does not know, never
// with a wrong number.
type pyBigInt struct{ n *big.Int }

// maxBigBits bounds a result (a template asking for 2 ** 10 ** 9 would
// otherwise take the machine's memory).
const maxBigBits = 1 << 16

// bigOf returns v as a big.Int when it is an int, a bool or a pyBigInt.
func bigOf(v any) (*big.Int, bool) {
	switch x := v.(type) {
	case pyBigInt:
		return x.n, true
	case int:
		return big.NewInt(int64(x)), true
	case bool:
		if x {
			return big.NewInt(1), true
		}
		return big.NewInt(0), true
	}
	return nil, false
}

// intResult is z as a template value: an int when it fits.
func intResult(z *big.Int) (any, error) {
	if z.IsInt64() {
		return int(z.Int64()), nil
	}
	if z.BitLen() > maxBigBits {
		return nil, fmt.Errorf("integer result past %d bits", maxBigBits)
	}
	return pyBigInt{z}, nil
}

// bigFloat is float(z), Python's OverflowError past a float's range.
func bigFloat(z *big.Int) (float64, error) {
	f, _ := new(big.Float).SetInt(z).Float64()
	if math.IsInf(f, 0) {
		return 0, fmt.Errorf("int too large to convert to float")
	}
	return f, nil
}

// bigArith is op on two integers at least one of which does not fit 64
// bits (or whose result does not): ok is false when l or r is no
// integer. A float on either side makes it a float operation.
func bigArith(op string, l, r any) (out any, ok bool, err error) {
	lb, lok := bigOf(l)
	rb, rok := bigOf(r)
	if !lok || !rok {
		_, lBig := l.(pyBigInt)
		_, rBig := r.(pyBigInt)
		lf, lFloat := l.(float64)
		rf, rFloat := r.(float64)
		switch {
		case lBig && rFloat:
			f, err := bigFloat(lb)
			if err != nil {
				return nil, true, err
			}
			out, err := arith(op, f, rf)
			return out, true, err
		case rBig && lFloat:
			f, err := bigFloat(rb)
			if err != nil {
				return nil, true, err
			}
			out, err := arith(op, lf, f)
			return out, true, err
		}
		return nil, false, nil
	}
	z := new(big.Int)
	switch op {
	case "+":
		z.Add(lb, rb)
	case "-":
		z.Sub(lb, rb)
	case "*":
		if lb.BitLen()+rb.BitLen() > maxBigBits+1 {
			return nil, true, fmt.Errorf("integer result past %d bits", maxBigBits)
		}
		z.Mul(lb, rb)
	case "/":
		out, err := intTrueDiv(lb, rb)
		return out, true, err
	case "//", "%":
		if rb.Sign() == 0 {
			return nil, true, fmt.Errorf("integer division or modulo by zero")
		}
		// Python floors; Go's DivMod is Euclidean, QuoRem truncates.
		q, m := new(big.Int).QuoRem(lb, rb, new(big.Int))
		if m.Sign() != 0 && (m.Sign() < 0) != (rb.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
			m.Add(m, rb)
		}
		if op == "//" {
			z = q
		} else {
			z = m
		}
	case "**":
		if rb.Sign() < 0 {
			lf, err := bigFloat(lb)
			if err != nil {
				return nil, true, err
			}
			rf, _ := bigFloat(rb)
			out, err := floatPow(lf, rf)
			return out, true, err
		}
		if lb.BitLen() > 1 && (!rb.IsInt64() || int64(lb.BitLen()-1)*rb.Int64() > maxBigBits) {
			return nil, true, fmt.Errorf("integer result past %d bits", maxBigBits)
		}
		z.Exp(lb, rb, nil)
	default:
		return nil, false, nil
	}
	out, err = intResult(z)
	return out, true, err
}

// bigCompare orders a and b when one is a pyBigInt and the other a
// number; ok is false otherwise.
func bigCompare(a, b any) (c int, ok bool) {
	_, aBig := a.(pyBigInt)
	_, bBig := b.(pyBigInt)
	if !aBig && !bBig {
		return 0, false
	}
	ab, aok := bigOf(a)
	bb, bok := bigOf(b)
	if aok && bok {
		return ab.Cmp(bb), true
	}
	// Against a float: compare exactly, as Python does.
	toF := func(v any) (*big.Float, bool) {
		switch x := v.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, false
			}
			return new(big.Float).SetFloat64(x), true
		}
		if z, ok := bigOf(v); ok {
			return new(big.Float).SetInt(z), true
		}
		return nil, false
	}
	af, aok := toF(a)
	bf, bok := toF(b)
	if !aok || !bok {
		return 0, false
	}
	return af.Cmp(bf), true
}

// bigFromFloat is int(f) for a float past 64 bits.
func bigFromFloat(f float64) (any, error) {
	z, _ := new(big.Float).SetFloat64(math.Trunc(f)).Int(nil)
	return intResult(z)
}

// pyParseBigInt is int(s, base) for a text past 64 bits, read by
// pyParseInt's rules (sign, prefix for base 0 or its own base,
// underscores between digits, no leading zero in base 10).
func pyParseBigInt(s string, base int) (any, bool) {
	t := strings.TrimSpace(s)
	neg := false
	if t != "" && (t[0] == '+' || t[0] == '-') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if len(t) > 1 && t[0] == '0' {
		p := map[byte]int{'x': 16, 'o': 8, 'b': 2}[t[1]|0x20]
		if p != 0 && (base == 0 || base == p) {
			t, base = strings.TrimPrefix(t[2:], "_"), p
		}
	}
	if base == 0 {
		base = 10
		if strings.TrimLeft(t, "0_") != "" && strings.HasPrefix(t, "0") {
			return nil, false
		}
	}
	if base < 2 || base > 36 || t == "" || t[0] == '_' || t[len(t)-1] == '_' || strings.Contains(t, "__") || strings.ContainsAny(t, "+-") {
		return nil, false
	}
	z, ok := new(big.Int).SetString(strings.ReplaceAll(t, "_", ""), base)
	if !ok || z.BitLen() > maxBigBits {
		return nil, false
	}
	if neg {
		z.Neg(z)
	}
	out, err := intResult(z)
	return out, err == nil
}

// intTrueDiv is Python's int / int: the float nearest the exact
// quotient (long_true_divide), not float(a) / float(b), which rounds
// twice once a side is past 2**53.
func intTrueDiv(a, b *big.Int) (any, error) {
	if b.Sign() == 0 {
		return nil, fmt.Errorf("division by zero")
	}
	f, _ := new(big.Rat).SetFrac(a, b).Float64()
	if math.IsInf(f, 0) {
		return nil, fmt.Errorf("integer division result too large for a float")
	}
	return f, nil
}
