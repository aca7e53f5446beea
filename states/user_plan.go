package states

import (
	"slices"
	"sync"

	"github.com/brine-cm/brine/pkg/osuser"
)

// A dry run makes nothing, so a user.present that needs a group made by
// an earlier group.present of the same run would fail its dry run (it
// does in Salt: "The following group(s) are not present"), and two new
// accounts would be promised the same id. Instead, each dry-run creation
// is noted in the run's cache, and the later states of the run read the
// accounts as if it had been made.

// acctPlanned holds the accounts that earlier dry-run states would create.
type acctPlanned struct {
	mu     sync.Mutex
	users  []osuser.User
	groups []osuser.Group
	shadow []shadowEntry
	member [][2]string // group, user: memberships a planned useradd -G adds
}

// plannedAccts returns the run's planned accounts under a dry run, or nil.
func plannedAccts(req *Request) *acctPlanned {
	if !req.Test || req.Env == nil || req.Env.Cache == nil {
		return nil
	}
	v, err := req.Env.Cache.Load("acct.planned:"+req.Root, func() (any, error) { return &acctPlanned{}, nil })
	if err != nil {
		return nil
	}
	p, _ := v.(*acctPlanned)
	return p
}

func (p *acctPlanned) addUser(u osuser.User, sh shadowEntry, groups []string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.users = append(p.users, u)
	p.shadow = append(p.shadow, sh)
	for _, g := range groups {
		p.member = append(p.member, [2]string{g, u.Name})
	}
}

func (p *acctPlanned) addGroup(g osuser.Group) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.groups = append(p.groups, g)
}

// user is a planned user by name.
func (p *acctPlanned) user(name string) (osuser.User, bool) {
	if p == nil {
		return osuser.User{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range p.users {
		if u.Name == name {
			return u, true
		}
	}
	return osuser.User{}, false
}

// group is a planned group by name.
func (p *acctPlanned) group(name string) (osuser.Group, bool) {
	if p == nil {
		return osuser.Group{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, g := range p.groups {
		if g.Name == name {
			return g, true
		}
	}
	return osuser.Group{}, false
}

// mergeInto adds the planned accounts that the files do not have yet.
func (p *acctPlanned) mergeInto(db *acctDB) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, g := range p.groups {
		if db.group(g.Name) == nil {
			g.Members = slices.Clone(g.Members)
			db.Groups = append(db.Groups, g)
		}
	}
	for i, u := range p.users {
		if db.user(u.Name) == nil {
			db.Users = append(db.Users, u)
			db.shadow[u.Name] = p.shadow[i]
			db.planned[u.Name] = true
		}
	}
	for _, m := range p.member {
		if g := db.group(m[0]); g != nil && db.planned[m[1]] && !slices.Contains(g.Members, m[1]) {
			g.Members = append(slices.Clone(g.Members), m[1])
		}
	}
}
