//! Standard output that its reader may close early.
//!
//! `netwalker find ... | head -1`: once `head` has its line it exits, and
//! the next write fails with EPIPE (Rust ignores SIGPIPE, so `println!`
//! would panic with "failed printing to stdout: Broken pipe"). The work is
//! not wrong because nobody reads the rest: [`write`] drops it quietly from
//! then on, and the command finishes as it would have, its store, files and
//! sessions closed on purpose. Any other failure (a full disk behind `>`)
//! is the caller's error to report.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a write found the reader gone: later output is dropped.
static READER_GONE: AtomicBool = AtomicBool::new(false);

/// Writes `text` to stdout and flushes it. A reader that has gone is not
/// an error.
pub fn write(text: &str) -> io::Result<()> {
    write_to(&mut io::stdout().lock(), text, &READER_GONE)
}

/// Whether a write has found stdout's reader gone.
pub fn reader_gone() -> bool {
    READER_GONE.load(Ordering::Relaxed)
}

fn write_to(out: &mut impl Write, text: &str, gone: &AtomicBool) -> io::Result<()> {
    if gone.load(Ordering::Relaxed) {
        return Ok(());
    }
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            gone.store(true, Ordering::Relaxed);
            Ok(())
        }
        r => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Accepts `room` bytes, then fails as a closed pipe (or `kind`).
    struct Pipe {
        got: Vec<u8>,
        room: usize,
        kind: io::ErrorKind,
    }

    impl Write for Pipe {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            if self.got.len() >= self.room {
                return Err(self.kind.into());
            }
            let n = b.len().min(self.room - self.got.len());
            self.got.extend_from_slice(&b[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_drops_the_rest_quietly() {
        let gone = AtomicBool::new(false);
        let mut p = Pipe {
            got: Vec::new(),
            room: 6,
            kind: io::ErrorKind::BrokenPipe,
        };
        write_to(&mut p, "first\n", &gone).unwrap();
        assert!(!gone.load(Ordering::Relaxed));
        write_to(&mut p, "second\n", &gone).unwrap();
        assert!(gone.load(Ordering::Relaxed), "the reader is known gone");
        p.room = 100; // even if it would take more now, nothing is written
        write_to(&mut p, "third\n", &gone).unwrap();
        assert_eq!(p.got, b"first\n");
    }

    #[test]
    fn other_failures_are_errors() {
        let gone = AtomicBool::new(false);
        let mut p = Pipe {
            got: Vec::new(),
            room: 0,
            kind: io::ErrorKind::StorageFull,
        };
        let e = write_to(&mut p, "x\n", &gone).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::StorageFull);
        assert!(!gone.load(Ordering::Relaxed));
    }
}
