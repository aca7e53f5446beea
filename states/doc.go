package states

import "strings"

//go:generate go run ./internal/gendoc

// Doc returns the reference text of a state function such as
// "file.managed": the first paragraph of its doc comment, its arguments
// as declared in Register, then the rest of the comment. It is what
// sys.doc prints; docs/states.md is made the same way.
func Doc(name string) (string, bool) {
	prose, ok := docs[name]
	params := declared(name)
	if !ok && params == nil {
		return "", false
	}
	return ComposeDoc(prose, params), true
}

// Docs returns every state function's reference text, by name.
func Docs() map[string]string {
	out := make(map[string]string, len(docs))
	for _, n := range Names() {
		if d, ok := Doc(n); ok {
			out[n] = d
		}
	}
	return out
}

// ComposeDoc puts a declared argument list into the text of a doc
// comment, after its first paragraph: the summary, then "Arguments:",
// then what else the comment says (its notes, its "Salt:" paragraph).
func ComposeDoc(prose string, params []Param) string {
	prose = strings.TrimRight(prose, "\n")
	if len(params) == 0 {
		if prose == "" {
			return ""
		}
		return prose + "\n"
	}
	summary, rest, _ := strings.Cut(prose, "\n\n")
	var b strings.Builder
	if summary != "" {
		b.WriteString(summary)
		b.WriteString("\n\n")
	}
	b.WriteString("Arguments:\n")
	b.WriteString(ParamsDoc(params))
	if rest != "" {
		b.WriteString("\n")
		b.WriteString(rest)
		b.WriteString("\n")
	}
	return b.String()
}

// GlobalArgsDoc is the argument list every state takes, in the syntax of
// a doc comment, for the top of docs/states.md.
func GlobalArgsDoc() string { return ParamsDoc(globalParams) }
