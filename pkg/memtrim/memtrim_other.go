//go:build !linux

package memtrim

func pageOutExecutable() {}
