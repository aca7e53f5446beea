package states

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func sha256Hex(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
func md5Hex(s string) string    { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

// fidRemoteServer serves files (path → content) over http, with
// net/http's FileServer, and counts the GET requests it answers.
func fidRemoteServer(t *testing.T, files map[string]string) (*httptest.Server, *int) {
	t.Helper()
	fsys := fstest.MapFS{}
	for p, c := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(c), Mode: 0o644}
	}
	gets := new(int)
	fileSrv := http.FileServerFS(fsys)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			*gets++
		}
		fileSrv.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, gets
}

// fidRemote runs fun on name in a fresh root, with args whose "URL"
// stands for the test server's address.
func fidRemote(fun, name string, files map[string]string, args func(url string) map[string]any, pre map[string]string) func(t *testing.T) func(bool) Result {
	return func(t *testing.T) func(bool) Result {
		srv, _ := fidRemoteServer(t, files)
		root := fileTestRoot(t)
		for p, content := range pre {
			fileWriteT(t, filepath.Join(root, p), content)
		}
		a := args(srv.URL)
		return func(test bool) Result {
			r := fileCall(t, root, fun, name, a, test)
			r.Comment = strings.ReplaceAll(r.Comment, srv.URL, "URL")
			return r
		}
	}
}

func TestSaltFidelityFileManagedRemote(t *testing.T) {
	conf := "/etc/app.conf"
	body := "port = 80\n"
	sum := sha256Hex(body)
	files := map[string]string{
		"dl/app.conf":   body,
		"dl/SHA256SUMS": sha256Hex("other\n") + "  other.conf\n" + sum + "  app.conf\n",
		"dl/named.sums": sha256Hex("x") + " *first.bin\n" + sum + " *release/app-1.0.conf\n",
		"dl/md5sums":    md5Hex(body) + "  ./dl/app.conf\n",
	}
	created := func(test bool) *fidWant {
		if test {
			return fidW(None, "The file "+conf+" is set to be changed"+fidTestNote, map[string]any{"diff": "New file", "mode": "0644"})
		}
		return fidW(True, "File "+conf+" updated", map[string]any{"diff": "New file", "mode": "0644"})
	}
	correct, recorrect := fidW(True, "File "+conf+" is in the correct state", nil), fidW(True, "The file "+conf+" is in the correct state", nil)
	fidRunAll(t, []fidCase{{
		name: "file.managed: http source with a sha256= hash",
		salt: "modules/file.py get_managed(), get_source_sum() of a hash expression, manage_file()",
		setup: fidRemote("file.managed", conf, files, func(u string) map[string]any {
			return map[string]any{"source": u + "/dl/app.conf", "source_hash": "sha256=" + sum}
		}, nil),
		test: created(true), real: created(false), rerun: correct, retest: recorrect,
	}, {
		name: "file.managed: bare hex hash, the type told by its length (md5)",
		salt: "get_source_sum(), HASHES_REVMAP by length",
		setup: fidRemote("file.managed", conf, files, func(u string) map[string]any {
			return map[string]any{"source": u + "/dl/app.conf", "source_hash": md5Hex(body)}
		}, nil),
		test: created(true), real: created(false), rerun: correct,
	}, {
		name: "file.managed: source_hash is a URL of a SHA256SUMS file, matched by the source's name",
		salt: "get_source_sum() caches the hash file; extract_hash() matches source's basename",
		setup: fidRemote("file.managed", conf, files, func(u string) map[string]any {
			return map[string]any{"source": u + "/dl/app.conf", "source_hash": u + "/dl/SHA256SUMS"}
		}, nil),
		test: created(true), real: created(false), rerun: correct, retest: recorrect,
	}, {
		name: "file.managed: hash file matched by source_hash_name (binary-mode '*' lines)",
		salt: "extract_hash(): source_hash_name first",
		setup: fidRemote("file.managed", conf, files, func(u string) map[string]any {
			return map[string]any{"source": u + "/dl/app.conf", "source_hash": u + "/dl/named.sums", "source_hash_name": "*release/app-1.0.conf"}
		}, nil),
		test: created(true), real: created(false), rerun: correct,
	}, {
		name: "file.managed: hash file at a local path (md5 lines with a ./path)",
		salt: "get_source_sum(): an absolute path of a hash file; extract_hash() file name after a path separator",
		setup: fidRemote("file.managed", conf, files, func(u string) map[string]any {
			return map[string]any{"source": u + "/dl/app.conf", "source_hash": "/srv/app.md5"}
		}, map[string]string{"srv/app.md5": md5Hex("other") + "  other.conf\n" + md5Hex(body) + "  ./dl/app.conf\n"}),
		test: created(true), real: created(false), rerun: correct,
	}, {
		name:  "file.managed: remote source without source_hash",
		salt:  "get_managed(): Unable to verify upstream hash",
		setup: fidRemote("file.managed", conf, files, func(u string) map[string]any { return map[string]any{"source": u + "/dl/app.conf"} }, nil),
		test:  fidW(False, "Unable to verify upstream hash of source file URL/dl/app.conf, please set source_hash or set skip_verify to True", nil),
		real:  fidW(False, "Unable to verify upstream hash of source file URL/dl/app.conf, please set source_hash or set skip_verify to True", nil),
	}, {
		name: "file.managed: skip_verify takes it without a hash",
		salt: "get_managed() with skip_verify",
		setup: fidRemote("file.managed", conf, files, func(u string) map[string]any {
			return map[string]any{"source": u + "/dl/app.conf", "skip_verify": true}
		}, nil),
		test: created(true), real: created(false), rerun: correct, retest: recorrect,
	}, {
		// Salt's dry run (check_file_meta) does not check the download
		// and reports the diff; brine fails it as the real run fails.
		name: "file.managed: the download does not match source_hash",
		salt: "manage_file(): dl_sum != source_sum",
		setup: fidRemote("file.managed", conf, files, func(u string) map[string]any {
			return map[string]any{"source": u + "/dl/app.conf", "source_hash": sha256Hex("else")}
		}, nil),
		test: fidW(False, "Specified sha256 checksum for URL/dl/app.conf ("+sha256Hex("else")+") does not match actual checksum ("+sum+"). "+
			"If the 'source_hash' value refers to a remote file with multiple possible matches, then it may be necessary to set 'source_hash_name'.", nil),
		real: fidW(False, "Specified sha256 checksum for URL/dl/app.conf ("+sha256Hex("else")+") does not match actual checksum ("+sum+"). "+
			"If the 'source_hash' value refers to a remote file with multiple possible matches, then it may be necessary to set 'source_hash_name'.", nil),
	}, {
		name:  "file.managed: the file is already what source_hash says (no download check)",
		salt:  "manage_file(): name_sum == source_sum",
		setup: fidRemote("file.managed", conf, files, func(u string) map[string]any { return map[string]any{"source": u + "/dl/app.conf", "source_hash": sum} }, map[string]string{"etc/app.conf": body}),
		test:  recorrect, real: correct,
	}, {
		name: "file.managed: 404",
		salt: "get_managed(): Failed to cache; fileclient get_url(): Error: <tornado HTTPError> reading <path>",
		setup: fidRemote("file.managed", conf, files, func(u string) map[string]any {
			return map[string]any{"source": u + "/dl/gone.conf", "source_hash": sum}
		}, nil),
		test: fidW(False, "Failed to cache URL/dl/gone.conf: Error: HTTP 404: Not Found reading /dl/gone.conf", nil),
		real: fidW(False, "Failed to cache URL/dl/gone.conf: Error: HTTP 404: Not Found reading /dl/gone.conf", nil),
	}, {
		name: "file.managed: a list: the first source that answers a HEAD request",
		salt: "modules/file.py source_list(): http.query(method=HEAD)",
		setup: fidRemote("file.managed", conf, files, func(u string) map[string]any {
			return map[string]any{"source": []any{u + "/dl/gone.conf", map[string]any{u + "/dl/app.conf": "sha256=" + sum}}}
		}, nil),
		test: created(true), real: created(false), rerun: correct,
	}, {
		name: "file.managed: a list none of which exists",
		salt: "managed(): Unable to manage file: <source_list's error>",
		setup: fidRemote("file.managed", conf, files, func(u string) map[string]any {
			return map[string]any{"source": []any{u + "/dl/gone.conf", u + "/dl/gone2.conf"}, "source_hash": sum}
		}, nil),
		test: fidW(False, "Unable to manage file: none of the specified sources were found", nil),
		real: fidW(False, "Unable to manage file: none of the specified sources were found", nil),
	}, {
		name: "file.managed: a source_hash of no known length",
		salt: "get_source_sum(): _invalid_source_hash_format()",
		setup: fidRemote("file.managed", conf, files, func(u string) map[string]any {
			return map[string]any{"source": u + "/dl/app.conf", "source_hash": "abc123"}
		}, nil),
		test: fidW(False, "Source hash abc123 format is invalid. The supported formats are: 1) a hash, 2) an expression in the format <hash_type>=<hash>, or "+
			"3) either a path to a local file containing hashes, or a URI of a remote hash file. Supported protocols for remote hash files are: "+
			"salt, file, http, https, ftp, swift, s3. The hash may also not be of a valid length, the following are supported hash types and lengths: "+
			"md5 (32), sha1 (40), sha224 (56), sha256 (64), sha384 (96), sha512 (128).", nil),
	}, {
		name: "file.managed: a hash type Salt does not know",
		salt: "get_source_sum(): Invalid hash type",
		setup: fidRemote("file.managed", conf, files, func(u string) map[string]any {
			return map[string]any{"source": u + "/dl/app.conf", "source_hash": "crc32=" + sum}
		}, nil),
		test: fidW(False, "Invalid hash type 'crc32'. Supported hash types are: sha512, sha384, sha256, sha224, sha1, md5. "+
			"Either remove the hash type and simply use '"+sum+"' as the source_hash, or change the hash type to a supported type.", nil),
	}, {
		name: "file.managed: a hash of the wrong length for its type",
		salt: "get_source_sum(): Invalid length",
		setup: fidRemote("file.managed", conf, files, func(u string) map[string]any {
			return map[string]any{"source": u + "/dl/app.conf", "source_hash": "md5=" + sum}
		}, nil),
		test: fidW(False, "Invalid length (64) for hash type 'md5'. Either remove the hash type and simply use '"+sum+
			"' as the source_hash, or change the hash type to 'sha256'", nil),
	}})
}

