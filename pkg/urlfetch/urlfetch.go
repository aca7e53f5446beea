// Package urlfetch downloads the http:// and https:// sources of states
// (file.managed, file.cached, archive.extracted…), as Salt's fileclient
// get_url does for the minion: the minion downloads itself, through the
// proxy the environment names (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), into a
// cache file that is replaced whole (a temp file, then a rename), so that
// a failed download never leaves half a file under the cache's name.
package urlfetch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/atomicfile"
)

// Remote reports whether u names a source this package fetches, and so
// one that Salt treats as remote (its REMOTE_PROTOS less s3 and swift).
func Remote(u string) bool {
	scheme, _, ok := strings.Cut(u, "://")
	if !ok {
		return false
	}
	switch strings.ToLower(scheme) {
	case "http", "https", "ftp":
		return true
	}
	return false
}

// Client fetches URLs. The zero Client uses a client that takes its proxy
// from the environment.
type Client struct {
	HTTP *http.Client
}

var defaultClient = &http.Client{
	Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		TLSHandshakeTimeout:   30 * time.Second,
		ResponseHeaderTimeout: 5 * time.Minute,
	},
}

func (c *Client) http() *http.Client {
	if c != nil && c.HTTP != nil {
		return c.HTTP
	}
	return defaultClient
}

// Insecure is c without the check of servers' certificates, for Salt's
// verify_ssl: False.
func (c *Client) Insecure() *Client {
	hc := *c.http()
	t, ok := hc.Transport.(*http.Transport)
	if !ok || t == nil {
		t = http.DefaultTransport.(*http.Transport)
	}
	t = t.Clone()
	if t.TLSClientConfig == nil {
		t.TLSClientConfig = &tls.Config{}
	}
	t.TLSClientConfig.InsecureSkipVerify = true
	hc.Transport = t
	return &Client{HTTP: &hc}
}

// Error is a download that failed: the URL, the HTTP status when the
// server answered with one (0 otherwise), and the cause.
type Error struct {
	URL    string
	Status int
	Err    error
}

// Error words it as Salt's fileclient does: "Error: HTTP 404: Not Found
// reading /path" for a status (tornado's HTTPError text), "Error: <cause>
// reading /path" for a failed connection.
func (e *Error) Error() string {
	p := e.URL
	if u, err := url.Parse(e.URL); err == nil {
		p = u.Path
	}
	if e.Status != 0 {
		return fmt.Sprintf("Error: HTTP %d: %s reading %s", e.Status, http.StatusText(e.Status), p)
	}
	return fmt.Sprintf("Error: %v reading %s", e.Err, p)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrUnsupported is a URL whose scheme this package does not fetch.
var ErrUnsupported = errors.New("unsupported URL scheme")

// CachePath is where u is kept under dir, as Salt's cache_file keeps it
// under cachedir/extrn_files/<saltenv>: dir/<host[:port]>/<path>. The
// path is cleaned, so that no URL leads out of dir.
func CachePath(dir, u string) (string, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("parse %q: %w", u, err)
	}
	host := strings.ReplaceAll(pu.Host, "/", "_")
	if host == "" || host == "." || host == ".." {
		return "", fmt.Errorf("%q: no host", u)
	}
	p := path.Clean("/" + pu.Path)
	if p == "/" {
		p = "/index.html"
	}
	return filepath.Join(dir, host, filepath.FromSlash(p)), nil
}

// Get downloads u into dest, replacing it whole when the download
// succeeds, and leaving it as it was otherwise.
func (c *Client) Get(ctx context.Context, u, dest string) error {
	return c.get(ctx, u, dest, false)
}

// GetETag is Get with Salt's use_etag: the server's ETag is kept beside
// dest (dest + ".etag", as Salt's fileclient keeps it) and sent again as
// If-None-Match, so that an unchanged file is not downloaded again (304).
func (c *Client) GetETag(ctx context.Context, u, dest string) error {
	return c.get(ctx, u, dest, true)
}

func (c *Client) get(ctx context.Context, u, dest string, etag bool) error {
	if !Remote(u) {
		return &Error{URL: u, Err: ErrUnsupported}
	}
	if strings.HasPrefix(strings.ToLower(u), "ftp://") {
		return c.getFTP(ctx, u, dest)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return &Error{URL: u, Err: err}
	}
	etagFile := dest + ".etag"
	if etag {
		if _, err := os.Stat(dest); err == nil {
			if b, err := os.ReadFile(etagFile); err == nil && strings.TrimSpace(string(b)) != "" {
				req.Header.Set("If-None-Match", strings.TrimSpace(string(b)))
			}
		}
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return &Error{URL: u, Err: err}
	}
	defer resp.Body.Close()
	if etag && resp.StatusCode == http.StatusNotModified {
		return nil
	}
	if resp.StatusCode/100 != 2 {
		return &Error{URL: u, Status: resp.StatusCode, Err: errors.New(resp.Status)}
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return &Error{URL: u, Err: err}
	}
	if err := atomicfile.WriteFrom(dest, resp.Body, 0o644); err != nil {
		return &Error{URL: u, Err: err}
	}
	if etag {
		if tag := resp.Header.Get("ETag"); tag != "" {
			if err := atomicfile.Write(etagFile, []byte(tag), 0o644); err != nil {
				return &Error{URL: u, Err: err}
			}
		}
	}
	return nil
}

// Exists asks the server whether u is there, with a HEAD request, as
// Salt's source_list does to pick the first source of a list that
// exists. An FTP URL is taken as there (Salt's HEAD of it is a no-op).
func (c *Client) Exists(ctx context.Context, u string) error {
	if strings.HasPrefix(strings.ToLower(u), "ftp://") {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
	if err != nil {
		return &Error{URL: u, Err: err}
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return &Error{URL: u, Err: err}
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return &Error{URL: u, Status: resp.StatusCode, Err: fs.ErrNotExist}
	}
	return nil
}
