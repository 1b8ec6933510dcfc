//! Real-world slowness: how long a device takes to answer, as the topology
//! file states it and as the server draws it per round trip and command.
//!
//! On loopback every answer is instant; on a real network a device is a
//! round trip away, its SSH server takes its time before it says anything
//! (a slow CPU, an AAA server behind it), and every `show` command takes
//! tens to hundreds of milliseconds, more for long outputs. A [`Delays`]
//! (per device, or one for the whole lab) says how much; the draws below
//! turn it into a duration for one round trip or one command, seeded so a
//! lab answers the same way every time it is served.
//!
//! `span` parses the durations people type (`20ms`, `0.5s`, `50ms..400ms`).

mod span;

pub use span::{Span, SpanError};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;
use std::time::Duration;

/// An output this long (or longer) takes a command to the top of its
/// device's `command_ms` span; an empty one draws from the lower half.
pub const LONG_OUTPUT: usize = 16 * 1024;

/// How slow one device is (the topology's `[device.delays]`, or the lab's
/// `[delays]` for devices without their own). All values are milliseconds;
/// a missing key is no delay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delays {
    /// Round-trip time between the client and the device: every reply
    /// reaches the client this long after the bytes it answers were sent
    /// (SSH's handshake round trips included; telnet's banner waits one
    /// for the TCP connect).
    #[serde(default)]
    pub rtt_ms: u32,
    /// Extra time before the SSH server's first word or the telnet banner:
    /// a slow CPU generating its key exchange, an AAA server consulted.
    #[serde(default)]
    pub handshake_ms: u32,
    /// What a command costs the device, `[lo, hi]`: each command draws
    /// from the span, longer outputs from higher in it (see
    /// [`Delays::command`]).
    #[serde(default)]
    pub command_ms: [u32; 2],
    /// Up to this much more per round trip, drawn afresh each time.
    #[serde(default)]
    pub jitter_ms: u32,
}

impl Delays {
    /// Whether any delay is set (an all-zero table is no delay at all).
    pub fn is_zero(&self) -> bool {
        *self == Delays::default()
    }

    pub fn rtt(&self) -> Duration {
        ms(self.rtt_ms)
    }

    pub fn jitter(&self) -> Duration {
        ms(self.jitter_ms)
    }

    /// The wait before a device's first word: the TCP connect's round
    /// trip (which the kernel answers at once on loopback) plus the
    /// handshake delay.
    pub fn before_banner(&self) -> Duration {
        ms(self.rtt_ms) + ms(self.handshake_ms)
    }

    /// A command's processing time for an answer of `output_len` bytes:
    /// `lo + (hi - lo) * (u + size) / 2`, `u` drawn from `rng` in [0, 1),
    /// `size` the output's length over [`LONG_OUTPUT`] (at most 1). A
    /// one-line answer lands in the lower half of the span, a long
    /// neighbour table near its top.
    pub fn command(&self, rng: &mut Draws, output_len: usize) -> Duration {
        let [lo, hi] = self.command_ms;
        if hi == 0 {
            return Duration::ZERO;
        }
        let u: f64 = rng.0.random();
        let size = (output_len as f64 / LONG_OUTPUT as f64).min(1.0);
        let f = (u + size) / 2.0;
        let span = f64::from(hi.saturating_sub(lo));
        Duration::from_secs_f64((f64::from(lo) + span * f) / 1000.0)
    }

    /// One round trip: the RTT plus a fresh draw of the jitter.
    pub fn round_trip(&self, rng: &mut Draws) -> Duration {
        let jitter = if self.jitter_ms == 0 {
            Duration::ZERO
        } else {
            ms(self.jitter_ms).mul_f64(rng.0.random::<f64>())
        };
        ms(self.rtt_ms) + jitter
    }

    /// Why these values cannot be served, if they cannot.
    pub fn check(&self) -> Result<(), String> {
        let [lo, hi] = self.command_ms;
        if lo > hi {
            return Err(format!(
                "command_ms = [{lo}, {hi}] runs backwards; write [low, high]"
            ));
        }
        Ok(())
    }
}

/// The seeded random source of one device's delays: seeded from the
/// device's address (and what it is for), so a lab answers with the same
/// delays every time it is served.
#[derive(Debug, Clone)]
pub struct Draws(ChaCha8Rng);

impl Draws {
    /// Command delays of a session with the device at `ip`.
    pub fn commands(ip: Ipv4Addr) -> Draws {
        Draws(ChaCha8Rng::seed_from_u64(u64::from(u32::from(ip))))
    }

    /// Round-trip jitter of a connection to the device at `ip`.
    pub fn round_trips(ip: Ipv4Addr) -> Draws {
        Draws(ChaCha8Rng::seed_from_u64(
            u64::from(u32::from(ip)) | 1 << 40,
        ))
    }
}

fn ms(v: u32) -> Duration {
    Duration::from_millis(u64::from(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slow() -> Delays {
        Delays {
            rtt_ms: 20,
            handshake_ms: 500,
            command_ms: [50, 400],
            jitter_ms: 5,
        }
    }

    #[test]
    fn commands_stay_in_their_span_and_long_outputs_take_longer() {
        let d = slow();
        let mut rng = Draws::commands(Ipv4Addr::new(127, 1, 0, 1));
        let short: Vec<Duration> = (0..200).map(|_| d.command(&mut rng, 10)).collect();
        let long: Vec<Duration> = (0..200)
            .map(|_| d.command(&mut rng, LONG_OUTPUT * 2))
            .collect();
        for x in short.iter().chain(&long) {
            assert!(
                *x >= Duration::from_millis(50) && *x <= Duration::from_millis(400),
                "{x:?}"
            );
        }
        let mean = |v: &[Duration]| v.iter().sum::<Duration>() / v.len() as u32;
        assert!(mean(&long) > mean(&short) + Duration::from_millis(100));
        // No command span: no delay, whatever the output.
        let none = Delays::default();
        assert_eq!(none.command(&mut rng, LONG_OUTPUT), Duration::ZERO);
        assert!(none.is_zero() && !d.is_zero());
    }

    #[test]
    fn draws_are_seeded_by_the_device() {
        let d = slow();
        let a = Ipv4Addr::new(127, 1, 0, 1);
        let seq = |ip| {
            let mut c = Draws::commands(ip);
            let mut r = Draws::round_trips(ip);
            (0..20)
                .map(|n| (d.command(&mut c, n * 100), d.round_trip(&mut r)))
                .collect::<Vec<_>>()
        };
        assert_eq!(seq(a), seq(a));
        assert_ne!(seq(a), seq(Ipv4Addr::new(127, 1, 0, 2)));
        for (_, rt) in seq(a) {
            assert!(rt >= Duration::from_millis(20) && rt <= Duration::from_millis(25));
        }
    }

    #[test]
    fn a_backwards_command_span_is_refused() {
        let d = Delays {
            command_ms: [400, 50],
            ..Delays::default()
        };
        assert!(d.check().unwrap_err().contains("[400, 50]"));
        assert!(slow().check().is_ok());
    }
}
