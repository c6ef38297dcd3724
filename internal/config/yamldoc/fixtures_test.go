package yamldoc

// Real shapes of the files this package edits (clients.md §3.14, §3.16),
// written the way each client or its users write them.

// continueConfig is ~/.continue/config.yaml: top-level name, version and
// schema, servers as a list of items with a name, indented sequences.
const continueConfig = `name: Local config
version: 1.0.0
schema: v1

models:
  - name: Qwen 2.5 Coder
    provider: ollama
    model: qwen2.5-coder:7b
    roles:
      - chat
      - edit

# MCP servers Continue starts for the CLI
mcpServers:
  - name: filesystem
    command: npx
    args:
      - "-y"
      - "@modelcontextprotocol/server-filesystem"
      - /home/me/src
  - name: github # the hosted one
    command: npx
    args: ["-y", "@modelcontextprotocol/server-github"]
    env:
      GITHUB_PERSONAL_ACCESS_TOKEN: ${{ secrets.GITHUB_TOKEN }}

context:
  - provider: code
  - provider: diff
`

// hermesConfig is ~/.hermes/config.yaml: a long, heavily commented file
// (users comment it, and its example ships with comments), servers in the
// mcp_servers mapping.
const hermesConfig = `# Hermes Agent configuration
# Environment variables in ~/.hermes/.env take precedence.

# =============================================================================
# Model
# =============================================================================
model:
  # Default model (override with --model)
  default: "anthropic/claude-opus-4.6"
  provider: "auto"
  base_url: "https://openrouter.ai/api/v1"

terminal:
  backend: "local"
  cwd: "."  # current directory
  timeout: 180
  # sudo_password: ""

# =============================================================================
# MCP servers
# =============================================================================
# Each server: command, args, env, timeout (seconds per call), connect_timeout.
mcp_servers:
  time:
    command: uvx
    args: [mcp-server-time, --local-timezone=Europe/Paris]
  fetch:
    command: uvx
    args:
      - mcp-server-fetch
    timeout: 60 # slow sites
  # github:
  #   command: npx
  #   args: ["-y", "@modelcontextprotocol/server-github"]

toolsets:
  - all

display:
  compact: false
  tool_progress: all
`

// gooseConfig is ~/.config/goose/config.yaml as Goose writes it
// (serde_yaml): keys in order, sequences not indented under their key,
// single quotes where needed, servers in the extensions mapping.
const gooseConfig = `GOOSE_PROVIDER: openai
GOOSE_MODEL: gpt-4o
extensions:
  developer:
    bundled: true
    display_name: Developer
    enabled: true
    name: developer
    timeout: 300
    type: builtin
  github:
    args:
    - -y
    - '@modelcontextprotocol/server-github'
    bundled: null
    cmd: npx
    description: GitHub
    enabled: true
    env_keys: []
    envs:
      GITHUB_PERSONAL_ACCESS_TOKEN: ghp_example
    name: github
    timeout: 300
    type: stdio
GOOSE_MODE: smart_approve
`

// fuzzSeeds are starting points for FuzzYAMLUpsert: the real files and
// the layouts the table tests cover.
var fuzzSeeds = []string{
	continueConfig,
	hermesConfig,
	gooseConfig,
	"",
	"# only a comment\n",
	"---\n",
	"mcp_servers:\n",
	"mcp_servers: {}\n",
	"mcpServers: []\n",
	"mcp_servers: {a: {command: x}}\n",
	"mcpServers: [{name: a, command: x}]\n",
	"mcp_servers:\n    a:\n        command: x\n        args:\n            - y\n",
	"mcpServers:\n- name: a\n  command: x\n",
	"a: 1\r\nmcp_servers:\r\n  b:\r\n    command: x\r\n",
	"mcp_servers:\n  latchgate:\n    command: old # pinned\n    args: [serve]\n",
	"defaults: &d\n  timeout: 30\nmcp_servers:\n  a:\n    <<: *d\n    command: x\n",
	"mcp_servers:\n  a:\n    script: |\n      # not a comment\n      echo hi\n  # a comment\n",
	"--- # config\nmcp_servers:\n  a: {command: x}\n...\n",
	"a: 1",
}