// TestFileManagedRemoteCache: a cached copy whose checksum is source_hash's
// (or any, with skip_verify) is used again without a download, as Salt's
// get_managed uses cp.is_cached; a stale one is downloaded again.
func TestFileManagedRemoteCache(t *testing.T) {
	body := "v1\n"
	for _, c := range []struct {
		desc     string
		args     func(u string) map[string]any
		wantGets int
	}{
		{"with source_hash", func(u string) map[string]any {
			return map[string]any{"source": u + "/f", "source_hash": sha256Hex(body)}
		}, 1},
		{"with skip_verify", func(u string) map[string]any { return map[string]any{"source": u + "/f", "skip_verify": true} }, 1},
	} {
		srv, gets := fidRemoteServer(t, map[string]string{"f": body})
		root := fileTestRoot(t)
		a := c.args(srv.URL)
		for i, name := range []string{"/etc/a", "/etc/b", "/etc/c"} {
			if r := fileCall(t, root, "file.managed", name, a, i == 0); r.Result == False {
				t.Fatalf("%s: %s: %s", c.desc, name, r.Comment)
			}
		}
		if *gets != c.wantGets {
			t.Errorf("%s: %d downloads for three files of one source; want %d", c.desc, *gets, c.wantGets)
		}
	}
	// A stale copy in the cache is downloaded again when source_hash says
	// so, and used as it is with skip_verify.
	srv, gets := fidRemoteServer(t, map[string]string{"f": body})
	root := fileTestRoot(t)
	cached, err := fileCachePath(&Request{Root: root}, srv.URL+"/f")
	if err != nil {
		t.Fatal(err)
	}
	fileWriteT(t, cached, "stale\n")
	r := fileCall(t, root, "file.managed", "/etc/a", map[string]any{"source": srv.URL + "/f", "skip_verify": true}, false)
	if b, _ := os.ReadFile(filepath.Join(root, "etc/a")); r.Result != True || string(b) != "stale\n" || *gets != 0 {
		t.Errorf("skip_verify with a cached copy: %v %q, wrote %q after %d downloads; want the cached copy, no download", r.Result, r.Comment, b, *gets)
	}
	r = fileCall(t, root, "file.managed", "/etc/b", map[string]any{"source": srv.URL + "/f", "source_hash": sha256Hex(body)}, false)
	if b, _ := os.ReadFile(filepath.Join(root, "etc/b")); r.Result != True || string(b) != body || *gets != 1 {
		t.Errorf("source_hash with a stale cached copy: %v %q, wrote %q after %d downloads; want one download", r.Result, r.Comment, b, *gets)
	}
}

