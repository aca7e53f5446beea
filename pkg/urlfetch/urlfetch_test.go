package urlfetch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestCachePath(t *testing.T) {
	for _, c := range []struct{ u, want string }{
		{"https://example.com/a/b.tar.gz", "/c/example.com/a/b.tar.gz"},
		{"http://example.com:8080/x?y=1", "/c/example.com:8080/x"},
		{"http://example.com/../../etc/passwd", "/c/example.com/etc/passwd"},
		{"http://example.com/", "/c/example.com/index.html"},
	} {
		got, err := CachePath("/c", c.u)
		if err != nil || got != c.want {
			t.Errorf("CachePath(/c, %q) = %q, %v; want %q", c.u, got, err, c.want)
		}
	}
	if _, err := CachePath("/c", "http:///x"); err == nil {
		t.Errorf("CachePath of a URL with no host: want an error")
	}
}

func TestGet(t *testing.T) {
	srv := httptest.NewServer(http.FileServerFS(fstest.MapFS{"d/f.txt": {Data: []byte("hello\n")}}))
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "cache", "f.txt")
	var c Client
	if err := c.Get(context.Background(), srv.URL+"/d/f.txt", dest); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(dest); string(b) != "hello\n" {
		t.Errorf("downloaded %q; want %q", b, "hello\n")
	}
	// A failed download leaves the cached copy as it was.
	err := c.Get(context.Background(), srv.URL+"/d/gone.txt", dest)
	var fe *Error
	if !errors.As(err, &fe) || fe.Status != 404 {
		t.Fatalf("Get of a missing file: %v; want an *Error with status 404", err)
	}
	if want := "Error: HTTP 404: Not Found reading /d/gone.txt"; err.Error() != want {
		t.Errorf("error text %q; want %q", err, want)
	}
	if b, _ := os.ReadFile(dest); string(b) != "hello\n" {
		t.Errorf("after a failed download the cache holds %q; want it kept", b)
	}
	if err := c.Exists(context.Background(), srv.URL+"/d/f.txt"); err != nil {
		t.Errorf("Exists of a served file: %v", err)
	}
	if err := c.Exists(context.Background(), srv.URL+"/d/gone.txt"); err == nil {
		t.Errorf("Exists of a missing file: want an error")
	}
}

func TestInsecure(t *testing.T) {
	srv := httptest.NewTLSServer(http.FileServerFS(fstest.MapFS{"f": {Data: []byte("x")}}))
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "f")
	var c Client
	if err := c.Get(context.Background(), srv.URL+"/f", dest); err == nil {
		t.Fatalf("Get from a server with a certificate no one signed: want an error")
	}
	if err := c.Insecure().Get(context.Background(), srv.URL+"/f", dest); err != nil {
		t.Errorf("Insecure().Get: %v", err)
	}
}

// ftpServer is the least of an FTP server: anonymous login, TYPE, EPSV
// or PASV, RETR of the files it holds.
func ftpServer(t *testing.T, files map[string]string, noEPSV bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go ftpServe(conn, files, noEPSV)
		}
	}()
	return ln.Addr().String()
}

func ftpServe(conn net.Conn, files map[string]string, noEPSV bool) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	say := func(s string) { fmt.Fprintf(conn, "%s\r\n", s) }
	say("220 ready")
	var data net.Listener
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch verb {
		case "USER":
			say("331 password please")
		case "PASS":
			say("230 logged in")
		case "TYPE":
			say("200 binary")
		case "EPSV", "PASV":
			if verb == "EPSV" && noEPSV {
				say("500 unknown")
				continue
			}
			data, _ = net.Listen("tcp", "127.0.0.1:0")
			port := data.Addr().(*net.TCPAddr).Port
			if verb == "EPSV" {
				say(fmt.Sprintf("229 Entering Extended Passive Mode (|||%d|)", port))
			} else {
				say(fmt.Sprintf("227 Entering Passive Mode (127,0,0,1,%d,%d)", port/256, port%256))
			}
		case "RETR":
			body, ok := files[arg]
			if !ok {
				say("550 No such file or directory.")
				continue
			}
			say("150 sending")
			dc, err := data.Accept()
			if err == nil {
				dc.Write([]byte(body))
				dc.Close()
			}
			data.Close()
			say("226 done")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("502 not implemented")
		}
	}
}

func TestGetFTP(t *testing.T) {
	for _, noEPSV := range []bool{false, true} {
		addr := ftpServer(t, map[string]string{"/pub/f.txt": "over ftp\n"}, noEPSV)
		dest := filepath.Join(t.TempDir(), "f.txt")
		var c Client
		if err := c.Get(context.Background(), "ftp://"+addr+"/pub/f.txt", dest); err != nil {
			t.Fatalf("noEPSV=%v: %v", noEPSV, err)
		}
		if b, _ := os.ReadFile(dest); string(b) != "over ftp\n" {
			t.Errorf("noEPSV=%v: downloaded %q", noEPSV, b)
		}
		err := c.Get(context.Background(), "ftp://"+addr+"/pub/gone", dest)
		var fe *FTPError
		if !errors.As(err, &fe) {
			t.Fatalf("noEPSV=%v: Get of a missing file: %v; want an *FTPError", noEPSV, err)
		}
		if want := "Could not retrieve ftp://" + addr + "/pub/gone from FTP server. Exception: 550 No such file or directory."; err.Error() != want {
			t.Errorf("error text %q; want %q", err, want)
		}
	}
}
