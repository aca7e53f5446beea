package jinja

// More of Salt's filters (salt/utils/jinja.py, salt/utils/data.py,
// salt/utils/stringutils.py).

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/brine-cm/brine/pkg/odict"
)

func init() {
	// is_iter is salt.utils.data.is_iter: iterable, and not a string.
	filters["is_iter"] = func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
		switch normalize(v).(type) {
		case []any, *odict.Map, map[string]Func:
			return true, nil
		}
		return false, nil
	}
	// load_text is SerializerExtension's: the text as it is.
	filters["load_text"] = func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
		return toStr(v)
	}
	// random_str is salt.utils.stringutils.random, the value its size
	// ({{ 32|random_str }}): size random bytes in base64, cut to size
	// characters.
	filters["random_str"] = func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
		size, ok := normalize(v).(int)
		if !ok {
			return nil, fmt.Errorf("random_str: the size must be an integer, got %s", typeName(v))
		}
		if size < 0 || size > 1<<16 {
			return nil, fmt.Errorf("random_str: size %d out of range", size)
		}
		b := make([]byte, size)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		s := base64.StdEncoding.EncodeToString(b)
		return s[:min(size, len(s))], nil
	}
}
