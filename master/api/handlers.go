package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/proto"
)

func (s *Server) login(w http.ResponseWriter, r *http.Request, _ *session) error {
	var req LoginRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	ses, err := s.issue(w, r, req)
	if err != nil {
		return err
	}
	perms := []string{}
	if ses.Role == RoleOperator {
		perms = []string{".*"}
	}
	writeJSON(w, http.StatusOK, LoginResponse{Return: []LoginReturn{{Token: ses.Token, User: ses.Role.String(), Eauth: "nkey",
		Start: unixFloat(ses.Start.UnixNano()), Expire: unixFloat(ses.Expire.UnixNano()), Perms: perms}}})
	return nil
}

// issue checks a login and makes its session, with the dashboard's
// cookie.
func (s *Server) issue(w http.ResponseWriter, r *http.Request, req LoginRequest) (*session, error) {
	role := s.roleOf(req.Password)
	if role == RoleNone || (req.Username != "" && req.Username != role.String()) || (req.Eauth != "" && req.Eauth != "nkey") {
		s.log.Info("api login refused", "remote", r.RemoteAddr, "username", req.Username)
		return nil, errStatus(http.StatusUnauthorized, "login refused: the password is the seed of the master's operator.nk or readonly.nk")
	}
	ses, err := s.tokens.issue(role)
	if err != nil {
		return nil, errStatus(http.StatusInternalServerError, "token: %w", err)
	}
	s.log.Info("api login", "remote", r.RemoteAddr, "role", role.String())
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: ses.Token, Path: "/", Expires: ses.Expire, HttpOnly: true,
		Secure: s.o.Config.TLS(), SameSite: http.SameSiteStrictMode})
	return ses, nil
}

func unixFloat(ns int64) float64 { return float64(ns) / 1e9 }

func (s *Server) logout(w http.ResponseWriter, r *http.Request, ses *session) error {
	s.tokens.revoke(ses.Token)
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.o.Config.TLS(), SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, LogoutResponse{Return: "Your token has been cleared"})
	return nil
}

func minionOf(mi proto.MinionInfo) Minion {
	g := mi.Grains
	if g == nil {
		g = map[string]any{}
	}
	return Minion{ID: mi.ID, Connected: mi.Connected, LastSeen: mi.LastSeen, Grains: g}
}

func (s *Server) minions(w http.ResponseWriter, r *http.Request, ses *session) error {
	ms, err := s.client(ses).MinionGrains(r.Context(), "")
	if err != nil {
		return err
	}
	out := map[string]Minion{}
	for _, mi := range ms {
		out[mi.ID] = minionOf(mi)
	}
	writeJSON(w, http.StatusOK, MinionsResponse{Return: []map[string]Minion{out}})
	return nil
}

func (s *Server) minion(w http.ResponseWriter, r *http.Request, ses *session) error {
	id := r.PathValue("id")
	if err := proto.ValidID(id); err != nil {
		return errStatus(http.StatusBadRequest, "%w", err)
	}
	ms, err := s.client(ses).MinionGrains(r.Context(), id)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		return errStatus(http.StatusNotFound, "no accepted minion %s", id)
	}
	writeJSON(w, http.StatusOK, MinionsResponse{Return: []map[string]Minion{{id: minionOf(ms[0])}}})
	return nil
}

func (s *Server) keys(w http.ResponseWriter, r *http.Request, ses *session) error {
	ks, err := s.client(ses).Keys(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, KeysResponse{Return: keysOf(ks)})
	return nil
}

func keysOf(ks []proto.KeyInfo) Keys {
	out := Keys{Local: []string{}, Minions: []string{}, MinionsPre: []string{}, MinionsRejected: []string{}, MinionsDenied: []string{}}
	for _, k := range ks {
		switch k.State {
		case proto.KeyAccepted:
			out.Minions = append(out.Minions, k.ID)
		case proto.KeyPending:
			out.MinionsPre = append(out.MinionsPre, k.ID)
		case proto.KeyRejected:
			out.MinionsRejected = append(out.MinionsRejected, k.ID)
		case proto.KeyDenied:
			out.MinionsDenied = append(out.MinionsDenied, k.ID)
		}
	}
	return out
}

