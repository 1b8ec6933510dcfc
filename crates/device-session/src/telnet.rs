//! A small telnet layer (RFC 854/855): strips IAC sequences out of what the
//! device sends, answers option negotiation, and escapes 0xFF in what we
//! send. It wraps any byte stream and is itself a byte stream, so the CLI
//! engine does not know it is on telnet.
//!
//! Policy, chosen to get a plain line-mode-free NVT that behaves like an SSH
//! pty: we let the server ECHO and SUPPRESS-GO-AHEAD, we offer a terminal
//! type (`VT100`) and a window size of 511x0 (wide, and "no paging" on
//! devices that honour NAWS), and refuse everything else. We only answer a
//! request that changes an option's state, which is what keeps two telnet
//! implementations from looping on each other.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

const IAC: u8 = 255;
const DONT: u8 = 254;
const DO: u8 = 253;
const WONT: u8 = 252;
const WILL: u8 = 251;
const SB: u8 = 250;
const SE: u8 = 240;

const OPT_ECHO: u8 = 1;
const OPT_SGA: u8 = 3;
const OPT_TTYPE: u8 = 24;
const OPT_NAWS: u8 = 31;

const TTYPE_SEND: u8 = 1;
const TTYPE_IS: u8 = 0;

/// Negotiation replies we hold while the peer is not reading them. Past
/// this we stop reading until they drain: a peer that sends endless option
/// requests and never reads stalls (and the step's deadline ends it)
/// instead of growing our memory. One read can add at most a few times its
/// size on top (a 3-byte `DO NAWS` earns a 13-byte answer).
const MAX_PENDING_REPLIES: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Data,
    Iac,
    Verb(u8),
    Sub,
    SubIac,
}

pub struct TelnetStream<S> {
    /// The TCP stream (or any byte stream) carrying telnet.
    inner: S,
    /// Where the parser is inside an IAC sequence, across reads.
    state: State,
    /// Options we agreed to perform (WILL sent) / asked the peer to perform (DO sent).
    local_on: [bool; 256],
    /// Options we asked the peer to perform (DO sent), as for `local_on`.
    remote_on: [bool; 256],
    /// Options we already refused: a peer that asks again gets silence, so
    /// two implementations can never ping-pong a refusal.
    local_refused: [bool; 256],
    /// The peer's options we already refused (DONT sent), as for `local_refused`.
    remote_refused: [bool; 256],
    /// The subnegotiation being read (bounded at 256 bytes).
    sub: Vec<u8>,
    /// Negotiation replies and escaped user data not yet written to `inner`.
    out: Vec<u8>,
    /// Read buffer for bytes from `inner` before IAC handling.
    raw: Box<[u8]>,
}

impl<S> TelnetStream<S> {
    pub fn new(inner: S) -> Self {
        TelnetStream {
            inner,
            state: State::Data,
            local_on: [false; 256],
            remote_on: [false; 256],
            local_refused: [false; 256],
            remote_refused: [false; 256],
            sub: Vec::new(),
            out: Vec::new(),
            raw: vec![0u8; 8192].into_boxed_slice(),
        }
    }

    fn reply(&mut self, verb: u8, opt: u8) {
        self.out.extend_from_slice(&[IAC, verb, opt]);
    }

    fn negotiate(&mut self, verb: u8, opt: u8) {
        let o = opt as usize;
        match verb {
            DO => {
                let accept = matches!(opt, OPT_TTYPE | OPT_NAWS | OPT_SGA);
                if accept && !self.local_on[o] {
                    self.local_on[o] = true;
                    self.reply(WILL, opt);
                    if opt == OPT_NAWS {
                        // 511 columns, 0 rows: wide lines, and "don't page".
                        self.out
                            .extend_from_slice(&[IAC, SB, OPT_NAWS, 1, 255, 255, 0, 0, IAC, SE]);
                    }
                } else if !accept && !self.local_on[o] && !self.local_refused[o] {
                    // We start in the "off" state; refusing keeps it there.
                    self.local_refused[o] = true;
                    self.reply(WONT, opt);
                }
            }
            DONT if self.local_on[o] => {
                self.local_on[o] = false;
                self.reply(WONT, opt);
            }
            WILL => {
                let accept = matches!(opt, OPT_ECHO | OPT_SGA);
                if accept && !self.remote_on[o] {
                    self.remote_on[o] = true;
                    self.reply(DO, opt);
                } else if !accept && !self.remote_on[o] && !self.remote_refused[o] {
                    self.remote_refused[o] = true;
                    self.reply(DONT, opt);
                }
            }
            WONT if self.remote_on[o] => {
                self.remote_on[o] = false;
                self.reply(DONT, opt);
            }
            _ => {}
        }
    }