// TestFileManagedRemoteTLS: an https source is checked against the
// system's certificates, and verify_ssl: False takes any.
func TestFileManagedRemoteTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.FileServerFS(fstest.MapFS{"f": {Data: []byte("x\n")}}))
	defer srv.Close()
	root := fileTestRoot(t)
	args := map[string]any{"source": srv.URL + "/f", "source_hash": sha256Hex("x\n")}
	if r := fileCall(t, root, "file.managed", "/etc/a", args, false); r.Result != False || !strings.HasPrefix(r.Comment, "Failed to cache "+srv.URL+"/f: Error: ") {
		t.Errorf("https with an unknown certificate: %v %q; want Failed to cache", r.Result, r.Comment)
	}
	args["verify_ssl"] = false
	if r := fileCall(t, root, "file.managed", "/etc/a", args, false); r.Result != True {
		t.Errorf("verify_ssl False: %v %q; want True", r.Result, r.Comment)
	}
}

func TestSaltFidelityFileCached(t *testing.T) {
	body := "payload\n"
	sum := sha256Hex(body)
	files := map[string]string{"dl/f.tgz": body, "dl/SUMS": sum + "  f.tgz\n"}
	cache := "/var/cache/brine/extrn_files/base/HOST/dl/f.tgz"
	// The cache path names the test server's host:port; HOST stands for it.
	run := func(fun string, args func(u string) map[string]any, name string, pre map[string]string) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			srv, _ := fidRemoteServer(t, files)
			root := fileTestRoot(t)
			host := strings.TrimPrefix(srv.URL, "http://")
			for p, c := range pre {
				fileWriteT(t, filepath.Join(root, strings.ReplaceAll(p, "HOST", host)), c)
			}
			a := args(srv.URL)
			return func(test bool) Result {
				r := fileCall(t, root, fun, strings.ReplaceAll(name, "URL", srv.URL), a, test)
				r.Comment = strings.ReplaceAll(strings.ReplaceAll(r.Comment, srv.URL, "URL"), host, "HOST")
				return r
			}
		}
	}
	newHash := map[string]any{"hash": map[string]any{"old": nil, "new": sum}}
	fidRunAll(t, []fidCase{{
		name:   "file.cached: downloaded, checked against source_hash",
		salt:   "states/file.py cached(): cp.cache_file, post_hash == source_sum",
		setup:  run("file.cached", func(u string) map[string]any { return map[string]any{"source_hash": u + "/dl/SUMS"} }, "URL/dl/f.tgz", nil),
		test:   fidW(None, "File will be cached to "+cache, newHash),
		real:   fidW(True, "File is already cached to "+cache+" with hash "+sum, newHash),
		rerun:  fidW(True, "File is already cached to "+cache+" with hash "+sum, nil),
		retest: fidW(True, "File is already cached to "+cache+" with hash "+sum, nil),
	}, {
		name:  "file.cached: a stale copy is downloaded again",
		salt:  "cached(): pre_hash != source_sum, changes {hash: {old, new}}",
		setup: run("file.cached", func(u string) map[string]any { return map[string]any{"source_hash": sum} }, "URL/dl/f.tgz", map[string]string{cache: "old\n"}),
		test:  fidW(None, "File will be cached to "+cache, map[string]any{"hash": map[string]any{"old": sha256Hex("old\n"), "new": sum}}),
		real:  fidW(True, "File is already cached to "+cache+" with hash "+sum, map[string]any{"hash": map[string]any{"old": sha256Hex("old\n"), "new": sum}}),
		rerun: fidW(True, "File is already cached to "+cache+" with hash "+sum, nil),
	}, {
		name:   "file.cached: skip_verify",
		salt:   "cached() without source_sum: File is cached to",
		setup:  run("file.cached", func(u string) map[string]any { return map[string]any{"skip_verify": true} }, "URL/dl/f.tgz", nil),
		test:   fidW(None, "File will be cached to "+cache, newHash),
		real:   fidW(True, "File is cached to "+cache, newHash),
		rerun:  fidW(True, "File is cached to "+cache, nil),
		retest: fidW(True, "File is cached to "+cache, nil),
	}, {
		name:  "file.cached: no source_hash",
		salt:  "cached(): Unable to verify upstream hash",
		setup: run("file.cached", func(u string) map[string]any { return map[string]any{} }, "URL/dl/f.tgz", nil),
		test:  fidW(False, "Unable to verify upstream hash of source file URL/dl/f.tgz, please set source_hash or set skip_verify or use_etag to True", nil),
		real:  fidW(False, "Unable to verify upstream hash of source file URL/dl/f.tgz, please set source_hash or set skip_verify or use_etag to True", nil),
	}, {
		name:  "file.cached: wrong hash",
		salt:  "cached(): post_hash != source_sum",
		setup: run("file.cached", func(u string) map[string]any { return map[string]any{"source_hash": sha256Hex("x")} }, "URL/dl/f.tgz", nil),
		test:  fidW(False, "File is cached to "+cache+", but the hash ("+sum+") does not match the specified hash ("+sha256Hex("x")+")", newHash),
		real:  fidW(False, "File is cached to "+cache+", but the hash ("+sum+") does not match the specified hash ("+sha256Hex("x")+")", newHash),
	}, {
		name:  "file.cached: 404",
		salt:  "cached(): the exception of cp.cache_file as the comment",
		setup: run("file.cached", func(u string) map[string]any { return map[string]any{"skip_verify": true} }, "URL/dl/gone", nil),
		test:  fidW(False, "Error: HTTP 404: Not Found reading /dl/gone", nil),
		real:  fidW(False, "Error: HTTP 404: Not Found reading /dl/gone", nil),
	}, {
		name:  "file.cached: a local file and its hash",
		salt:  "cached(), the LOCAL_PROTOS branch",
		setup: run("file.cached", func(u string) map[string]any { return map[string]any{"source_hash": sum} }, "/srv/f.tgz", map[string]string{"srv/f.tgz": body}),
		test:  fidW(True, "File /srv/f.tgz is present on the minion and has hash "+sum, nil),
		real:  fidW(True, "File /srv/f.tgz is present on the minion and has hash "+sum, nil),
	}, {
		name:  "file.cached: a local file that is missing",
		salt:  "cached(), the LOCAL_PROTOS branch",
		setup: run("file.cached", func(u string) map[string]any { return map[string]any{} }, "file:///srv/none", nil),
		test:  fidW(False, "File /srv/none is not present on the minion", nil),
	}, {
		name:  "file.cached: a salt:// file",
		salt:  "cached(): cp.cache_file of a salt:// URL into cachedir/files/<saltenv>",
		setup: fidFile("file.cached", "salt://app/app.conf", nil, nil),
		test:  fidW(None, "File will be cached to /var/cache/brine/files/base/app/app.conf", map[string]any{"hash": map[string]any{"old": nil, "new": sha256Hex("port = 80\n")}}),
		real:  fidW(True, "File is cached to /var/cache/brine/files/base/app/app.conf", map[string]any{"hash": map[string]any{"old": nil, "new": sha256Hex("port = 80\n")}}),
		rerun: fidW(True, "File is cached to /var/cache/brine/files/base/app/app.conf", nil),
	}, {
		name:   "file.not_cached: deleted",
		salt:   "states/file.py not_cached()",
		setup:  run("file.not_cached", func(u string) map[string]any { return map[string]any{} }, "URL/dl/f.tgz", map[string]string{cache: "old\n"}),
		test:   fidW(None, cache+" is set to be deleted", map[string]any{"deleted": true}),
		real:   fidW(True, cache+" was deleted", map[string]any{"deleted": true}),
		rerun:  fidW(True, "URL/dl/f.tgz is not cached", nil),
		retest: fidW(True, "URL/dl/f.tgz is not cached", nil),
	}, {
		name:  "file.not_cached: a local path",
		salt:  "not_cached(), the LOCAL_PROTOS branch",
		setup: run("file.not_cached", func(u string) map[string]any { return map[string]any{} }, "/srv/f", nil),
		test:  fidW(True, "File /srv/f is a local path, no action taken", nil),
		real:  fidW(True, "File /srv/f is a local path, no action taken", nil),
	}})
}

