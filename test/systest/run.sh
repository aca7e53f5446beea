#!/bin/sh
# Runs brine's system tests (test/systest) against real Debian roots.
# It must run as root on a Debian 12 host; the first run needs the Debian
# mirror to build the cached roots under /var/cache/brine-testbed.
# It never skips: anything missing is a loud failure.
set -eu

die() { echo "systest: FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (the tests mount overlays and boot containers)"
cd "$(dirname "$0")/../.."
[ -f go.mod ] || die "cannot find the brine module root"
command -v go >/dev/null || die "go is not on PATH"

need=""
command -v debootstrap >/dev/null || need="$need debootstrap"
command -v systemd-nspawn >/dev/null || need="$need systemd-container"
command -v dpkg-scanpackages >/dev/null || need="$need dpkg-dev"
command -v nsenter >/dev/null || need="$need util-linux"
command -v git >/dev/null || need="$need git"
command -v gpg >/dev/null || need="$need gnupg"
[ -f /usr/share/i18n/SUPPORTED ] || need="$need locales"
if [ -n "$need" ]; then
	echo "systest: installing$need"
	apt-get update -qq || die "apt-get update failed (no network to the Debian mirror?)"
	# --no-install-recommends: a recommended package of systemd-container
	# changes the host's nsswitch.conf.
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need \
		|| die "apt-get install$need failed"
fi
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || die "the kernel has no overlayfs"

mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || die "no URIs: line in /etc/apt/sources.list.d/debian.sources (the testbed builds from that mirror)"
if ! ls /var/cache/brine-testbed/*/.brine-testbed-ok >/dev/null 2>&1; then
	# The first build downloads bookworm: check the mirror answers now
	# rather than failing deep inside debootstrap.
	if command -v curl >/dev/null; then
		curl -fsS -o /dev/null --max-time 20 "$mirror/dists/bookworm/Release" \
			|| die "the Debian mirror $mirror is unreachable and no testbed root is cached yet"
	fi
fi

exec go test -tags systest -count=1 -timeout 40m "$@" ./test/systest/... ./test/examples/...
