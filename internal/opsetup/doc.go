// Package opsetup plans "install --operator" and "uninstall --operator":
// separation of duties between the agent, whose held calls wait for a
// person, and the operator window that helps that person decide them.
//
// The agent's model must never see the tools that approve its own calls,
// and the agent's process must not hold the operator credential. So the
// operator entry ("latchgate-mcp operator") goes only into a client
// configuration the agent does not load (an adapter's [ides.OperatorRoot]:
// a separate Claude Code config directory, a VS Code profile), never next
// to the agent's entry; the agent's own configuration gets the client's
// deny of the operator server where it has one; and no IDE file, argv or
// environment holds the token: the entry names a key file and a token
// file, which this package writes 0600 in a 0700 directory of its own.
// The same user can still read them; only another user (or a sandbox)
// keeps a hostile program of the agent's away from them, and the
// messages say so.
//
// Everything written to client files goes through the same plan, diff and
// backups as install. Each list item added to a settings file (a deny
// rule) is recorded only when install added it, so uninstall takes back
// exactly that and leaves what the user had before. The credential files
// are written outside the plan: their contents never appear in a diff or
// a backup.
package opsetup
