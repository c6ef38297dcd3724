package gate

import "testing"

func TestDefaultSocketPath(t *testing.T) {
	v := loadVectors(t)
	if len(v.DefaultPaths.Cases) == 0 {
		t.Fatal("no default_paths vectors")
	}
	for _, c := range v.DefaultPaths.Cases {
		env := Env{UID: c.UID, Getenv: func(k string) string {
			if k == "XDG_RUNTIME_DIR" && c.XDG != nil {
				return *c.XDG
			}
			return ""
		}}
		if got := DefaultSocketPath(env); got != c.ClientSocket {
			t.Errorf("DefaultSocketPath(xdg=%v, uid=%d) = %q, want %q", c.XDG, c.UID, got, c.ClientSocket)
		}
		if got := DefaultAdminSocketPath(env); got != c.AdminSocket {
			t.Errorf("DefaultAdminSocketPath(xdg=%v, uid=%d) = %q, want %q", c.XDG, c.UID, got, c.AdminSocket)
		}
	}
}

func TestDefaultSocketPathNilGetenv(t *testing.T) {
	if got, want := DefaultSocketPath(Env{UID: 42}), "/tmp/latchgate-42/gate.sock"; got != want {
		t.Errorf("DefaultSocketPath = %q, want %q", got, want)
	}
}

func TestDefaultFSRoot(t *testing.T) {
	dir := t.TempDir()
	for in, want := range map[string]string{
		dir:              dir,
		"/":              "",
		"/tmp":           "",
		"/etc":           "",
		"relative/dir":   "",
		"":               "",
		dir + "/missing": "",
	} {
		if got := DefaultFSRoot(in); got != want {
			t.Errorf("DefaultFSRoot(%q) = %q, want %q", in, got, want)
		}
	}
}
