package main

import (
	"errors"
	"slices"
	"testing"
)

func TestParseSizes(t *testing.T) {
	tests := []struct {
		in   string
		want []int
	}{
		{"1000,10000", []int{1000, 10000}},
		{" 10, 100 ", []int{10, 100}},
		{"100,10", nil},
		{"0", nil},
		{"x", nil},
	}
	for _, tt := range tests {
		got, err := parseSizes(tt.in)
		var se *SizeError
		if tt.want == nil {
			if !errors.As(err, &se) {
				t.Errorf("parseSizes(%q) = %v, %v; want a SizeError", tt.in, got, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("parseSizes(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestChunks(t *testing.T) {
	tests := []struct {
		n, per int
		want   []int
	}{
		{9000, 2000, []int{2000, 2000, 2000, 2000, 1000}},
		{1000, 2000, []int{1000}},
		{0, 2000, nil},
	}
	for _, tt := range tests {
		if got := chunks(tt.n, tt.per); !slices.Equal(got, tt.want) {
			t.Errorf("chunks(%d, %d) = %v; want %v", tt.n, tt.per, got, tt.want)
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{7: "7", 1000: "1,000", 10000: "10,000", 1234567: "1,234,567"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q; want %q", n, got, want)
		}
	}
}
