package api

import (
	"net/http"
)

// Route is one endpoint, declared as data: the mux serves it, the
// OpenAPI document (openapi.go) and docs/api.md are generated from it.
type Route struct {
	Method string
	// Path is a net/http ServeMux pattern's path: {name} is a path
	// parameter.
	Path    string
	Role    Role
	Summary string
	Doc     string
	Params  []Param
	// Request and Response are values of the body types (nil: none).
	Request  any
	Response any
	// Stream is the content type of a streamed response (SSE).
	Stream string
	handle func(s *Server, w http.ResponseWriter, r *http.Request, ses *session) error
}

// Param is a path or query parameter.
type Param struct {
	Name string
	In   string // path or query
	Doc  string
	Many bool // may be given more than once
}

// Routes is the API's route table.
func Routes() []Route {
	return []Route{
		{Method: "POST", Path: "/login", Role: RoleNone, Summary: "Log in: a token for the operator or the read-only role",
			Doc: "The password is the seed in the master's operator.nk (the operator: may run jobs) or readonly.nk (the read-only role: reads only), " +
				"as the brine command uses them. The token goes in the X-Auth-Token header; the answer also sets it as a cookie for the dashboard. " +
				"A JSON or a form body.",
			Request: LoginRequest{}, Response: LoginResponse{}, handle: (*Server).login},
		{Method: "POST", Path: "/logout", Role: RoleReadOnly, Summary: "End the session of the token",
			Response: LogoutResponse{}, handle: (*Server).logout},
		{Method: "GET", Path: "/minions", Role: RoleReadOnly, Summary: "Every accepted minion, its presence and grains",
			Response: MinionsResponse{}, handle: (*Server).minions},
		{Method: "GET", Path: "/minions/{id}", Role: RoleReadOnly, Summary: "One accepted minion, its presence and grains",
			Params:   []Param{{Name: "id", In: "path", Doc: "minion id"}},
			Response: MinionsResponse{}, handle: (*Server).minion},
		{Method: "GET", Path: "/keys", Role: RoleReadOnly, Summary: "The key registry, by state, as salt-key lists it",
			Response: KeysResponse{}, handle: (*Server).keys},
		{Method: "GET", Path: "/jobs", Role: RoleReadOnly, Summary: "The jobs of the job cache, newest first",
			Response: JobsResponse{}, handle: (*Server).jobs},
		{Method: "GET", Path: "/jobs/{jid}", Role: RoleReadOnly, Summary: "One job and every return of it in the job cache, late ones included",
			Doc:      "The read-only role sees how each minion ended, not what it returned, unless the master sets readonly_returns.",
			Params:   []Param{{Name: "jid", In: "path", Doc: "job id (20 digits)"}},
			Response: JobResponse{}, handle: (*Server).job},
		{Method: "POST", Path: "/run", Role: RoleOperator, Summary: "Run commands, as salt-api's /run with lowstate",
			Doc: "One lowstate or a list, each answered in order. client local waits as `brine TARGET FUNCTION` does (timeout is its -t) and " +
				"answers {minion: return}; a minion that did not return gets Salt's 'Minion did not return. [...]' text. local_async publishes " +
				"and answers the jid and the minions; local_batch (or batch with local) runs as --batch-size. A JSON or a form body.",
			Request: RunRequest{}, Response: RunResponse{}, handle: (*Server).run},
		{Method: "GET", Path: "/events", Role: RoleReadOnly, Summary: "The master's event bus as Server-Sent Events",
			Doc: "Each event is a `tag:` line and a `data:` line holding {tag, data, _stamp}, as salt-api's /events. " +
				"The token may come as ?token= (EventSource cannot send headers) or the dashboard's cookie. " +
				"The read-only role's job events carry no return data unless the master sets readonly_returns.",
			Params: []Param{{Name: "tag", In: "query", Many: true, Doc: "only events whose tag matches this glob (fnmatch, as Salt's); several: any of them"},
				{Name: "token", In: "query", Doc: "the token, when no header can be sent"}},
			Response: Event{}, Stream: "text/event-stream", handle: (*Server).events},
		{Method: "GET", Path: "/openapi.json", Role: RoleNone, Summary: "This API's OpenAPI 3 document",
			handle: (*Server).openapi},
	}
}