func TestSaltFidelityArchiveRemote(t *testing.T) {
	tgz := string(archTar(t, "gz", archGood...))
	sum := sha256Hex(tgz)
	files := []any{"app-1.0", "app-1.0/bin/run", "app-1.0/README", "app-1.0/current"}
	remote := map[string]string{"dl/app.tgz": tgz, "dl/SHA256SUMS": sum + "  app.tgz\n"}
	setup := func(args func(u string) map[string]any) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			srv, _ := fidRemoteServer(t, remote)
			root := t.TempDir()
			a := args(srv.URL)
			return func(test bool) Result {
				r := sysCall(t, root, "archive.extracted", "/opt/app", a, test)
				r.Comment = strings.ReplaceAll(r.Comment, srv.URL, "URL")
				return r
			}
		}
	}
	created := map[string]any{"extracted_files": files, "directories_created": []any{"/opt/app/"}}
	fidRunAll(t, []fidCase{{
		name: "archive.extracted: https source, source_hash a URL of SHA256SUMS",
		salt: "states/archive.py extracted(): file.cached of the source; modules/file.py get_source_sum()",
		setup: setup(func(u string) map[string]any {
			return map[string]any{"source": u + "/dl/app.tgz", "source_hash": u + "/dl/SHA256SUMS"}
		}),
		test:   fidW(None, "Archive URL/dl/app.tgz would be extracted to /opt/app/, due to absence of one or more files/dirs", created),
		real:   fidW(True, "URL/dl/app.tgz extracted to /opt/app/, due to absence of one or more files/dirs", created),
		rerun:  fidW(True, "All files in archive are already present", nil),
		retest: fidW(True, "All files in archive are already present", nil),
	}, {
		name:  "archive.extracted: remote source without source_hash",
		salt:  "extracted() → file.cached(): Unable to verify upstream hash",
		setup: setup(func(u string) map[string]any { return map[string]any{"source": u + "/dl/app.tgz"} }),
		test:  fidW(False, "Unable to verify upstream hash of source file URL/dl/app.tgz, please set source_hash or set skip_verify or use_etag to True", nil),
		real:  fidW(False, "Unable to verify upstream hash of source file URL/dl/app.tgz, please set source_hash or set skip_verify or use_etag to True", nil),
	}, {
		name:  "archive.extracted: remote source with skip_verify",
		salt:  "extracted(skip_verify=True)",
		setup: setup(func(u string) map[string]any { return map[string]any{"source": u + "/dl/app.tgz", "skip_verify": true} }),
		test:  fidW(None, "Archive URL/dl/app.tgz would be extracted to /opt/app/, due to absence of one or more files/dirs", created),
		real:  fidW(True, "URL/dl/app.tgz extracted to /opt/app/, due to absence of one or more files/dirs", created),
		rerun: fidW(True, "All files in archive are already present", nil),
	}})
}

