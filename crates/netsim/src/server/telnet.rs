//! The telnet side of a device: option negotiation (the device echoes, in
//! character mode), IAC escaping, and the connection loop that feeds the
//! device CLI and carries out what it answers.

use super::delay_line::DelayLine;
use super::{DeviceCtx, silent_until_closed};
use crate::shell::{DeviceShell, ShellAction};
use crate::stats::SessionGuard;
use crate::topology::Fault;
use std::ops::ControlFlow;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const IAC: u8 = 255;
const DONT: u8 = 254;
const DO: u8 = 253;
const WONT: u8 = 252;
const WILL: u8 = 251;
const SB: u8 = 250;
const SE: u8 = 240;
const OPT_ECHO: u8 = 1;
const OPT_SGA: u8 = 3;

/// Strips telnet commands from client input and answers option requests:
/// we WILL ECHO and SGA (the device echoes, character mode) and refuse the rest.
#[derive(Default)]
struct TelnetDecoder {
    /// Where the last byte left us: a command may span two reads.
    state: TState,
}

/// The decoder's position in the telnet byte stream.
#[derive(Default, Clone, Copy, PartialEq)]
enum TState {
    /// Plain data.
    #[default]
    Data,
    /// After an IAC: a command (or an escaped 255) follows.
    Iac,
    /// After IAC DO/DONT/WILL/WONT: the option byte follows.
    Opt(u8),
    /// Inside a subnegotiation (IAC SB ... IAC SE), which we ignore.
    Sb,
    /// An IAC inside a subnegotiation: SE ends it.
    SbIac,
}

impl TelnetDecoder {
    fn decode(&mut self, input: &[u8], data: &mut Vec<u8>, reply: &mut Vec<u8>) {
        for &b in input {
            self.state = match (self.state, b) {
                (TState::Data, IAC) => TState::Iac,
                (TState::Data, _) => {
                    data.push(b);
                    TState::Data
                }
                (TState::Iac, IAC) => {
                    data.push(IAC);
                    TState::Data
                }
                (TState::Iac, DO | DONT | WILL | WONT) => TState::Opt(b),
                (TState::Iac, SB) => TState::Sb,
                (TState::Iac, _) => TState::Data,
                (TState::Opt(verb), opt) => {
                    match verb {
                        DO if opt != OPT_ECHO && opt != OPT_SGA => {
                            reply.extend_from_slice(&[IAC, WONT, opt])
                        }
                        WILL if opt != OPT_SGA => reply.extend_from_slice(&[IAC, DONT, opt]),
                        _ => {}
                    }
                    TState::Data
                }
                (TState::Sb, IAC) => TState::SbIac,
                (TState::Sb, _) => TState::Sb,
                (TState::SbIac, SE) => TState::Data,
                (TState::SbIac, _) => TState::Sb,
            };
        }
    }
}

/// Serves one accepted telnet connection: login, then the device CLI, until
/// the client leaves, a fault ends it, or the lab shuts down.
pub(super) async fn serve(ctx: DeviceCtx, mut stream: TcpStream, guard: SessionGuard) {
    if ctx.fault() == Some(Fault::NoBanner) {
        silent_until_closed(&mut stream, &ctx.token).await;
        return;
    }
    if !ctx.before_banner().await {
        return;
    }
    let stream = ctx.delay_line(stream);
    let mut shell = DeviceShell::telnet(ctx.topo.clone(), ctx.idx);
    let mut conn = TelnetConn {
        ctx,
        stream,
        guard,
        stalled: false,
    };
    let Some(mut pending) = conn.greet(&mut shell).await else {
        return;
    };
    let mut decoder = TelnetDecoder::default();
    let mut buf = vec![0u8; 4096];
    let mut data = Vec::new();
    let mut reply = Vec::new();
    loop {
        for a in pending.drain(..) {
            if conn.perform(a).await.is_break() {
                return;
            }
        }
        let n = tokio::select! {
            _ = conn.ctx.token.cancelled() => return,
            r = conn.stream.read(&mut buf) => match r {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            },
        };
        if conn.stalled {
            continue;
        }
        data.clear();
        reply.clear();
        decoder.decode(&buf[..n], &mut data, &mut reply);
        if !reply.is_empty() && conn.stream.write_all(&reply).await.is_err() {
            return;
        }
        pending = crate::shell::coalesce(shell.feed(&data));
    }
}

