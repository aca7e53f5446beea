package jinja

import (
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/brine-cm/brine/pkg/py/pyrandom"
)

// randomFuncs adds Salt's random module (salt/modules/mod_random.py):
// seed, rand_int, sample, shuffle, hash, str_encode and get_str. The
// seeded draws are Python's Mersenne Twister, so random.seed(60) gives a
// minion the same cron minute as Salt gives it.
func randomFuncs(c *saltCtx, m map[string]Func) {
	m["random.seed"] = func(args []any, kw map[string]any) (any, error) {
		rng, err := intParam(args, kw, 0, "range", 10)
		if err != nil {
			return nil, fmt.Errorf("random.seed: %w", err)
		}
		seed := normalize(param(args, kw, 1, "hash", nil))
		if seed == nil {
			// Salt: __grains__["id"].
			seed = c.ID
			if id, ok := c.Grains["id"].(string); ok {
				seed = id
			}
		}
		v, err := pyrandom.Seed(int64(rng), seed)
		if err != nil {
			return nil, err
		}
		return int(v), nil
	}
	m["random.rand_int"] = func(args []any, kw map[string]any) (any, error) {
		start, err := intParam(args, kw, 0, "start", 1)
		if err != nil {
			return nil, fmt.Errorf("random.rand_int: %w", err)
		}
		end, err := intParam(args, kw, 1, "end", 10)
		if err != nil {
			return nil, fmt.Errorf("random.rand_int: %w", err)
		}
		v, err := pyrandom.RandInt(int64(start), int64(end), normalize(param(args, kw, 2, "seed", nil)))
		if err != nil {
			return nil, err
		}
		return int(v), nil
	}
	m["random.sample"] = func(args []any, kw map[string]any) (any, error) {
		size, err := intParam(args, kw, 1, "size", 0)
		if err != nil {
			return nil, fmt.Errorf("random.sample: %w", err)
		}
		return randomSample(param(args, kw, 0, "value", nil), size, true, param(args, kw, 2, "seed", nil))
	}
	m["random.shuffle"] = func(args []any, kw map[string]any) (any, error) {
		return randomSample(param(args, kw, 0, "value", nil), 0, false, param(args, kw, 1, "seed", nil))
	}
	m["random.hash"] = func(args []any, kw map[string]any) (any, error) {
		v, err := strParam(args, kw, 0, "value")
		if err != nil {
			return nil, fmt.Errorf("random.hash: %w", err)
		}
		alg, err := toStr(param(args, kw, 1, "algorithm", "sha512"))
		if err != nil {
			return nil, err
		}
		return pyrandom.Hash(v, alg)
	}
	m["random.str_encode"] = func(args []any, kw map[string]any) (any, error) {
		v, err := strParam(args, kw, 0, "value")
		if err != nil {
			return nil, fmt.Errorf("random.str_encode: %w", err)
		}
		if enc := param(args, kw, 1, "encoder", "base64"); enc != "base64" {
			// Salt: str.encode(encoder), which on Python 3 gives bytes
			// for a text codec and fails for the rest.
			return nil, fmt.Errorf("random.str_encode: encoder %v: only base64 is supported", enc)
		}
		return base64.StdEncoding.EncodeToString([]byte(v)), nil
	}
	m["random.get_str"] = func(args []any, kw map[string]any) (any, error) {
		n, err := intParam(args, kw, 0, "length", 20)
		if err != nil {
			return nil, fmt.Errorf("random.get_str: %w", err)
		}
		cl := pyrandom.DefaultStrClasses
		if ch := param(args, kw, 1, "chars", nil); ch != nil {
			if cl.Chars, err = toStr(ch); err != nil {
				return nil, err
			}
		}
		for i, f := range []struct {
			name string
			to   *bool
		}{{"lowercase", &cl.Lowercase}, {"uppercase", &cl.Uppercase}, {"digits", &cl.Digits},
			{"punctuation", &cl.Punctuation}, {"whitespace", &cl.Whitespace}, {"printable", &cl.Printable}} {
			if v := param(args, kw, i+2, f.name, nil); v != nil {
				*f.to, _ = truth(v)
			}
		}
		return pyrandom.GetStr(n, cl)
	}
}

// intParam reads an integer argument (a string of one too, as Salt's
// CLI hands them over), def when not given.
func intParam(args []any, kw map[string]any, i int, name string, def int) (int, error) {
	v := param(args, kw, i, name, def)
	if n, _, isF, ok := toNum(v); ok && !isF {
		return n, nil
	}
	if s, ok := v.(string); ok {
		var n int
		if _, err := fmt.Sscan(s, &n); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("argument '%s': %v is not an integer", name, v)
}

// randomSample is salt.utils.data.sample (all=false) and shuffle (a
// sample as long as the list), behind random.sample, random.shuffle and
// the random_sample and random_shuffle filters.
func randomSample(value any, size int, sized bool, seed any) (any, error) {
	var l []any
	switch v := normalize(value).(type) {
	case []any:
		l = v
	case string:
		for _, r := range v {
			l = append(l, string(r))
		}
	default:
		return nil, errors.New("random sample: the value must be a list")
	}
	if !sized {
		size = len(l)
	}
	idx, err := pyrandom.SampleIndexes(len(l), size, normalize(seed))
	if err != nil {
		return nil, err
	}
	out := make([]any, len(idx))
	for i, j := range idx {
		out[i] = l[j]
	}
	return out, nil
}

// randomFilters are Salt's random_sample and random_shuffle filters.
func randomFilters() {
	filters["random_sample"] = func(_ *env, v any, args []any, kw map[string]any) (any, error) {
		size, err := intParam(args, kw, 0, "size", 0)
		if err != nil {
			return nil, fmt.Errorf("random_sample: %w", err)
		}
		return randomSample(v, size, true, arg(args, kw, 1, "seed", nil))
	}
	filters["random_shuffle"] = func(_ *env, v any, args []any, kw map[string]any) (any, error) {
		return randomSample(v, 0, false, arg(args, kw, 0, "seed", nil))
	}
}
