package pyrandom

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/brine-cm/brine/pkg/py/hashlib"
)

// Salt's random execution module (salt/modules/mod_random.py) and the
// helpers of salt/utils/data.py it calls, over this generator.

// Seed is Salt's random.seed(range, hash): random.seed(hash), then
// random.randrange(range). Salt's hash defaults to the minion id.
func Seed(rng int64, seed any) (int64, error) {
	r, err := New(seed)
	if err != nil {
		return 0, fmt.Errorf("random.seed: %w", err)
	}
	v, err := r.RandRange(0, rng)
	if err != nil {
		return 0, fmt.Errorf("random.seed: %w", err)
	}
	return v, nil
}

// RandInt is Salt's random.rand_int(start, end, seed): random.randint,
// after random.seed(seed) when seed is not nil (else from the system's
// randomness, as an unseeded Python generator is).
func RandInt(start, end int64, seed any) (int64, error) {
	r, err := seeded(seed)
	if err != nil {
		return 0, fmt.Errorf("random.rand_int: %w", err)
	}
	v, err := r.RandInt(start, end)
	if err != nil {
		return 0, fmt.Errorf("random.rand_int: %w", err)
	}
	return v, nil
}

func seeded(seed any) (*Rand, error) {
	if seed != nil {
		return New(seed)
	}
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	return New(n)
}

// SampleIndexes is salt.utils.data.sample(value, size, seed) over a list
// of length l: random.Random(hash(seed)).sample, where hash is
// salt.utils.data.hash (the SHA-512 hex digest of the seed's text) — the
// module's own hash shadows Python's — so a seed gives the same sample
// in every process. Without a seed the draw is random. It returns the
// indexes picked, in order.
func SampleIndexes(l, size int, seed any) ([]int, error) {
	var r *Rand
	var err error
	if seed == nil {
		r, err = seeded(nil)
	} else {
		var s string
		switch v := seed.(type) {
		case string:
			s = v
		case []byte:
			s = string(v)
		default:
			// hasher.update(value) takes bytes only.
			return nil, fmt.Errorf("seed %v: %w", seed, ErrHashType)
		}
		var h string
		if h, err = Hash(s, "sha512"); err == nil {
			r, err = New(h)
		}
	}
	if err != nil {
		return nil, err
	}
	return r.Sample(l, size)
}

// ErrHashType is hashlib's TypeError for a value that is not text.
var ErrHashType = errors.New("only strings can be hashed")

// ErrAlgorithm is Salt's "You must specify a valid algorithm."
var ErrAlgorithm = errors.New("You must specify a valid algorithm.")

// Hash is salt.utils.data.hash(value, algorithm): the hex digest of the
// value's UTF-8 bytes with one of hashlib's algorithms.
func Hash(value, algorithm string) (string, error) {
	h, ok := hashlib.New(algorithm)
	if !ok {
		return "", fmt.Errorf("%w (%q)", ErrAlgorithm, algorithm)
	}
	h.Write([]byte(value))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Python's string module's character classes.
const (
	asciiLowercase = "abcdefghijklmnopqrstuvwxyz"
	asciiUppercase = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	pyDigits       = "0123456789"
	pyPunctuation  = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
	pyWhitespace   = " \t\n\r\x0b\x0c"
)

// StrClasses are the character classes of Salt's random.get_str (and
// salt.utils.pycrypto.secure_password).
type StrClasses struct {
	// Chars, when not empty, is every character allowed; the classes
	// are then not read. Printable overrides it, as in Salt.
	Chars                                     string
	Lowercase, Uppercase, Digits, Punctuation bool
	Whitespace, Printable                     bool
}

// DefaultStrClasses are get_str's defaults: letters, digits and
// punctuation.
var DefaultStrClasses = StrClasses{Lowercase: true, Uppercase: true, Digits: true, Punctuation: true}

// GetStr is Salt's random.get_str: length characters drawn, each alike
// likely, from the classes, with the system's randomness.
func GetStr(length int, c StrClasses) (string, error) {
	chars := c.Chars
	if c.Printable {
		// Salt: printable wins over chars and the classes.
		chars = pyDigits + asciiLowercase + asciiUppercase + pyPunctuation + pyWhitespace
	} else if chars == "" {
		for _, cl := range []struct {
			on  bool
			set string
		}{{c.Lowercase, asciiLowercase}, {c.Uppercase, asciiUppercase}, {c.Digits, pyDigits},
			{c.Punctuation, pyPunctuation}, {c.Whitespace, pyWhitespace}} {
			if cl.on {
				chars += cl.set
			}
		}
	}
	set := []rune(chars)
	if len(set) == 0 {
		return "", errors.New("random.get_str: no characters to draw from")
	}
	var b strings.Builder
	for range max(length, 0) {
		i, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			return "", fmt.Errorf("random.get_str: %w", err)
		}
		b.WriteRune(set[i.Int64()])
	}
	return b.String(), nil
}
