package exec

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// http.query returns Salt's dict (salt.utils.http.query, tornado
// backend): body, then status, headers, dict and text when asked; an
// HTTP error is error and status keys beside the body, a connection that
// fails an error key (status 0 when asked), not a failed call.
func TestHTTPQuery(t *testing.T) {
	var gotReq *http.Request
	var gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotReq = r
		b := new(bytes.Buffer)
		b.ReadFrom(r.Body)
		gotBody = b.String()
		switch r.URL.Path {
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"tag_name": "v1.2", "n": 3}`)
		case "/yaml":
			w.Header().Set("Content-Type", "application/x-yaml")
			fmt.Fprint(w, "a: [1, 2]\n")
		case "/xml":
			w.Header().Set("Content-Type", "text/xml")
			fmt.Fprint(w, `<root><item><name>a</name><v>1</v><v>2</v></item><leaf>x</leaf></root>`)
		case "/text":
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Add("X-Multi", "a")
			w.Header().Add("X-Multi", "b")
			fmt.Fprint(w, "hello\n")
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			fmt.Fprint(zw, "zipped")
			zw.Close()
		case "/missing":
			http.Error(w, "nope", http.StatusNotFound)
		case "/redirect":
			http.Redirect(w, r, "/text", http.StatusFound)
		default:
			fmt.Fprint(w, "ok")
		}
	}))
	t.Cleanup(srv.Close)
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/"
	ln.Close()

	h := testHost(t)
	u := srv.URL
	tests := []struct {
		name string
		args []any
		kw   map[string]any
		want map[string]any
	}{
		{"body only", []any{u + "/text"}, nil, map[string]any{"body": "hello\n"}},
		{"status and text", []any{u + "/text"}, map[string]any{"status": true, "text": true},
			map[string]any{"body": "hello\n", "status": 200, "text": "hello\n"}},
		{"decode json, auto", []any{u + "/json"}, map[string]any{"decode": true},
			map[string]any{"body": `{"tag_name": "v1.2", "n": 3}`, "dict": map[string]any{"tag_name": "v1.2", "n": json.Number("3")}}},
		{"decode yaml, auto", []any{u + "/yaml"}, map[string]any{"decode": true},
			map[string]any{"body": "a: [1, 2]\n", "dict": map[string]any{"a": []any{1, 2}}}},
		{"decode xml", []any{u + "/xml"}, map[string]any{"decode": true, "decode_type": "xml"},
			map[string]any{"body": `<root><item><name>a</name><v>1</v><v>2</v></item><leaf>x</leaf></root>`,
				"dict": []any{map[string]any{"name": "a", "v": []any{"1", map[string]any{"v": "2"}}}, map[string]any{"leaf": "x"}}}},
		{"decode plain is text", []any{u + "/text"}, map[string]any{"decode": true},
			map[string]any{"body": "hello\n", "text": "hello\n"}},
		{"bad decode_type", []any{u + "/text"}, map[string]any{"decode": true, "decode_type": "toml"},
			map[string]any{"body": "hello\n", "error": "Invalid decode_type specified. Valid decode types are: ('json', 'xml', 'yaml', 'plain')"}},
		{"gzip inflated", []any{u + "/gzip"}, nil, map[string]any{"body": "zipped"}},
		{"redirect followed", []any{u + "/redirect"}, map[string]any{"status": true}, map[string]any{"body": "hello\n", "status": 200}},
		{"404 is an error", []any{u + "/missing"}, nil,
			map[string]any{"body": "nope\n", "status": 404, "error": "HTTP 404: Not Found"}},
		{"404 without raise_error", []any{u + "/missing"}, map[string]any{"raise_error": false, "status": true},
			map[string]any{"body": "nope\n", "status": 404}},
		{"refused", []any{closed}, nil, map[string]any{"error": "[Errno 111] Connection refused"}},
		{"refused, status", []any{closed}, map[string]any{"status": true}, map[string]any{"error": "[Errno 111] Connection refused", "status": 0}},
		{"test without test_url", []any{u + "/text"}, map[string]any{"test": true}, map[string]any{}},
		{"test_url", []any{"http://example.invalid/"}, map[string]any{"test": true, "test_url": u + "/text"},
			map[string]any{"body": "hello\n", "test": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Call(context.Background(), h, "http.query", tt.args, tt.kw)
			if r.Retcode != 0 {
				t.Fatalf("http.query%v %v: %#v", tt.args, tt.kw, r)
			}
			if !reflect.DeepEqual(r.Value, tt.want) {
				t.Errorf("http.query%v %v = %#v; want %#v", tt.args, tt.kw, r.Value, tt.want)
			}
		})
	}

	t.Run("headers", func(t *testing.T) {
		r := Call(context.Background(), h, "http.query", []any{u + "/text"}, map[string]any{"headers": true})
		hd, _ := r.Value.(map[string]any)["headers"].(map[string]any)
		if hd["Content-Type"] != "text/plain" || hd["X-Multi"] != "a,b" {
			t.Errorf("headers = %#v; want Content-Type text/plain, X-Multi a,b", hd)
		}
	})

	t.Run("request", func(t *testing.T) {
		Call(context.Background(), h, "http.query", []any{u + "/post?x=1"}, map[string]any{
			"method": "POST", "params": map[string]any{"b": "2", "a": 1}, "data": map[string]any{"k": "v"},
			"header_dict": map[string]any{"X-Token": "t"}, "header_list": []any{"X-Other: o"},
			"username": "u", "password": "p"})
		if gotReq.Method != "POST" || gotReq.URL.RawQuery != "x=1&a=1&b=2" || gotBody != "k=v" {
			t.Errorf("request %s ?%s body %q; want POST ?x=1&a=1&b=2 body k=v", gotReq.Method, gotReq.URL.RawQuery, gotBody)
		}
		if gotReq.Header.Get("X-Token") != "t" || gotReq.Header.Get("X-Other") != "o" || gotReq.Header.Get("User-Agent") != "Salt/3006.0 http.query()" {
			t.Errorf("headers %v", gotReq.Header)
		}
		if user, pass, ok := gotReq.BasicAuth(); !ok || user != "u" || pass != "p" {
			t.Errorf("basic auth %q %q %v; want u p", user, pass, ok)
		}
	})

	t.Run("params as a string raises", func(t *testing.T) {
		r := Call(context.Background(), h, "http.query", []any{u + "/text"}, map[string]any{"params": "a=1"})
		if r.Raised == nil || r.Raised.Msg != "'args' parameter should be dict, list or tuple. Not <class 'str'>" {
			t.Errorf("params='a=1': %#v; want tornado's TypeError as a CommandExecutionError", r)
		}
	})

	t.Run("text_out", func(t *testing.T) {
		Call(context.Background(), h, "http.query", []any{u + "/text"}, map[string]any{"text_out": "/out.txt"})
		b, err := os.ReadFile(filepath.Join(h.Root, "out.txt"))
		if err != nil || string(b) != "hello\n" {
			t.Errorf("text_out: %q, %v; want hello", b, err)
		}
	})

	t.Run("undecodable json raises", func(t *testing.T) {
		r := Call(context.Background(), h, "http.query", []any{u + "/text"}, map[string]any{"decode": true, "decode_type": "json"})
		if r.Retcode != RetError || r.Raised == nil {
			t.Errorf("decode of text as json: %#v; want a CommandExecutionError", r)
		}
	})
}
