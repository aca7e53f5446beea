package jinja

import (
	"fmt"
	"html"
	"regexp"
	"sort"
	"strings"
)

// Jinja 3.1's utils.urlize patterns. Python's \w, \d and \S are Unicode
// classes; Go's are ASCII, so they are spelled out.
var (
	urlizeHTTP = regexp.MustCompile(`(?i)^(?:` +
		`(?:https?://|www\.)(?:[\p{L}\p{N}_%-]+\.)*(?:[a-z]{2,63}|xn--[\p{L}\p{N}_%]{2,59})` +
		`|(?:[\p{L}\p{N}_%-]{2,63}\.)+(?:com|net|int|edu|gov|org|info|mil)` +
		`|https?://(?:\p{Nd}{1,3}(?:\.\p{Nd}{1,3}){3}|\[(?:[\p{Nd}a-f]{0,4}:){2}(?:[\p{Nd}a-f]{0,4}:?){1,6}\])` +
		`)(?::\p{Nd}{1,5})?(?:[/?#][^\s\p{Z}\x1c-\x1f\x85]*)?$`)
	urlizeEmail  = regexp.MustCompile(`^[^\s\p{Z}\x1c-\x1f\x85]+@[\p{L}\p{N}_][\p{L}\p{N}_.-]*\.[\p{L}\p{N}_]+$`)
	urlizeLead   = regexp.MustCompile(`^(?:[(<]|&lt;)+`)
	urlizeTrail  = regexp.MustCompile(`(?:[)>.,\n]|&gt;)+$`)
	urlizeScheme = regexp.MustCompile(`^[a-zA-Z][\w+.-]*:(?://)?$`)
)

// fURLize is Jinja's urlize filter (value, trim_url_limit=None,
// nofollow=False, target=None, rel=None, extra_schemes=None) with the
// default policies: rel "noopener", no target. Salt renders without
// autoescape, so the result is text.
func fURLize(_ *env, v any, args []any, kw map[string]any) (any, error) {
	s, err := toStr(v)
	if err != nil {
		return nil, err
	}
	limit := -1
	if l := arg(args, kw, 0, "trim_url_limit", nil); l != nil {
		limit = intArg(args, kw, 0, "trim_url_limit", 0)
	}
	relParts := map[string]bool{"noopener": true}
	if r, ok := arg(args, kw, 3, "rel", nil).(string); ok {
		for _, p := range strings.Fields(r) {
			relParts[p] = true
		}
	}
	if boolArg(args, kw, 1, "nofollow", false) {
		relParts["nofollow"] = true
	}
	rels := make([]string, 0, len(relParts))
	for p := range relParts {
		rels = append(rels, p)
	}
	sort.Strings(rels)
	target := ""
	if t := arg(args, kw, 2, "target", nil); t != nil {
		if target, err = toStr(t); err != nil {
			return nil, err
		}
	}
	var schemes []string
	if x := arg(args, kw, 4, "extra_schemes", nil); x != nil {
		items, err := iterate(x)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			sc, err := toStr(it)
			if err != nil {
				return nil, err
			}
			if !urlizeScheme.MatchString(sc) {
				return nil, fmt.Errorf("%s is not a valid URI scheme prefix.", reprOr(it))
			}
			schemes = append(schemes, sc)
		}
	}
	return urlize(s, limit, strings.Join(rels, " "), target, schemes), nil
}

// urlize is jinja2.utils.urlize; limit < 0 means no trimming.
func urlize(text string, limit int, rel, target string, schemes []string) string {
	trim := func(x string) string {
		if r := []rune(x); limit >= 0 && len(r) > limit {
			return string(r[:limit]) + "..."
		}
		return x
	}
	attrs := ""
	if rel != "" {
		attrs += ` rel="` + html.EscapeString(rel) + `"`
	}
	if target != "" {
		attrs += ` target="` + html.EscapeString(target) + `"`
	}
	var b strings.Builder
	for _, w := range splitKeepSpace(html.EscapeString(text)) {
		if w == "" || isPySpace([]rune(w)[0]) {
			b.WriteString(w)
			continue
		}
		head, middle, tail := "", w, ""
		if m := urlizeLead.FindString(middle); m != "" {
			head, middle = m, middle[len(m):]
		}
		if loc := urlizeTrail.FindStringIndex(middle); loc != nil {
			tail, middle = middle[loc[0]:], middle[:loc[0]]
		}
		// Balance parentheses: move closing ones back from the tail.
		for _, p := range [][2]string{{"(", ")"}, {"<", ">"}, {"&lt;", "&gt;"}} {
			open := strings.Count(middle, p[0])
			if open <= strings.Count(middle, p[1]) {
				continue
			}
			n := min(open, strings.Count(tail, p[1]))
			for range n {
				end := strings.Index(tail, p[1]) + len(p[1])
				middle += tail[:end]
				tail = tail[end:]
			}
		}
		switch {
		case urlizeHTTP.MatchString(middle):
			href := middle
			if !strings.HasPrefix(middle, "https://") && !strings.HasPrefix(middle, "http://") {
				href = "https://" + middle
			}
			middle = `<a href="` + href + `"` + attrs + `>` + trim(middle) + `</a>`
		case strings.HasPrefix(middle, "mailto:") && urlizeEmail.MatchString(middle[7:]):
			middle = `<a href="` + middle + `">` + middle[7:] + `</a>`
		case strings.Contains(middle, "@") && !strings.HasPrefix(middle, "www.") && !strings.HasPrefix(middle, "@") &&
			!strings.Contains(middle, ":") && urlizeEmail.MatchString(middle):
			middle = `<a href="mailto:` + middle + `">` + middle + `</a>`
		default:
			for _, sc := range schemes {
				if middle != sc && strings.HasPrefix(middle, sc) {
					middle = `<a href="` + middle + `"` + attrs + `>` + middle + `</a>`
				}
			}
		}
		b.WriteString(head + middle + tail)
	}
	return b.String()
}

// splitKeepSpace is re.split(r"(\s+)", s): words and the runs of
// whitespace between them, in order.
func splitKeepSpace(s string) []string {
	var out []string
	start, inSpace := 0, false
	for i, r := range s {
		sp := isPySpace(r)
		if i > 0 && sp != inSpace {
			out = append(out, s[start:i])
			start = i
		}
		inSpace = sp
	}
	return append(out, s[start:])
}
