package states

//go:generate go run ./internal/gendoc

// Doc returns the reference text of a state function such as
// "file.managed": its doc comment, with its Arguments list. It is what
// sys.doc prints; docs/states.md is made from the same comments.
func Doc(name string) (string, bool) {
	d, ok := docs[name]
	return d, ok
}

// Docs returns a copy of every state function's reference text, by name.
func Docs() map[string]string {
	out := make(map[string]string, len(docs))
	for k, v := range docs {
		out[k] = v
	}
	return out
}
