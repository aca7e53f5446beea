package urlfetch

import (
	"context"
	"fmt"
	"net"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/atomicfile"
)

// FTPError is an FTP download that failed; its text is Salt's
// fileclient's for it.
type FTPError struct {
	URL string
	Err error
}

func (e *FTPError) Error() string {
	return fmt.Sprintf("Could not retrieve %s from FTP server. Exception: %v", e.URL, e.Err)
}

func (e *FTPError) Unwrap() error { return e.Err }

// getFTP fetches an ftp:// URL in passive mode (EPSV, then PASV), logged
// in as the URL's user or anonymously, as Salt's ftplib does. The FTP
// proxy of the environment is not used: Go's ProxyFromEnvironment has
// none for ftp, and Salt's ftplib uses none either.
func (c *Client) getFTP(ctx context.Context, u, dest string) error {
	fail := func(err error) error { return &FTPError{URL: u, Err: err} }
	pu, err := url.Parse(u)
	if err != nil {
		return fail(err)
	}
	host := pu.Host
	if pu.Port() == "" {
		host = net.JoinHostPort(pu.Hostname(), "21")
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return fail(err)
	}
	defer conn.Close()
	// A cancelled context ends the transfer by closing the connections.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	tp := textproto.NewConn(conn)
	if _, _, err := tp.ReadResponse(220); err != nil {
		return fail(err)
	}
	user, pass := "anonymous", "anonymous@"
	if pu.User != nil {
		user = pu.User.Username()
		if p, ok := pu.User.Password(); ok {
			pass = p
		}
	}
	code, _, err := cmd(tp, 0, "USER %s", user)
	if err != nil {
		return fail(err)
	}
	if code == 331 {
		if _, _, err := cmd(tp, 230, "PASS %s", pass); err != nil {
			return fail(err)
		}
	} else if code != 230 {
		return fail(fmt.Errorf("USER: unexpected reply %d", code))
	}
	if _, _, err := cmd(tp, 200, "TYPE I"); err != nil {
		return fail(err)
	}
	addr, err := passive(tp, conn)
	if err != nil {
		return fail(err)
	}
	data, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fail(err)
	}
	defer data.Close()
	stopData := context.AfterFunc(ctx, func() { data.Close() })
	defer stopData()
	p := pu.Path
	if code, msg, err := cmd(tp, 0, "RETR %s", p); err != nil {
		return fail(err)
	} else if code != 150 && code != 125 {
		return fail(fmt.Errorf("%d %s", code, msg))
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return fail(err)
	}
	if err := atomicfile.WriteFrom(dest, data, 0o644); err != nil {
		return fail(err)
	}
	data.Close()
	if _, _, err := tp.ReadResponse(226); err != nil {
		os.Remove(dest)
		return fail(err)
	}
	cmd(tp, 0, "QUIT")
	return nil
}

// cmd sends one command and reads its reply; want 0 takes any code.
func cmd(tp *textproto.Conn, want int, format string, args ...any) (int, string, error) {
	id, err := tp.Cmd(format, args...)
	if err != nil {
		return 0, "", err
	}
	tp.StartResponse(id)
	defer tp.EndResponse(id)
	code, msg, err := tp.ReadResponse(want)
	if want == 0 {
		if _, ok := err.(*textproto.Error); ok {
			err = nil
		}
	}
	return code, msg, err
}

// passive asks for a data connection: EPSV's port on the control
// connection's host, or PASV's address.
func passive(tp *textproto.Conn, ctrl net.Conn) (string, error) {
	host, _, _ := net.SplitHostPort(ctrl.RemoteAddr().String())
	if code, msg, err := cmd(tp, 0, "EPSV"); err == nil && code == 229 {
		// "Entering Extended Passive Mode (|||port|)"
		if i, j := strings.Index(msg, "(|||"), strings.LastIndex(msg, "|)"); i >= 0 && j > i+4 {
			return net.JoinHostPort(host, msg[i+4:j]), nil
		}
	}
	_, msg, err := cmd(tp, 227, "PASV")
	if err != nil {
		return "", err
	}
	i, j := strings.Index(msg, "("), strings.LastIndex(msg, ")")
	if i < 0 || j < i {
		return "", fmt.Errorf("PASV: cannot read %q", msg)
	}
	f := strings.Split(msg[i+1:j], ",")
	if len(f) != 6 {
		return "", fmt.Errorf("PASV: cannot read %q", msg)
	}
	hi, err1 := strconv.Atoi(strings.TrimSpace(f[4]))
	lo, err2 := strconv.Atoi(strings.TrimSpace(f[5]))
	if err1 != nil || err2 != nil {
		return "", fmt.Errorf("PASV: cannot read %q", msg)
	}
	return net.JoinHostPort(host, strconv.Itoa(hi*256+lo)), nil
}
