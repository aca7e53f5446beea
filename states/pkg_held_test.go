package states

import (
	"reflect"
	"testing"
)

func TestPkgParseVersionlock(t *testing.T) {
	got := pkgParseVersionlock([]byte("# locks\nbash-0:5.1.8-6.el9_1.*\npython3-dnf-plugin-versionlock-4.3.0-5.el9.noarch\n!excluded-1-1.*\n"))
	if !reflect.DeepEqual(got, map[string]bool{"bash": true, "python3-dnf-plugin-versionlock": true}) {
		t.Errorf("pkgParseVersionlock = %v", got)
	}
}
