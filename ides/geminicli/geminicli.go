package geminicli

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/config"
)

// Adapter is the Gemini CLI adapter.
type Adapter struct{}

var (
	_ ides.Adapter      = Adapter{}
	_ ides.Planner      = Adapter{}
	_ ides.Launcher     = Adapter{}
	_ ides.ClientViewer = Adapter{}
	_ ides.Approver     = Adapter{}
	_ ides.EnvWarner    = Adapter{}
	_ ides.Detectable   = Adapter{}
)

// schema is the embedded schema (package schemas) of settings.json.
const schema = "gemini-cli-settings.schema.json"

// id is the --ide value, also the client's key in the approval record.
const id = "gemini-cli"

// ID implements ides.Adapter.ID.
func (Adapter) ID() string { return id }

// DisplayName implements ides.Adapter.DisplayName.
func (Adapter) DisplayName() string { return "Gemini CLI" }

// Scopes implements ides.Adapter.Scopes.
func (Adapter) Scopes() []ides.Scope { return []ides.Scope{ides.ScopeUser, ides.ScopeProject} }

// Home is what Gemini CLI takes for the home directory: $GEMINI_CLI_HOME,
// else the user's home.
func Home(env ides.Env) string {
	if h := env.Get("GEMINI_CLI_HOME"); h != "" {
		return h
	}
	return env.Home
}

// Dir is Gemini CLI's per-user directory, ~/.gemini.
func Dir(env ides.Env) string { return ides.Join(env, Home(env), ".gemini") }

// SettingsPath is the user settings file.
func SettingsPath(env ides.Env) string { return ides.Join(env, Dir(env), "settings.json") }

// ProjectSettingsPath is the settings file Gemini CLI reads in dir.
func ProjectSettingsPath(env ides.Env, dir string) string {
	return ides.Join(env, dir, ".gemini", "settings.json")
}

// TrustPath is the trusted-folders file.
func TrustPath(env ides.Env) string {
	if p := env.Get("GEMINI_CLI_TRUSTED_FOLDERS_PATH"); p != "" {
		return p
	}
	return ides.Join(env, Dir(env), "trustedFolders.json")
}

// inHome reports whether the current directory is Gemini's home, where
// it reads no project file (the "project" file would be the user file).
func inHome(env ides.Env) bool {
	return normalize(env, env.WorkDir) == normalize(env, Home(env))
}

// Target implements ides.Adapter.Target. The project file is the one in
// the current directory: Gemini CLI looks nowhere else.
func (Adapter) Target(env ides.Env, scope ides.Scope) (ides.Target, error) {
	switch scope {
	case ides.ScopeUser:
		return ides.Target{Path: SettingsPath(env), Servers: []string{"mcpServers"}, Format: config.JSONComments,
			Scope: scope, NewMode: 0o600, Schema: schema}, nil
	case ides.ScopeProject:
		if inHome(env) {
			return ides.Target{}, ides.NoProjectInHome(Adapter{}, env)
		}
		return ides.Target{Path: ProjectSettingsPath(env, env.WorkDir), Servers: []string{"mcpServers"},
			Format: config.JSONComments, Scope: scope, NewMode: 0o644, Schema: schema}, nil
	}
	return ides.Target{}, ides.CheckScope(Adapter{}, scope)
}

// Entry implements ides.Adapter.Entry: command, args and env, in the
// order "gemini mcp add" writes them. A forwarded variable Gemini would
// withhold from the server (a secret-looking name) is named in env, as
// a reference Gemini expands when it loads the file.
func (Adapter) Entry(spec ides.ServerSpec) (config.Value, error) {
	if err := checkNoDollar(spec); err != nil {
		return config.Value{}, err
	}
	env := append(ides.EnvList{}, spec.Env...)
	for _, name := range spec.Forward {
		if redactedName(name) {
			env = append(env, ides.EnvVar{Name: name, Value: "${" + name + "}"})
		}
	}
	return config.ObjectValue(
		config.M("command", config.StringValue(spec.Command)),
		config.M("args", config.StringList(spec.Args...)),
		config.M("env", env.Value()),
	), nil
}

// checkNoDollar refuses a "$" in what Gemini would expand: it has no
// escape, so a path with "$" in it would change under the user.
func checkNoDollar(spec ides.ServerSpec) error {
	check := func(what, s string) error {
		if strings.Contains(s, "$") {
			return fmt.Errorf("%s %q holds \"$\", which Gemini CLI expands as a variable (it has no escape); "+
				"use a path or value without \"$\"", what, s)
		}
		return nil
	}
	if err := check("the command", spec.Command); err != nil {
		return err
	}
	for _, a := range spec.Args {
		if err := check("the argument", a); err != nil {
			return err
		}
	}
	for _, v := range spec.Env {
		if err := check("the value of "+v.Name, v.Value); err != nil {
			return err
		}
	}
	return nil
}

