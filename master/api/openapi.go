package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"
)

//go:generate go run ./internal/gendoc ../../docs

// OpenAPI is the API's OpenAPI 3 document, generated from the route
// table and the body types; docs/openapi.json is a copy, checked by a
// test.
func OpenAPI() ([]byte, error) {
	g := &schemas{defs: map[string]any{}}
	paths := map[string]map[string]any{}
	for _, rt := range Routes() {
		op := map[string]any{
			"summary":      rt.Summary,
			"operationId":  operationID(rt),
			"x-brine-role": rt.Role.String(),
		}
		if rt.Doc != "" {
			op["description"] = rt.Doc
		}
		var params []any
		for _, p := range rt.Params {
			sch := map[string]any{"type": "string"}
			if p.Many {
				sch = map[string]any{"type": "array", "items": map[string]any{"type": "string"}}
			}
			params = append(params, map[string]any{"name": p.Name, "in": p.In, "required": p.In == "path",
				"description": p.Doc, "schema": sch})
		}
		if params != nil {
			op["parameters"] = params
		}
		if rt.Request != nil {
			ref := g.of(reflect.TypeOf(rt.Request))
			content := map[string]any{"application/json": map[string]any{"schema": ref}}
			if formable(reflect.TypeOf(rt.Request)) {
				content["application/x-www-form-urlencoded"] = map[string]any{"schema": ref}
			}
			op["requestBody"] = map[string]any{"required": true, "content": content}
		}
		ok := map[string]any{"description": "OK"}
		switch {
		case rt.Stream != "":
			ok["content"] = map[string]any{rt.Stream: map[string]any{"schema": map[string]any{"type": "string",
				"description": "a stream of events: each a `tag:` line and a `data:` line holding an Event as JSON"}}}
			ok["x-event"] = g.of(reflect.TypeOf(rt.Response))
		case rt.Response != nil:
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": g.of(reflect.TypeOf(rt.Response))}}
		default:
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}}
		}
		errRef := g.of(reflect.TypeOf(ErrorResponse{}))
		errResp := func(d string) map[string]any {
			return map[string]any{"description": d, "content": map[string]any{"application/json": map[string]any{"schema": errRef}}}
		}
		resps := map[string]any{"200": ok}
		if rt.Request != nil || len(rt.Params) > 0 {
			resps["400"] = errResp("a bad request")
		}
		if rt.Role != RoleNone {
			resps["401"] = errResp("no valid token")
			op["security"] = []any{map[string]any{"token": []any{}}, map[string]any{"cookie": []any{}}}
		} else if rt.Path == "/login" {
			resps["401"] = errResp("a credential that is not the operator's nor the read-only operator's")
		}
		if rt.Role == RoleOperator {
			resps["403"] = errResp("the read-only role")
		}
		if strings.Contains(rt.Path, "{") {
			resps["404"] = errResp("no such thing")
		}
		if rt.Role != RoleNone && rt.Path != "/logout" {
			resps["502"] = errResp("the master answered with an error")
			resps["503"] = errResp("the master is busy, or (events) has no event bus")
		}
		op["responses"] = resps
		if paths[rt.Path] == nil {
			paths[rt.Path] = map[string]any{}
		}
		paths[rt.Path][strings.ToLower(rt.Method)] = op
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "brine master API",
			"version":     "1",
			"description": "The master's HTTP API, in the manner of salt-api (rest_cherrypy). See docs/api.md.",
		},
		"paths": paths,
		"components": map[string]any{
			"schemas": g.defs,
			"securitySchemes": map[string]any{
				"token":  map[string]any{"type": "apiKey", "in": "header", "name": "X-Auth-Token"},
				"cookie": map[string]any{"type": "apiKey", "in": "cookie", "name": cookieName, "description": "the dashboard's session: reads (GET) only"},
			},
		},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

