//! Standard output and error that their reader may close early.
//!
//! `netwalker find ... | head -1`, `vegehub discover | head -1`: once `head` has its line it exits, and
//! the next write fails with EPIPE (Rust ignores SIGPIPE, so `println!` and
//! `eprintln!` would panic with "failed printing to stdout: Broken pipe").
//! The work is not wrong because nobody reads the rest: [`out`] and [`err`]
//! drop it quietly from then on, and the command finishes as it would have,
//! its store, files and sessions closed on purpose. Any other failure of
//! stdout (a full disk behind `>`) is the caller's error to report; one of
//! stderr has nowhere to be reported and is dropped.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a write found stdout's reader gone: later output is dropped.
static OUT_GONE: AtomicBool = AtomicBool::new(false);

/// The same for stderr.
static ERR_GONE: AtomicBool = AtomicBool::new(false);

/// Writes `text` to stdout and flushes it. A reader that has gone is not
/// an error.
pub fn out(text: &str) -> io::Result<()> {
    write_to(&mut io::stdout().lock(), text, &OUT_GONE)
}

/// Writes `text` to stderr; never fails.
pub fn err(text: &str) {
    let _ = write_to(&mut io::stderr().lock(), text, &ERR_GONE);
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

/// `println!` that a closed pipe does not panic: evaluates to
/// `io::Result<()>` (see [`out`]).
#[macro_export]
macro_rules! outln {
    () => {
        $crate::out("\n")
    };
    ($($t:tt)*) => {
        $crate::out(&format!("{}\n", format_args!($($t)*)))
    };
}

/// `print!` the same way as [`outln!`].
#[macro_export]
macro_rules! out {
    ($($t:tt)*) => {
        $crate::out(&format!($($t)*))
    };
}

/// `eprintln!` that a closed pipe does not panic (see [`err`]).
#[macro_export]
macro_rules! errln {
    ($($t:tt)*) => {
        $crate::err(&format!("{}\n", format_args!($($t)*)))
    };
}

/// `eprint!` the same way as [`errln!`].
#[macro_export]
macro_rules! err {
    ($($t:tt)*) => {
        $crate::err(&format!($($t)*))
    };
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
