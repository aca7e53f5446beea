package states

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"strings"
)

func init() {
	Register("file.decode", fileDecode,
		Param{Name: "name", Type: String, Doc: "the file to write."},
		Param{Name: "encoded_data", Type: String, Doc: "the file's content, base64-encoded."},
		Param{Name: "contents_pillar", Type: String, Doc: "a pillar key (colon-separated) holding the base64 content instead."},
		Param{Name: "encoding_type", Type: String, Default: "base64", Doc: "only base64."},
		Param{Name: "checksum", Type: String, Default: "md5", Doc: "the hash the changes show: md5, sha1, sha224, sha256, sha384 or sha512."},
	)
}

// fileDecode writes a file from base64-encoded data, when the file's
// hash differs from the data's.
//
// Changes are {old: hash or None, new: hash}.
//
// Salt: comments and changes are Salt 3006's file.decode; its dry run of
// a new file reports no changes, brine's {old: None, new: hash}; Salt
// raises an exception for a missing argument, brine fails with its
// message.
func fileDecode(ctx context.Context, req *Request) Result {
	encoded := req.Args.String("encoded_data", "")
	pillarKey := req.Args.String("contents_pillar", "")
	checksum := req.Args.String("checksum", "md5")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	var content string
	switch {
	case encoded == "" && pillarKey == "":
		return Failf(req.Name, "Specify either the 'encoded_data' or 'contents_pillar' argument.")
	case encoded != "" && pillarKey != "":
		return Failf(req.Name, "Specify only one 'encoded_data' or 'contents_pillar' argument.")
	case encoded != "":
		content = encoded
	default:
		var pillar map[string]any
		if req.Env != nil {
			pillar = req.Env.Pillar
		}
		v, ok := fileTraverse(pillar, pillarKey)
		if !ok || v == false {
			return Failf(req.Name, "Pillar data not found.")
		}
		content = pyValue(v)
	}
	var newHash func() hash.Hash
	switch strings.ToLower(checksum) {
	case "md5":
		newHash = md5.New
	case "sha1":
		newHash = sha1.New
	case "sha224":
		newHash = sha256.New224
	case "sha256":
		newHash = sha256.New
	case "sha384":
		newHash = sha512.New384
	case "sha512":
		newHash = sha512.New
	default:
		return Failf(req.Name, "%v", &ArgError{Arg: "checksum", Err: fmt.Errorf("%q is not a hash Salt's hashutil.digest knows", checksum)})
	}
	// Python's base64.decodebytes skips what is not base64 (newlines).
	clean := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, content)
	data, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		return Failf(req.Name, "%v", &ArgError{Arg: "encoded_data", Err: errors.New("not base64: " + err.Error())})
	}
	sum := func(b []byte) string {
		h := newHash()
		h.Write(b)
		return hex.EncodeToString(h.Sum(nil))
	}
	hp, err := rootPath(req, "name", req.Name, true)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	insum := sum(data)
	changes := map[string]any{"old": nil, "new": insum}
	if cur, err := os.ReadFile(hp); err == nil {
		outsum := sum(cur)
		if outsum == insum {
			return Result{Name: req.Name, Result: True, Comment: "File is in the correct state.", Changes: map[string]any{}}
		}
		changes["old"] = outsum
	}
	if req.Test {
		return Result{Name: req.Name, Result: None, Comment: "File is set to be updated.", Changes: changes}
	}
	if _, err := os.Stat(filepath.Dir(hp)); IsNotExist(err) {
		// Salt's hashutil.base64_decodefile opens the file: its directory
		// must exist.
		return Failf(req.Name, "[Errno 2] No such file or directory: '%s'", req.Name)
	}
	if err := sysWriteFile(hp, data, 0o644); err != nil {
		return Failf(req.Name, "%v", err)
	}
	return Result{Name: req.Name, Result: True, Comment: "File was updated.", Changes: changes}
}
