package states

import "sync"

// RunCache holds facts that live for one run and are shared by several
// states, such as the package database (read once per run, not once per
// package) or whether the package index was refreshed already.
type RunCache struct {
	mu sync.Mutex
	m  map[string]any
}

// Load returns the value for key, computing it with fill the first time.
// fill's error is not cached, so a later state may try again.
func (c *RunCache) Load(key string, fill func() (any, error)) (any, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m[key]; ok {
		return v, nil
	}
	v, err := fill()
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]any{}
	}
	c.m[key] = v
	return v, nil
}

// Forget drops key, for facts a state has just changed (the package
// database after an install).
func (c *RunCache) Forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}
