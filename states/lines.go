package states

import "strings"

// The shared files brine edits line by line (fstab, inittab, sysctl.conf,
// authorized_keys) are split and joined here, so that every byte of the
// lines a state does not own comes back as it was.

// linesSplit splits a file into its lines, without their "\n". An empty
// file has none.
func linesSplit(data []byte) []string {
	if len(data) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// linesJoin writes lines back, ending the file the way the original did:
// a file that lacked a final newline still lacks it; a new one gets it.
func linesJoin[T any](lines []T, raw func(T) string, orig []byte) []byte {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(raw(l))
		b.WriteByte('\n')
	}
	s := b.String()
	if len(orig) > 0 && orig[len(orig)-1] != '\n' {
		s = strings.TrimSuffix(s, "\n")
	}
	return []byte(s)
}
