package exec

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"syscall"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/brine-cm/brine/pkg/grains"
	"github.com/brine-cm/brine/pkg/pyfmt"
	"github.com/brine-cm/brine/states"
)

// Salt's http.query (salt/modules/http.py over salt.utils.http.query,
// its default tornado backend), which public trees call while rendering
// to read a release list, a key or a token: the return is a dict with the
// body, and the status, headers, decoded dict and text when asked for; an
// HTTP error or a connection that fails is an "error" key in it, not a
// failed call.

func init() {
	register("http.query", httpQuery, "Query a URL and return a dict: body, and status, headers, dict (decode=True) and text when asked for; an HTTP error or a failed connection is its error key (and status), as Salt's.",
		states.Param{Name: "url", Type: states.String, Required: true, Doc: "the URL, http:// or https://."},
		states.Param{Name: "method", Type: states.String, Default: "GET", Doc: "the HTTP method."},
		states.Param{Name: "params", Type: states.Any, Doc: "query parameters added to the URL: a mapping, or a list of pairs."},
		states.Param{Name: "data", Type: states.Any, Doc: "the request body: a string, or a mapping sent form-encoded."},
		states.Param{Name: "data_file", Type: states.Path, Doc: "a file of the host whose text is the request body."},
		states.Param{Name: "header_dict", Type: states.Map, Doc: "request headers, name to value."},
		states.Param{Name: "header_list", Type: states.StringList, Doc: "request headers as `Name: value` lines."},
		states.Param{Name: "header_file", Type: states.Path, Doc: "a file of the host of `Name: value` lines, added as header_list."},
		states.Param{Name: "username", Type: states.String, Doc: "the user of HTTP basic authentication (with password)."},
		states.Param{Name: "password", Type: states.String, Doc: "the password of HTTP basic authentication."},
		states.Param{Name: "decode", Type: states.Bool, Default: false, Doc: "decode the body into the dict key."},
		states.Param{Name: "decode_type", Type: states.String, Default: "auto", Doc: "json, yaml, xml or plain; auto picks by the Content-Type (json when there is none)."},
		states.Param{Name: "status", Type: states.Bool, Default: false, Doc: "return the status code (0 when the connection failed)."},
		states.Param{Name: "headers", Type: states.Bool, Default: false, Doc: "return the response headers."},
		states.Param{Name: "text", Type: states.Bool, Default: false, Doc: "return the body again, as text."},
		states.Param{Name: "raise_error", Type: states.Bool, Default: true, Doc: "an HTTP status of 400 or more is an error (error and status keys); False returns such a response as any other."},
		states.Param{Name: "verify_ssl", Type: states.Bool, Doc: "check the server's certificate (default: the verify_ssl option, True)."},
		states.Param{Name: "ca_bundle", Type: states.String, Doc: "the CA certificates to check it with (default: the ca_bundle option, else the system's)."},
		states.Param{Name: "cert", Type: states.Any, Doc: "a client certificate: a PEM file holding the key too, or a list of the certificate and key files."},
		states.Param{Name: "agent", Type: states.String, Doc: "the User-agent header (default: Salt's, Salt/3006.0 http.query())."},
		states.Param{Name: "test", Type: states.Bool, Default: false, Doc: "query test_url instead, adding test: True; with no test_url, return {} and query nothing."},
		states.Param{Name: "test_url", Type: states.String, Doc: "the URL test=True queries."},
		states.Param{Name: "text_out", Type: states.Path, Doc: "a file of the host to write the body to."},
		states.Param{Name: "decode_out", Type: states.Path, Doc: "with decode, a file of the host to write the body to."},
		states.Param{Name: "decode_body", Type: states.Bool, Default: true, Doc: "accepted: the body is returned as text either way."},
		states.Param{Name: "(any other argument)", Rest: true, Doc: "accepted and ignored, as by Salt's (backend, cookies, hide_fields, opts…)."})
}

// httpClientFor is the HTTP client of one query; a variable, for tests.
var httpClientFor = func(tlsConf *tls.Config, connect time.Duration) *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:           http.ProxyFromEnvironment,
		DialContext:     (&net.Dialer{Timeout: connect}).DialContext,
		TLSClientConfig: tlsConf,
		// tornado asks for no compression (decompress_response=False)
		// and Salt inflates a gzip or deflate body itself.
		DisableCompression: true,
	}}
}

