package master

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/brine-cm/brine/pkg/proto"
)

// Matcher decides whether the minion id, with its grains and pillar,
// matches a target expression of a type (proto.TargetGlob…).
type Matcher func(tgt, tgtType, id string, grains, pillar map[string]any) (bool, error)

// DefaultMatch knows Salt's glob, pcre, list, grain, grain_pcre, pillar
// and compound targets (nodegroups are expanded by the master first).
// pkg/top's matcher replaces it once wired; both follow Salt's rules.
func DefaultMatch(tgt, tgtType, id string, grains, pillar map[string]any) (bool, error) {
	switch tgtType {
	case "", proto.TargetGlob:
		return globMatch(tgt, id), nil
	case proto.TargetPCRE:
		return reMatch(tgt, id)
	case proto.TargetList:
		for _, s := range strings.Split(tgt, ",") {
			if strings.TrimSpace(s) == id {
				return true, nil
			}
		}
		return false, nil
	case proto.TargetGrain:
		return dataMatch(grains, tgt, false)
	case proto.TargetGrainPCRE:
		return dataMatch(grains, tgt, true)
	case proto.TargetPillar:
		return dataMatch(pillar, tgt, false)
	case proto.TargetCompound:
		c := &compound{toks: tokenize(tgt), id: id, grains: grains, pillar: pillar}
		ok, err := c.or()
		if err == nil && c.pos < len(c.toks) {
			err = fmt.Errorf("unexpected %q", c.toks[c.pos])
		}
		if err != nil {
			return false, fmt.Errorf("compound target %q: %w", tgt, err)
		}
		return ok, nil
	}
	return false, fmt.Errorf("unknown target type %q", tgtType)
}

func globMatch(pat, s string) bool {
	ok, err := path.Match(pat, s)
	return err == nil && ok
}

func reMatch(pat, s string) (bool, error) {
	re, err := regexp.Compile("^(?:" + pat + ")")
	if err != nil {
		return false, fmt.Errorf("target %q: %w", pat, err)
	}
	return re.MatchString(s), nil
}

// dataMatch matches "key:sub:value" against nested data, as Salt's grain
// and pillar matchers: the value is a glob (or a regexp), and a list
// matches when any element does.
func dataMatch(data map[string]any, expr string, pcre bool) (bool, error) {
	i := strings.LastIndex(expr, ":")
	if i < 0 {
		return false, fmt.Errorf("target %q: want key:value", expr)
	}
	keys, want := strings.Split(expr[:i], ":"), expr[i+1:]
	var v any = data
	for _, k := range keys {
		mp, ok := v.(map[string]any)
		if !ok {
			return false, nil
		}
		if v, ok = mp[k]; !ok {
			return false, nil
		}
	}
	vals := []any{v}
	if l, ok := v.([]any); ok {
		vals = l
	}
	for _, x := range vals {
		s := fmt.Sprint(x)
		if pcre {
			if ok, err := reMatch(want, s); err != nil || ok {
				return ok, err
			}
		} else if globMatch(want, s) || globMatch(strings.ToLower(want), strings.ToLower(s)) {
			return true, nil
		}
	}
	return false, nil
}

func tokenize(s string) []string {
	s = strings.NewReplacer("(", " ( ", ")", " ) ").Replace(s)
	return strings.Fields(s)
}

type compound struct {
	toks   []string
	pos    int
	id     string
	grains map[string]any
	pillar map[string]any
}

func (c *compound) peek() string {
	if c.pos < len(c.toks) {
		return c.toks[c.pos]
	}
	return ""
}

func (c *compound) or() (bool, error) {
	v, err := c.and()
	for err == nil && c.peek() == "or" {
		c.pos++
		var r bool
		r, err = c.and()
		v = v || r
	}
	return v, err
}

func (c *compound) and() (bool, error) {
	v, err := c.not()
	for err == nil && c.peek() != "" && c.peek() != "or" && c.peek() != ")" {
		if c.peek() == "and" {
			c.pos++
		}
		var r bool
		r, err = c.not()
		v = v && r
	}
	return v, err
}

func (c *compound) not() (bool, error) {
	if c.peek() == "not" {
		c.pos++
		v, err := c.not()
		return !v, err
	}
	return c.atom()
}

func (c *compound) atom() (bool, error) {
	t := c.peek()
	if t == "" {
		return false, fmt.Errorf("expression ends early")
	}
	c.pos++
	if t == "(" {
		v, err := c.or()
		if err != nil {
			return false, err
		}
		if c.peek() != ")" {
			return false, fmt.Errorf("missing )")
		}
		c.pos++
		return v, nil
	}
	if len(t) > 2 && t[1] == '@' {
		expr := t[2:]
		switch t[0] {
		case 'G':
			return dataMatch(c.grains, expr, false)
		case 'P':
			return dataMatch(c.grains, expr, true)
		case 'I':
			return dataMatch(c.pillar, expr, false)
		case 'J':
			return dataMatch(c.pillar, expr, true)
		case 'E':
			return reMatch(expr, c.id)
		case 'L':
			return DefaultMatch(expr, proto.TargetList, c.id, nil, nil)
		}
		return false, fmt.Errorf("matcher %q not supported", t[:2])
	}
	return globMatch(t, c.id), nil
}