    fn subnegotiation(&mut self) {
        if self.sub.first() == Some(&OPT_TTYPE) && self.sub.get(1) == Some(&TTYPE_SEND) {
            self.out.extend_from_slice(&[IAC, SB, OPT_TTYPE, TTYPE_IS]);
            self.out.extend_from_slice(b"VT100");
            self.out.extend_from_slice(&[IAC, SE]);
        }
        self.sub.clear();
    }

    /// Runs the state machine over raw bytes; appends data bytes to `data`.
    fn feed(&mut self, raw: &[u8], data: &mut Vec<u8>) {
        for &b in raw {
            self.state = match (self.state, b) {
                (State::Data, IAC) => State::Iac,
                (State::Data, b) => {
                    data.push(b);
                    State::Data
                }
                (State::Iac, IAC) => {
                    data.push(IAC);
                    State::Data
                }
                (State::Iac, DO | DONT | WILL | WONT) => State::Verb(b),
                (State::Iac, SB) => State::Sub,
                (State::Iac, _) => State::Data, // NOP, GA, AYT, ...: nothing to do
                (State::Verb(v), opt) => {
                    self.negotiate(v, opt);
                    State::Data
                }
                (State::Sub, IAC) => State::SubIac,
                (State::Sub, b) => {
                    if self.sub.len() < 256 {
                        self.sub.push(b);
                    }
                    State::Sub
                }
                (State::SubIac, SE) => {
                    self.subnegotiation();
                    State::Data
                }
                (State::SubIac, _) => State::Sub,
            };
        }
    }
}

