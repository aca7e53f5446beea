package states

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// sshKey is one authorized_keys entry (sshd(8) AUTHORIZED_KEYS FILE
// FORMAT): options, key type, base64 blob, comment.
type sshKey struct {
	Options []string
	Type    string
	Blob    []byte // the decoded key, compared to find "the same key"
	Comment string
}

// String formats the entry as one authorized_keys line.
func (k *sshKey) String() string {
	var b strings.Builder
	if len(k.Options) > 0 {
		b.WriteString(strings.Join(k.Options, ",") + " ")
	}
	b.WriteString(k.Type + " " + base64.StdEncoding.EncodeToString(k.Blob))
	if k.Comment != "" {
		b.WriteString(" " + k.Comment)
	}
	return b.String()
}

// sshKeyShort names a key in messages without its whole blob.
func sshKeyShort(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= 40 {
		return s
	}
	return s[:24] + "…" + s[len(s)-12:]
}

// sshParseLine reads one whole authorized_keys line.
func sshParseLine(line string) (*sshKey, error) {
	pub, comment, opts, rest, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, fmt.Errorf("more than one key on the line")
	}
	return &sshKey{Options: opts, Type: pub.Type(), Blob: pub.Marshal(), Comment: comment}, nil
}

// sshKeyFromArgs builds the wanted entry from a state's name: either a
// whole line ("[options] type base64 [comment]") or a bare base64 key,
// completed by enc, comment and options. Values given as arguments win
// over the line's own.
func sshKeyFromArgs(name, enc, comment string, options []string, hasComment, hasOptions bool) (*sshKey, error) {
	name = strings.TrimSpace(name)
	line := name
	if !strings.ContainsAny(name, " \t") {
		line = enc + " " + name
	}
	k, err := sshParseLine(line)
	if err != nil {
		return nil, fmt.Errorf("key %q is not a valid public key: %v", sshKeyShort(name), err)
	}
	if hasComment {
		k.Comment = comment
	}
	if hasOptions {
		k.Options = options
	}
	return k, nil
}

// sshAuthLine is one line of an authorized_keys file; Key is nil for
// blank lines and comments.
type sshAuthLine struct {
	Raw string
	Key *sshKey
}

// sshAuthParse reads an authorized_keys file. A line that is not a key is
// an error naming file and line.
func sshAuthParse(file string, data []byte) ([]sshAuthLine, error) {
	var out []sshAuthLine
	for i, raw := range linesSplit(data) {
		l := sshAuthLine{Raw: raw}
		t := strings.TrimSpace(raw)
		if t != "" && t[0] != '#' {
			k, err := sshParseLine(t)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: not a public key line (%v): %q", file, i+1, err, sshKeyShort(raw))
			}
			l.Key = k
		}
		out = append(out, l)
	}
	return out, nil
}

// sshAuthJoin writes lines back, ending the file the way the original did.
func sshAuthJoin(lines []sshAuthLine, orig []byte) []byte {
	return linesJoin(lines, func(l sshAuthLine) string { return l.Raw }, orig)
}

// sshAuthSet puts k in the file: the first line with the same key blob is
// rewritten when its options, type or comment differ, or k is appended.
// It returns "present", "update" or "new", and the lines so changed.
func sshAuthSet(data []byte, lines []sshAuthLine, k *sshKey) ([]byte, []sshAuthLine, string) {
	want := k.String()
	for i, l := range lines {
		if l.Key == nil || !bytes.Equal(l.Key.Blob, k.Blob) {
			continue
		}
		if l.Key.String() == want {
			return data, lines, "present"
		}
		out := append([]sshAuthLine{}, lines...)
		out[i] = sshAuthLine{Raw: want, Key: k}
		return sshAuthJoin(out, data), out, "update"
	}
	out := append([]byte{}, data...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	out = append(out, want+"\n"...)
	return out, append(append([]sshAuthLine{}, lines...), sshAuthLine{Raw: want, Key: k}), "new"
}

// sshAuthRemove drops every line with the key blob.
func sshAuthRemove(data []byte, lines []sshAuthLine, k *sshKey) ([]byte, []sshAuthLine, bool) {
	var kept []sshAuthLine
	for _, l := range lines {
		if l.Key != nil && bytes.Equal(l.Key.Blob, k.Blob) {
			continue
		}
		kept = append(kept, l)
	}
	if len(kept) == len(lines) {
		return data, lines, false
	}
	return sshAuthJoin(kept, data), kept, true
}