func jobOf(j proto.JobSummary) Job {
	args := j.Args
	if args == nil {
		args = []any{}
	}
	return Job{Function: j.Fun, Arguments: args, Kwargs: j.Kwargs, Target: j.Target, TargetType: j.TargetType,
		User: j.User, StartTime: j.IssuedAt, Minions: j.Minions}
}

// newestFirst sorts jobs by jid, newest first (a jid is its time).
func newestFirst(js []proto.JobSummary) {
	sort.Slice(js, func(a, b int) bool { return js[a].JID > js[b].JID })
}

func (s *Server) jobs(w http.ResponseWriter, r *http.Request, ses *session) error {
	js, err := s.client(ses).Jobs(r.Context())
	if err != nil {
		return err
	}
	newestFirst(js)
	out := make([]map[string]Job, 0, len(js))
	for _, j := range js {
		out = append(out, map[string]Job{j.JID: jobOf(j)})
	}
	writeJSON(w, http.StatusOK, JobsResponse{Return: out})
	return nil
}

func (s *Server) job(w http.ResponseWriter, r *http.Request, ses *session) error {
	jid := r.PathValue("jid")
	if err := proto.ValidJID(jid); err != nil {
		return errStatus(http.StatusBadRequest, "%w", err)
	}
	lr, err := s.client(ses).Lookup(r.Context(), jid)
	if err != nil {
		return err
	}
	info := JobInfo{Job: jobOf(lr.Job), JID: jid, Result: map[string]MinionResult{}, Acked: lr.Acked, Redacted: lr.Redacted}
	rets := map[string]any{}
	for id, ret := range lr.Returns {
		info.Result[id] = MinionResult{Return: ret.Return, Retcode: ret.Retcode, Success: ret.Success, Start: ret.Start, End: ret.End}
		rets[id] = ret.Return
	}
	if info.Acked == nil {
		info.Acked = []string{}
	}
	writeJSON(w, http.StatusOK, JobResponse{Info: []JobInfo{info}, Return: []map[string]any{rets}})
	return nil
}

// decodeBody reads a JSON body, or a form (salt-api takes both) into a
// struct's fields by their json names.
func decodeBody(r *http.Request, v any) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/x-www-form-urlencoded" {
		if err := r.ParseForm(); err != nil {
			return errStatus(http.StatusBadRequest, "form: %w", err)
		}
		return formTo(r.PostForm, v)
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errStatus(http.StatusRequestEntityTooLarge, "body larger than %d bytes", mbe.Limit)
		}
		return errStatus(http.StatusBadRequest, "body: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errStatus(http.StatusBadRequest, "body: %w", err)
	}
	return nil
}

// formTo sets a struct's string, bool, number and list fields from a
// form, by their json names; other keys are an error, as in JSON.
func formTo(form url.Values, v any) error {
	rv := reflect.ValueOf(v).Elem()
	fields := map[string]reflect.Value{}
	for i := 0; i < rv.NumField(); i++ {
		name, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("json"), ",")
		fields[name] = rv.Field(i)
	}
	for k, vals := range form {
		f, ok := fields[k]
		if !ok || len(vals) == 0 {
			return errStatus(http.StatusBadRequest, "form: unknown field %q", k)
		}
		switch f.Kind() {
		case reflect.String:
			f.SetString(vals[len(vals)-1])
		case reflect.Bool:
			b, err := strconv.ParseBool(vals[len(vals)-1])
			if err != nil {
				return errStatus(http.StatusBadRequest, "form: %s: %w", k, err)
			}
			f.SetBool(b)
		case reflect.Float64:
			n, err := strconv.ParseFloat(vals[len(vals)-1], 64)
			if err != nil {
				return errStatus(http.StatusBadRequest, "form: %s: %w", k, err)
			}
			f.SetFloat(n)
		case reflect.Slice:
			l := make([]any, len(vals))
			for i, s := range vals {
				l[i] = s
			}
			f.Set(reflect.ValueOf(l))
		default:
			return errStatus(http.StatusBadRequest, "form: %s cannot be given in a form; send JSON", k)
		}
	}
	return nil
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request, _ *session) error {
	b, err := OpenAPI()
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
	return nil
}
