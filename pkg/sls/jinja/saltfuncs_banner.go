package jinja

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// errBannerWidth is Salt's ArgumentValueError of slsutil.banner: the
// width leaves no room for text between the comment edges.
var errBannerWidth = errors.New("slsutil.banner: Width is too small to render banner")

// slsutilBanner is Salt's slsutil.banner (salt/modules/slsutil.py): the
// "managed by Salt" comment box formulas put at the top of a file,
// title centered, text left-justified, each wrapped by textwrap to the
// room between the comment edges. Its lines are joined with os.linesep,
// "\n" on the hosts brine runs on.
func slsutilBanner(args []any, kw map[string]any) (any, error) {
	width := intArg(args, kw, 0, "width", 72)
	str := func(i int, name, def string) (string, error) {
		v := param(args, kw, i, name, nil)
		if v == nil {
			return def, nil
		}
		return toStr(v)
	}
	commentchar, err := str(1, "commentchar", "#")
	if err != nil {
		return nil, err
	}
	borderchar, err := str(2, "borderchar", "#")
	if err != nil {
		return nil, err
	}
	var block []string
	if v := param(args, kw, 3, "blockstart", nil); v != nil {
		s, err := toStr(v)
		if err != nil {
			return nil, err
		}
		block = append(block, s)
	}
	title, err := str(5, "title", "THIS FILE IS MANAGED BY SALT - DO NOT EDIT")
	if err != nil {
		return nil, err
	}
	text, err := str(6, "text", "The contents of this file are managed by Salt. Any changes to this file may be overwritten automatically and without warning.")
	if err != nil {
		return nil, err
	}
	newline, _ := truth(param(args, kw, 7, "newline", false))

	ledge := strings.TrimRight(commentchar, " \t\n\r\v\f")
	redge := strings.TrimSpace(commentchar)
	lgutter, rgutter := ledge+" ", " "+redge
	n := utf8.RuneCountInString
	textwidth := width - n(lgutter) - n(rgutter)
	if textwidth <= 0 {
		return nil, errBannerWidth
	}
	// borderchar[:1] and Python's str * n, which is "" for n <= 0.
	border := commentchar + pyRepeat(firstRune(borderchar), width-n(ledge)-n(redge)) + redge
	spacer := commentchar + pyRepeat(" ", width-n(commentchar)*2) + commentchar
	block = append(block, border, spacer)
	lines, err := bannerWrap(title, textwidth)
	if err != nil {
		return nil, err
	}
	for _, l := range lines {
		block = append(block, lgutter+pyCenter(l, textwidth, ' ')+rgutter)
	}
	block = append(block, spacer)
	if lines, err = bannerWrap(text, textwidth); err != nil {
		return nil, err
	}
	for _, l := range lines {
		block = append(block, lgutter+l+pyRepeat(" ", textwidth-n(l))+rgutter)
	}
	block = append(block, border)
	if v := param(args, kw, 4, "blockend", nil); v != nil {
		s, err := toStr(v)
		if err != nil {
			return nil, err
		}
		block = append(block, s)
	}
	out := strings.Join(block, "\n")
	if newline {
		out += "\n"
	}
	return out, nil
}

// bannerWrap is textwrap.TextWrapper(width).wrap: tabs expanded to
// every 8 columns, each other whitespace character a space, then
// textWrap's packing.
func bannerWrap(s string, width int) ([]string, error) {
	var b strings.Builder
	col := 0
	for _, r := range s {
		switch r {
		case '\t':
			pad := 8 - col%8
			b.WriteString(strings.Repeat(" ", pad))
			col += pad
			continue
		case '\n', '\r':
			col = 0
			b.WriteRune(' ')
			continue
		case '\v', '\f':
			r = ' '
		}
		b.WriteRune(r)
		col++
	}
	return textWrap([]rune(b.String()), width, true, true)
}

func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

func pyRepeat(s string, n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat(s, n)
}
