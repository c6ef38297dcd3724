package gate

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// maxURLBytes bounds a gate or public base URL. Real ones are a few dozen
// bytes; anything near this is a pasted blob, not an address.
const maxURLBytes = 2048

// URLError is a gate or public base URL that can never work. URL is the
// address as given with its credentials and query values redacted (see
// [RedactURL]), so the error can be printed and logged as it is. Hint, when
// set, says what to use instead.
type URLError struct {
	URL    string
	Reason string
	Hint   string
}

func (e *URLError) Error() string { return fmt.Sprintf("URL %q: %s", e.URL, e.Reason) }

// credentialsHint is the hint for a URL with a user or password in it.
const credentialsHint = "remove the user and password from the URL: the gate authenticates agents with DPoP-bound leases " +
	"(and, over https, client certificates: --tls-cert and --tls-key), never with URL credentials"

// ValidateBaseURL checks a gate or public base URL given on the command line
// and returns it without surrounding blanks and trailing slashes. The Rust
// adapter accepts anything and fails later with a confusing transport or htu
// error; we reject at startup what can never work: no http/https scheme, no
// host, port 0, a space or control character inside it, a query or fragment
// (which the gate would strip from htu, so the signed URL and the one the
// user meant would differ), and credentials: the gate never reads them, and
// a URL that holds them gets printed (in logs, in "list", in an IDE's MCP
// log), so it is refused rather than carried around. Errors never repeat
// the credentials.
func ValidateBaseURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", errors.New("empty URL")
	}
	shown := RedactURL(s)
	bad := func(reason, hint string) (string, error) {
		return "", &URLError{URL: shown, Reason: reason, Hint: hint}
	}
	if len(s) > maxURLBytes {
		return bad(fmt.Sprintf("longer than %d bytes", maxURLBytes), "")
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
		return bad("contains a space or control character", "percent-encode it (%20), or check for a stray character pasted with the URL")
	}
	u, err := url.Parse(s)
	if err != nil {
		// url.Parse repeats the whole input, credentials included: keep
		// only its reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return bad("not a URL: "+err.Error(), "")
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return bad("scheme must be http or https", "")
	}
	if u.User != nil {
		return bad("credentials in the URL are not supported", credentialsHint)
	}
	if u.Host == "" || u.Hostname() == "" {
		return bad("missing host", "")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return bad("must not have a query or fragment", "")
	}
	if p := u.Port(); p != "" {
		n, err := parsePort(p)
		if err != nil {
			return bad(err.Error(), "")
		}
		if n == 0 {
			return bad("port 0 is not a port a gate can listen on", "use the port the gate listens on, e.g. 3000")
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return bad("empty port after \":\"", "")
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

// redacted replaces a secret in a printed URL.
const redacted = "xxxxx"

// RedactURL returns raw for printing: the user and password (a token is
// often put in the user part) replaced by "xxxxx", and so are query and
// fragment values, which can hold tokens too. Everything that prints a URL
// that came from a flag, a variable, a config file or the gate goes through
// it; a URL without such parts comes back unchanged. It does not quote
// control characters: print the result with %q (or through a quoting
// helper) when the URL came from outside.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		return redactText(raw)
	}
	changed := false
	if u.User != nil {
		u.User = url.User(redacted)
		changed = true
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			u.RawQuery = redacted
		} else {
			for k := range q {
				q[k] = []string{redacted}
			}
			u.RawQuery = q.Encode()
		}
		changed = true
	}
	if u.Fragment != "" || u.RawFragment != "" {
		u.Fragment, u.RawFragment = redacted, ""
		changed = true
	}
	if !changed {
		return raw
	}
	return u.String()
}

// redactText redacts a URL that does not parse, textually: whatever
// precedes the last "@" of the authority, and everything after a "?" or
// "#".
func redactText(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i+1] + redacted
	}
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + 3
	}
	end := len(s)
	if i := strings.IndexAny(s[start:], "/?#"); i >= 0 {
		end = start + i
	}
	if at := strings.LastIndexByte(s[start:end], '@'); at >= 0 {
		s = s[:start] + redacted + s[start+at:]
	}
	return s
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