// TestFileManagedLocalHashFile: a local or salt:// source's source_hash may
// name a file of hashes too, as Salt's get_source_sum reads any.
func TestFileManagedLocalHashFile(t *testing.T) {
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "srv/app.conf"), "a = 1\n")
	fileWriteT(t, filepath.Join(root, "srv/SUMS"), sha256Hex("a = 1\n")+"  app.conf\n")
	r := fileCall(t, root, "file.managed", "/etc/app.conf", map[string]any{"source": "/srv/app.conf", "source_hash": "/srv/SUMS"}, false)
	if r.Result != True {
		t.Errorf("source_hash a file of hashes: %v %q; want True", r.Result, r.Comment)
	}
	fileWriteT(t, filepath.Join(root, "srv/SUMS"), sha256Hex("other")+"  app.conf\n")
	r = fileCall(t, root, "file.managed", "/etc/app2.conf", map[string]any{"source": "/srv/app.conf", "source_hash": "/srv/SUMS"}, false)
	if r.Result != False || !strings.HasPrefix(r.Comment, "Specified sha256 checksum for /srv/app.conf") {
		t.Errorf("a file of hashes that does not match: %v %q; want Salt's mismatch comment", r.Result, r.Comment)
	}
}

func TestSaltFidelityCronFileRemote(t *testing.T) {
	const tab = "MAILTO=\"\"\n0 * * * * /usr/bin/true\n"
	spool := "/var/spool/cron/crontabs/"
	run := func(args func(u string) map[string]any) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			srv, _ := fidRemoteServer(t, map[string]string{"app.cron": tab, "SUMS": sha256Hex(tab) + "  app.cron\n"})
			root := cronRoot(t, nil)
			a := args(srv.URL)
			return func(test bool) Result {
				r := fileCall(t, root, "cron.file", srv.URL+"/app.cron", a, test)
				r.Comment = strings.ReplaceAll(r.Comment, srv.URL, "URL")
				return r
			}
		}
	}
	fidRunAll(t, []fidCase{{
		name:   "cron.file: an https crontab with a file of hashes",
		salt:   "states/cron.py file(): file.get_managed() of a remote source",
		setup:  run(func(u string) map[string]any { return map[string]any{"user": "alice", "source_hash": u + "/SUMS"} }),
		test:   fidW(None, "The file "+spool+"alice is set to be changed"+fidTestNote, map[string]any{"diff": fidAny, "user": "alice", "group": "alice"}),
		real:   fidW(True, "Crontab for user alice was updated", map[string]any{"diff": fidAny, "user": "alice", "group": "alice"}),
		rerun:  fidW(True, "Crontab for user alice is in the correct state", nil),
		retest: fidW(True, "The file "+spool+"alice is in the correct state", nil),
	}, {
		name:  "cron.file: a remote crontab without source_hash",
		salt:  "file() → get_managed(): Unable to verify upstream hash",
		setup: run(func(u string) map[string]any { return map[string]any{"user": "alice"} }),
		test:  fidW(False, "Unable to verify upstream hash of source file URL/app.cron, please set source_hash or set skip_verify to True", nil),
		real:  fidW(False, "Unable to verify upstream hash of source file URL/app.cron, please set source_hash or set skip_verify to True", nil),
	}})
}

