// Package safeio reads the files latchgate-mcp does not own (IDE
// configurations, the gate's latchgate.toml, a TLS bundle, our own backups)
// without hanging, without unbounded memory, and without mistaking a file
// that another program is rewriting for its real contents.
//
// The rules, for every read:
//
//   - Only regular files are read. A named pipe would block the open or the
//     read until some writer shows up (forever, for a FIFO planted where
//     .latchgate/latchgate.toml should be); a device such as /dev/zero never
//     ends; a directory or socket is a mistake. The type is checked with
//     stat before opening, the open itself is non-blocking (O_NONBLOCK, so a
//     FIFO swapped in after the stat cannot block it), and the type is
//     checked again on the open file (fstat) so a swap between the two
//     cannot slip through.
//   - Every read has a size cap, chosen by the caller from the constants
//     below; a larger file is an error that names the cap, never a partial
//     read.
//
// [ReadStable] adds one rule for configuration files that their owner may
// be writing while we read. Some programs (IDEs written in Node, whose
// fs.writeFile truncates and then writes) rewrite a file in place: for a
// moment it is empty or holds only a prefix. Planning an edit over that
// moment would write back a file holding only our entry. So:
//
//   - A read is settled when the file's size and modification time are the
//     same before and after the read and the read returned exactly that
//     many bytes.
//   - A read is suspect when it is empty, or smaller than the largest size
//     this process has already seen for the same path.
//   - An unsettled or suspect read is retried, polling, for up to
//     [DefaultWait] in all.
//   - When the wait is over, a file still unsettled is an error, and so is
//     a file that is empty now but was not empty when first seen in this
//     run: it is never handed back as if it were the file's contents. A
//     file that was empty from the start is empty; one that has shrunk and
//     stayed put for the whole wait was made smaller by its owner, and is
//     returned.
package safeio