// What Gemini CLI withholds from a stdio server's environment
// (environmentSanitization in its core package, 0.61.0).
var (
	alwaysAllowed = []string{"PATH", "SYSTEMROOT", "COMSPEC", "PATHEXT", "WINDIR", "TEMP", "TMP", "USERPROFILE",
		"SYSTEMDRIVE", "HOME", "LANG", "SHELL", "TMPDIR", "USER", "LOGNAME", "TERM", "COLORTERM"}
	neverAllowed = []string{"CLIENT_ID", "DB_URI", "CONNECTION_STRING", "AWS_DEFAULT_REGION", "AZURE_CLIENT_ID",
		"AZURE_TENANT_ID", "SLACK_WEBHOOK_URL", "TWILIO_ACCOUNT_SID", "DATABASE_URL", "GOOGLE_CLOUD_PROJECT",
		"GOOGLE_CLOUD_ACCOUNT", "FIREBASE_PROJECT_ID"}
	secretName  = regexp.MustCompile(`(?i)TOKEN|SECRET|PASSWORD|PASSWD|KEY|AUTH|CREDENTIAL|CREDS|PRIVATE|CERT`)
	secretValue = regexp.MustCompile(`(?i)-----BEGIN (RSA|OPENSSH|EC|PGP) PRIVATE KEY-----|-----BEGIN CERTIFICATE-----|` +
		`(https?|ftp|smtp)://[^:\s]+:[^@\s]+@|(ghp|gho|ghu|ghs|ghr|github_pat)_[a-zA-Z0-9_]{36,}|` +
		`AIzaSy[a-zA-Z0-9_\\-]{33}|AKIA[A-Z0-9]{16}|eyJ[a-zA-Z0-9_-]*\.[a-zA-Z0-9_-]*\.[a-zA-Z0-9_-]*|` +
		`(s|r)k_(live|test)_[0-9a-zA-Z]{24}|xox[abpr]-[a-zA-Z0-9-]+`)
)

// redactedName reports whether Gemini CLI withholds a variable of this
// name from servers whatever its value.
func redactedName(name string) bool {
	n := strings.ToUpper(name)
	switch {
	case strings.HasPrefix(n, "GEMINI_CLI_"), strings.HasPrefix(n, "GIT_CONFIG_"), slices.Contains(alwaysAllowed, n):
		return false
	case slices.Contains(neverAllowed, n):
		return true
	}
	return secretName.MatchString(n)
}

// redacted reports whether Gemini CLI withholds the variable from
// servers: by its name, or by a value that looks like a credential.
func redacted(name, value string) bool {
	n := strings.ToUpper(name)
	if !strings.HasPrefix(n, "GEMINI_CLI_") && secretValue.MatchString(value) {
		return true
	}
	return redactedName(name)
}

// Launch implements ides.Launcher: Gemini CLI passes its environment
// without the variables it takes for secrets, adds GEMINI_CLI=1, and
// expands $VAR, ${VAR} and ${VAR:-default} in every string of its
// settings.
func (Adapter) Launch(env ides.Env) ides.LaunchRules {
	var inherit []string
	for k, v := range env.Vars {
		if !redacted(k, v) {
			inherit = append(inherit, k)
		}
	}
	slices.Sort(inherit)
	return ides.LaunchRules{
		Rule:          "Gemini CLI's environment without variables that look like secrets (names with TOKEN, KEY, SECRET, AUTH, ...)",
		Inherit:       inherit,
		Extra:         map[string]string{"GEMINI_CLI": "1"},
		Expand:        Expand,
		VarSyntax:     "${NAME}",
		DefaultSyntax: true,
		ShellPATH:     true,
	}
}

// geminiVar is the pattern of resolveEnvVarsInString (Gemini CLI 0.61.0).
var geminiVar = regexp.MustCompile(`\$(?:(\w+)|\{([^}]+?)(?::-([^}]*))?\})`)

// Expand expands variables as Gemini CLI does when it loads its
// settings: a set variable (even empty) gives its value, an unset one
// its default, and without a default the reference stays as written.
func Expand(s string, env ides.Env, missing *[]string) string {
	return geminiVar.ReplaceAllStringFunc(s, func(m string) string {
		sub := geminiVar.FindStringSubmatch(m)
		name := sub[1] + sub[2]
		if v, ok := env.Vars[name]; ok {
			return v
		}
		if strings.Contains(m, ":-") {
			return sub[3]
		}
		*missing = append(*missing, name)
		return m
	})
}

// Footprint implements ides.Detectable.
func (Adapter) Footprint(env ides.Env) ides.Footprint {
	return ides.Footprint{Paths: []string{Dir(env)}, Commands: []string{"gemini"}}
}