func operationID(rt Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(rt.Method))
	for _, part := range strings.Split(rt.Path, "/") {
		part = strings.Trim(part, "{}")
		part = strings.ReplaceAll(part, ".", "_")
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// formable reports whether a request body can also come as a form.
func formable(t reflect.Type) bool {
	return t.Kind() == reflect.Struct || (t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct)
}

// schemas makes JSON schemas of Go types: a named struct once, under
// components, and a reference to it.
type schemas struct {
	defs map[string]any
}

var (
	timeType = reflect.TypeOf(time.Time{})
	rawType  = reflect.TypeOf(json.RawMessage{})
)

func (g *schemas) of(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == rawType:
		return map[string]any{"description": "any JSON value"}
	}
	switch t.Kind() {
	case reflect.Interface:
		return map[string]any{"description": "any JSON value"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Pointer:
		return g.of(t.Elem())
	case reflect.Slice, reflect.Array:
		arr := map[string]any{"type": "array", "items": g.of(t.Elem())}
		if t.Name() == "" {
			return arr
		}
		if _, done := g.defs[t.Name()]; !done {
			g.defs[t.Name()] = map[string]any{"oneOf": []any{g.of(t.Elem()), arr},
				"description": "one " + t.Elem().Name() + ", or a list of them"}
		}
		return map[string]any{"$ref": "#/components/schemas/" + t.Name()}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.of(t.Elem())}
	case reflect.Struct:
		name := t.Name()
		if _, done := g.defs[name]; !done {
			g.defs[name] = nil // a recursive type refers to itself
			props := map[string]any{}
			var required []string
			g.fields(t, props, &required)
			def := map[string]any{"type": "object", "properties": props}
			if len(required) > 0 {
				sort.Strings(required)
				def["required"] = required
			}
			g.defs[name] = def
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	panic(fmt.Sprintf("api: openapi: no schema for %s", t))
}

// fields adds a struct's fields, embedded structs' flattened as
// encoding/json does.
func (g *schemas) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			g.fields(f.Type, props, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := g.of(f.Type)
		if d := f.Tag.Get("doc"); d != "" {
			if _, ref := s["$ref"]; ref {
				s = map[string]any{"allOf": []any{s}, "description": d}
			} else {
				c := map[string]any{}
				for k, v := range s {
					c[k] = v
				}
				c["description"] = d
				s = c
			}
		}
		props[name] = s
		if !strings.Contains(opts, "omitempty") {
			*required = append(*required, name)
		}
	}
}

// RoutesMarkdown is the endpoint list of docs/api.md, from the route
// table.
func RoutesMarkdown() string {
	var b strings.Builder
	b.WriteString("| Method | Path | Role | What |\n|---|---|---|---|\n")
	for _, rt := range Routes() {
		role := rt.Role.String()
		if rt.Role == RoleNone {
			role = "none"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", rt.Method, rt.Path, role, rt.Summary)
	}
	for _, rt := range Routes() {
		fmt.Fprintf(&b, "\n### %s %s\n\n%s.", rt.Method, rt.Path, rt.Summary)
		if rt.Doc != "" {
			b.WriteString(" " + rt.Doc)
		}
		b.WriteString("\n")
		if rt.Role != RoleNone {
			fmt.Fprintf(&b, "\nRole: %s or above.\n", rt.Role)
		}
		for _, p := range rt.Params {
			fmt.Fprintf(&b, "\n- `%s` (%s): %s", p.Name, p.In, p.Doc)
		}
		if len(rt.Params) > 0 {
			b.WriteString("\n")
		}
		if rt.Request != nil {
			fmt.Fprintf(&b, "\nBody: `%s`", typeName(rt.Request))
			if t := reflect.TypeOf(rt.Request); t.Kind() == reflect.Slice {
				fmt.Fprintf(&b, " (one `%s` or a list)", t.Elem().Name())
			}
			b.WriteString(" (see docs/openapi.json).\n")
		}
		if rt.Response != nil {
			fmt.Fprintf(&b, "\nAnswer: `%s`.\n", typeName(rt.Response))
		}
	}
	return b.String()
}

func typeName(v any) string { return reflect.TypeOf(v).Name() }

// Markers around the generated part of docs/api.md.
const (
	RoutesBegin = "<!-- routes: generated from master/api/routes.go by go generate ./master/api; do not edit -->"
	RoutesEnd   = "<!-- end of routes -->"
)

// SpliceRoutes puts RoutesMarkdown between the markers of api.md's text.
func SpliceRoutes(md string) (string, error) {
	before, rest, ok := strings.Cut(md, RoutesBegin)
	if !ok {
		return "", fmt.Errorf("no %q", RoutesBegin)
	}
	_, after, ok := strings.Cut(rest, RoutesEnd)
	if !ok {
		return "", fmt.Errorf("no %q", RoutesEnd)
	}
	return before + RoutesBegin + "\n\n" + RoutesMarkdown() + "\n" + RoutesEnd + after, nil
}
