package jinja

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/brine-cm/brine/pkg/py/pystr"
)

// Jinja's wordwrap filter is Python's textwrap.wrap, run on each line of
// the text (str.splitlines) with expand_tabs and replace_whitespace off,
// the lines joined with the wrap string. This is textwrap's algorithm:
// the text is cut into chunks (whitespace runs and words, words also
// after a hyphen between letters unless break_on_hyphens is off), then the
// chunks are packed into lines of at most width characters, whitespace
// dropped at the ends of lines but the first line's leading whitespace
// kept, a word longer than a line cut (after its last hyphen that fits,
// when there is one).

func fWordwrap(_ *env, v any, args []any, kw map[string]any) (any, error) {
	s, err := toStr(v)
	if err != nil {
		return nil, err
	}
	width := intArg(args, kw, 0, "width", 79)
	breakLong := boolArg(args, kw, 1, "break_long_words", true)
	wrapstr := "\n"
	if w := arg(args, kw, 2, "wrapstring", nil); w != nil {
		if wrapstr, err = toStr(w); err != nil {
			return nil, err
		}
	}
	hyphens := boolArg(args, kw, 3, "break_on_hyphens", true)
	paras := pystr.SplitLines(s, false)
	out := make([]string, len(paras))
	for i, para := range paras {
		lines, err := textWrap([]rune(para), width, breakLong, hyphens)
		if err != nil {
			return nil, err
		}
		out[i] = strings.Join(lines, wrapstr)
	}
	return strings.Join(out, wrapstr), nil
}

// twSpace is textwrap's whitespace: ASCII only, as its _whitespace.
func twSpace(r rune) bool { return strings.ContainsRune("\t\n\v\f\r ", r) }

// twLetter is [^\d\W]: a word character that is not a digit.
func twLetter(r rune) bool { return unicode.IsLetter(r) || r == '_' }

// twWord is \w.
func twWord(r rune) bool { return twLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) }

// twPunct is textwrap's word_punct, [\w!"'&.,?].
func twPunct(r rune) bool { return twWord(r) || strings.ContainsRune("!\"'&.,?", r) }

// textWrap is TextWrapper(width, expand_tabs=False, replace_whitespace=False,
// break_long_words, break_on_hyphens).wrap(text).
func textWrap(text []rune, width int, breakLong, hyphens bool) ([]string, error) {
	if width <= 0 {
		return nil, fmt.Errorf("invalid width %d (must be > 0)", width)
	}
	chunks := twChunks(text, hyphens)
	var lines []string
	for len(chunks) > 0 {
		var cur [][]rune
		n := 0
		if len(lines) > 0 && twBlank(chunks[0]) {
			chunks = chunks[1:]
		}
		for len(chunks) > 0 && n+len(chunks[0]) <= width {
			cur, n = append(cur, chunks[0]), n+len(chunks[0])
			chunks = chunks[1:]
		}
		if len(chunks) > 0 && len(chunks[0]) > width {
			// _handle_long_word: what is left of the line, which may be
			// nothing (the word then starts the next line)
			left := width - n
			switch {
			case breakLong:
				chunk, end := chunks[0], left
				if hyphens && len(chunk) > left {
					if h := lastIndexRune(chunk[:left], '-'); h > 0 && strings.Trim(string(chunk[:h]), "-") != "" {
						end = h + 1
					}
				}
				cur = append(cur, chunk[:end])
				chunks[0] = chunk[end:]
			case len(cur) == 0:
				cur = append(cur, chunks[0])
				chunks = chunks[1:]
			}
		}
		if len(cur) > 0 && twBlank(cur[len(cur)-1]) {
			cur = cur[:len(cur)-1]
		}
		if len(cur) > 0 {
			var b strings.Builder
			for _, c := range cur {
				b.WriteString(string(c))
			}
			lines = append(lines, b.String())
		}
	}
	return lines, nil
}

func twBlank(c []rune) bool { return strings.TrimSpace(string(c)) == "" }

func lastIndexRune(rs []rune, r rune) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] == r {
			return i
		}
	}
	return -1
}

// twChunks is TextWrapper._split_chunks: wordsep_re.split, or
// wordsep_simple_re.split without break_on_hyphens, empty chunks left out.
func twChunks(s []rune, hyphens bool) [][]rune {
	at := func(i int) rune {
		if i < 0 || i >= len(s) {
			return -1
		}
		return s[i]
	}
	// dashesThenWord is -{2,}\w at i.
	dashesThenWord := func(i int) bool {
		j := i
		for at(j) == '-' {
			j++
		}
		return j-i >= 2 && j < len(s) && twWord(s[j])
	}
	var chunks [][]rune
	for i := 0; i < len(s); {
		j := i + 1
		switch {
		case twSpace(s[i]):
			for j < len(s) && twSpace(s[j]) {
				j++
			}
		case !hyphens:
			for j < len(s) && !twSpace(s[j]) {
				j++
			}
		case i > 0 && twPunct(s[i-1]) && dashesThenWord(i):
			// an em-dash between words
			for at(j) == '-' {
				j++
			}
		default:
			// the shortest run of non-whitespace that ends a word: before
			// whitespace or the end, after a hyphen between letters, or
			// before an em-dash
			for ; ; j++ {
				if at(j) == '-' && (twLetter(at(j-2)) && twLetter(at(j-1)) || twLetter(at(j-3)) && at(j-2) == '-' && twLetter(at(j-1))) &&
					twLetter(at(j+1)) && (twLetter(at(j+2)) || at(j+2) == '-' && twLetter(at(j+3))) {
					j++
					break
				}
				if j >= len(s) || twSpace(s[j]) {
					break
				}
				if twPunct(at(j-1)) && dashesThenWord(j) {
					break
				}
			}
		}
		chunks = append(chunks, s[i:j])
		i = j
	}
	return chunks
}
