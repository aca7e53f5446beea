package exec

import (
	"context"
	"encoding/base64"
	"fmt"

	"github.com/brine-cm/brine/pkg/py/pyrandom"
	"github.com/brine-cm/brine/states"
)

// Salt's random module (salt/modules/mod_random.py). The seeded draws are
// Python's Mersenne Twister (pkg/py/pyrandom): random.seed gives a minion
// the same number as Salt gives it.

func init() {
	register("random.seed", randomSeed, "Return a number in [0, range) drawn from a generator seeded with hash, by default the minion id: the same number every time for one minion, as Salt's (cron minutes: random.seed 60).",
		states.Param{Name: "range", Type: states.Int, Default: 10, Doc: "the number drawn is below it."},
		states.Param{Name: "hash", Type: states.Any, Doc: "the seed: a string or an integer; the minion id when not given."})
	register("random.rand_int", randomRandInt, "Return a random integer between start and end, both included; the same each time for one seed.",
		states.Param{Name: "start", Type: states.Int, Default: 1, Doc: "the lowest number."},
		states.Param{Name: "end", Type: states.Int, Default: 10, Doc: "the highest number."},
		states.Param{Name: "seed", Type: states.Any, Doc: "a string or an integer to seed the generator with."})
	register("random.sample", randomSample, "Return size elements of a list, picked at random; the same each time for one seed, as Salt's.",
		states.Param{Name: "value", Type: states.List, Required: true, Doc: "the list."},
		states.Param{Name: "size", Type: states.Int, Required: true, Doc: "how many to pick."},
		states.Param{Name: "seed", Type: states.String, Doc: "a string the generator is seeded from (its SHA-512)."})
	register("random.shuffle", randomShuffle, "Return a list shuffled; the same each time for one seed, as Salt's.",
		states.Param{Name: "value", Type: states.List, Required: true, Doc: "the list."},
		states.Param{Name: "seed", Type: states.String, Doc: "a string the generator is seeded from (its SHA-512)."})
	register("random.hash", randomHash, "Return the hex digest of a string: random.hash 'I am a string' md5.",
		states.Param{Name: "value", Type: states.String, Required: true, Doc: "the string."},
		states.Param{Name: "algorithm", Type: states.String, Default: "sha512", Doc: "md5, sha1, sha224, sha256, sha384, sha512, sha512_224, sha512_256 or sha3_224…sha3_512."})
	register("random.str_encode", randomStrEncode, "Return a string encoded in base64.",
		states.Param{Name: "value", Type: states.String, Required: true, Doc: "the string."},
		states.Param{Name: "encoder", Type: states.String, Default: "base64", Doc: "base64, the only encoder."})
	register("random.get_str", randomGetStr, "Return a random string of letters, digits and punctuation (by default), from the system's randomness.",
		states.Param{Name: "length", Type: states.Int, Default: 20, Doc: "how many characters."},
		states.Param{Name: "chars", Type: states.String, Doc: "every character allowed; the class options below are then not read (printable still wins, as in Salt)."},
		states.Param{Name: "lowercase", Type: states.Bool, Default: true, Doc: "lowercase ASCII letters."},
		states.Param{Name: "uppercase", Type: states.Bool, Default: true, Doc: "uppercase ASCII letters."},
		states.Param{Name: "digits", Type: states.Bool, Default: true, Doc: "digits."},
		states.Param{Name: "punctuation", Type: states.Bool, Default: true, Doc: "ASCII punctuation."},
		states.Param{Name: "whitespace", Type: states.Bool, Default: false, Doc: "space, tab and line breaks."},
		states.Param{Name: "printable", Type: states.Bool, Default: false, Doc: "all of the above, whitespace included."})
	register("random.shadow_hash", randomShadowHash, "Return a SHA-512 crypt hash for /etc/shadow: random.shadow_hash 'My5alT' 'MyP@asswd'.",
		states.Param{Name: "crypt_salt", Type: states.String, Doc: "the salt (16 characters are used); a random one when not given."},
		states.Param{Name: "password", Type: states.String, Doc: "the password; a random one when not given."},
		states.Param{Name: "algorithm", Type: states.String, Default: "sha512", Doc: "sha512, the only algorithm brine hashes with."})
}

func intArg(c *call, name string, def int) int {
	if n, ok := c.kw[name].(int); ok {
		return n
	}
	return def
}

func randomFail(c *call, err error) Return { return failed(fmt.Sprintf("%s: %v", c.fun, err)) }

func randomSeed(_ context.Context, c *call) Return {
	seed := c.kw["hash"]
	if seed == nil {
		seed = c.host.ID
		if id, ok := c.host.Grains["id"].(string); ok {
			seed = id
		}
	}
	v, err := pyrandom.Seed(int64(intArg(c, "range", 10)), seed)
	if err != nil {
		return failed(err.Error())
	}
	return nested(int(v))
}

func randomRandInt(_ context.Context, c *call) Return {
	v, err := pyrandom.RandInt(int64(intArg(c, "start", 1)), int64(intArg(c, "end", 10)), c.kw["seed"])
	if err != nil {
		return failed(err.Error())
	}
	return nested(int(v))
}

func randomPick(c *call, size int, sized bool) Return {
	l, _ := c.kw["value"].([]any)
	if !sized {
		size = len(l)
	}
	var seed any
	if c.has("seed") {
		seed = c.str("seed")
	}
	idx, err := pyrandom.SampleIndexes(len(l), size, seed)
	if err != nil {
		return randomFail(c, err)
	}
	out := make([]any, len(idx))
	for i, j := range idx {
		out[i] = l[j]
	}
	return nested(out)
}

func randomSample(_ context.Context, c *call) Return {
	return randomPick(c, intArg(c, "size", 0), true)
}

func randomShuffle(_ context.Context, c *call) Return { return randomPick(c, 0, false) }

func randomHash(_ context.Context, c *call) Return {
	h, err := pyrandom.Hash(c.str("value"), c.str("algorithm"))
	if err != nil {
		return randomFail(c, err)
	}
	return nested(h)
}

func randomStrEncode(_ context.Context, c *call) Return {
	if enc := c.str("encoder"); enc != "base64" {
		return randomFail(c, fmt.Errorf("encoder %q: only base64 is supported", enc))
	}
	return nested(base64.StdEncoding.EncodeToString([]byte(c.str("value"))))
}

func randomGetStr(_ context.Context, c *call) Return {
	s, err := pyrandom.GetStr(intArg(c, "length", 20), pyrandom.StrClasses{
		Chars: c.str("chars"), Lowercase: c.boolean("lowercase"), Uppercase: c.boolean("uppercase"),
		Digits: c.boolean("digits"), Punctuation: c.boolean("punctuation"),
		Whitespace: c.boolean("whitespace"), Printable: c.boolean("printable")})
	if err != nil {
		return failed(err.Error())
	}
	return nested(s)
}

func randomShadowHash(_ context.Context, c *call) Return {
	if alg := c.str("algorithm"); alg != "sha512" {
		return randomFail(c, fmt.Errorf("algorithm %q: brine hashes with sha512 only", alg))
	}
	pw := c.str("password")
	if !c.has("password") {
		var err error
		if pw, err = pyrandom.GetStr(20, pyrandom.DefaultStrClasses); err != nil {
			return randomFail(c, err)
		}
	}
	h, err := states.ShadowHash(pw, c.str("crypt_salt"))
	if err != nil {
		return randomFail(c, err)
	}
	return nested(h)
}