// httpOpt reads a minion option as a number of seconds.
func httpOpt(c *call, name string, def float64) time.Duration {
	secs := def
	switch v := templateOpts(c.host, c.host.Env, false)[name].(type) {
	case int:
		secs = float64(v)
	case float64:
		secs = v
	case json.Number:
		if f, err := v.Float64(); err == nil {
			secs = f
		}
	}
	return time.Duration(secs * float64(time.Second))
}

func httpQuery(ctx context.Context, c *call) Return {
	opts := templateOpts(c.host, c.host.Env, false)
	rawURL := c.str("url")
	ret := map[string]any{}
	if c.boolean("test") {
		if !c.has("test_url") {
			return nested(ret)
		}
		rawURL = c.str("test_url")
		ret["test"] = true
	}
	full, err := urlConcat(rawURL, c.kw["params"])
	if err != nil {
		return commandError(err.Error())
	}
	body, err := httpBody(c)
	if err != nil {
		return commandError(err.Error())
	}
	method := c.str("method")
	req, err := http.NewRequestWithContext(ctx, method, full, body)
	if err != nil {
		return commandError(err.Error())
	}
	if err := httpHeaders(c, req); err != nil {
		return commandError(err.Error())
	}
	verify := true
	if v, ok := opts["verify_ssl"].(bool); ok {
		verify = v
	}
	if c.has("verify_ssl") {
		verify = c.boolean("verify_ssl")
	}
	tlsConf, err := httpTLS(c, opts, verify)
	if err != nil {
		return commandError(err.Error())
	}
	client := httpClientFor(tlsConf, httpOpt(c, "http_connect_timeout", 20))
	client.Timeout = httpOpt(c, "http_request_timeout", 3600)
	client.CheckRedirect = func(_ *http.Request, via []*http.Request) error {
		// tornado's max_redirects: five, then the redirect itself is
		// the response.
		if len(via) > 5 {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := client.Do(req)
	if err != nil {
		code, msg, httpErr := httpErrorOf(err)
		if httpErr {
			// tornado's timeouts are HTTP errors of status 599.
			ret["status"], ret["error"] = code, msg
			return nested(ret)
		}
		if c.boolean("status") {
			ret["status"] = 0
		}
		ret["error"] = msg
		c.host.Log.Debug(fmt.Sprintf("Cannot perform 'http.query': %s - %s", full, msg))
		return nested(ret)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return commandError(err.Error())
	}
	text := string(raw)
	if resp.StatusCode >= 400 && c.boolean("raise_error") {
		// tornado's HTTPClientError: "HTTP CODE: REASON", the body
		// kept, as salt.utils.http.query returns it.
		ret["status"] = resp.StatusCode
		ret["error"] = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, httpReason(resp))
		ret["body"] = text
		return nested(ret)
	}
	switch resp.Header.Get("Content-Encoding") {
	case "gzip":
		if text, err = inflate(raw, true); err != nil {
			return commandError(err.Error())
		}
	case "deflate":
		if text, err = inflate(raw, false); err != nil {
			return commandError(err.Error())
		}
	}
	ret["body"] = text
	if p := c.str("text_out"); p != "" {
		if err := writeHostFile(c, "text_out", text); err != nil {
			return commandError(err.Error())
		}
	}
	if c.boolean("status") {
		ret["status"] = resp.StatusCode
	}
	if c.boolean("headers") {
		ret["headers"] = httpHeaderDict(resp.Header)
	}
	wantText := c.boolean("text")
	if c.boolean("decode") {
		decodeType := c.str("decode_type")
		if decodeType == "auto" {
			ct := resp.Header.Get("Content-Type")
			if ct == "" {
				ct = "application/json"
			}
			switch {
			case strings.Contains(ct, "xml"):
				decodeType = "xml"
			case strings.Contains(ct, "json"):
				decodeType = "json"
			case strings.Contains(ct, "yaml"):
				decodeType = "yaml"
			default:
				decodeType = "plain"
			}
		}
		switch decodeType {
		case "json":
			var v any
			d := json.NewDecoder(strings.NewReader(text))
			d.UseNumber()
			if err := d.Decode(&v); err != nil {
				return commandError(fmt.Sprintf("decoding the body as JSON: %v", err))
			}
			ret["dict"] = v
		case "yaml":
			var v any
			if err := yaml.Unmarshal([]byte(text), &v); err != nil {
				return commandError(fmt.Sprintf("decoding the body as YAML: %v", err))
			}
			ret["dict"] = v
		case "xml":
			v, err := xmlItems(text)
			if err != nil {
				return commandError(fmt.Sprintf("decoding the body as XML: %v", err))
			}
			ret["dict"] = v
		case "plain":
			wantText = true
		default:
			ret["error"] = "Invalid decode_type specified. Valid decode types are: ('json', 'xml', 'yaml', 'plain')"
			c.host.Log.Error(ret["error"].(string))
			return nested(ret)
		}
		if c.str("decode_out") != "" {
			if err := writeHostFile(c, "decode_out", text); err != nil {
				return commandError(err.Error())
			}
		}
	}
	if wantText {
		ret["text"] = text
	}
	return nested(ret)
}

// urlConcat is tornado's url_concat: params (a mapping, or a list of
// pairs) appended to the URL's own query; a string is taken as a query.
func urlConcat(raw string, params any) (string, error) {
	if params == nil {
		return raw, nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	q := u.RawQuery
	add := url.Values{}
	var keys []string
	switch p := params.(type) {
	case string:
		// tornado's url_concat refuses a string; an empty one is no
		// params at all (Salt's `if params`).
		if p == "" {
			return raw, nil
		}
		return "", fmt.Errorf("'args' parameter should be dict, list or tuple. Not <class 'str'>")
	case map[string]any:
		for k := range p {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			add.Add(k, pyStr(p[k]))
		}
	case []any:
		for _, e := range p {
			pair, ok := e.([]any)
			if !ok || len(pair) != 2 {
				return "", fmt.Errorf("'params' must be a dict or a list of pairs, got %s", pyfmt.Repr(params))
			}
			add.Add(pyStr(pair[0]), pyStr(pair[1]))
		}
	default:
		if m, err := states.Map.Decode(params); err == nil {
			return urlConcat(raw, m)
		}
		return "", fmt.Errorf("'params' must be a dict or a list of pairs, got %s", pyfmt.Repr(params))
	}
	if e := add.Encode(); e != "" {
		if q != "" {
			q += "&"
		}
		u.RawQuery = q + e
	}
	return u.String(), nil
}

// pyStr is a value as Python's str() writes it.
func pyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return pyfmt.Str(v)
}

// httpBody is the request's body: data_file's text, or data (a mapping
// form-encoded, as tornado's backend sends it).
func httpBody(c *call) (io.Reader, error) {
	if c.has("data_file") {
		hp, err := c.hostPath("data_file", true)
		if err != nil {
			return nil, err
		}
		b, err := os.ReadFile(hp)
		if err != nil {
			return nil, err
		}
		return bytes.NewReader(b), nil
	}
	switch d := c.kw["data"].(type) {
	case nil:
		return nil, nil
	case string:
		return strings.NewReader(d), nil
	default:
		m, err := states.Map.Decode(d)
		if err != nil {
			return strings.NewReader(pyStr(d)), nil
		}
		v := url.Values{}
		mm, _ := m.(map[string]any)
		for k, x := range mm {
			v.Add(k, pyStr(x))
		}
		return strings.NewReader(v.Encode()), nil
	}
}

// httpHeaders sets the request's headers as Salt's query does: header_file
// or header_list lines, header_dict, the User-agent, basic auth.
func httpHeaders(c *call, req *http.Request) error {
	lines := c.strings("header_list")
	if c.has("header_file") {
		hp, err := c.hostPath("header_file", true)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(hp)
		if err != nil {
			return err
		}
		lines = strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	}
	if m, ok := c.kw["header_dict"].(map[string]any); ok {
		for k, v := range m {
			req.Header.Set(k, pyStr(v))
		}
	}
	for _, l := range lines {
		// As Salt's: the part after the second colon is dropped.
		parts := strings.Split(l, ":")
		if len(parts) < 2 {
			continue
		}
		req.Header.Set(strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1]))
	}
	agent := c.str("agent")
	if agent == "" {
		// Salt's USERAGENT, of the release brine follows.
		agent = "Salt/" + grains.SaltVersion + " http.query()"
	}
	req.Header.Set("User-agent", agent)
	if u, p := c.str("username"), c.str("password"); u != "" && p != "" {
		req.SetBasicAuth(u, p)
	}
	return nil
}

