package states

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

func init() {
	Register("kmod.present", kmodPresent,
		Param{Name: "name", Type: String, Doc: "the kernel module, such as br_netfilter."},
		Param{Name: "persist", Type: Bool, Default: false, Doc: "also load it at boot: a line in /etc/modules-load.d/brine.conf (and brine's blacklist line for it goes)."},
		Param{Name: "mods", Type: StringList, Doc: "several modules instead of name."},
	)
	Register("kmod.absent", kmodAbsent,
		Param{Name: "name", Type: String, Doc: "the kernel module, such as pcspkr."},
		Param{Name: "persist", Type: Bool, Default: false, Doc: "also keep it from loading at boot: its lines in /etc/modules and /etc/modules-load.d/brine.conf go, and /etc/modprobe.d/brine-blacklist.conf blacklists it."},
		Param{Name: "mods", Type: StringList, Doc: "several modules instead of name."},
		Param{Name: "comment", Type: Bool, Default: true, Doc: "accepted for Salt; brine removes its own lines rather than commenting them out."},
	)
}

// The files kmod's persist writes.
const (
	kmodLoadFile      = "/etc/modules-load.d/brine.conf"
	kmodEtcModules    = "/etc/modules"
	kmodBlacklistFile = "/etc/modprobe.d/brine-blacklist.conf"
)

// kmodHost is the running kernel as the kmod states see it; unit tests
// replace it.
type kmodHost struct {
	procModules string // /proc/modules
	// modulesDir is /lib/modules/RELEASE of the running kernel, whose
	// modules.dep and modules.builtin say which modules exist; "" skips
	// that check.
	modulesDir string
	run        sysRunner
}

func kmodLive() kmodHost {
	h := kmodHost{procModules: "/proc/modules", run: sysExec}
	var u syscall.Utsname
	if err := syscall.Uname(&u); err == nil {
		var b strings.Builder
		for _, c := range u.Release {
			if c == 0 {
				break
			}
			b.WriteByte(byte(c))
		}
		h.modulesDir = filepath.Join("/lib/modules", b.String())
	}
	return h
}

// kmodModules reads the running kernel's module lists, as Salt's
// kmod.available() does: the loadable ones (modules.dep) and the built-in
// ones (modules.builtin), by name. ok is false when neither list can be
// read (a container without /lib/modules): nothing is known then.
func (h kmodHost) kmodModules() (avail, builtin map[string]bool, ok bool) {
	if h.modulesDir == "" {
		return nil, nil, false
	}
	avail, builtin = map[string]bool{}, map[string]bool{}
	name := func(path string) string {
		base := filepath.Base(strings.TrimSpace(path))
		if i := strings.Index(base, ".ko"); i >= 0 {
			base = base[:i]
		}
		return kmodNorm(base)
	}
	for _, f := range []struct {
		file string
		into map[string]bool
	}{{"modules.dep", avail}, {"modules.builtin", builtin}} {
		b, err := os.ReadFile(filepath.Join(h.modulesDir, f.file))
		if err != nil {
			continue
		}
		ok = true
		for _, l := range linesSplit(b) {
			if path, _, _ := strings.Cut(l, ":"); strings.TrimSpace(path) != "" {
				f.into[name(path)] = true
			}
		}
	}
	for m := range builtin {
		avail[m] = true
	}
	return avail, builtin, ok
}

// Present makes sure a kernel module is loaded, and with persist that it
// is loaded at boot.
//
// Under --root the running kernel is not touched: persist must be set,
// and only the image's files change. A module counts as persisted when a
// line of /etc/modules or of a /etc/modules-load.d/*.conf names it.
//
// A module built into the running kernel (modules.builtin) counts as
// loaded. One neither built in nor in modules.dep fails the real run as
// unavailable, before anything is loaded or written.
//
// Salt: comments are Salt's; a built-in module is present (Salt's lsmod misses it and its present() fails on each run); an unavailable module fails the whole state, nothing loaded (Salt loads the others); persist writes /etc/modules-load.d/brine.conf (Salt writes /etc/modules); changes {mod: "loaded"} name only the modules asked for, not the dependencies modprobe pulled in, and a dry run reports them too.
func kmodPresent(ctx context.Context, req *Request) Result {
	return kmodApply(ctx, req, kmodLive(), true)
}

