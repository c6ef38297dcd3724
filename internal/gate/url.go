package gate

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ValidateBaseURL checks a gate or public base URL given on the command line
// and returns it without trailing slashes. The Rust adapter accepts anything
// and fails later with a confusing transport or htu error; we reject at
// startup what can never work: no http/https scheme, no host, or a query or
// fragment (which the gate would strip from htu, so the signed URL and the
// one the user meant would differ).
func ValidateBaseURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", errors.New("empty URL")
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("parse URL %q: %w", raw, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", fmt.Errorf("URL %q: scheme must be http or https", raw)
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", fmt.Errorf("URL %q: missing host", raw)
	}
	if u.User != nil {
		return "", fmt.Errorf("URL %q: credentials in the URL are not supported", raw)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", fmt.Errorf("URL %q: must not have a query or fragment", raw)
	}
	if p := u.Port(); p != "" {
		if _, err := parsePort(p); err != nil {
			return "", fmt.Errorf("URL %q: %w", raw, err)
		}
	}
	return strings.TrimRight(s, "/"), nil
}

func parsePort(p string) (int, error) {
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("invalid port %q", p)
		}
		n = n*10 + int(c-'0')
		if n > 65535 {
			return 0, fmt.Errorf("invalid port %q", p)
		}
	}
	return n, nil
}

// NormalizeHTU normalises a DPoP htu the way the gate does before comparing
// (spec §5.4): fragment and query stripped, scheme and authority lowercased,
// default ports dropped, an empty path made "/", the path kept byte for byte.
func NormalizeHTU(raw string) (string, error) {
	s := raw
	if i := strings.IndexByte(s, '#'); i >= 0 {
		s = s[:i]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i]
	}
	i := strings.Index(s, "://")
	if i < 0 {
		return "", fmt.Errorf("normalise htu %q: missing \"://\"", raw)
	}
	scheme := strings.ToLower(s[:i])
	rest := s[i+3:]
	authority, path := rest, "/"
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		authority, path = rest[:j], rest[j:]
	}
	authority = strings.ToLower(authority)
	if k := strings.LastIndexByte(authority, ':'); k >= 0 {
		port := authority[k+1:]
		if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
			authority = authority[:k]
		}
	}
	return scheme + "://" + authority + path, nil
}