// httpTLS is the TLS setup: the CA bundle (the argument, the ca_bundle
// option, the system's), client certificates, verification.
func httpTLS(c *call, opts map[string]any, verify bool) (*tls.Config, error) {
	conf := &tls.Config{InsecureSkipVerify: !verify} //nolint:gosec // the caller's verify_ssl=False, as Salt's
	bundle := c.str("ca_bundle")
	if bundle == "" {
		bundle, _ = opts["ca_bundle"].(string)
	}
	if bundle != "" && verify {
		pem, err := os.ReadFile(bundle)
		if err != nil {
			return nil, fmt.Errorf("ca_bundle: %w", err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		conf.RootCAs = pool
	}
	var certFile, keyFile string
	switch v := c.kw["cert"].(type) {
	case nil:
	case string:
		certFile, keyFile = v, v
	case []any:
		if len(v) == 2 {
			certFile, keyFile = pyStr(v[0]), pyStr(v[1])
		}
	}
	if certFile != "" {
		if _, err := os.Stat(certFile); err == nil {
			pair, err := tls.LoadX509KeyPair(certFile, keyFile)
			if err != nil {
				return nil, fmt.Errorf("cert: %w", err)
			}
			conf.Certificates = []tls.Certificate{pair}
		}
	}
	return conf, nil
}

// httpErrorOf words a failed request as Salt's query returns it: a
// timeout is tornado's HTTP error 599 (httpErr); a connection that fails
// is the OSError's text, as Python words the common ones.
func httpErrorOf(err error) (code int, msg string, httpErr bool) {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Timeout() {
		return 599, "HTTP 599: Timeout during request", true
	}
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return 0, "[Errno 111] Connection refused", false
	case errors.Is(err, syscall.ENETUNREACH):
		return 0, "[Errno 101] Network is unreachable", false
	case errors.Is(err, syscall.EHOSTUNREACH):
		return 0, "[Errno 113] No route to host", false
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return 0, "[Errno -2] Name or service not known", false
	}
	if ue != nil {
		err = ue.Err
	}
	return 0, err.Error(), false
}

// httpReason is the response's reason phrase, as the server sent it.
func httpReason(resp *http.Response) string {
	if _, reason, ok := strings.Cut(resp.Status, " "); ok && reason != "" {
		return reason
	}
	if r := http.StatusText(resp.StatusCode); r != "" {
		return r
	}
	return "Unknown"
}

// httpHeaderDict is tornado's HTTPHeaders as a dict: canonical names,
// repeated headers joined by commas.
func httpHeaderDict(h http.Header) map[string]any {
	out := make(map[string]any, len(h))
	for k, v := range h {
		out[k] = strings.Join(v, ",")
	}
	return out
}

// inflate undoes a gzip or deflate Content-Encoding, as Salt's
// __decompressContent does.
func inflate(b []byte, isGzip bool) (string, error) {
	var r io.Reader
	if isGzip {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return "", err
		}
		r = zr
	} else {
		r = flate.NewReader(bytes.NewReader(b))
	}
	out, err := io.ReadAll(r)
	return string(out), err
}

