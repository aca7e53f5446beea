package web

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/brine-cm/brine/test/harness"
)

// browser starts headless Chromium (Debian's chromium package; .ci/run
// installs it) for one test.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium: %v (install Debian's chromium package: .ci/run does)", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.WindowSize(1280, 860),
		chromedp.DisableGPU, chromedp.Flag("disable-dev-shm-usage", true))
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root.
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelA() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// step runs browser actions with a deadline that only stops a hung
// test.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates JavaScript in the page (awaiting a promise).
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(sctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
		t.Fatalf("%s: %v\npage:\n%s", what, err, harness.Tail(html, 4000))
	}
}

// shot writes a screenshot of the page to $BRINE_DOCS_SHOTS/name.png
// (make docs-shots), and nowhere otherwise.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("BRINE_DOCS_SHOTS")
	if dir == "" {
		return
	}
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// login logs in on the dashboard's form with a credential file's seed.
func (w *webEnv) browserLogin(t *testing.T, ctx context.Context, file, name string) {
	t.Helper()
	step(t, ctx, "login page", chromedp.Navigate(w.base+"/ui/login"), chromedp.WaitVisible(chromedp.CSS("#password")))
	if name != "" {
		shot(t, ctx, name)
	}
	step(t, ctx, "log in", chromedp.SendKeys(chromedp.CSS("#password"), w.seed(file)), chromedp.Click(chromedp.CSS("#login")),
		chromedp.WaitVisible(chromedp.CSS("#role")))
}

