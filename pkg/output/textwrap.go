package output

import (
	"strings"
	"unicode"
)

// Python's textwrap, as far as Salt's highstate outputter uses it: it
// fills a state's warnings with
//
//	textwrap.TextWrapper(width=80, initial_indent=" "*14, subsequent_indent=" "*14).fill(text)
//
// and every other option at its default: tabs expanded, each whitespace
// character (newlines included) made a space, long words broken, lines
// broken after the hyphen of a hyphenated word, whitespace dropped at
// the ends of lines. The port follows CPython 3.10's textwrap.py (the
// Python of Salt 3006's packages; 3.11 to 3.13 wrap the same), and
// TestPyFill holds it to texts that Python wrapped.

// pyWhitespace is textwrap's _whitespace: the characters it splits on,
// and that replace_whitespace makes spaces.
const pyWhitespace = "\t\n\x0b\x0c\r "

// pyMungeWhitespace is TextWrapper._munge_whitespace: str.expandtabs(8),
// then every character of pyWhitespace made a space.
func pyMungeWhitespace(s string) string {
	var b strings.Builder
	col := 0
	for _, r := range s {
		switch {
		case r == '\t':
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
		case r == '\n' || r == '\r':
			// expandtabs starts a new line at either.
			b.WriteByte(' ')
			col = 0
		case strings.ContainsRune(pyWhitespace, r):
			b.WriteByte(' ')
			col++
		default:
			b.WriteRune(r)
			col++
		}
	}
	return b.String()
}

// pyFill is TextWrapper(width, initial_indent=first,
// subsequent_indent=rest).fill(text).
func pyFill(text string, width int, first, rest string) string {
	return strings.Join(pyWrap(text, width, first, rest), "\n")
}

// pyWrap is TextWrapper.wrap: the lines, indent included.
func pyWrap(text string, width int, first, rest string) []string {
	chunks := pySplit([]rune(pyMungeWhitespace(text)))
	// _wrap_chunks, with the chunks as a queue rather than a reversed
	// stack.
	var lines []string
	for len(chunks) > 0 {
		indent := first
		if len(lines) > 0 {
			indent = rest
		}
		w := width - len([]rune(indent))
		// A line does not start with whitespace, except the first.
		if len(lines) > 0 && isBlank(chunks[0]) {
			chunks = chunks[1:]
		}
		var line [][]rune
		n := 0
		for len(chunks) > 0 && n+len(chunks[0]) <= w {
			line = append(line, chunks[0])
			n += len(chunks[0])
			chunks = chunks[1:]
		}
		// The next chunk fits on no line: break it (_handle_long_word).
		if len(chunks) > 0 && len(chunks[0]) > w {
			space := w - n
			if w < 1 {
				space = 1
			}
			chunk := chunks[0]
			end := space
			if len(chunk) > space {
				// After the last hyphen that fits, if something
				// other than hyphens comes before it.
				if h := lastIndex(chunk[:space], '-'); h > 0 && !allRune(chunk[:h], '-') {
					end = h + 1
				}
			}
			end = min(end, len(chunk))
			line = append(line, chunk[:end])
			chunks[0] = chunk[end:]
		}
		// Nor does it end with whitespace.
		if len(line) > 0 && isBlank(line[len(line)-1]) {
			line = line[:len(line)-1]
		}
		if len(line) > 0 {
			var b strings.Builder
			b.WriteString(indent)
			for _, c := range line {
				b.WriteString(string(c))
			}
			lines = append(lines, b.String())
		}
	}
	return lines
}

// pySplit is TextWrapper._split with break_on_hyphens: the chunks that
// wordsep_re cuts the text into, each a run of whitespace, a run of
// hyphens that is an em-dash between words, or a word up to and with
// the hyphen where it may be broken:
//
//	( [ws]+
//	| (?<=[\w!"'&.,?]) -{2,} (?=\w)
//	| [^ws]+? (?: -(?: (?<=lt{2}-) | (?<=lt-lt-)) (?= lt -? lt)
//	           | (?=[ws]|\Z)
//	           | (?<=[\w!"'&.,?]) (?=-{2,}\w) ) )
//
// where lt is a letter, [^\d\W]. Some alternative matches at every
// position, so the chunks cover the text.
func pySplit(s []rune) [][]rune {
	var chunks [][]rune
	for i := 0; i < len(s); {
		j := pyChunkEnd(s, i)
		chunks = append(chunks, s[i:j])
		i = j
	}
	return chunks
}

func pyChunkEnd(s []rune, i int) int {
	n := len(s)
	at := func(k int) rune {
		if k < 0 || k >= n {
			return 0
		}
		return s[k]
	}
	letter := func(k int) bool { return k >= 0 && k < n && pyLetter(s[k]) }
	// dashes is the length of the run of hyphens at k.
	dashes := func(k int) int {
		j := k
		for j < n && s[j] == '-' {
			j++
		}
		return j - k
	}
	if isPyWS(s[i]) {
		j := i
		for j < n && isPyWS(s[j]) {
			j++
		}
		return j
	}
	// An em-dash between words.
	if s[i] == '-' && i > 0 && pyWordPunct(s[i-1]) {
		if d := dashes(i); d >= 2 && i+d < n && pyWord(s[i+d]) {
			return i + d
		}
	}
	// A word: the shortest run that ends at one of the three places.
	for k := i + 1; k <= n; k++ {
		// The hyphen of a hyphenated word, which goes with the word.
		if at(k) == '-' &&
			(letter(k-2) && letter(k-1) || letter(k-3) && at(k-2) == '-' && letter(k-1)) &&
			letter(k+1) && (letter(k+2) || at(k+2) == '-' && letter(k+3)) {
			return k + 1
		}
		// The end of the word.
		if k == n || isPyWS(s[k]) {
			return k
		}
		// Before an em-dash.
		if pyWordPunct(s[k-1]) {
			if d := dashes(k); d >= 2 && k+d < n && pyWord(s[k+d]) {
				return k
			}
		}
	}
	return n
}

func isPyWS(r rune) bool { return strings.ContainsRune(pyWhitespace, r) }

// pyWord is the regular expression \w on a str: a letter, a number or
// the underscore.
func pyWord(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }

// pyLetter is [^\d\W]: \w but a decimal digit.
func pyLetter(r rune) bool { return pyWord(r) && !unicode.IsDigit(r) }

// pyWordPunct is textwrap's word_punct, [\w!"'&.,?].
func pyWordPunct(r rune) bool { return pyWord(r) || strings.ContainsRune(`!"'&.,?`, r) }

// isBlank is Python's chunk.strip() == "".
func isBlank(c []rune) bool {
	for _, r := range c {
		if !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

func lastIndex(c []rune, r rune) int {
	for i := len(c) - 1; i >= 0; i-- {
		if c[i] == r {
			return i
		}
	}
	return -1
}

func allRune(c []rune, r rune) bool {
	for _, x := range c {
		if x != r {
			return false
		}
	}
	return true
}