// Absent makes sure a kernel module is not loaded, and with persist that
// it is not loaded at boot.
//
// persist removes the module's lines from /etc/modules and
// /etc/modules-load.d/brine.conf and blacklists it in
// /etc/modprobe.d/brine-blacklist.conf, unless a file of /etc/modprobe.d
// blacklists it already (as seed-style images do by hand in
// blacklist.conf). Other lines of those files are kept byte for byte.
// Under --root only the files change, and persist must be set.
//
// Salt: comments are Salt's; Salt comments the line out of /etc/modules and writes no blacklist; a dry run reports the changes {mod: "removed"} of a real run.
func kmodAbsent(ctx context.Context, req *Request) Result {
	return kmodApply(ctx, req, kmodLive(), false)
}

// kmodNorm spells a module name as the kernel lists it: modprobe takes
// dashes and underscores alike.
func kmodNorm(m string) string { return strings.ReplaceAll(strings.TrimSpace(m), "-", "_") }

func kmodValid(m string) bool {
	if m == "" || len(m) > 64 {
		return false
	}
	for _, r := range m {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// kmodParseProc reads /proc/modules: the first field of each line.
func kmodParseProc(data []byte) map[string]bool {
	out := map[string]bool{}
	for _, l := range linesSplit(data) {
		if f := strings.Fields(l); len(f) > 0 {
			out[kmodNorm(f[0])] = true
		}
	}
	return out
}

// kmodParseList reads a modules-load.d file or /etc/modules: one module
// per line, comments after # or ;. It returns the modules named.
func kmodParseList(data []byte) []string {
	var out []string
	for _, l := range linesSplit(data) {
		t := strings.TrimSpace(l)
		if t == "" || t[0] == '#' || t[0] == ';' {
			continue
		}
		out = append(out, kmodNorm(strings.Fields(t)[0]))
	}
	return out
}

// kmodListLine reports whether a line of a module list names m.
func kmodListLine(line, m string) bool {
	t := strings.TrimSpace(line)
	if t == "" || t[0] == '#' || t[0] == ';' {
		return false
	}
	return kmodNorm(strings.Fields(t)[0]) == m
}

// kmodBlacklistLine reports whether a modprobe.d line blacklists m
// ("blacklist m", or "install m /bin/false" and the like).
func kmodBlacklistLine(line, m string) bool {
	f := strings.Fields(line)
	if len(f) < 2 || strings.HasPrefix(f[0], "#") {
		return false
	}
	switch f[0] {
	case "blacklist":
		return kmodNorm(f[1]) == m
	case "install":
		return kmodNorm(f[1]) == m && len(f) >= 3 && (f[2] == "/bin/false" || f[2] == "/bin/true" || f[2] == "/usr/bin/false" || f[2] == "/usr/bin/true")
	}
	return false
}

// kmodFiles is what the kmod states read of the root's configuration.
type kmodFiles struct {
	paths     map[string]string // file name → host path
	data      map[string][]byte // file name → content (nil: missing)
	persisted map[string]bool
	blacklist map[string]bool
}

func kmodReadFiles(req *Request) (*kmodFiles, error) {
	f := &kmodFiles{paths: map[string]string{}, data: map[string][]byte{}, persisted: map[string]bool{}, blacklist: map[string]bool{}}
	read := func(p string) ([]byte, error) {
		hp, err := rootPath(req, "", p, true)
		if err != nil {
			return nil, err
		}
		f.paths[p] = hp
		b, err := sysReadFile(hp)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		f.data[p] = b
		return b, nil
	}
	list := func(dir string) ([]string, error) {
		hp, err := rootPath(req, "", dir, true)
		if err != nil {
			return nil, err
		}
		ents, err := os.ReadDir(hp)
		if err != nil && !IsNotExist(err) {
			return nil, fmt.Errorf("read %s: %w", dir, err)
		}
		var out []string
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".conf") {
				out = append(out, filepath.Join(dir, e.Name()))
			}
		}
		sort.Strings(out)
		return out, nil
	}
	loads, err := list("/etc/modules-load.d")
	if err != nil {
		return nil, err
	}
	for _, p := range append([]string{kmodEtcModules}, loads...) {
		b, err := read(p)
		if err != nil {
			return nil, err
		}
		for _, m := range kmodParseList(b) {
			f.persisted[m] = true
		}
	}
	if _, err := read(kmodLoadFile); err != nil {
		return nil, err
	}
	confs, err := list("/etc/modprobe.d")
	if err != nil {
		return nil, err
	}
	for _, p := range confs {
		if _, err := read(p); err != nil {
			return nil, err
		}
	}
	if _, err := read(kmodBlacklistFile); err != nil {
		return nil, err
	}
	for p, b := range f.data {
		if !strings.HasPrefix(p, "/etc/modprobe.d/") {
			continue
		}
		for _, l := range linesSplit(b) {
			if fl := strings.Fields(l); len(fl) >= 2 && kmodBlacklistLine(l, kmodNorm(fl[1])) {
				f.blacklist[kmodNorm(fl[1])] = true
			}
		}
	}
	return f, nil
}

