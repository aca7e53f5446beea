package states

import (
	"reflect"
	"strings"
	"testing"
)

func TestCronParse(t *testing.T) {
	in := strings.Join([]string{
		"# m h dom mon dow command", // 0 before the marker: never parsed
		"0 5 * * * /pre/job",        // 1
		cronTag,                     // 2
		"MAILTO=ops@example.com",    // 3
		"PATH = /bin",               // 4 '=' after a blank: not a variable (Salt's rule)
		"# nightly backup SALT_CRON_IDENTIFIER:backup", // 5
		"30  2 * * 1-5   /usr/bin/backup  --all",       // 6
		"",                                             // 7
		"#DISABLED#*/5 * * * * /bin/poll",              // 8
		"# first",                                      // 9
		"## second",                                    // 10
		"@reboot   /bin/boot  now",                     // 11
		"#DISABLED#@daily /bin/d",                      // 12
		"garbage line",                                 // 13
		"# trailing SALT_CRON_IDENTIFIER:",             // 14
	}, "\n") + "\n"
	tab := cronParse([]byte(in))
	if tab.Marker != 2 {
		t.Fatalf("Marker = %d; want 2", tab.Marker)
	}
	kinds := []cronKind{cronOther, cronOther, cronMarker, cronEnv, cronOther, cronComment, cronJob, cronOther,
		cronJob, cronComment, cronComment, cronSpecial, cronSpecial, cronOther, cronComment}
	for i, l := range tab.Lines {
		if l.Kind != kinds[i] {
			t.Errorf("line %d %q: kind %d; want %d", i, l.Raw, l.Kind, kinds[i])
		}
	}
	if l := tab.Lines[3]; l.Name != "MAILTO" || l.Value != "ops@example.com" {
		t.Errorf("env = %q %q", l.Name, l.Value)
	}
	if l := tab.Lines[6]; l.Fields != [5]string{"30", "2", "*", "*", "1-5"} || l.Cmd != "/usr/bin/backup  --all" || l.Commented {
		t.Errorf("job = %q %q %v", l.Fields, l.Cmd, l.Commented)
	}
	if l := tab.Lines[8]; !l.Commented || l.Fields[0] != "*/5" || l.Cmd != "/bin/poll" {
		t.Errorf("disabled job = %+v", l)
	}
	if l := tab.Lines[11]; l.Spec != "@reboot" || l.Cmd != "/bin/boot  now" || l.Commented {
		t.Errorf("special = %+v", l)
	}
	if l := tab.Lines[14]; l.ID != "" || l.Text != "trailing" {
		t.Errorf("empty identifier line = %+v", l)
	}

	str := func(s string) *string { return &s }
	jobs := tab.Entries(false)
	want := []cronEntry{
		{Line: 6, Comments: []int{5}, Comment: str("nightly backup"), ID: "backup"},
		{Line: 8},
	}
	if !reflect.DeepEqual(jobs, want) {
		t.Errorf("Entries(false) = %+v; want %+v", jobs, want)
	}
	specials := tab.Entries(true)
	wantSp := []cronEntry{{Line: 11, Comments: []int{9, 10}, Comment: str("first\nsecond")}, {Line: 12}}
	if !reflect.DeepEqual(specials, wantSp) {
		t.Errorf("Entries(true) = %+v; want %+v", specials, wantSp)
	}
	if got := string(tab.Bytes()); got != in {
		t.Errorf("Bytes() changed an untouched crontab:\n%s", got)
	}
}

func TestCronMatch(t *testing.T) {
	tab := cronParse([]byte(cronTag + "\n# SALT_CRON_IDENTIFIER:ident\n1 * * * * /a\n2 * * * * /b\n"))
	e := tab.Entries(false)
	tests := []struct {
		entry   int
		cmd, id string
		want    bool
	}{
		{0, "/a", "ident", true},
		{0, "/changed", "ident", true}, // found by identifier when the command changes
		{0, "/a", "/a", false},         // another identifier: another job
		{1, "/b", "/b", true},          // no identifier: found by command
		{1, "/b", "other", true},
		{1, "/c", "/c", false},
		{1, "/b", "", true},
		{0, "/a", "", false},
	}
	for _, tt := range tests {
		if got := tab.Match(e[tt.entry], tt.cmd, tt.id); got != tt.want {
			t.Errorf("Match(%q, cmd=%q, id=%q) = %v; want %v", tab.Lines[e[tt.entry].Line].Raw, tt.cmd, tt.id, got, tt.want)
		}
	}
}

