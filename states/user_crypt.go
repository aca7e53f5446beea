package states

import (
	"crypto/rand"
	"crypto/sha512"
	"fmt"
	"strconv"
	"strings"
)

// hash_password turns a clear-text password into a SHA-512 crypt(3) hash
// ($6$), the scheme every glibc reads. As in Salt, the salt of the hash
// already in /etc/shadow is used again when it is a $6$ hash, so that the
// same password gives the same hash and a rerun changes nothing.

const cryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// hashPassword hashes clear with the salt (and rounds) of current when
// current is a $6$ hash, else with a new random salt.
func hashPassword(clear, current string) (string, error) {
	if rounds, salt, ok := sha512Params(current); ok {
		return sha512Crypt(clear, salt, rounds), nil
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("hash_password: %w", err)
	}
	for i := range b {
		b[i] = cryptAlphabet[int(b[i])%len(cryptAlphabet)]
	}
	return sha512Crypt(clear, string(b), 0), nil
}

// sha512Params reads the rounds (0 for the default) and salt of a $6$ hash.
func sha512Params(h string) (rounds int, salt string, ok bool) {
	rest, ok := strings.CutPrefix(h, "$6$")
	if !ok {
		return 0, "", false
	}
	if r, after, found := strings.Cut(rest, "$"); found && strings.HasPrefix(r, "rounds=") {
		n, err := strconv.Atoi(strings.TrimPrefix(r, "rounds="))
		if err != nil {
			return 0, "", false
		}
		rounds, rest = n, after
	}
	salt, _, found := strings.Cut(rest, "$")
	if !found || salt == "" {
		return 0, "", false
	}
	return rounds, salt, true
}

// sha512Crypt is Ulrich Drepper's SHA-512 crypt. rounds 0 means the
// default of 5000, left out of the result.
func sha512Crypt(key, salt string, rounds int) string {
	const defRounds = 5000
	custom := rounds != 0
	if !custom {
		rounds = defRounds
	}
	rounds = max(1000, min(rounds, 999999999))
	if len(salt) > 16 {
		salt = salt[:16]
	}
	k, s := []byte(key), []byte(salt)

	b := sha512.New()
	b.Write(k)
	b.Write(s)
	b.Write(k)
	bsum := b.Sum(nil)

	a := sha512.New()
	a.Write(k)
	a.Write(s)
	i := len(k)
	for ; i > 64; i -= 64 {
		a.Write(bsum)
	}
	a.Write(bsum[:i])
	for i = len(k); i > 0; i >>= 1 {
		if i&1 != 0 {
			a.Write(bsum)
		} else {
			a.Write(k)
		}
	}
	asum := a.Sum(nil)

	dp := sha512.New()
	for range len(k) {
		dp.Write(k)
	}
	p := repeatTo(dp.Sum(nil), len(k))

	ds := sha512.New()
	for range 16 + int(asum[0]) {
		ds.Write(s)
	}
	sp := repeatTo(ds.Sum(nil), len(s))

	c := asum
	for r := range rounds {
		h := sha512.New()
		if r&1 != 0 {
			h.Write(p)
		} else {
			h.Write(c)
		}
		if r%3 != 0 {
			h.Write(sp)
		}
		if r%7 != 0 {
			h.Write(p)
		}
		if r&1 != 0 {
			h.Write(c)
		} else {
			h.Write(p)
		}
		c = h.Sum(nil)
	}

	var out strings.Builder
	out.WriteString("$6$")
	if custom {
		fmt.Fprintf(&out, "rounds=%d$", rounds)
	}
	out.WriteString(salt)
	out.WriteByte('$')
	for _, t := range [][3]int{
		{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4}, {47, 5, 26}, {6, 27, 48},
		{28, 49, 7}, {50, 8, 29}, {9, 30, 51}, {31, 52, 10}, {53, 11, 32}, {12, 33, 54}, {34, 55, 13},
		{56, 14, 35}, {15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19}, {62, 20, 41},
	} {
		b64From24(&out, c[t[0]], c[t[1]], c[t[2]], 4)
	}
	b64From24(&out, 0, 0, c[63], 2)
	return out.String()
}

func repeatTo(sum []byte, n int) []byte {
	out := make([]byte, 0, n)
	for len(out)+len(sum) <= n {
		out = append(out, sum...)
	}
	return append(out, sum[:n-len(out)]...)
}

func b64From24(out *strings.Builder, b2, b1, b0 byte, n int) {
	w := uint(b2)<<16 | uint(b1)<<8 | uint(b0)
	for range n {
		out.WriteByte(cryptAlphabet[w&0x3f])
		w >>= 6
	}
}
