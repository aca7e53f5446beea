package states

import (
	"strings"
	"testing"
)

// The test vectors of Drepper's SHA-crypt specification.
func TestSHA512Crypt(t *testing.T) {
	for _, tc := range []struct {
		key, salt string
		rounds    int
		want      string
	}{
		{"Hello world!", "saltstring", 0, "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"},
		{"Hello world!", "saltstringsaltstring", 10000, "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."},
		{"This is just a test", "toolongsaltstring", 5000, "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0"},
		{"we have a short salt string but not a short password", "short", 77777, "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0"},
		{"the minimum number is still observed", "roundstoolow", 10, "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX."},
	} {
		if got := sha512Crypt(tc.key, tc.salt, tc.rounds); got != tc.want {
			t.Errorf("sha512Crypt(%q, %q, %d) = %s; want %s", tc.key, tc.salt, tc.rounds, got, tc.want)
		}
	}
}

func TestHashPasswordReusesSalt(t *testing.T) {
	h1, err := hashPassword("secret", "!")
	if err != nil || !strings.HasPrefix(h1, "$6$") || len(h1) != 3+16+1+86 {
		t.Fatalf("hashPassword = %q, %v", h1, err)
	}
	if h2, _ := hashPassword("secret", h1); h2 != h1 {
		t.Errorf("rehash with the stored salt = %q; want %q", h2, h1)
	}
	if h3, _ := hashPassword("other", h1); h3 == h1 || !strings.HasPrefix(h3, h1[:20]) {
		t.Errorf("another password = %q", h3)
	}
	r := "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."
	if h, _ := hashPassword("Hello world!", r); h != r {
		t.Errorf("rounds kept: %q", h)
	}
}
