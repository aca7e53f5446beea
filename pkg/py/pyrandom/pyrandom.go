// Package pyrandom is Python's random module where Salt's results depend
// on it: a Mersenne Twister (MT19937) seeded as random.seed seeds it, and
// the draws Salt's random.seed, random.rand_int, random.sample and
// random.shuffle make from it. The same seed gives the same numbers as
// CPython 3, so `salt['random.seed'](60)` picks the same cron minute for
// a minion id in brine as in Salt.
package pyrandom

import (
	"crypto/sha512"
	"errors"
	"fmt"
	"math/big"
	"math/bits"
)

const (
	n         = 624
	m         = 397
	matrixA   = 0x9908b0df
	upperMask = 0x80000000
	lowerMask = 0x7fffffff
)

// Rand is one generator: Python's random.Random.
type Rand struct {
	mt  [n]uint32
	mti int
}

// ErrSeedType is returned for a seed Python 3.11's random.seed refuses
// (a list, a dict, None is not one: it seeds from the clock).
var ErrSeedType = errors.New("the only supported seed types are: None, int, float, str, bytes, and bytearray")

// New returns a generator seeded with seed as random.seed(seed) seeds
// one (version 2): a str is its UTF-8 bytes followed by their SHA-512,
// read as a big-endian integer; an int its absolute value; a bool its
// int; a float its hash, which for a whole number is the number.
func New(seed any) (*Rand, error) {
	var k *big.Int
	switch s := seed.(type) {
	case string:
		k = bytesSeed([]byte(s))
	case []byte:
		k = bytesSeed(s)
	case int:
		k = big.NewInt(int64(s))
	case int64:
		k = big.NewInt(s)
	case bool:
		k = big.NewInt(0)
		if s {
			k = big.NewInt(1)
		}
	case float64:
		if s != float64(int64(s)) {
			return nil, fmt.Errorf("seed %v: only whole-number floats are supported", s)
		}
		k = big.NewInt(int64(s))
	case *big.Int:
		k = new(big.Int).Set(s)
	default:
		return nil, fmt.Errorf("%w (got %T)", ErrSeedType, seed)
	}
	r := &Rand{}
	r.seedInt(k.Abs(k))
	return r, nil
}

func bytesSeed(b []byte) *big.Int {
	sum := sha512.Sum512(b)
	return new(big.Int).SetBytes(append(append([]byte{}, b...), sum[:]...))
}

// seedInt is CPython's random_seed: the integer's 32-bit words, least
// significant first, fed to init_by_array.
func (r *Rand) seedInt(k *big.Int) {
	var key []uint32
	mask := big.NewInt(0xffffffff)
	for v := new(big.Int).Set(k); v.Sign() > 0; v.Rsh(v, 32) {
		key = append(key, uint32(new(big.Int).And(v, mask).Uint64()))
	}
	if len(key) == 0 {
		key = []uint32{0}
	}
	r.initByArray(key)
}

func (r *Rand) initGenrand(s uint32) {
	r.mt[0] = s
	for i := 1; i < n; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.mti = n
}

func (r *Rand) initByArray(key []uint32) {
	r.initGenrand(19650218)
	i, j := 1, 0
	k := max(n, len(key))
	for ; k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= n {
			r.mt[0] = r.mt[n-1]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k = n - 1; k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1566083941)) - uint32(i)
		i++
		if i >= n {
			r.mt[0] = r.mt[n-1]
			i = 1
		}
	}
	r.mt[0] = 0x80000000
}

// Uint32 is genrand_uint32: the next 32 random bits.
func (r *Rand) Uint32() uint32 {
	if r.mti >= n {
		mag := [2]uint32{0, matrixA}
		var kk int
		for kk = 0; kk < n-m; kk++ {
			y := (r.mt[kk] & upperMask) | (r.mt[kk+1] & lowerMask)
			r.mt[kk] = r.mt[kk+m] ^ (y >> 1) ^ mag[y&1]
		}
		for ; kk < n-1; kk++ {
			y := (r.mt[kk] & upperMask) | (r.mt[kk+1] & lowerMask)
			r.mt[kk] = r.mt[kk+(m-n)] ^ (y >> 1) ^ mag[y&1]
		}
		y := (r.mt[n-1] & upperMask) | (r.mt[0] & lowerMask)
		r.mt[n-1] = r.mt[m-1] ^ (y >> 1) ^ mag[y&1]
		r.mti = 0
	}
	y := r.mt[r.mti]
	r.mti++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// GetRandBits is random.getrandbits(k) for 0 < k <= 64.
func (r *Rand) GetRandBits(k int) uint64 {
	if k <= 32 {
		return uint64(r.Uint32() >> (32 - k))
	}
	lo := uint64(r.Uint32())
	hi := uint64(r.Uint32() >> (64 - k))
	return hi<<32 | lo
}

// Below is random._randbelow(n): a number in [0, n), drawn with as few
// bits as n needs and drawn again while out of range. n must be > 0.
func (r *Rand) Below(n uint64) uint64 {
	k := bits.Len64(n)
	v := r.GetRandBits(k)
	for v >= n {
		v = r.GetRandBits(k)
	}
	return v
}

// ErrEmptyRange is randrange's "empty range" ValueError.
var ErrEmptyRange = errors.New("empty range for randrange()")

// RandRange is random.randrange(start, stop) with step 1.
func (r *Rand) RandRange(start, stop int64) (int64, error) {
	if stop <= start {
		return 0, fmt.Errorf("%w (%d, %d, %d)", ErrEmptyRange, start, stop, stop-start)
	}
	return start + int64(r.Below(uint64(stop-start))), nil
}

// RandInt is random.randint(a, b): a number in [a, b].
func (r *Rand) RandInt(a, b int64) (int64, error) { return r.RandRange(a, b+1) }

// Shuffle is random.shuffle(x) over a slice of length l, with swap
// exchanging two elements.
func (r *Rand) Shuffle(l int, swap func(i, j int)) {
	for i := l - 1; i > 0; i-- {
		j := int(r.Below(uint64(i + 1)))
		swap(i, j)
	}
}

// Sample is random.sample(population, k) over a population of length l:
// the indexes of the k elements picked, in the order picked.
func (r *Rand) Sample(l, k int) ([]int, error) {
	if k < 0 || k > l {
		return nil, errors.New("sample larger than population or is negative")
	}
	out := make([]int, k)
	setsize := 21
	if k > 5 {
		// 4 ** ceil(log(k*3, 4))
		e := 0
		for p := 1; p < k*3; p *= 4 {
			e++
		}
		setsize += 1 << (2 * e)
	}
	if l <= setsize {
		pool := make([]int, l)
		for i := range pool {
			pool[i] = i
		}
		for i := 0; i < k; i++ {
			j := int(r.Below(uint64(l - i)))
			out[i] = pool[j]
			pool[j] = pool[l-i-1]
		}
		return out, nil
	}
	selected := map[int]bool{}
	for i := 0; i < k; i++ {
		j := int(r.Below(uint64(l)))
		for selected[j] {
			j = int(r.Below(uint64(l)))
		}
		selected[j] = true
		out[i] = j
	}
	return out, nil
}