func cronWantOf(cmd string, fields string) cronWant {
	w := cronWant{Cmd: cmd, ID: cmd}
	copy(w.Fields[:], strings.Fields(fields))
	return w
}

func TestCronSetJob(t *testing.T) {
	str := func(s string) *string { return &s }
	head := "# m h dom mon dow command\n"
	tests := []struct {
		name, in string
		w        cronWant
		status   string
		out      string
	}{
		{"new file", "", cronWantOf("/bin/x", "5 * * * *"), "new",
			cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n5 * * * * /bin/x\n"},
		{"marker added after user lines", head + "1 2 3 4 5 /own", cronWantOf("/bin/x", "5 * * * *"), "new",
			head + "1 2 3 4 5 /own\n" + cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n5 * * * * /bin/x\n"},
		{"a line before the marker is not ours", "5 * * * * /bin/x\n" + cronTag + "\n", cronWantOf("/bin/x", "5 * * * *"), "new",
			"5 * * * * /bin/x\n" + cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n5 * * * * /bin/x\n"},
		{"present as Salt wrote it", cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n5 * * * * /bin/x\n", cronWantOf("/bin/x", "5 * * * *"), "present", ""},
		{"present with other blanks", cronTag + "\n#   SALT_CRON_IDENTIFIER:/bin/x\n5\t*  * * *   /bin/x\n", cronWantOf("/bin/x", "5 * * * *"), "present", ""},
		{"time change keeps the comment line", cronTag + "\n#  note SALT_CRON_IDENTIFIER:/bin/x\n5 * * * * /bin/x\nMAILTO=a\n", cronWantOf("/bin/x", "7 2 * * *"), "updated",
			cronTag + "\n#  note SALT_CRON_IDENTIFIER:/bin/x\n7 2 * * * /bin/x\nMAILTO=a\n"},
		{"command change found by identifier", cronTag + "\n# SALT_CRON_IDENTIFIER:SUPER\n1 * * * * date\n",
			cronWant{Cmd: "superscript", ID: "SUPER", Fields: [5]string{"3", "4", "*", "*", "*"}}, "updated",
			cronTag + "\n# SALT_CRON_IDENTIFIER:SUPER\n3 4 * * * superscript\n"},
		{"job without identifier gets one", cronTag + "\n1 * * * * /bin/x\n", cronWantOf("/bin/x", "1 * * * *"), "updated",
			cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n1 * * * * /bin/x\n"},
		{"comment set", cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n1 * * * * /bin/x\n",
			cronWant{Cmd: "/bin/x", ID: "/bin/x", Fields: [5]string{"1", "*", "*", "*", "*"}, Comment: str("two\nlines")}, "updated",
			cronTag + "\n# two\n# lines SALT_CRON_IDENTIFIER:/bin/x\n1 * * * * /bin/x\n"},
		{"multi-line comment present", cronTag + "\n# two\n# lines SALT_CRON_IDENTIFIER:/bin/x\n1 * * * * /bin/x\n",
			cronWant{Cmd: "/bin/x", ID: "/bin/x", Fields: [5]string{"1", "*", "*", "*", "*"}, Comment: str("two\nlines")}, "present", ""},
		{"commented", cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n1 * * * * /bin/x\n",
			cronWant{Cmd: "/bin/x", ID: "/bin/x", Fields: [5]string{"1", "*", "*", "*", "*"}, Commented: true}, "updated",
			cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n#DISABLED#1 * * * * /bin/x\n"},
		{"random keeps a drawn value", cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n17 3 * * * /bin/x\n", cronWantOf("/bin/x", "random 3 * * *"), "present", ""},
		{"range met", cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n17 3 * * * /bin/x\n", cronWantOf("/bin/x", "10:20 3 * * *"), "present", ""},
		{"special new after jobs", cronTag + "\nA=1\n# SALT_CRON_IDENTIFIER:/j\n1 * * * * /j\n",
			cronWant{Cmd: "/bin/boot", ID: "/bin/boot", Spec: "@reboot"}, "new",
			cronTag + "\nA=1\n# SALT_CRON_IDENTIFIER:/j\n1 * * * * /j\n# SALT_CRON_IDENTIFIER:/bin/boot\n@reboot /bin/boot\n"},
		{"special changes keyword", cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/boot\n@reboot /bin/boot\n",
			cronWant{Cmd: "/bin/boot", ID: "/bin/boot", Spec: "@hourly"}, "updated",
			cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/boot\n@hourly /bin/boot\n"},
		{"a job does not match a special", cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/boot\n@reboot /bin/boot\n", cronWantOf("/bin/boot", "* * * * *"), "new",
			cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/boot\n@reboot /bin/boot\n# SALT_CRON_IDENTIFIER:/bin/boot\n* * * * * /bin/boot\n"},
		{"no final newline gets one", cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n1 * * * * /bin/x", cronWantOf("/bin/x", "2 * * * *"), "updated",
			cronTag + "\n# SALT_CRON_IDENTIFIER:/bin/x\n2 * * * * /bin/x\n"},
	}
	for _, tt := range tests {
		tab := cronParse([]byte(tt.in))
		status := tab.SetJob(tt.w)
		if status != tt.status {
			t.Errorf("%s: status %q; want %q", tt.name, status, tt.status)
			continue
		}
		want := tt.out
		if status == "present" {
			want = tt.in
		}
		if got := string(tab.Bytes()); got != want && !(status == "present" && got == want+"\n") {
			t.Errorf("%s: crontab\n%s\nwant\n%s", tt.name, got, want)
		}
		if status != "present" {
			// What was written reads back as present.
			again := cronParse(tab.Bytes())
			if st := again.SetJob(tt.w); st != "present" {
				t.Errorf("%s: second SetJob = %q; want present", tt.name, st)
			}
		}
	}
}

func TestCronSetJobRandom(t *testing.T) {
	for range 100 {
		tab := cronParse(nil)
		tab.SetJob(cronWantOf("/x", "random random random 2 random"))
		l := tab.Lines[len(tab.Lines)-1]
		for i, f := range l.Fields[:] {
			if f == "random" || f == "" {
				t.Fatalf("field %d = %q; want a number", i, f)
			}
		}
		if l.Fields[3] != "2" || len(l.Fields[2]) > 2 || l.Fields[2] > "28" && len(l.Fields[2]) == 2 {
			t.Fatalf("fields %q: day of February out of range", l.Fields)
		}
		if st := tab.SetJob(cronWantOf("/x", "random random random 2 random")); st != "present" {
			t.Fatalf("rerun with random = %q; want present", st)
		}
	}
	tab := cronParse(nil)
	tab.SetJob(cronWantOf("/x", "5:7 * * * *"))
	if m := tab.Lines[len(tab.Lines)-1].Fields[0]; m != "5" && m != "6" && m != "7" {
		t.Errorf("range 5:7 drew %q", m)
	}
}

func TestCronRmJob(t *testing.T) {
	in := "# mine\n0 1 * * * /x\n" + cronTag + "\nA=1\n# keep me SALT_CRON_IDENTIFIER:other\n2 * * * * /y\n# SALT_CRON_IDENTIFIER:/x\n1 * * * * /x\n\n3 * * * * /x\n# SALT_CRON_IDENTIFIER:/x\n@reboot /x\n"
	tests := []struct {
		name, cmd, id, spec, status, out string
	}{
		{"all matching timed jobs with their comments", "/x", "/x", "", "removed",
			"# mine\n0 1 * * * /x\n" + cronTag + "\nA=1\n# keep me SALT_CRON_IDENTIFIER:other\n2 * * * * /y\n\n# SALT_CRON_IDENTIFIER:/x\n@reboot /x\n"},
		{"by identifier", "/other", "other", "", "removed",
			"# mine\n0 1 * * * /x\n" + cronTag + "\nA=1\n# SALT_CRON_IDENTIFIER:/x\n1 * * * * /x\n\n3 * * * * /x\n# SALT_CRON_IDENTIFIER:/x\n@reboot /x\n"},
		{"special of that keyword", "/x", "/x", "@reboot", "removed",
			"# mine\n0 1 * * * /x\n" + cronTag + "\nA=1\n# keep me SALT_CRON_IDENTIFIER:other\n2 * * * * /y\n# SALT_CRON_IDENTIFIER:/x\n1 * * * * /x\n\n3 * * * * /x\n"},
		{"special of another keyword", "/x", "/x", "@daily", "absent", in},
		{"nothing", "/z", "/z", "", "absent", in},
	}
	for _, tt := range tests {
		tab := cronParse([]byte(in))
		if st := tab.RmJob(tt.cmd, tt.id, tt.spec); st != tt.status {
			t.Errorf("%s: status %q; want %q", tt.name, st, tt.status)
		}
		if got := string(tab.Bytes()); got != tt.out {
			t.Errorf("%s: crontab\n%s\nwant\n%s", tt.name, got, tt.out)
		}
		if st := tab.RmJob(tt.cmd, tt.id, tt.spec); st != "absent" {
			t.Errorf("%s: second RmJob = %q; want absent", tt.name, st)
		}
	}
}

func TestCronEnv(t *testing.T) {
	tests := []struct {
		name, in, key, value, status, out string
	}{
		{"new file", "", "MAILTO", "a@b", "new", cronTag + "\nMAILTO=a@b\n"},
		{"after the marker", "X=1\n" + cronTag + "\n# SALT_CRON_IDENTIFIER:/j\n1 * * * * /j\n", "MAILTO", "", "new",
			"X=1\n" + cronTag + "\nMAILTO=\"\"\n# SALT_CRON_IDENTIFIER:/j\n1 * * * * /j\n"},
		{"after the last variable", cronTag + "\nA=1\nB=2\n1 * * * * /j\n", "C", "3", "new", cronTag + "\nA=1\nB=2\nC=3\n1 * * * * /j\n"},
		{"in place", cronTag + "\nA=1\n1 * * * * /j\nA=old\n", "A", "1", "updated", cronTag + "\nA=1\n1 * * * * /j\nA=1\n"},
		{"present", cronTag + "\nA=1 2\n", "A", "1 2", "present", cronTag + "\nA=1 2\n"},
		{"empty matches quotes", cronTag + "\nA=\"\"\n", "A", "", "present", cronTag + "\nA=\"\"\n"},
		{"before the marker is not ours", "A=1\n", "A", "1", "new", "A=1\n" + cronTag + "\nA=1\n"},
	}
	for _, tt := range tests {
		tab := cronParse([]byte(tt.in))
		if st := tab.SetEnv(tt.key, tt.value); st != tt.status {
			t.Errorf("%s: status %q; want %q", tt.name, st, tt.status)
		}
		if got := string(tab.Bytes()); got != tt.out {
			t.Errorf("%s: crontab\n%s\nwant\n%s", tt.name, got, tt.out)
		}
		if st := cronParse(tab.Bytes()).SetEnv(tt.key, tt.value); st != "present" {
			t.Errorf("%s: second SetEnv = %q; want present", tt.name, st)
		}
	}
	tab := cronParse([]byte("A=1\n" + cronTag + "\nA=1\nB=2\nA=3\n"))
	if st := tab.RmEnv("A"); st != "removed" || string(tab.Bytes()) != "A=1\n"+cronTag+"\nB=2\n" {
		t.Errorf("RmEnv = %q\n%s", st, tab.Bytes())
	}
	if st := tab.RmEnv("A"); st != "absent" {
		t.Errorf("second RmEnv = %q; want absent", st)
	}
}

func TestCronCheckField(t *testing.T) {
	for _, ok := range []string{"*", "5", "*/5", "1-5", "1,2,3", "mon-fri", "jan", "random", "3:9"} {
		if err := cronCheckField(ok); err != nil {
			t.Errorf("cronCheckField(%q) = %v; want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "1 2", "5;rm", "a:b:c", "$(x)", "1\n"} {
		if err := cronCheckField(bad); err == nil {
			t.Errorf("cronCheckField(%q) = nil; want an error", bad)
		}
	}
}