// writeHostFile writes text to the file a Path argument names.
func writeHostFile(c *call, arg, text string) error {
	hp, err := c.hostPath(arg, true)
	if err != nil {
		return err
	}
	return os.WriteFile(hp, []byte(text), 0o644)
}

// xmlNode is an element read by xmlItems.
type xmlNode struct {
	name     string
	text     string
	children []*xmlNode
}

// xmlItems decodes an XML document as Salt's query does: one dict for
// each child of the root (salt.utils.xmlutil.to_dict).
func xmlItems(text string) ([]any, error) {
	d := xml.NewDecoder(strings.NewReader(text))
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{name: t.Name.Local}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root == nil {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				n := stack[len(stack)-1]
				// ElementTree's text is what comes before the first
				// child.
				if len(n.children) == 0 {
					n.text += string(t)
				}
			}
		}
	}
	if root == nil {
		return nil, errors.New("no element found")
	}
	out := []any{}
	for _, item := range root.children {
		out = append(out, xmlToDict(item))
	}
	return out, nil
}

// xmlToDict is salt.utils.xmlutil._to_dict: a leaf is {tag: text}; else
// each child by tag (a leaf child's text, a parent child's dict), a tag
// repeated making a list.
func xmlToDict(n *xmlNode) map[string]any {
	if len(n.children) == 0 {
		return map[string]any{n.name: xmlText(n)}
	}
	out := map[string]any{}
	for _, ch := range n.children {
		prev, seen := out[ch.name]
		if !seen {
			if len(ch.children) > 0 {
				out[ch.name] = xmlToDict(ch)
			} else {
				out[ch.name] = xmlText(ch)
			}
			continue
		}
		l, isList := prev.([]any)
		if !isList {
			l = []any{prev}
		}
		out[ch.name] = append(l, xmlToDict(ch))
	}
	return out
}

// xmlText is an element's text: None when it has none, as ElementTree's.
func xmlText(n *xmlNode) any {
	if n.text == "" {
		return nil
	}
	return n.text
}
