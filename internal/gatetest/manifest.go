package gatetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// An Action is one registered action, the parts of a LatchGate manifest
// the client router exposes.
type Action struct {
	ID                   string
	Version              string
	RiskLevel            string // low, medium, high or critical
	ProviderModuleDigest string
	// RequestSchema is io.request_schema as JSON; nil means the action has
	// no schema (the schema route answers 404 and any JSON object passes).
	RequestSchema       json.RawMessage
	HasResponseSchema   bool
	MaxRequestBytes     int
	MaxResponseBytes    int
	ResourceLimits      ResourceLimits
	EgressProfile       string   // "none", "proxy_allowlist" or "" (null)
	AllowedDomains      []string // for proxy_allowlist
	DeclaredSideEffects []string
	DatabaseMode        string // strict, parameterized or hybrid; only for DB actions
	VerifierKind        string
	Tags                []string
}

// ResourceLimits are a manifest's resource_limits.
type ResourceLimits struct {
	Fuel           int64 `yaml:"fuel" json:"fuel"`
	MemoryMB       int64 `yaml:"memory_mb" json:"memory_mb"`
	TimeoutSeconds int64 `yaml:"timeout_seconds" json:"timeout_seconds"`
	MaxIOCalls     int64 `yaml:"max_io_calls" json:"max_io_calls"`
}

// manifest is the YAML shape of a LatchGate action manifest, as far as
// the gate's client routes need it; unknown keys (template, secrets, …)
// are allowed because real manifests carry many.
type manifest struct {
	ActionID             string         `yaml:"action_id"`
	Version              string         `yaml:"version"`
	Tags                 []string       `yaml:"tags"`
	ProviderModuleDigest string         `yaml:"provider_module_digest"`
	RiskLevel            string         `yaml:"risk_level"`
	VerifierKind         string         `yaml:"verifier_kind"`
	DeclaredSideEffects  []string       `yaml:"declared_side_effects"`
	ResourceLimits       ResourceLimits `yaml:"resource_limits"`
	IO                   struct {
		RequestSchema    any `yaml:"request_schema"`
		ResponseSchema   any `yaml:"response_schema"`
		MaxRequestBytes  int `yaml:"max_request_bytes"`
		MaxResponseBytes int `yaml:"max_response_bytes"`
	} `yaml:"io"`
	Egress *struct {
		Profile        string   `yaml:"profile"`
		AllowedDomains []string `yaml:"allowed_domains"`
	} `yaml:"egress"`
	Database *struct {
		Mode string `yaml:"mode"`
	} `yaml:"database"`
}

var (
	actionIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	riskLevels      = map[string]bool{"low": true, "medium": true, "high": true, "critical": true}
)

// ParseManifest parses one LatchGate action manifest (YAML).
func ParseManifest(data []byte) (Action, error) {
	var m manifest
	if err := yaml.Unmarshal(data, &m); err != nil {
		return Action{}, err
	}
	if m.ActionID == "" {
		return Action{}, errors.New("missing action_id")
	}
	if !actionIDPattern.MatchString(m.ActionID) {
		return Action{}, fmt.Errorf("invalid action_id %q", m.ActionID)
	}
	if m.Version == "" {
		return Action{}, fmt.Errorf("action %s: missing version", m.ActionID)
	}
	if !riskLevels[m.RiskLevel] {
		return Action{}, fmt.Errorf("action %s: invalid risk_level %q", m.ActionID, m.RiskLevel)
	}
	a := Action{
		ID:                   m.ActionID,
		Version:              m.Version,
		RiskLevel:            m.RiskLevel,
		ProviderModuleDigest: m.ProviderModuleDigest,
		HasResponseSchema:    m.IO.ResponseSchema != nil,
		MaxRequestBytes:      m.IO.MaxRequestBytes,
		MaxResponseBytes:     m.IO.MaxResponseBytes,
		ResourceLimits:       m.ResourceLimits,
		DeclaredSideEffects:  m.DeclaredSideEffects,
		VerifierKind:         m.VerifierKind,
		Tags:                 m.Tags,
	}
	if m.IO.RequestSchema != nil {
		raw, err := json.Marshal(m.IO.RequestSchema)
		if err != nil {
			return Action{}, fmt.Errorf("action %s: convert request_schema to JSON: %w", m.ActionID, err)
		}
		if _, err := compileSchema(raw); err != nil {
			return Action{}, fmt.Errorf("action %s: request_schema: %w", m.ActionID, err)
		}
		a.RequestSchema = raw
	}
	if m.Egress != nil {
		a.EgressProfile = m.Egress.Profile
		a.AllowedDomains = m.Egress.AllowedDomains
	}
	if m.Database != nil {
		a.DatabaseMode = m.Database.Mode
	}
	return a, nil
}

// LoadManifests reads every *.yaml and *.yml file in dir, sorted by
// action id.
func LoadManifests(dir string) ([]Action, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read manifests: %w", err)
	}
	var actions []Action
	seen := map[string]string{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			continue
		}
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read manifest: %w", err)
		}
		a, err := ParseManifest(data)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", path, err)
		}
		if prev, ok := seen[a.ID]; ok {
			return nil, fmt.Errorf("parse %s: action %s already defined in %s", path, a.ID, prev)
		}
		seen[a.ID] = path
		actions = append(actions, a)
	}
	sort.Slice(actions, func(i, j int) bool { return actions[i].ID < actions[j].ID })
	return actions, nil
}

// listEntry is one element of GET /v1/actions.
type listEntry struct {
	ActionID     string `json:"action_id"`
	Version      string `json:"version"`
	RiskLevel    string `json:"risk_level"`
	DatabaseMode string `json:"database_mode,omitempty"`
}

// detail renders GET /v1/actions/{id} (ActionDetail). egress is the
// externally tagged enum the real gate serializes: "none", an object
// keyed by the profile, or null.
func (a Action) detail() ([]byte, error) {
	var egress any
	switch a.EgressProfile {
	case "":
	case "none":
		egress = "none"
	default:
		domains := a.AllowedDomains
		if domains == nil {
			domains = []string{}
		}
		egress = map[string]any{a.EgressProfile: map[string]any{"allowed_domains": domains}}
	}
	effects := a.DeclaredSideEffects
	if effects == nil {
		effects = []string{}
	}
	d := struct {
		ActionID             string         `json:"action_id"`
		Version              string         `json:"version"`
		ProviderModuleDigest string         `json:"provider_module_digest"`
		RiskLevel            string         `json:"risk_level"`
		ResourceLimits       ResourceLimits `json:"resource_limits"`
		IO                   map[string]any `json:"io"`
		Egress               any            `json:"egress"`
		DeclaredSideEffects  []string       `json:"declared_side_effects"`
		Database             map[string]any `json:"database,omitempty"`
	}{
		ActionID:             a.ID,
		Version:              a.Version,
		ProviderModuleDigest: a.ProviderModuleDigest,
		RiskLevel:            a.RiskLevel,
		ResourceLimits:       a.ResourceLimits,
		IO: map[string]any{
			"max_request_bytes":   a.MaxRequestBytes,
			"max_response_bytes":  a.MaxResponseBytes,
			"has_request_schema":  a.RequestSchema != nil,
			"has_response_schema": a.HasResponseSchema,
		},
		Egress:              egress,
		DeclaredSideEffects: effects,
	}
	if a.DatabaseMode != "" {
		d.Database = map[string]any{"mode": a.DatabaseMode, "statements": []any{}}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
