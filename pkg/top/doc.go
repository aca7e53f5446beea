// Package top reads top.sls files and matches Salt target expressions.
//
// Matching follows Salt 3006 (salt/matchers/*.py, salt/utils/data.py
// subdict_match, salt/utils/minions.py nodegroup_comp):
//
//   - glob: Python fnmatch on the minion id, case-sensitive; `*` crosses
//     dots and slashes, `[!a]` negates, there is no backslash escape.
//   - pcre (E@): Python re.match on the id, so anchored at the start but
//     not at the end (E@web matches web01). The syntax is Go's RE2: no
//     look-around, no back-references; such a pattern is an error.
//   - list (L@): comma-separated ids.
//   - grain (G@), grain_pcre (P@), pillar (I@), pillar_pcre (J@),
//     pillar_exact: `key:sub:pattern`, split points tried deepest first so
//     a value may hold ':' (G@ipv6:fe80::1); lists match when any member
//     does; values compare as Python's str() prints them, case-insensitively
//     (an integral float, as grains are after JSON, also as an int).
//     G@, P@, I@ and J@ take a one-character delimiter: G%@key%value.
//   - ipcidr (S@): an address (exact) or a network (containment) against
//     grains ipv4/ipv6. A network with host bits set is an error.
//   - nodegroup (N@): expanded recursively; a cycle is an error naming it.
//     A definition of plain words is a list of ids (L@), as in Salt.
//   - compound: words separated by spaces, combined with and, or, not and
//     parentheses (which need spaces around them, as in Salt) with
//     Python's precedence: not, then and, then or. `a not b` means
//     `a and not b`.
//   - data: key:glob on the minion's data store.
//
// Where brine parts from Salt it is to refuse what Salt silently turns
// into "no match": every malformed expression is an *ExprError from
// Compile, with the column of the fault; an expanded nodegroup keeps its
// parentheses (Salt splices a group without nested groups bare, so
// `N@g and x` with g = `a or b` reads `a or b and x` there); unknown
// nodegroups and R@ (range) are errors.
//
// In a top file the default matcher is compound, as in Salt, and
// `- match: KIND` picks another. SLSFor returns, per environment, the SLS
// names in file order without repeats.
package top
