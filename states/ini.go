package states

import "strings"

// iniLine is one line of an INI file (.repo files, file.serialize's ini):
// a section header, a key = value, or anything else kept as it is.
type iniLine struct {
	Raw     string
	Section string // the section this line is in (or heads)
	Header  bool
	Key     string
	Value   string
}

// iniParse reads INI text: [section] headers, key=value or key: value,
// comments after # or ;.
func iniParse(data []byte) []iniLine {
	var out []iniLine
	sec := ""
	for _, raw := range linesSplit(data) {
		l := iniLine{Raw: raw, Section: sec}
		t := strings.TrimSpace(raw)
		switch {
		case strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]"):
			sec = strings.TrimSpace(t[1 : len(t)-1])
			l.Section, l.Header = sec, true
		case t == "" || t[0] == '#' || t[0] == ';':
		default:
			i := strings.IndexAny(t, "=:")
			if i > 0 {
				l.Key = strings.TrimSpace(t[:i])
				l.Value = strings.TrimSpace(t[i+1:])
			}
		}
		out = append(out, l)
	}
	return out
}

// iniSection returns the keys of a section and whether it exists.
func iniSection(lines []iniLine, sec string) (map[string]string, bool) {
	keys, found := map[string]string{}, false
	for _, l := range lines {
		if l.Section != sec {
			continue
		}
		if l.Header {
			found = true
		} else if l.Key != "" {
			keys[l.Key] = l.Value
		}
	}
	return keys, found
}

// iniSet sets keys (in order) in a section: a key's line changes in place,
// a new key goes after the section's last key line, a new section goes at
// the end. A value of "" removes the key. Other lines are kept.
func iniSet(lines []iniLine, sec string, order []string, vals map[string]string) []iniLine {
	done := map[string]bool{}
	var out []iniLine
	last, found := -1, false
	for _, l := range lines {
		if l.Section == sec && l.Key != "" {
			if v, ok := vals[l.Key]; ok {
				done[l.Key] = true
				if v == "" {
					continue
				}
				if l.Value != v {
					l.Value, l.Raw = v, l.Key+"="+v
				}
			}
		}
		out = append(out, l)
		if l.Section == sec && (l.Header || l.Key != "") {
			last, found = len(out)-1, true
		}
	}
	var add []iniLine
	for _, k := range order {
		if v := vals[k]; !done[k] && v != "" {
			add = append(add, iniLine{Raw: k + "=" + v, Section: sec, Key: k, Value: v})
		}
	}
	if !found {
		if len(out) > 0 && strings.TrimSpace(out[len(out)-1].Raw) != "" {
			out = append(out, iniLine{Raw: "", Section: out[len(out)-1].Section})
		}
		out = append(out, iniLine{Raw: "[" + sec + "]", Section: sec, Header: true})
		return append(out, add...)
	}
	res := append([]iniLine{}, out[:last+1]...)
	res = append(res, add...)
	return append(res, out[last+1:]...)
}

// iniDropSection removes a section, its header and lines, and the blank
// lines before it.
func iniDropSection(lines []iniLine, sec string) ([]iniLine, bool) {
	var out []iniLine
	dropped := false
	for _, l := range lines {
		if l.Section == sec && sec != "" {
			dropped = true
			if l.Header {
				for len(out) > 0 && strings.TrimSpace(out[len(out)-1].Raw) == "" {
					out = out[:len(out)-1]
				}
			}
			continue
		}
		out = append(out, l)
	}
	return out, dropped
}

func iniRender(lines []iniLine, orig []byte) []byte {
	if len(lines) == 0 {
		return []byte{}
	}
	return linesJoin(lines, func(l iniLine) string { return l.Raw }, orig)
}
