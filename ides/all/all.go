package all

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/ides/antigravity"
	"github.com/latchgate-ai/latchgate-mcp/ides/claudecode"
	"github.com/latchgate-ai/latchgate-mcp/ides/claudedesktop"
	"github.com/latchgate-ai/latchgate-mcp/ides/cline"
	"github.com/latchgate-ai/latchgate-mcp/ides/clinecli"
	"github.com/latchgate-ai/latchgate-mcp/ides/codex"
	"github.com/latchgate-ai/latchgate-mcp/ides/continuecli"
	"github.com/latchgate-ai/latchgate-mcp/ides/copilotcli"
	"github.com/latchgate-ai/latchgate-mcp/ides/crush"
	"github.com/latchgate-ai/latchgate-mcp/ides/cursor"
	"github.com/latchgate-ai/latchgate-mcp/ides/droid"
	"github.com/latchgate-ai/latchgate-mcp/ides/geminicli"
	"github.com/latchgate-ai/latchgate-mcp/ides/goose"
	"github.com/latchgate-ai/latchgate-mcp/ides/hermes"
	"github.com/latchgate-ai/latchgate-mcp/ides/kilo"
	"github.com/latchgate-ai/latchgate-mcp/ides/openclaw"
	"github.com/latchgate-ai/latchgate-mcp/ides/opencode"
	"github.com/latchgate-ai/latchgate-mcp/ides/qwencode"
	"github.com/latchgate-ai/latchgate-mcp/ides/vscode"
	"github.com/latchgate-ai/latchgate-mcp/ides/windsurf"
	"github.com/latchgate-ai/latchgate-mcp/ides/zed"
)

// Adapters returns every supported IDE, in display order.
func Adapters() []ides.Adapter {
	return []ides.Adapter{claudecode.Adapter{}, cursor.Adapter{}, vscode.Adapter{}, vscode.Adapter{Insiders: true},
		codex.Adapter{}, geminicli.Adapter{}, qwencode.Adapter{}, copilotcli.Adapter{}, droid.Adapter{},
		opencode.Adapter{}, kilo.Adapter{}, crush.Adapter{}, clinecli.Adapter{},
		continuecli.Adapter{}, hermes.Adapter{}, goose.Adapter{},
		claudedesktop.Adapter{}, windsurf.Adapter{}, zed.Adapter{},
		cline.Adapter{}, cline.Adapter{Roo: true}, antigravity.Adapter{}, openclaw.Adapter{}}
}

// aliases maps other names people type to adapter IDs.
var aliases = map[string]string{
	"claudecode": "claude-code", "claude_code": "claude-code",
	"code": "vscode", "vs-code": "vscode", "vs_code": "vscode",
	"code-insiders": "vscode-insiders", "insiders": "vscode-insiders", "vscode_insiders": "vscode-insiders",
	"gemini": "gemini-cli", "geminicli": "gemini-cli", "gemini_cli": "gemini-cli",
	"qwen": "qwen-code", "qwencode": "qwen-code", "qwen_code": "qwen-code",
	"factory": "droid", "factory-droid": "droid", "copilotcli": "copilot-cli", "copilot_cli": "copilot-cli",
	"open-code": "opencode", "open_code": "opencode", "kilocode": "kilo", "kilo-code": "kilo", "kilo-cli": "kilo",
	"clinecli": "cline-cli", "cline_cli": "cline-cli",
	"cn": "continue", "continue-cli": "continue", "hermes-agent": "hermes", "openai-codex": "codex", "codex-cli": "codex",
	// A bare "claude" is no alias: it could mean Claude Code or Claude Desktop.
	"claudedesktop": "claude-desktop", "claude_desktop": "claude-desktop", "open-claw": "openclaw",
	"roo": "roo-code", "roocode": "roo-code", "roo_code": "roo-code", "agy": "antigravity",
}

// Lookup finds the adapter whose ID is id.
func Lookup(id string) (ides.Adapter, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if a, ok := aliases[id]; ok {
		id = a
	}
	var ids []string
	for _, a := range Adapters() {
		if a.ID() == id {
			return a, nil
		}
		ids = append(ids, a.ID())
	}
	return nil, unknownIDError(id, ids)
}

// footprint is where an adapter's IDE leaves traces.
func footprint(a ides.Adapter, env ides.Env) ides.Footprint {
	if d, ok := a.(ides.Detectable); ok {
		return d.Footprint(env)
	}
	return ides.Footprint{}
}

// A Found is an IDE detected on this machine, and why we think so.
type Found struct {
	Adapter  ides.Adapter
	Evidence string // the path or command that gave it away, for the user
}

// Detect returns the IDEs that have left a trace on this machine: one of
// their directories or files, or their command on PATH. A config
// directory counts even if the app was removed since: the files are
// still read if it comes back, and install only adds an entry.
func Detect(env ides.Env) []Found {
	var out []Found
	for _, a := range Adapters() {
		fp := footprint(a, env)
		evidence := ""
		for _, p := range fp.Paths {
			if _, err := os.Stat(p); err == nil {
				evidence = env.Display(p)
				break
			}
		}
		if evidence == "" {
			for _, c := range fp.Commands {
				if p, ok := lookPath(env, c); ok {
					evidence = p
					break
				}
			}
		}
		if evidence != "" {
			out = append(out, Found{Adapter: a, Evidence: evidence})
		}
	}
	return out
}

// lookPath finds command on env's PATH (not the process's: tests and
// "--all" describe the same machine through env).
func lookPath(env ides.Env, command string) (string, bool) {
	sep, exts := ":", []string{""}
	if env.GOOS == "windows" {
		sep, exts = ";", []string{".exe", ".cmd", ".bat"}
	}
	for _, dir := range strings.Split(env.Get("PATH"), sep) {
		if dir == "" {
			continue
		}
		for _, ext := range exts {
			p := filepath.Join(dir, command+ext)
			info, err := os.Stat(p)
			if err != nil || info.IsDir() {
				continue
			}
			if env.GOOS != "windows" && info.Mode().Perm()&0o111 == 0 {
				continue
			}
			return p, true
		}
	}
	return "", false
}
