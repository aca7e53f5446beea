package api

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

// The dashboard: server-rendered pages (html/template) and one small
// script for what changes while a job runs, all embedded, nothing
// fetched from elsewhere.

//go:embed ui
var uiFiles embed.FS

type ui struct {
	s      *Server
	pages  map[string]*template.Template
	static fs.FS
}

func newUI(s *Server) (*ui, error) {
	u := &ui{s: s, pages: map[string]*template.Template{}}
	funcs := template.FuncMap{
		"when":     when,
		"pretty":   pretty,
		"diff":     diffLines,
		"grain":    grain,
		"result":   resultClass,
		"duration": durationText,
	}
	for _, p := range []string{"login", "minions", "minion", "jobs", "job", "drift"} {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(uiFiles, "ui/layout.html", "ui/minion_result.html", "ui/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("api: dashboard template %s: %w", p, err)
		}
		u.pages[p] = t
	}
	var err error
	if u.static, err = fs.Sub(uiFiles, "ui/static"); err != nil {
		return nil, err
	}
	return u, nil
}

func (u *ui) register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ui/", http.StatusSeeOther) })
	mux.HandleFunc("GET /ui/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ui/jobs", http.StatusSeeOther)
	})
	mux.Handle("GET /ui/static/", u.headers(http.StripPrefix("/ui/static/", http.FileServerFS(u.static))))
	mux.HandleFunc("GET /ui/login", u.loginPage)
	mux.HandleFunc("POST /ui/login", u.loginForm)
	mux.HandleFunc("POST /ui/logout", u.logout)
	mux.HandleFunc("GET /ui/minions", u.page(u.minions))
	mux.HandleFunc("GET /ui/minions/{id}", u.page(u.minion))
	mux.HandleFunc("GET /ui/jobs", u.page(u.jobs))
	mux.HandleFunc("GET /ui/jobs/{jid}", u.page(u.job))
	mux.HandleFunc("GET /ui/jobs/{jid}/minions/{id}", u.page(u.jobMinion))
	mux.HandleFunc("GET /ui/drift", u.page(u.drift))
}

// headers are every dashboard answer's: nothing from elsewhere, no
// framing.
func (u *ui) headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setUIHeaders(w)
		h.ServeHTTP(w, r)
	})
}

func setUIHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// view is what every page template gets.
type view struct {
	Title   string
	Nav     string
	Role    string
	Error   string
	Data    any
	Partial bool
}

// page serves a dashboard page to a logged-in session, and sends any
// other to the login page.
func (u *ui) page(fn func(r *http.Request, ses *session) (string, *view, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		setUIHeaders(w)
		w.Header().Set("Cache-Control", "no-store")
		ses := u.s.session(r, false)
		if ses == nil {
			http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
			return
		}
		name, v, err := fn(r, ses)
		if err != nil {
			st := statusOf(err)
			v = &view{Title: "Error", Error: err.Error()}
			name = "login"
			w.WriteHeader(st)
		}
		v.Role = ses.Role.String()
		u.render(w, name, v)
	}
}

