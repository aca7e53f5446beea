package states

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

func init() {
	Register("file.patch", filePatch,
		Param{Name: "name", Type: String, Doc: "the file, or the directory (for a patch of several files), to patch."},
		Param{Name: "source", Type: String, Required: true, Doc: "the patch: a salt:// URL, file:// URL or absolute path."},
		fileSourceHash, fileSourceHashName,
		Param{Name: "skip_verify", Type: Bool, Default: false, Doc: "do not check source_hash."},
		Param{Name: "template", Type: String, Doc: `"jinja" renders the patch with context and defaults first.`},
		Param{Name: "context", Type: Map, Doc: "variables for the template; they override defaults."},
		Param{Name: "defaults", Type: Map, Doc: "default variables for the template."},
		Param{Name: "options", Type: String, Default: "", Doc: "more options for patch, shell-quoted; -pN and --strip=N set strip; -N, -r and -o are the state's own and refused."},
		Param{Name: "reject_file", Type: String, Doc: "where patch writes the hunks it rejects (its directory must exist); a temporary file, removed after, when not given."},
		Param{Name: "strip", Type: Int, Doc: "how many leading path components patch strips from the patch's file names (-pN), for a directory."},
		Param{Name: "saltenv", Type: String, Doc: "accepted: brine's state tree is the one of the run."},
		Param{Name: "hash", Type: Any, Doc: "ignored, with a warning, as in Salt since 2019.2.0."},
		Param{Name: "dry_run_first", Type: Any, Doc: "ignored, with a warning, as in Salt since 2019.2.0."},
		saltKwargs,
	)
}

