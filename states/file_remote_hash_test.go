package states

import "testing"

// TestFileExtractHash pins fileExtractHash against a stand-in of Salt
// 3006's modules/file.py extract_hash (hash_type "", as get_source_sum
// calls it): the wants are what the stand-in returned for each input.
func TestFileExtractHash(t *testing.T) {
	for _, c := range []struct{ desc, content, fileName, source, name, want string }{
		{"by source basename", "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb  a.tar.gz\n3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d  b.tar.gz\n", "/tmp/x", "https://h/d/b.tar.gz", "", "sha256=3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"},
		{"by file name over source", "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb  app.conf\n3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d  b.tar.gz\n", "/etc/app.conf", "https://h/d/b.tar.gz", "", "sha256=ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"},
		{"source_hash_name first", "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb  app.conf\n3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d  ./dir2/b.tar.gz\n", "/etc/app.conf", "https://h/d/b.tar.gz", "./dir2/b.tar.gz", "sha256=3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"},
		{"binary-mode star", "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb *a.bin\n3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d *b.bin\n", "/x", "http://h/b.bin", "", "sha256=3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"},
		{"no name: first hash", "# comment\n6f8f57715090da2632453988d9a1501b  zz\nca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb  yy\n", "/x", "http://h/q", "", "md5=6f8f57715090da2632453988d9a1501b"},
		{"BSD style line", "SHA256 (b.iso) = 3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d\n", "/x", "http://h/b.iso", "", "sha256=3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"},
		{"name first on the line", "a.iso ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb\nb.iso 3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d\n", "/x", "b.iso", "", "sha256=3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"},
		{"uppercase hex lowered", "CA978112CA1BBDCAFAC231B39A23DC4DA786EFF8147C4E72B9807785AFEE48BB  a\n", "/x", "http://h/a", "", "sha256=ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"},
		{"hash glued to a letter is none", "xca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb  a\na0f1490a20d0211c997b44bc357e1972deab8ae3  a\n", "/x", "http://h/a", "", "sha1=a0f1490a20d0211c997b44bc357e1972deab8ae3"},
		{"line hash of no length skips line", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa  a\na4abd4448c49562d828115d13a1fccea927f52b4d5459297f8b43e42da89238bc13626e43dcb38ddb082488927ec904fb42057443983e88585179d50551afe62  a\n", "/x", "http://h/a", "", "sha512=a4abd4448c49562d828115d13a1fccea927f52b4d5459297f8b43e42da89238bc13626e43dcb38ddb082488927ec904fb42057443983e88585179d50551afe62"},
		{"base name must follow a separator", "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb  xa\n3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d  a\n", "/x", "http://h/a", "", "sha256=3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"},
		{"nothing", "no hashes here\n", "/x", "http://h/a", "", ""},
		{"debian dsc", "Checksums-Sha256:\n ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb 1234 pkg_1.0.orig.tar.gz\n 3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d 99 pkg_1.0.debian.tar.xz\n", "/x", "http://h/pkg_1.0.debian.tar.xz", "", "sha256=3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d"},
		{"name equals line exactly", "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb\n", "/x", "http://h/ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb", "", "sha256=ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"},
	} {
		got, ok := fileExtractHash(c.content, c.fileName, c.source, c.name)
		s := ""
		if ok {
			s = got.typ + "=" + got.hsum
		}
		if s != c.want {
			t.Errorf("%s: fileExtractHash(%q, %q, %q, %q) = %q; want %q", c.desc, c.content, c.fileName, c.source, c.name, s, c.want)
		}
	}
}
