// Package pystrftime formats times as Python's datetime.strftime does on
// Linux (glibc, the C locale), which Salt's strftime and date_format
// Jinja filters call.
package pystrftime

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

var (
	days   = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	months = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

// Format writes t with Python's directives. A directive it does not know
// is copied as written, as glibc does.
func Format(t time.Time, format string) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		b.WriteString(directive(t, format[i]))
	}
	return b.String()
}

func pad(n, width int) string { return fmt.Sprintf("%0*d", width, n) }

// weekOfYear is %U (first day Sunday) or %W (first day Monday).
func weekOfYear(t time.Time, firstDay time.Weekday) int {
	yday := t.YearDay() - 1
	wday := (int(t.Weekday()) - int(firstDay) + 7) % 7
	return (yday + 7 - wday) / 7
}

func directive(t time.Time, d byte) string {
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	switch d {
	case 'a':
		return days[t.Weekday()][:3]
	case 'A':
		return days[t.Weekday()]
	case 'w':
		return strconv.Itoa(int(t.Weekday()))
	case 'u':
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return strconv.Itoa(wd)
	case 'd':
		return pad(t.Day(), 2)
	case 'e':
		return fmt.Sprintf("%2d", t.Day())
	case 'b', 'h':
		return months[t.Month()-1][:3]
	case 'B':
		return months[t.Month()-1]
	case 'm':
		return pad(int(t.Month()), 2)
	case 'y':
		return pad(t.Year()%100, 2)
	case 'Y':
		return strconv.Itoa(t.Year())
	case 'C':
		return pad(t.Year()/100, 2)
	case 'H':
		return pad(t.Hour(), 2)
	case 'k':
		return fmt.Sprintf("%2d", t.Hour())
	case 'I':
		return pad(hour12, 2)
	case 'l':
		return fmt.Sprintf("%2d", hour12)
	case 'p':
		if t.Hour() < 12 {
			return "AM"
		}
		return "PM"
	case 'M':
		return pad(t.Minute(), 2)
	case 'S':
		return pad(t.Second(), 2)
	case 'f':
		return pad(t.Nanosecond()/1000, 6)
	case 'j':
		return pad(t.YearDay(), 3)
	case 'U':
		return pad(weekOfYear(t, time.Sunday), 2)
	case 'W':
		return pad(weekOfYear(t, time.Monday), 2)
	case 'G':
		y, _ := t.ISOWeek()
		return strconv.Itoa(y)
	case 'V':
		_, w := t.ISOWeek()
		return pad(w, 2)
	case 'z':
		_, off := t.Zone()
		sign := '+'
		if off < 0 {
			sign, off = '-', -off
		}
		return fmt.Sprintf("%c%02d%02d", sign, off/3600, off%3600/60)
	case 'Z':
		name, _ := t.Zone()
		return name
	case 's':
		return strconv.FormatInt(t.Unix(), 10)
	case 'c':
		return Format(t, "%a %b %e %H:%M:%S %Y")
	case 'x':
		return Format(t, "%m/%d/%y")
	case 'X', 'T':
		return Format(t, "%H:%M:%S")
	case 'D':
		return Format(t, "%m/%d/%y")
	case 'F':
		return Format(t, "%Y-%m-%d")
	case 'R':
		return Format(t, "%H:%M")
	case 'r':
		return Format(t, "%I:%M:%S %p")
	case 'n':
		return "\n"
	case 't':
		return "\t"
	case '%':
		return "%"
	}
	return "%" + string(d)
}