// filePatch makes sure a patch is applied to a file or a directory, with
// GNU patch as Salt's file.patch runs it.
//
// A dry run of the patch (--forward, its rejects to a temporary file,
// its output to another) tells whether it applies; when it does not, a
// dry run of the rejected hunks in reverse tells whether it was already
// applied. Changes are patch's {pid, retcode, stdout, stderr}; a dry run
// reports those of patch's check.
//
// patch (Debian's patch package) must be installed: the state fails
// saying so otherwise.
//
// Salt: comments and changes are Salt 3006's file.patch; the patch comes
// from salt://, http://, https://, ftp://, file:// or a path (a remote
// one is downloaded on every run, and needs no source_hash); under
// --root, patch runs on the host on the image's file; for a directory
// the reverse check reads the rejected hunks with -p0, so that a patch
// applied with strip reads as applied, as Salt's tests of file.patch
// expect.
func filePatch(ctx context.Context, req *Request) Result {
	a := &req.Args
	source := a.String("source", "")
	sourceHash := a.String("source_hash", "")
	skipVerify := a.Bool("skip_verify", false)
	template := a.String("template", "")
	options := a.String("options", "")
	rejectFile := a.String("reject_file", "")
	strip := -1
	if a.Has("strip") {
		strip = a.Int("strip", -1)
	}
	if err := a.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	r := Result{Name: req.Name, Result: False, Changes: map[string]any{}}
	fail := func(format string, args ...any) Result {
		r.Result, r.Comment = False, fmt.Sprintf(format, args...)
		return r
	}
	patchBin, err := exec.LookPath("patch")
	if err != nil {
		return fail("patch executable not found on minion")
	}
	switch {
	case req.Name == "":
		return fail("A file/directory to be patched is required")
	case !filepath.IsAbs(req.Name):
		return fail("%s is not an absolute path", req.Name)
	}
	target, err := rootPath(req, "name", req.Name, true)
	if err != nil {
		return fail("%v", err)
	}
	fi, err := os.Stat(target)
	if err != nil {
		return fail("%s does not exist", req.Name)
	}
	isDir := fi.IsDir()
	for _, dep := range []string{"hash", "dry_run_first"} {
		if a.Has(dep) {
			r.Warnings = append(r.Warnings, fmt.Sprintf("The '%s' argument is no longer used and has been ignored.", dep))
		}
	}
	rejects := ""
	if rejectFile != "" {
		parent := filepath.Dir(rejectFile)
		if !filepath.IsAbs(parent) {
			return fail("'%s' is not an absolute path", rejectFile)
		}
		hp, err := rootPath(req, "reject_file", rejectFile, true)
		if err != nil {
			return fail("%v", err)
		}
		if st, err := os.Stat(filepath.Dir(hp)); err != nil || !st.IsDir() {
			return fail("Parent directory for reject_file '%s' either does not exist, or is not a directory", rejectFile)
		}
		rejects = hp
	}
	opts, err := shlexWords(options)
	if err != nil {
		return fail("%v", &ArgError{Arg: "options", Err: err})
	}
	var sanitized, blacklisted []string
	for i := 0; i < len(opts); i++ {
		o := opts[i]
		for _, bad := range []string{"-N", "--forward", "-r", "--reject-file", "-o", "--output"} {
			if strings.HasPrefix(o, bad) {
				blacklisted = append(blacklisted, o)
				break
			}
		}
		switch {
		case strings.HasPrefix(o, "-p"):
			n, err := strconv.Atoi(o[2:])
			if err != nil {
				return fail("Invalid format for '-p' CLI option. Consider using the 'strip' option for this state.")
			}
			strip = n
		case strings.HasPrefix(o, "--strip"):
			v, hasEq := "", false
			if _, v, hasEq = strings.Cut(o, "="); !hasEq {
				if i+1 < len(opts) {
					v = opts[i+1]
				}
				i++
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				return fail("Invalid format for '-strip' CLI option. Consider using the 'strip' option for this state.")
			}
			strip = n
		default:
			sanitized = append(sanitized, o)
		}
	}
	if len(blacklisted) > 0 {
		return fail("The following CLI options are not allowed: %s", strings.Join(blacklisted, ", "))
	}
	if err := fileCheckURL(source); err != nil {
		return fail("%v", &ArgError{Arg: "source", Err: err})
	}
	data, err := fileFetch(ctx, req, source)
	if IsNotExist(err) {
		return fail("Source file %s not found in saltenv 'base'", source)
	}
	if err != nil {
		return fail("Failed to cache patch file %s: %v", source, err)
	}
	if sourceHash != "" && !skipVerify {
		h, err := fileResolveHash(ctx, req, req.Name, source, sourceHash, a.String("source_hash_name", ""))
		if err != nil {
			return fail("%v", err)
		}
		if err := fileVerifyHash(source, data, h); err != nil {
			return fail("%v", err)
		}
	}
	if template != "" {
		if data, err = fileRender(ctx, req, source, data); err != nil {
			return fail("%v", err)
		}
	}
	tmp, err := os.MkdirTemp("", "brine-patch-")
	if err != nil {
		return fail("%v", err)
	}
	defer os.RemoveAll(tmp)
	patchFile := filepath.Join(tmp, "patch")
	if err := os.WriteFile(patchFile, data, 0o600); err != nil {
		return fail("%v", err)
	}
	if rejects == "" {
		rejects = filepath.Join(tmp, "rejects")
		if err := os.WriteFile(rejects, nil, 0o600); err != nil {
			return fail("%v", err)
		}
	}
	output := filepath.Join(tmp, "output")
	run := func(patch string, extra []string, dryRun bool) map[string]any {
		return filePatchRun(ctx, patchBin, target, isDir, patch, append(append([]string{}, sanitized...), extra...), dryRun)
	}
	check := []string{"-N", "-r", rejects, "-o", output}
	stripOpt := []string{}
	if isDir && strip >= 0 {
		stripOpt = []string{"-p" + strconv.Itoa(strip)}
	}
	pre := run(patchFile, append(check, stripOpt...), false)
	if pre["retcode"] != 0 {
		// The rejected hunks are written with the names patch used,
		// relative to the directory: the reverse pass takes them as they
		// are (-p0), which Salt's tests (test_patch_directory) expect to
		// find a directory's patch already applied.
		rev := []string{"-R", "-f"}
		if isDir {
			rev = append(rev, "-p0")
		}
		reverse := run(rejects, rev, true)
		if pre["retcode"] == 2 && pre["stderr"] != "" {
			return fail("%s", pre["stderr"])
		}
		if reverse["retcode"] == 0 {
			r.Result, r.Comment = True, "Patch was already applied"
			return r
		}
		c := "Patch would not apply cleanly, no changes made. Results of dry-run are below."
		if rejectFile == "" {
			c += " Run state again using the reject_file option to save rejects to a persistent file."
		}
		return fail("%s\n\n%s", c, filePatchNested(pre, 14))
	}
	if req.Test {
		r.Result, r.Comment, r.Changes = None, "The patch would be applied", pre
		return r
	}
	r.Changes = run(patchFile, stripOpt, false)
	if r.Changes["retcode"] != 0 {
		r.Comment = "Failed to apply patch"
		return r
	}
	r.Result, r.Comment = True, "Patch successfully applied"
	return r
}