func (u *ui) render(w http.ResponseWriter, name string, v *view) {
	var b bytes.Buffer
	var err error
	if v.Partial {
		err = u.pages[name].ExecuteTemplate(&b, "minion_result", v.Data)
	} else {
		err = u.pages[name].ExecuteTemplate(&b, "layout.html", v)
	}
	if err != nil {
		u.s.log.Error("dashboard: render", "page", name, "err", err)
		http.Error(w, "render: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

func (u *ui) loginPage(w http.ResponseWriter, r *http.Request) {
	setUIHeaders(w)
	u.render(w, "login", &view{Title: "Log in"})
}

func (u *ui) loginForm(w http.ResponseWriter, r *http.Request) {
	setUIHeaders(w)
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		u.render(w, "login", &view{Title: "Log in", Error: err.Error()})
		return
	}
	if _, err := u.s.issue(w, r, LoginRequest{Password: r.PostForm.Get("password")}); err != nil {
		w.WriteHeader(statusOf(err))
		u.render(w, "login", &view{Title: "Log in", Error: err.Error()})
		return
	}
	http.Redirect(w, r, "/ui/jobs", http.StatusSeeOther)
}

func (u *ui) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		u.s.tokens.revoke(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: u.s.o.Config.TLS(), SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}

// minionRow is one minion of the minions page.
type minionRow struct {
	Minion
	OS, Release, Kernel, Addr string
}

func (u *ui) minions(r *http.Request, ses *session) (string, *view, error) {
	ms, err := u.s.client(ses).MinionGrains(r.Context(), "")
	if err != nil {
		return "", nil, err
	}
	rows := make([]minionRow, 0, len(ms))
	for _, mi := range ms {
		m := minionOf(mi)
		rows = append(rows, minionRow{Minion: m, OS: grain(m.Grains, "os"), Release: grain(m.Grains, "osrelease"),
			Kernel: grain(m.Grains, "kernelrelease"), Addr: grain(m.Grains, "fqdn")})
	}
	sort.Slice(rows, func(a, b int) bool { return rows[a].ID < rows[b].ID })
	return "minions", &view{Title: "Minions", Nav: "minions", Data: rows}, nil
}

// grainRow is one grain of a minion's page.
type grainRow struct{ Key, Value string }

func (u *ui) minion(r *http.Request, ses *session) (string, *view, error) {
	id := r.PathValue("id")
	if err := proto.ValidID(id); err != nil {
		return "", nil, errStatus(http.StatusBadRequest, "%w", err)
	}
	ms, err := u.s.client(ses).MinionGrains(r.Context(), id)
	if err != nil {
		return "", nil, err
	}
	if len(ms) == 0 {
		return "", nil, errStatus(http.StatusNotFound, "no accepted minion %s", id)
	}
	m := minionOf(ms[0])
	var grains []grainRow
	for k, v := range m.Grains {
		grains = append(grains, grainRow{Key: k, Value: grainText(v)})
	}
	sort.Slice(grains, func(a, b int) bool { return grains[a].Key < grains[b].Key })
	return "minion", &view{Title: id, Nav: "minions", Data: struct {
		Minion
		GrainList []grainRow
	}{m, grains}}, nil
}

func (u *ui) jobs(r *http.Request, ses *session) (string, *view, error) {
	js, err := u.s.client(ses).Jobs(r.Context())
	if err != nil {
		return "", nil, err
	}
	newestFirst(js)
	return "jobs", &view{Title: "Jobs", Nav: "jobs", Data: js}, nil
}

func (u *ui) job(r *http.Request, ses *session) (string, *view, error) {
	jp, err := u.jobPage(r, ses)
	if err != nil {
		return "", nil, err
	}
	return "job", &view{Title: "Job " + jp.JID, Nav: "jobs", Data: jp}, nil
}

// jobMinion is one minion's part of a job page, which the page's script
// fetches when the minion returns.
func (u *ui) jobMinion(r *http.Request, ses *session) (string, *view, error) {
	jp, err := u.jobPage(r, ses)
	if err != nil {
		return "", nil, err
	}
	id := r.PathValue("id")
	for _, m := range jp.Minions {
		if m.ID == id {
			return "job", &view{Partial: true, Data: m}, nil
		}
	}
	return "", nil, errStatus(http.StatusNotFound, "job %s was not sent to %s", jp.JID, id)
}

func (u *ui) jobPage(r *http.Request, ses *session) (*jobPage, error) {
	jid := r.PathValue("jid")
	if err := proto.ValidJID(jid); err != nil {
		return nil, errStatus(http.StatusBadRequest, "%w", err)
	}
	lr, err := u.s.client(ses).Lookup(r.Context(), jid)
	if err != nil {
		return nil, err
	}
	return newJobPage(jid, lr), nil
}

// durationText is a state's duration (milliseconds) for the pages.
func durationText(ms float64) string {
	switch {
	case ms >= 1000:
		return fmt.Sprintf("%.2f s", ms/1000)
	case ms >= 10:
		return fmt.Sprintf("%.0f ms", ms)
	}
	return fmt.Sprintf("%.2f ms", ms)
}

// when is a time for the pages: UTC, to the second.
func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

func pretty(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// grain is a grain's value as text ("" when not set).
func grain(g map[string]any, key string) string {
	v, ok := g[key]
	if !ok || v == nil {
		return ""
	}
	return grainText(v)
}

func grainText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// diffLine is one line of a unified diff, with its class.
type diffLine struct{ Class, Text string }

func diffLines(d string) []diffLine {
	var out []diffLine
	for _, l := range strings.Split(strings.TrimRight(d, "\n"), "\n") {
		c := ""
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
			c = "file"
		case strings.HasPrefix(l, "+"):
			c = "add"
		case strings.HasPrefix(l, "-"):
			c = "del"
		case strings.HasPrefix(l, "@@"):
			c = "hunk"
		}
		out = append(out, diffLine{Class: c, Text: l})
	}
	return out
}

// resultClass names a state's result for the page: ok, fail, or
// pending (None: what a dry run would change).
func resultClass(r *bool) string {
	switch {
	case r == nil:
		return "pending"
	case *r:
		return "ok"
	}
	return "fail"
}
