package pillar

import (
	"context"
	"fmt"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
)

// DecryptKey is one entry of Salt's decrypt_pillar option: a pillar key
// (nested keys joined by the delimiter) whose value, at any depth, is
// decrypted after the pillar is compiled, with Renderer ("": the
// default, gpg).
type DecryptKey struct {
	Key, Renderer string
}

// DecryptPillarError is a decrypt_pillar key that failed: Salt's
// "Failed to decrypt pillar key '%s': %s" under _errors.
type DecryptPillarError struct {
	Key string
	Err error
}

func (e *DecryptPillarError) Error() string {
	return fmt.Sprintf("Failed to decrypt pillar key '%s': %v", e.Key, e.Err)
}

func (e *DecryptPillarError) Unwrap() error { return e.Err }

// ParseDecryptPillar reads the decrypt_pillar option as Salt's
// repack_dictlist does: a list of keys, or of one-key mappings of a key
// to its renderer (a mapping of them is taken too).
func ParseDecryptPillar(v any) ([]DecryptKey, error) {
	var out []DecryptKey
	add := func(k string, r any) error {
		rs, ok := r.(string)
		if r != nil && !ok {
			return fmt.Errorf("decrypt_pillar: %s: the renderer must be a name such as gpg, got %v", k, r)
		}
		out = append(out, DecryptKey{Key: k, Renderer: rs})
		return nil
	}
	switch t := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		for k, r := range t {
			if err := add(k, r); err != nil {
				return nil, err
			}
		}
		return out, nil
	case []any:
		for _, item := range t {
			switch it := item.(type) {
			case string:
				out = append(out, DecryptKey{Key: it})
			case map[string]any:
				for k, r := range it {
					if err := add(k, r); err != nil {
						return nil, err
					}
				}
			default:
				return nil, fmt.Errorf("decrypt_pillar config option is malformed: %v is neither a key nor {key: renderer}", item)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("decrypt_pillar config option is malformed: want a list, got %T", v)
}

// decryptPillar is Salt's Pillar.decrypt_pillar: each key's value
// decrypted in place (a string replaced in its mapping); a key the
// pillar lacks is passed over; a failure is listed, in Salt's words.
func (c *Compiler) decryptPillar(ctx context.Context, p *odict.Map) []*SLSError {
	delim := c.DecryptDelimiter
	if delim == "" {
		delim = ":"
	}
	var errs []*SLSError
	for _, d := range c.DecryptPillar {
		parent, last, v, ok := traverseDict(p, d.Key, delim)
		if !ok || v == nil {
			continue // Salt: "Pillar key %s not present", at debug level
		}
		rend := d.Renderer
		if rend == "" {
			rend = c.DecryptDefault
		}
		if rend == "" {
			rend = "gpg"
		}
		var err error
		if rend != "gpg" || c.GPG == nil {
			err = fmt.Errorf("'%s' is not a valid decryption renderer. Valid choices are: gpg", rend)
		} else {
			var out any
			if out, err = c.GPG.decrypt(ctx, v); err == nil {
				parent.Set(last, out)
			}
		}
		if err != nil {
			errs = append(errs, &SLSError{Name: d.Key, Err: &DecryptPillarError{Key: d.Key, Err: err}})
		}
	}
	return errs
}

// traverseDict is Salt's traverse_dict: the value under the nested key,
// through mappings alone, with the mapping that holds it.
func traverseDict(p *odict.Map, key, delim string) (parent *odict.Map, last string, v any, ok bool) {
	parts := strings.Split(key, delim)
	cur := p
	for i, part := range parts {
		x, found := cur.Get(part)
		if !found {
			return nil, "", nil, false
		}
		if i == len(parts)-1 {
			return cur, part, x, true
		}
		next, isMap := x.(*odict.Map)
		if !isMap {
			return nil, "", nil, false
		}
		cur = next
	}
	return nil, "", nil, false
}