// filePatchRun is Salt's file.patch execution function: patch with the
// options, --dry-run, --forward unless -N is there, no .rej file unless
// -r is there, the patch file, and the directory (-d) or file; the
// result is cmd.run_all's {pid, retcode, stdout, stderr}.
func filePatchRun(ctx context.Context, bin, target string, isDir bool, patchFile string, opts []string, dryRun bool) map[string]any {
	argv := append([]string{}, opts...)
	if dryRun {
		argv = append(argv, "--dry-run")
	}
	hasN, hasR := false, false
	for _, o := range argv {
		hasN = hasN || o == "-N" || o == "--forward"
		hasR = hasR || o == "-r" || strings.HasPrefix(o, "-r ") || strings.HasPrefix(o, "--reject-file")
	}
	if !hasN {
		argv = append(argv, "--forward")
	}
	if !hasR {
		argv = append(argv, "--reject-file=-")
	}
	argv = append(argv, "-i", patchFile)
	if isDir {
		argv = append(argv, "-d", target)
	} else {
		argv = append(argv, target)
	}
	cmd := exec.CommandContext(ctx, bin, argv...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code, pid := 0, 0
	if cmd.Process != nil {
		pid = cmd.Process.Pid
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		code = 1
		errb.WriteString(err.Error())
	}
	return map[string]any{
		"pid":     pid,
		"retcode": code,
		"stdout":  strings.TrimRight(out.String(), " \t\r\n"),
		"stderr":  strings.TrimRight(errb.String(), " \t\r\n"),
	}
}

// filePatchNested writes patch's result as Salt's nested outputter does
// at an indent: a "----------" line, then each key and its value below
// it, four columns in.
func filePatchNested(m map[string]any, indent int) string {
	pad := strings.Repeat(" ", indent)
	lines := []string{pad + "----------"}
	for _, k := range []string{"pid", "retcode", "stderr", "stdout"} {
		lines = append(lines, pad+k+":")
		switch v := m[k].(type) {
		case string:
			for _, l := range strings.Split(v, "\n") {
				if v != "" {
					lines = append(lines, pad+"    "+l)
				}
			}
		default:
			lines = append(lines, fmt.Sprintf("%s    %v", pad, v))
		}
	}
	return strings.Join(lines, "\n")
}

// shlexWords splits a string as Python's shlex.split does: blanks
// separate words, quotes group them, a backslash escapes outside single
// quotes.
func shlexWords(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			in = true
		case c == '\'' || c == '"':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return nil, errors.New("No closing quotation")
			}
			word := s[i+1 : i+1+j]
			if c == '"' {
				word = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(word)
			}
			cur.WriteString(word)
			i += j + 1
			in = true
		case c == ' ' || c == '\t' || c == '\n':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out, nil
}
