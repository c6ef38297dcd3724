package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/latchgate-ai/latchgate-mcp/ides"
	"github.com/latchgate-ai/latchgate-mcp/internal/atomicfile"
	"github.com/latchgate-ai/latchgate-mcp/internal/backup"
	"github.com/latchgate-ai/latchgate-mcp/internal/filelock"
	"github.com/latchgate-ai/latchgate-mcp/internal/iostreams"
	"github.com/latchgate-ai/latchgate-mcp/internal/merge"
	"github.com/latchgate-ai/latchgate-mcp/internal/textsafe"
)

type restoreOptions struct {
	IO     *iostreams.IOStreams
	Env    ides.Env
	File   string
	At     string
	DryRun bool
}

func newCmdRestore(f *Factory) *cobra.Command {
	opts := &restoreOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "restore [FILE] [--at BACKUP]",
		Short: "List the backups of changed files, or put one back",
		Long: `List the backups latchgate-mcp took of the files it changed, or put one back.

Without FILE, lists every file with backups (newest first, the last 10 of
each). With FILE, restores its newest backup, or the one named by --at. The
current contents are backed up first, so a restore can be undone too.`,
		Example: `  latchgate-mcp restore
  latchgate-mcp restore ~/.claude.json --dry-run
  latchgate-mcp restore ~/.claude.json --at 20261125T101500.000000000Z`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			env, err := f.Env()
			if err != nil {
				return err
			}
			opts.Env = env
			if len(args) == 1 {
				opts.File = args[0]
			}
			return runRestore(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.At, "at", "", "the backup to restore, by the ID that the list shows (default: the newest)")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the change as a unified diff and write nothing")
	return cmd
}

func runRestore(ctx context.Context, opts *restoreOptions) error {
	state := stateDir(opts.Env)
	store := &backup.Store{Dir: filepath.Join(state, "backups")}
	if opts.File == "" {
		if opts.At != "" {
			return flagErrorf("--at needs a FILE")
		}
		return listBackups(opts, store)
	}
	// Clean: "~//./.claude.json" is ~/.claude.json. The store finds
	// backups by the physical path, so a linked home works either way.
	path := expandHome(opts.Env, opts.File)
	if !filepath.IsAbs(path) {
		path = filepath.Join(opts.Env.WorkDir, path)
	}
	path = filepath.Clean(path)
	display := textsafe.Quote(opts.Env.Display(path))
	b, err := store.Find(path, opts.At)
	switch {
	case errors.Is(err, backup.ErrNotFound) && opts.At != "":
		return withHint(fmt.Errorf("no backup %s of %s", textsafe.Quote(opts.At), display), `run "latchgate-mcp restore" to list the backups`)
	case errors.Is(err, backup.ErrNotFound):
		return withHint(fmt.Errorf("no backups of %s", display), `run "latchgate-mcp restore" to list the backups`)
	case err != nil:
		return fmt.Errorf("list backups of %s: %w", display, err)
	}
	want, err := b.Data()
	if err != nil {
		return fmt.Errorf("read backup %s of %s: %w", b.ID(), display, err)
	}
	// The lock keeps a concurrent install from writing between our read
	// and our write.
	if real, err := atomicfile.Resolve(path); err == nil {
		lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		lock, err := filelock.Acquire(lctx, filepath.Join(state, "locks"), real)
		cancel()
		if err != nil {
			return withHint(fmt.Errorf("restore %s: %w", display, err), writeHint(err))
		}
		// Closing the lock file releases the lock whatever Close says, and
		// so does the process ending.
		defer func() { _ = lock.Unlock() }()
	}
	cur, existed, err := merge.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", display, err)
	}
	if b.Absent {
		want = nil
	}
	c := merge.NewChange(merge.FileEdit{Path: path, Display: display}, existed, cur, want)
	if existed == !b.Absent && string(cur) == string(want) {
		fmt.Fprintf(opts.IO.Out, "%s already matches backup %s\n", display, b.ID())
		return nil
	}
	if opts.DryRun {
		fmt.Fprint(opts.IO.Out, c.Diff())
		return nil
	}
	// Back up what is there now, so this restore can be undone too.
	if _, err := store.Save(path, cur, existed); err != nil {
		return withHint(fmt.Errorf("back up %s: %w", display, err), writeHint(err))
	}
	if err := backup.Put(b); err != nil {
		return withHint(fmt.Errorf("restore %s: %w", display, err), writeHint(err))
	}
	if b.Absent {
		fmt.Fprintf(opts.IO.Out, "removed %s (it did not exist at backup %s)\n", display, b.ID())
	} else {
		fmt.Fprintf(opts.IO.Out, "restored %s from backup %s\n", display, b.ID())
	}
	return nil
}

func listBackups(opts *restoreOptions, store *backup.Store) error {
	files, err := store.Files()
	if err != nil {
		return fmt.Errorf("list backups: %w", err)
	}
	if len(files) == 0 {
		fmt.Fprintln(opts.IO.Out, "No backups yet: latchgate-mcp backs up each file before it changes it.")
		return nil
	}
	w := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	for _, f := range files {
		backups, err := store.List(f)
		if err != nil {
			return fmt.Errorf("list backups of %s: %w", textsafe.Quote(opts.Env.Display(f)), err)
		}
		fmt.Fprintf(w, "%s\n", textsafe.Quote(opts.Env.Display(f)))
		for _, b := range backups {
			what := "contents"
			if b.Absent {
				what = "(did not exist)"
			} else if n, err := b.Size(); err == nil {
				what = fmt.Sprintf("%d bytes", n)
			}
			fmt.Fprintf(w, "  %s\t%s\t%s\n", b.ID(), b.Time.Local().Format("2006-01-02 15:04:05"), what)
		}
	}
	return w.Flush()
}

func expandHome(env ides.Env, p string) string {
	if p == "~" {
		return env.Home
	}
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		return filepath.Join(env.Home, rest)
	}
	return p
}