/// One telnet connection's socket and state while its CLI runs.
struct TelnetConn {
    /// The device, the lab's shutdown token and the slow-output pacing.
    ctx: DeviceCtx,
    /// The client's socket, owned by this connection (its input one round
    /// trip late when the device has delays).
    stream: DelayLine<TcpStream>,
    /// The connection's accounting: marked graceful on a goodbye; its drop
    /// closes the books.
    guard: SessionGuard,
    /// Set by [`ShellAction::Stall`]: further input is ignored.
    stalled: bool,
}

impl TelnetConn {
    /// Sends our option offers together with the CLI's first words; returns
    /// the CLI's remaining opening actions, `None` if the client is gone.
    async fn greet(&mut self, shell: &mut DeviceShell) -> Option<Vec<ShellAction>> {
        let mut first = vec![IAC, WILL, OPT_ECHO, IAC, WILL, OPT_SGA];
        let mut pending = crate::shell::coalesce(shell.start());
        if let Some(ShellAction::Send(b)) = pending.first_mut() {
            first.append(b);
            pending.remove(0);
        }
        if self.stream.write_all(&first).await.is_err() {
            return None;
        }
        Some(pending)
    }

    /// Carries out one action of the CLI; `Break` when the connection is done.
    async fn perform(&mut self, action: ShellAction) -> ControlFlow<()> {
        match action {
            ShellAction::Send(b) => {
                if self.stream.write_all(&escape_iac(b)).await.is_err() {
                    return ControlFlow::Break(());
                }
            }
            ShellAction::SendSlow(b) => return self.send_slow(&b).await,
            ShellAction::Pause(d) => {
                if !self.ctx.pause(d).await {
                    return ControlFlow::Break(());
                }
            }
            ShellAction::Stall => self.stalled = true,
            ShellAction::Endless => {
                self.endless().await;
                return ControlFlow::Break(());
            }
            ShellAction::Close => {
                self.guard.goodbye();
                let _ = self.stream.shutdown().await;
                return ControlFlow::Break(());
            }
            ShellAction::Drop => {
                // Mid-output, no goodbye: the client sees the connection die.
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }

    /// The `slow_output` fault: small chunks with a pause before each.
    async fn send_slow(&mut self, b: &[u8]) -> ControlFlow<()> {
        for chunk in b.chunks(self.ctx.slow_chunk) {
            tokio::select! {
                _ = self.ctx.token.cancelled() => return ControlFlow::Break(()),
                _ = tokio::time::sleep(self.ctx.slow_interval) => {} // sleep-ok: simulated slow device
            }
            if self
                .stream
                .write_all(&escape_iac(chunk.to_vec()))
                .await
                .is_err()
            {
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }

    /// The `endless_output` fault: writes until the client or the lab ends.
    async fn endless(&mut self) {
        // write_all waits for the socket: bounded by TCP's buffers.
        for n in 0.. {
            let chunk = escape_iac(crate::shell::endless_chunk(n));
            tokio::select! {
                _ = self.ctx.token.cancelled() => return,
                r = self.stream.write_all(&chunk) => if r.is_err() { return },
            }
        }
    }
}

/// Doubles every IAC byte in output, as telnet requires for data.
fn escape_iac(b: Vec<u8>) -> Vec<u8> {
    if !b.contains(&IAC) {
        return b;
    }
    let mut out = Vec::with_capacity(b.len() + 8);
    for x in b {
        out.push(x);
        if x == IAC {
            out.push(IAC);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telnet_decoder_strips_commands_and_refuses_unknown_options() {
        let mut d = TelnetDecoder::default();
        let mut data = Vec::new();
        let mut reply = Vec::new();
        // DO ECHO (ok), WILL NAWS (refused), SB NAWS ... SE (skipped), data, IAC IAC.
        let input = [
            IAC, DO, OPT_ECHO, IAC, WILL, 31, IAC, SB, 31, 0, 80, 0, 24, IAC, SE, b'a', IAC, IAC,
            b'b',
        ];
        d.decode(&input[..7], &mut data, &mut reply);
        d.decode(&input[7..], &mut data, &mut reply);
        assert_eq!(data, vec![b'a', IAC, b'b']);
        assert_eq!(reply, vec![IAC, DONT, 31]);
    }
}