// kmodEdit is a planned change to one file.
type kmodEdit struct {
	path string
	data []byte
}

// plan returns the file edits that make m persisted (present) or kept
// from boot (absent), in a fixed order, and applies them to f's copy so
// that the next module of the same state sees them.
func (f *kmodFiles) plan(m string, present bool) []kmodEdit {
	var edits []kmodEdit
	set := func(p string, b []byte) {
		f.data[p] = b
		for i := range edits {
			if edits[i].path == p {
				edits[i].data = b
				return
			}
		}
		edits = append(edits, kmodEdit{path: p, data: b})
	}
	if present {
		if !f.persisted[m] {
			set(kmodLoadFile, sysAppendLine(f.data[kmodLoadFile], m))
			f.persisted[m] = true
		}
		if b, ok := sysDropLines(f.data[kmodBlacklistFile], func(l string) bool { return kmodBlacklistLine(l, m) }); ok {
			set(kmodBlacklistFile, b)
			f.blacklist[m] = false
			for p, d := range f.data {
				if strings.HasPrefix(p, "/etc/modprobe.d/") {
					for _, l := range linesSplit(d) {
						if kmodBlacklistLine(l, m) {
							f.blacklist[m] = true
						}
					}
				}
			}
		}
		return edits
	}
	// Every line that loads it at boot goes: modules-load.d loads a
	// module even when it is blacklisted.
	var lists []string
	for p := range f.data {
		if p == kmodEtcModules || strings.HasPrefix(p, "/etc/modules-load.d/") {
			lists = append(lists, p)
		}
	}
	sort.Strings(lists)
	for _, p := range lists {
		if b, ok := sysDropLines(f.data[p], func(l string) bool { return kmodListLine(l, m) }); ok {
			set(p, b)
		}
	}
	f.persisted[m] = false
	if !f.blacklist[m] {
		set(kmodBlacklistFile, sysAppendLine(f.data[kmodBlacklistFile], "blacklist "+m))
		f.blacklist[m] = true
	}
	return edits
}