impl<S: AsyncWrite + Unpin> TelnetStream<S> {
    /// Writes out as much of the pending output as the socket takes now.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.out.is_empty() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.out))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.out.drain(..n);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for TelnetStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if buf.remaining() == 0 {
            // A zero-length read must not look like EOF from the inner stream.
            return Poll::Ready(Ok(()));
        }
        loop {
            // Negotiation replies go out as soon as the socket accepts them;
            // a full socket must not stop us from reading, until the replies
            // it holds back reach the bound.
            match this.poll_drain(cx) {
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending if this.out.len() >= MAX_PENDING_REPLIES => return Poll::Pending,
                _ => {}
            }
            let cap = buf.remaining().min(this.raw.len());
            let mut raw = std::mem::take(&mut this.raw);
            let mut rb = ReadBuf::new(&mut raw[..cap]);
            let r = Pin::new(&mut this.inner).poll_read(cx, &mut rb);
            let filled = rb.filled().len();
            let res = match r {
                Poll::Pending => None,
                Poll::Ready(Err(e)) => Some(Err(e)),
                Poll::Ready(Ok(())) if filled == 0 => Some(Ok(())), // EOF
                Poll::Ready(Ok(())) => {
                    let mut data = Vec::with_capacity(filled);
                    this.feed(&raw[..filled], &mut data);
                    // Data never grows in filtering, so it fits.
                    buf.put_slice(&data);
                    if data.is_empty() {
                        Some(Err(io::ErrorKind::Interrupted.into()))
                    } else {
                        Some(Ok(()))
                    }
                }
            };
            this.raw = raw;
            match res {
                None => return Poll::Pending,
                // Only negotiation arrived: loop to flush replies and read again.
                Some(Err(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
                Some(r) => return Poll::Ready(r),
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TelnetStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        // Bound the queue: push back when earlier output has not drained.
        if this.out.len() > 64 * 1024 {
            ready!(this.poll_drain(cx))?;
        }
        for &b in data {
            if b == IAC {
                this.out.push(IAC);
            }
            this.out.push(b);
        }
        // Start writing now; whatever is left goes on flush.
        if let Poll::Ready(Err(e)) = this.poll_drain(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn strips_iac_answers_options_and_escapes() {
        let (client, mut server) = tokio::io::duplex(4096);
        let mut t = TelnetStream::new(client);
        server
            .write_all(&[
                IAC, DO, OPT_NAWS, IAC, WILL, OPT_ECHO, IAC, DO, 99, b'h', b'i', IAC, IAC, b'!',
            ])
            .await
            .unwrap();
        let mut got = [0u8; 16];
        let n = t.read(&mut got).await.unwrap();
        assert_eq!(&got[..n], &[b'h', b'i', IAC, b'!']);
        t.write_all(&[b'x', IAC]).await.unwrap();
        t.flush().await.unwrap();
        let mut answer = vec![0u8; 64];
        let n = server.read(&mut answer).await.unwrap();
        let answer = &answer[..n];
        let expected: Vec<u8> = [
            &[IAC, WILL, OPT_NAWS][..],
            &[IAC, SB, OPT_NAWS, 1, 255, 255, 0, 0, IAC, SE],
            &[IAC, DO, OPT_ECHO],
            &[IAC, WONT, 99],
            &[b'x', IAC, IAC],
        ]
        .concat();
        assert_eq!(answer, &expected[..]);
    }

    #[tokio::test]
    async fn repeated_requests_are_not_answered_twice() {
        let (client, mut server) = tokio::io::duplex(4096);
        let mut t = TelnetStream::new(client);
        server
            .write_all(&[
                IAC, WILL, OPT_SGA, IAC, WILL, OPT_SGA, IAC, SB, OPT_TTYPE, TTYPE_SEND, IAC, SE,
                b'z',
            ])
            .await
            .unwrap();
        let mut got = [0u8; 8];
        let n = t.read(&mut got).await.unwrap();
        assert_eq!(&got[..n], b"z");
        t.flush().await.unwrap();
        drop(t);
        let mut answer = Vec::new();
        server.read_to_end(&mut answer).await.unwrap();
        let expected: Vec<u8> = [
            &[IAC, DO, OPT_SGA][..],
            &[IAC, SB, OPT_TTYPE, TTYPE_IS],
            b"VT100",
            &[IAC, SE],
        ]
        .concat();
        assert_eq!(answer, expected);
    }

    #[tokio::test]
    async fn refusals_are_sent_once() {
        let (client, mut server) = tokio::io::duplex(4096);
        let mut t = TelnetStream::new(client);
        server
            .write_all(&[IAC, DO, 99, IAC, DO, 99, IAC, WILL, 77, IAC, WILL, 77, b'k'])
            .await
            .unwrap();
        let mut got = [0u8; 8];
        let n = t.read(&mut got).await.unwrap();
        assert_eq!(&got[..n], b"k");
        t.flush().await.unwrap();
        drop(t);
        let mut answer = Vec::new();
        server.read_to_end(&mut answer).await.unwrap();
        assert_eq!(answer, [IAC, WONT, 99, IAC, DONT, 77]);
    }

    /// A peer that floods option negotiation (toggling NAWS, asking for the
    /// terminal type again and again) and never reads our answers: the
    /// reply queue stays bounded and the read simply waits (its deadline
    /// ends it).
    #[tokio::test]
    async fn negotiation_reply_queue_is_bounded() {
        let (client, mut server) = tokio::io::duplex(1024);
        let mut t = TelnetStream::new(client);
        let flood: Vec<u8> = [
            IAC, DO, OPT_NAWS, IAC, DONT, OPT_NAWS, IAC, SB, OPT_TTYPE, TTYPE_SEND, IAC, SE,
        ]
        .repeat(200);
        let fed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = fed.clone();
        let writer = tokio::spawn(async move {
            // Never reads: our replies pile up on our side.
            while server.write_all(&flood).await.is_ok() {
                counter.fetch_add(flood.len(), std::sync::atomic::Ordering::Relaxed);
            }
        });
        let mut buf = [0u8; 64];
        let r = tokio::time::timeout(std::time::Duration::from_millis(300), t.read(&mut buf)).await;
        assert!(
            r.is_err(),
            "only negotiation was sent, yet read returned {r:?}"
        );
        let bound = MAX_PENDING_REPLIES + 5 * t.raw.len();
        assert!(
            t.out.len() <= bound,
            "reply queue grew to {} bytes (bound {bound}) after the peer sent {} bytes",
            t.out.len(),
            fed.load(std::sync::atomic::Ordering::Relaxed)
        );
        writer.abort();
    }

    proptest::proptest! {
        /// Whatever the peer sends, the filter never panics, and plain data
        /// (with IAC escaped as the RFC says) comes through unchanged.
        #[test]
        fn data_round_trips_and_noise_is_total(
            data in proptest::collection::vec(proptest::num::u8::ANY, 0..400),
            noise in proptest::collection::vec(proptest::num::u8::ANY, 0..400),
        ) {
            let mut t = TelnetStream::new(tokio::io::empty());
            let mut out = Vec::new();
            t.feed(&noise, &mut out);
            proptest::prop_assert!(out.len() <= noise.len());

            let mut t = TelnetStream::new(tokio::io::empty());
            let mut escaped = Vec::new();
            for &b in &data {
                if b == IAC {
                    escaped.push(IAC);
                }
                escaped.push(b);
            }
            let mut out = Vec::new();
            // Fed in two arbitrary pieces: sequences may straddle reads.
            let cut = escaped.len() / 3;
            t.feed(&escaped[..cut], &mut out);
            t.feed(&escaped[cut..], &mut out);
            proptest::prop_assert_eq!(out, data);
            proptest::prop_assert!(t.out.is_empty());
        }
    }
}
