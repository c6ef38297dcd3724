package gatetest

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// A Learned entry is one domain or path an approval taught the gate:
// the gate adds the first unresolved domain and path of a request to its
// learned allowlist when an operator approves it, unless the approve
// names others (learn_domain, learn_path).
type Learned struct {
	ActionID   string
	ApprovalID string
	Domain     string
	Path       string
}

// Learned returns what approvals taught the gate, in order.
func (g *Gate) Learned() []Learned {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.admin.learned)
}

// Allowlisted reports whether actionID is on the approval allowlist for
// principal (POST /v1/admin/policy/allowlist).
func (g *Gate) Allowlisted(actionID, principal string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.admin.allowlist[actionID][principal]
}

// applyPolicy adds to a chosen outcome what the gate's policy would: a
// request to a domain outside the action's egress allowlist is held
// (with HoldUnknownDomains), and the allowlist skips the hold for its
// principal. It returns the review data of a held request.
func (g *Gate) applyPolicy(a Action, o Outcome, args json.RawMessage, principal string) (Outcome, review) {
	host, target := requestTarget(args)
	rv := review{
		targets:           o.Targets,
		unresolvedDomains: o.UnresolvedDomains,
		unresolvedPaths:   o.UnresolvedPaths,
	}
	if a.EgressProfile == "proxy_allowlist" {
		rv.egress = a.AllowedDomains
	}
	if rv.targets == nil && target != "" {
		rv.targets = []string{target}
	}
	if g.opts.HoldUnknownDomains && o.Kind == Executed && a.EgressProfile == "proxy_allowlist" && host != "" && !g.domainAllowed(a, host) {
		o.Kind = Held
		rv.unresolvedDomains = []string{host}
	}
	if o.Kind == Held && g.Allowlisted(a.ID, principal) {
		o.Kind = Executed
	}
	return o, rv
}

// requestTarget finds what a request reaches: the host and URL of its
// "url" argument, or its "path" argument.
func requestTarget(args json.RawMessage) (host, target string) {
	var m map[string]any
	if json.Unmarshal(args, &m) != nil {
		return "", ""
	}
	if s, ok := m["url"].(string); ok {
		if u, err := url.Parse(s); err == nil && u.Hostname() != "" {
			return strings.ToLower(u.Hostname()), s
		}
		return "", s
	}
	if s, ok := m["path"].(string); ok {
		return "", s
	}
	return "", ""
}

func (g *Gate) domainAllowed(a Action, host string) bool {
	for _, d := range a.AllowedDomains {
		if domainMatch(d, host) {
			return true
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, l := range g.admin.learned {
		if l.ActionID == a.ID && strings.EqualFold(l.Domain, host) {
			return true
		}
	}
	return false
}

// learnLocked records what approving ap teaches the gate: the chosen
// domain and path, or else the first unresolved of each.
func (g *Gate) learnLocked(ap *approval, choice learnChoice) (domain, path string) {
	domain, path = choice.domain, choice.path
	if domain == "" && len(ap.review.unresolvedDomains) > 0 {
		domain = ap.review.unresolvedDomains[0]
	}
	if path == "" && len(ap.review.unresolvedPaths) > 0 {
		path = ap.review.unresolvedPaths[0]
	}
	if domain != "" || path != "" {
		g.admin.learned = append(g.admin.learned, Learned{ActionID: ap.actionID, ApprovalID: ap.id, Domain: domain, Path: path})
	}
	return domain, path
}

// domainMatch matches host against an allowed_domains entry: exact, or
// "*.example.org" for any subdomain of example.org.
func domainMatch(pattern, host string) bool {
	pattern, host = strings.ToLower(pattern), strings.ToLower(host)
	if suffix, ok := strings.CutPrefix(pattern, "*."); ok {
		return strings.HasSuffix(host, "."+suffix)
	}
	return pattern == host
}
