package gate

import (
	"errors"
	"fmt"
)

// maxSessionID bounds a session label; the default is a 36-byte UUID.
const maxSessionID = 256

// ValidateSessionID checks a session label (Config.SessionID, sent as the
// X-LatchGate-Session-Id header): printable ASCII and spaces only, not
// blank at either end, at most 256 bytes. A carriage return or line feed in
// a header value makes Go's HTTP client refuse every request, which would
// show as a gate that cannot be reached; checking at startup says what is
// actually wrong.
func ValidateSessionID(s string) error {
	if s == "" {
		return errors.New("empty session id")
	}
	if len(s) > maxSessionID {
		return fmt.Errorf("session id longer than %d bytes", maxSessionID)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return fmt.Errorf("session id %q has a control or non-ASCII character at byte %d", s, i)
		}
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return fmt.Errorf("session id %q starts or ends with a space", s)
	}
	return nil
}