func kmodApply(ctx context.Context, req *Request, host kmodHost, present bool) Result {
	a := &req.Args
	persist := a.Bool("persist", false)
	mods := a.StringList("mods")
	if err := a.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if len(mods) == 0 {
		mods = []string{req.Name}
	}
	for i, m := range mods {
		if !kmodValid(m) {
			return Failf(req.Name, "%v", &ArgError{Arg: "name", Err: fmt.Errorf("%q is not a kernel module name", m)})
		}
		mods[i] = kmodNorm(m)
	}
	live := req.Live()
	if !live && !persist {
		return Failf(req.Name, "%v", &ArgError{Arg: "persist", Err: errors.New("under --root only the image's files are managed: set persist: True")})
	}
	loaded := map[string]bool{}
	if live {
		b, err := os.ReadFile(host.procModules)
		if err != nil {
			return Failf(req.Name, "read %s: %v", host.procModules, err)
		}
		loaded = kmodParseProc(b)
	}
	// A module built into the kernel is never in /proc/modules: it counts
	// as loaded (Salt's lsmod misses it, and its present() then fails to
	// load it on every run). One neither built in nor installed cannot be
	// loaded: Salt's present() says so before it tries.
	avail, builtin, known := map[string]bool{}, map[string]bool{}, false
	if live {
		avail, builtin, known = host.kmodModules()
		if present {
			for m := range builtin {
				loaded[m] = true
			}
		}
	}
	var files *kmodFiles
	if persist {
		var err error
		if files, err = kmodReadFiles(req); err != nil {
			return Failf(req.Name, "%v", err)
		}
	}

	// What each module needs: a load or unload now, and file edits.
	var todo, done []string
	var edits []kmodEdit
	loadNow := map[string]bool{}
	for _, m := range mods {
		need := false
		if live && loaded[m] != present {
			need, loadNow[m] = true, true
		}
		if files != nil {
			e := files.plan(m, present)
			if len(e) > 0 {
				need = true
				for _, x := range e {
					found := false
					for i := range edits {
						if edits[i].path == x.path {
							edits[i].data, found = x.data, true
						}
					}
					if !found {
						edits = append(edits, x)
					}
				}
			}
		}
		if need {
			todo = append(todo, m)
		} else {
			done = append(done, m)
		}
	}
	verb, state := "loaded", "present"
	if !present {
		verb, state = "removed", "removed"
	}
	var comments []string
	if len(done) > 0 {
		comments = append(comments, kmodPlural(done, "Kernel module %s is already "+state, "Kernel modules %s are already "+state))
	}
	if len(todo) == 0 {
		return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: strings.Join(comments, "\n")}
	}
	changes := map[string]any{}
	for _, m := range todo {
		changes[m] = verb
	}
	if req.Test {
		comments = append(comments, kmodPlural(todo, "Kernel module %s is set to be "+verb, "Kernel modules %s are set to be "+verb))
		return Result{Name: req.Name, Result: None, Changes: changes, Comment: strings.Join(comments, "\n")}
	}
	if present && known {
		var unavail []string
		for _, m := range todo {
			if loadNow[m] && !avail[m] {
				unavail = append(unavail, m)
			}
		}
		if len(unavail) > 0 {
			comments = append(comments, kmodPlural(unavail, "Kernel module %s is unavailable", "Kernel modules %s are unavailable"))
			return Result{Name: req.Name, Result: False, Changes: map[string]any{}, Comment: strings.Join(comments, "\n")}
		}
	}
	for _, m := range todo {
		if !loadNow[m] {
			continue
		}
		argv := []string{"modprobe", "--", m}
		if !present {
			argv = []string{"modprobe", "-r", "--", m}
		}
		if _, err := host.run(ctx, nil, argv...); err != nil {
			if present {
				return Failf(req.Name, "Failed to load kernel module %s: %v", m, err)
			}
			return Failf(req.Name, "Module %s is present but failed to remove: %v", m, err)
		}
	}
	for _, e := range edits {
		if err := sysWriteFile(files.paths[e.path], e.data, 0o644); err != nil {
			return Failf(req.Name, "%v", err)
		}
	}
	if present {
		comments = append(comments, kmodPlural(todo, "Loaded kernel module %s", "Loaded kernel modules %s"))
	} else {
		comments = append(comments, kmodPlural(todo, "Removed kernel module %s", "Removed kernel modules %s"))
	}
	return Result{Name: req.Name, Result: True, Changes: changes, Comment: strings.Join(comments, "\n")}
}

func kmodPlural(mods []string, one, many string) string {
	if len(mods) == 1 {
		return fmt.Sprintf(one, mods[0])
	}
	return fmt.Sprintf(many, strings.Join(mods, ", "))
}
