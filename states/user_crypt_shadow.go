package states

import (
	"crypto/rand"
	"fmt"
)

// ShadowHash is a SHA-512 crypt(3) hash of password for /etc/shadow, with
// salt (at most 16 characters are used, as glibc does), or a new random
// one when salt is "": what Salt's random.shadow_hash gives with its
// default algorithm.
func ShadowHash(password, salt string) (string, error) {
	if salt == "" {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return "", fmt.Errorf("shadow_hash: %w", err)
		}
		for i := range b {
			b[i] = cryptAlphabet[int(b[i])%len(cryptAlphabet)]
		}
		salt = string(b)
	}
	return sha512Crypt(password, salt, 0), nil
}
