#!/bin/sh
# Builds brine's Debian package with dpkg-deb, Debian's own tool:
#
#   packaging/deb.sh [OUTDIR]        # or: make deb
#
# VERSION is brine's version (default: git describe --tags --always
# --dirty), compiled in with -ldflags -X; DEB_VERSION the package's
# (default: derived from VERSION so that every later commit sorts higher).
# The package holds /usr/bin/brine, the master and minion units, the two
# config files (conffiles, every key commented out at its default), man
# pages and bash/zsh/fish completion; packaging/debian holds the
# maintainer scripts.
set -eu

cd "$(dirname "$0")/.."
out=${1:-.}
GO=${GO:-go}
command -v dpkg-deb >/dev/null || { echo "deb.sh: dpkg-deb is missing (apt-get install dpkg)" >&2; exit 1; }

VERSION=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo 0.1.0-dev)}
if [ -z "${DEB_VERSION:-}" ]; then
	case $VERSION in
	v[0-9]* | [0-9]*)
		# v1.2.3 → 1.2.3; v1.2.3-4-gabc → 1.2.3+4.gabc
		DEB_VERSION=$(echo "${VERSION#v}" | sed -e 's/-\([0-9]*\)-g/+\1.g/' -e 's/-dirty$/.dirty/' -e 's/-/~/g')
		;;
	*)
		# No tag yet: 0.1.0~git<commits>.<hash>, which grows with history.
		DEB_VERSION="0.1.0~git$(git rev-list --count HEAD 2>/dev/null || echo 0).$(echo "$VERSION" | sed 's/-dirty$/.dirty/')"
		;;
	esac
fi
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT INT TERM
umask 022
chmod 0755 "$stage"

# The binary: static, reproducible paths, the version from git.
install -d "$stage/usr/bin"
CGO_ENABLED=0 GOOS=linux GOARCH=$arch $GO build -trimpath \
	-ldflags "-s -w -X github.com/brine-cm/brine/pkg/version.Version=$VERSION" \
	-o "$stage/usr/bin/brine" ./cmd/brine
bin=$stage/usr/bin/brine

# Units: the examples', with the binary where the package puts it.
install -d "$stage/lib/systemd/system"
for u in brine-master brine-minion; do
	sed -e 's|/usr/local/bin/brine|/usr/bin/brine|' \
		-e 's|^# Install: cp .*|# Installed by the brine package; it is not enabled: configure /etc/brine, then systemctl enable --now '"$u"'|' \
		"examples/systemd/$u.service" >"$stage/lib/systemd/system/$u.service"
done

# Config: every line of the examples commented out, so that the file
# documents every key at its default and sets none.
install -d "$stage/etc/brine"
for c in master minion; do
	{
		echo "# /etc/brine/$c.yaml: every key, commented out at its default."
		echo "# Uncomment and change what you need; an unknown key is an error that names it."
		sed -e '1,/^[^#]/{/^#/d}' -e 's/^\([^#]\)/#\1/' "examples/systemd/$c.yaml"
	} >"$stage/etc/brine/$c.yaml"
done

# Man pages, from the command tree (gen-man is in a build with -tags
# genman only: the shipped binary does without its Markdown engine).
man=$(mktemp -d)
"$GO" run -tags genman ./cmd/brine gen-man "$man"
for p in "$man"/*; do
	s=${p##*.}
	install -d "$stage/usr/share/man/man$s"
	gzip -9n <"$p" >"$stage/usr/share/man/man$s/$(basename "$p").gz"
done
rm -rf "$man"

# Completion, where each shell looks for packaged completion.
install -d "$stage/usr/share/bash-completion/completions" "$stage/usr/share/zsh/vendor-completions" \
	"$stage/usr/share/fish/vendor_completions.d"
"$bin" completion bash >"$stage/usr/share/bash-completion/completions/brine"
"$bin" completion zsh >"$stage/usr/share/zsh/vendor-completions/_brine"
"$bin" completion fish >"$stage/usr/share/fish/vendor_completions.d/brine.fish"

install -d "$stage/usr/share/doc/brine"
install -m 0644 LICENSE "$stage/usr/share/doc/brine/copyright"

# Control files.
install -d "$stage/DEBIAN"
for f in postinst prerm postrm; do
	install -m 0755 "packaging/debian/$f" "$stage/DEBIAN/$f"
done
printf '/etc/brine/master.yaml\n/etc/brine/minion.yaml\n' >"$stage/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$DEB_VERSION/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
	packaging/debian/control >"$stage/DEBIAN/control"

mkdir -p "$out"
deb="$out/brine_${DEB_VERSION}_$arch.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