// TestDashboardInBrowser: an operator logs in on the dashboard, runs a
// highstate through the API and watches its job page fill in live from
// the event stream, opens a diff, looks at minions, a minion's grains
// and the drift view; the read-only role sees the job without its data
// and cannot run one.
func TestDashboardInBrowser(t *testing.T) {
	w := newWebEnv(t, false)
	op := w.login("operator.nk")
	// A dry run first: the drift view's data.
	ret := w.run(op, map[string]any{"client": "local", "tgt": "*", "fun": "state.apply", "arg": []any{"test=True"}, "timeout": 60})
	if fmt.Sprint(ret) == "[map[]]" {
		t.Fatalf("dry run: %v", ret)
	}
	ctx := browser(t)
	w.browserLogin(t, ctx, "operator.nk", "login")
	if role := eval[string](t, ctx, `document.getElementById("role").textContent`); role != "operator" {
		t.Fatalf("logged in as %q; want operator", role)
	}

	// The highstate waits at its first gate until the job page follows
	// its events, and at its second until the test has seen its first
	// states arrive live.
	for _, g := range w.gates {
		if err := os.Remove(g); err != nil {
			t.Fatal(err)
		}
	}
	// Registered after the env's: runs before it stops the minions,
	// which would wait for the job otherwise.
	t.Cleanup(func() {
		for _, g := range w.gates {
			_ = os.WriteFile(g, []byte("open\n"), 0o644)
		}
	})
	ret = w.run(op, map[string]any{"client": "local_async", "tgt": "*", "fun": "state.apply", "timeout": 60})
	jid, _ := ret[0].(map[string]any)["jid"].(string)
	if jid == "" {
		t.Fatalf("local_async: %v", ret)
	}
	step(t, ctx, "job page", chromedp.Navigate(w.base+"/ui/jobs/"+jid), chromedp.WaitVisible(chromedp.CSS("#job")))
	eval[int](t, ctx, `window.brineMarker = 1`)
	waitFor(t, ctx, "the page follows the job's events", `document.getElementById("live").textContent === "live"`)
	harness.WriteFile(t, w.gates[0], "open\n")
	for _, id := range []string{"m1", "m2"} {
		waitFor(t, ctx, id+"'s first state shown live",
			fmt.Sprintf(`!!document.querySelector('section[data-minion=%q] table.live tr[data-state="motd"]')`, id))
	}
	shot(t, ctx, "job-running")
	harness.WriteFile(t, w.gates[1], "open\n")
	waitFor(t, ctx, "every minion returned, on the same page", `document.getElementById("job").dataset.done === "1" &&
		document.querySelectorAll('section[data-status="returned"]').length === 2`)
	if eval[int](t, ctx, `window.brineMarker || 0`) != 1 {
		t.Fatal("the job page was reloaded; it should fill in by itself")
	}
	// Open a diff.
	motd := `section[data-minion="m1"] tr[data-state="motd"]`
	step(t, ctx, "open the diff", chromedp.Click(chromedp.CSS(motd+" details.diff summary")),
		chromedp.WaitVisible(chromedp.CSS(motd+" details.diff pre")))
	diff := eval[string](t, ctx, `document.querySelector('`+motd+` details.diff pre').textContent`)
	if !strings.Contains(diff, "-old motd") || !strings.Contains(diff, "+welcome to m1") {
		t.Errorf("m1's motd diff:\n%s\nwant -old motd, +welcome to m1", diff)
	}
	shot(t, ctx, "job")

	step(t, ctx, "jobs page", chromedp.Navigate(w.base+"/ui/jobs"), chromedp.WaitVisible(chromedp.CSS("#jobs")))
	waitFor(t, ctx, "the job listed", fmt.Sprintf(`!!document.querySelector('#jobs tr[data-jid=%q]')`, jid))
	// A job published while the page is open is added at the top.
	waitFor(t, ctx, "the jobs page follows new jobs", `document.getElementById("live").textContent === "live"`)
	eval[int](t, ctx, `window.brineMarker = 2`)
	ret = w.run(op, map[string]any{"client": "local_async", "tgt": "m2", "fun": "test.echo", "arg": []any{"fresh"}})
	fresh, _ := ret[0].(map[string]any)["jid"].(string)
	waitFor(t, ctx, "the new job at the top of the list", fmt.Sprintf(`document.querySelector('#jobs tbody tr').dataset.jid === %q`, fresh))
	if row := eval[string](t, ctx, `document.querySelector('#jobs tbody tr').textContent`); !strings.Contains(row, "test.echo") ||
		!strings.Contains(row, "fresh") || eval[int](t, ctx, `window.brineMarker || 0`) != 2 {
		t.Errorf("the new job's row %q (page reloaded: %v); want test.echo fresh, added in place", row, eval[int](t, ctx, `window.brineMarker || 0`) != 2)
	}
	shot(t, ctx, "jobs")
	step(t, ctx, "minions page", chromedp.Navigate(w.base+"/ui/minions"), chromedp.WaitVisible(chromedp.CSS("#minions")))
	if txt := eval[string](t, ctx, `document.querySelector('#minions tr[data-minion="m2"]').textContent`); !strings.Contains(txt, "connected") {
		t.Errorf("m2's row: %q; want connected", txt)
	}
	shot(t, ctx, "minions")
	step(t, ctx, "minion page", chromedp.Click(chromedp.CSS(`#minions tr[data-minion="m1"] a`)), chromedp.WaitVisible(chromedp.CSS("#grains")))
	if txt := eval[string](t, ctx, `document.getElementById("grains").textContent`); !strings.Contains(txt, "role") || !strings.Contains(txt, "web") {
		t.Errorf("m1's grains: %q; want role web", txt)
	}
	shot(t, ctx, "minion")
	step(t, ctx, "drift page", chromedp.Navigate(w.base+"/ui/drift"), chromedp.WaitVisible(chromedp.CSS("#drift")))
	for _, id := range []string{"m1", "m2"} {
		if got := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('#drift tr[data-minion=%q]').dataset.drift`, id)); got != "drifted" {
			t.Errorf("%s's drift = %q; want drifted (its dry run would change its motd)", id, got)
		}
	}
	shot(t, ctx, "drift")

	// The read-only role: the job without its data, and no way to run.
	step(t, ctx, "log out", chromedp.Click(chromedp.CSS("header form button")), chromedp.WaitVisible(chromedp.CSS("#password")))
	w.browserLogin(t, ctx, "readonly.nk", "")
	step(t, ctx, "job page as readonly", chromedp.Navigate(w.base+"/ui/jobs/"+jid), chromedp.WaitVisible(chromedp.CSS("#redacted")))
	if n := eval[int](t, ctx, `document.querySelectorAll("details.diff").length`); n != 0 {
		t.Errorf("the read-only role sees %d diffs; want none", n)
	}
	// Which minions drifted, not what their files would hold.
	step(t, ctx, "drift page as readonly", chromedp.Navigate(w.base+"/ui/drift"), chromedp.WaitVisible(chromedp.CSS("#drift")))
	if got := eval[string](t, ctx, `document.querySelector('#drift tr[data-minion="m1"]').dataset.drift`); got != "drifted" {
		t.Errorf("m1's drift as readonly = %q; want drifted", got)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#drift details.diff").length`); n != 0 {
		t.Errorf("the read-only role sees %d drift diffs; want none", n)
	}
	status := eval[int](t, ctx, fmt.Sprintf(`(async () => {
		const l = await fetch("/login", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({password: %q})});
		const tok = (await l.json()).return[0].token;
		const r = await fetch("/run", {method: "POST", headers: {"X-Auth-Token": tok, "Content-Type": "application/json"},
			body: JSON.stringify({client: "local", tgt: "*", fun: "test.ping"})});
		return r.status;
	})()`, w.seed("readonly.nk")))
	if status != http.StatusForbidden {
		t.Errorf("POST /run from the page as readonly: %d; want 403", status)
	}
	// The session cookie never runs a job, whatever the role.
	status = eval[int](t, ctx, `fetch("/run", {method: "POST", credentials: "same-origin", headers: {"Content-Type": "application/json"},
		body: JSON.stringify({client: "local", tgt: "*", fun: "test.ping"})}).then(r => r.status)`)
	if status != http.StatusUnauthorized {
		t.Errorf("POST /run with the session cookie: %d; want 401", status)
	}
}
