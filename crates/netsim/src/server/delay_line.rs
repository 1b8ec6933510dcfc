//! A connection one round trip away: what the client sends reaches the
//! device's server one RTT (plus jitter) after it arrived, so every reply
//! reaches the client one round trip after the bytes it answers — each
//! command, and each round trip of the SSH handshake.
//!
//! The whole round trip is charged on the way in (the way out is written
//! at once): the client sees the same timing, and nothing has to hold
//! output back. Input keeps being read while earlier bytes wait, each
//! chunk stamped with its own arrival, so bytes a client sends back to
//! back (SSH's identification and KEXINIT) are not delayed twice. A device
//! without delays reads straight from its socket.

use crate::delays::{Delays, Draws};
use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// At most this many bytes wait in the line; beyond it the socket is not
/// read (TCP's own backpressure), so a flooding client costs bounded memory.
const MAX_WAITING: usize = 256 * 1024;

/// A stream whose input is delivered one round trip late.
pub(super) struct DelayLine<S> {
    /// The connection itself; writes go straight to it.
    inner: S,
    /// The waiting input and its timing; `None`: no delay at all.
    line: Option<Box<Line>>,
}

/// Input on its way to the server, and how late each chunk arrives.
struct Line {
    /// The device's delays (RTT and jitter bound).
    delays: Delays,
    /// The seeded jitter draws of this connection.
    draws: Draws,
    /// Chunks read from the socket, each with when it may be delivered
    /// (never earlier than the chunk before it: TCP keeps order).
    waiting: VecDeque<(Instant, Vec<u8>)>,
    /// How much of the front chunk has been delivered already.
    front_read: usize,
    /// Bytes in `waiting`, bounded by [`MAX_WAITING`].
    waiting_bytes: usize,
    /// End of input (or the error the socket gave), delivered after what
    /// is waiting.
    end: Option<End>,
    /// Wakes the reader when the front chunk is due.
    timer: Pin<Box<Sleep>>,
    /// When the last chunk is due: the next one is never due earlier.
    last_due: Instant,
}

/// How the client's input ended.
enum End {
    /// The client closed its side.
    Eof,
    /// The socket failed; reported once, then reads see end of input.
    Failed(io::Error),
}

impl<S> DelayLine<S> {
    /// `inner` with `delays`' round trip (and jitter, drawn from `draws`)
    /// on its input; without delays, or a zero RTT and jitter, a plain
    /// pass-through.
    pub(super) fn new(inner: S, delays: Option<&Delays>, draws: Draws) -> DelayLine<S> {
        let line = delays
            .filter(|d| !(d.rtt().is_zero() && d.jitter().is_zero()))
            .map(|&delays| {
                let now = Instant::now();
                Box::new(Line {
                    delays,
                    draws,
                    waiting: VecDeque::new(),
                    front_read: 0,
                    waiting_bytes: 0,
                    end: None,
                    timer: Box::pin(tokio::time::sleep_until(now)), // sleep-ok: the timer that releases delayed input, reset per chunk
                    last_due: now,
                })
            });
        DelayLine { inner, line }
    }
}

impl Line {
    /// Reads what the socket has (up to the bound), stamping each chunk
    /// with when it is due.
    fn take_in<S: AsyncRead + Unpin>(&mut self, inner: &mut S, cx: &mut Context<'_>) {
        let mut buf = [0u8; 8192];
        while self.end.is_none() && self.waiting_bytes < MAX_WAITING {
            let mut rb = ReadBuf::new(&mut buf);
            match Pin::new(&mut *inner).poll_read(cx, &mut rb) {
                Poll::Pending => return,
                Poll::Ready(Err(e)) => self.end = Some(End::Failed(e)),
                Poll::Ready(Ok(())) if rb.filled().is_empty() => self.end = Some(End::Eof),
                Poll::Ready(Ok(())) => {
                    let due = (Instant::now() + self.delays.round_trip(&mut self.draws))
                        .max(self.last_due);
                    self.last_due = due;
                    self.waiting_bytes += rb.filled().len();
                    self.waiting.push_back((due, rb.filled().to_vec()));
                }
            }
        }
    }

    /// Hands out the front chunk once it is due; then the end, if any.
    fn deliver(&mut self, cx: &mut Context<'_>, out: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if let Some((due, chunk)) = self.waiting.front() {
            if *due > Instant::now() {
                self.timer.as_mut().reset(*due);
                if self.timer.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
            }
            let n = out.remaining().min(chunk.len() - self.front_read);
            out.put_slice(&chunk[self.front_read..self.front_read + n]);
            self.front_read += n;
            if self.front_read == chunk.len() {
                self.waiting_bytes -= chunk.len();
                self.front_read = 0;
                self.waiting.pop_front();
            }
            return Poll::Ready(Ok(()));
        }
        match self.end.take() {
            None => Poll::Pending,
            Some(End::Failed(e)) => {
                self.end = Some(End::Eof);
                Poll::Ready(Err(e))
            }
            Some(End::Eof) => {
                self.end = Some(End::Eof);
                Poll::Ready(Ok(()))
            }
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for DelayLine<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let Some(line) = this.line.as_mut() else {
            return Pin::new(&mut this.inner).poll_read(cx, out);
        };
        line.take_in(&mut this.inner, cx);
        line.deliver(cx, out)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for DelayLine<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn draws() -> Draws {
        Draws::round_trips(Ipv4Addr::LOCALHOST)
    }

    /// Paused time: the line's timing is exact and the test instant.
    #[tokio::test(start_paused = true)]
    async fn input_arrives_one_round_trip_late_in_order_and_not_twice_delayed() {
        let (client, server) = tokio::io::duplex(1 << 16);
        let delays = Delays {
            rtt_ms: 100,
            ..Delays::default()
        };
        let mut line = DelayLine::new(server, Some(&delays), draws());
        let mut client = client;
        let start = Instant::now();
        client.write_all(b"one").await.unwrap();
        let mut buf = [0u8; 16];
        // One poll takes "one" in (and finds it not due yet).
        let early = tokio::time::timeout(Duration::ZERO, line.read(&mut buf)).await;
        assert!(early.is_err(), "nothing before the round trip");
        tokio::time::advance(Duration::from_millis(10)).await;
        client.write_all(b"two").await.unwrap();
        let mut got = Vec::new();
        while got.len() < 6 {
            let n = line.read(&mut buf).await.unwrap();
            got.extend_from_slice(&buf[..n]);
            if got.len() == 3 {
                assert_eq!(start.elapsed(), Duration::from_millis(100));
            }
        }
        assert_eq!(got, b"onetwo");
        // "two" arrived 10 ms after "one": due 10 ms later, not 100.
        assert!(
            start.elapsed() <= Duration::from_millis(111),
            "{:?}",
            start.elapsed()
        );
        drop(client);
        assert_eq!(line.read(&mut buf).await.unwrap(), 0, "then end of input");
        // Writes are not delayed.
        let t = Instant::now();
        line.write_all(b"x").await.ok();
        assert_eq!(t.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn without_delays_input_passes_straight_through() {
        let (mut client, server) = tokio::io::duplex(1024);
        let mut line = DelayLine::new(server, None, draws());
        assert!(line.line.is_none());
        let start = Instant::now();
        client.write_all(b"now").await.unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(line.read(&mut buf).await.unwrap(), 3);
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