// TestFileManagedKeepSource: keep_source False removes the cached copy
// after a real run, as Salt's managed() does in its finally clause; a dry
// run keeps it.
func TestFileManagedKeepSource(t *testing.T) {
	srv, gets := fidRemoteServer(t, map[string]string{"f": "x\n"})
	root := fileTestRoot(t)
	cached, err := fileCachePath(&Request{Root: root}, srv.URL+"/f")
	if err != nil {
		t.Fatal(err)
	}
	args := map[string]any{"source": srv.URL + "/f", "source_hash": sha256Hex("x\n"), "keep_source": false}
	for _, test := range []bool{true, false} {
		if r := fileCall(t, root, "file.managed", "/etc/a", args, test); r.Result == False {
			t.Fatalf("test=%v: %q", test, r.Comment)
		}
		_, err := os.Stat(cached)
		if kept := err == nil; kept != test {
			t.Errorf("test=%v: cached copy kept %v; want %v", test, kept, test)
		}
	}
	if *gets != 1 {
		t.Errorf("%d downloads; want 1 (the dry run's copy reused)", *gets)
	}
}

// TestFileManagedUseEtag: use_etag takes a remote source without
// source_hash, and asks again with If-None-Match: an unchanged file is
// answered 304 and not sent again; a changed one is.
func TestFileManagedUseEtag(t *testing.T) {
	body, tag := "v1\n", `"v1"`
	var full, notModified int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == tag {
			notModified++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full++
		w.Header().Set("ETag", tag)
		w.Write([]byte(body))
	}))
	defer srv.Close()
	root := fileTestRoot(t)
	args := map[string]any{"source": srv.URL + "/f", "use_etag": true}
	for i := range 2 {
		if r := fileCall(t, root, "file.managed", "/etc/a", args, false); r.Result != True {
			t.Fatalf("run %d: %v %q", i, r.Result, r.Comment)
		}
	}
	if full != 1 || notModified != 1 {
		t.Errorf("%d full downloads and %d 304s; want 1 and 1", full, notModified)
	}
	body, tag = "v2\n", `"v2"`
	r := fileCall(t, root, "file.managed", "/etc/a", args, false)
	if got := fileReadT(t, filepath.Join(root, "etc/a")); r.Result != True || got != "v2\n" || full != 2 {
		t.Errorf("after the file changed: %v %q, wrote %q after %d downloads; want v2", r.Result, r.Comment, got, full)
	}
	// file.cached takes it too.
	if r := fileCall(t, root, "file.cached", srv.URL+"/f", map[string]any{"use_etag": true}, false); r.Result != True {
		t.Errorf("file.cached with use_etag: %v %q", r.Result, r.Comment)
	}
}
