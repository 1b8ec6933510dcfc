//! Per-device delays for a generated lab: what `netsim generate --latency
//! --handshake-delay --command-delay --jitter` write into each device's
//! `[device.delays]`.
//!
//! The draws come from their own RNG (the lab's seed, another ChaCha
//! stream), after every device exists: a lab with delays has the same
//! devices, links and addresses as the same lab without them, and a lab
//! without them is byte for byte what it was before delays existed.

use crate::delays::{Delays, Span};
use crate::topology::{DeviceSpec, ServedTransports};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The ChaCha stream the delay draws use (the topology's is stream 0).
const DELAY_STREAM: u64 = 1;

/// The lab-wide delay settings each device's values are drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DelayOptions {
    /// Round-trip time; each device draws one value from the span.
    pub rtt: Span,
    /// Wait before the SSH/telnet banner; each device draws one value.
    pub handshake: Span,
    /// Per-command processing time; every device gets the whole span and
    /// draws from it per command when served.
    pub command: Span,
    /// Per-round-trip jitter bound; each device draws one value.
    pub jitter: Span,
}

impl Default for DelayOptions {
    fn default() -> Self {
        let zero = Span { lo_ms: 0, hi_ms: 0 };
        DelayOptions {
            rtt: zero,
            handshake: zero,
            command: zero,
            jitter: zero,
        }
    }
}

/// Gives every device that answers (not leaves, not `transports = "none"`)
/// its own delays, drawn in device order.
pub(super) fn assign(devices: &mut [DeviceSpec], opts: &DelayOptions, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(DELAY_STREAM);
    for d in devices
        .iter_mut()
        .filter(|d| !d.kind.is_leaf() && d.transports != ServedTransports::None)
    {
        d.delays = Some(Delays {
            rtt_ms: draw(&mut rng, opts.rtt),
            handshake_ms: draw(&mut rng, opts.handshake),
            command_ms: [opts.command.lo_ms, opts.command.hi_ms],
            jitter_ms: draw(&mut rng, opts.jitter),
        });
    }
}

fn draw(rng: &mut ChaCha8Rng, s: Span) -> u32 {
    rng.random_range(s.lo_ms..=s.hi_ms)
}

#[cfg(test)]
mod tests {
    use crate::generate::{GenerateOptions, generate};
    use crate::topology::DeviceKind;

    use super::*;

    fn opts(seed: u64) -> GenerateOptions {
        GenerateOptions {
            devices: 300,
            seed,
            delays: Some(DelayOptions {
                rtt: "10ms..30ms".parse().unwrap(),
                handshake: "0.5s".parse().unwrap(),
                command: "50ms..400ms".parse().unwrap(),
                jitter: "0..5ms".parse().unwrap(),
            }),
            ..GenerateOptions::default()
        }
    }

    #[test]
    fn per_device_draws_are_seeded_and_inside_their_spans() {
        let a = generate(&opts(7));
        assert_eq!(a, generate(&opts(7)), "same seed, same delays");
        let b = generate(&opts(8));
        let rtts = |t: &crate::Topology| -> Vec<u32> {
            t.devices
                .iter()
                .filter_map(|d| d.delays.map(|x| x.rtt_ms))
                .collect()
        };
        assert_ne!(rtts(&a), rtts(&b), "another seed, other draws");
        let mut distinct = std::collections::BTreeSet::new();
        for d in &a.devices {
            let Some(x) = d.delays else {
                assert!(d.kind.is_leaf(), "{} answers but has no delays", d.hostname);
                continue;
            };
            assert_ne!(d.kind, DeviceKind::Phone);
            assert!((10..=30).contains(&x.rtt_ms), "{x:?}");
            assert_eq!(x.handshake_ms, 500);
            assert_eq!(x.command_ms, [50, 400]);
            assert!(x.jitter_ms <= 5, "{x:?}");
            distinct.insert(x.rtt_ms);
        }
        assert!(distinct.len() > 10, "the RTT is drawn per device");
    }

    #[test]
    fn delays_change_nothing_else_and_survive_the_file() {
        let with = generate(&opts(7));
        let mut without = generate(&GenerateOptions {
            delays: None,
            ..opts(7)
        });
        assert!(without.devices.iter().all(|d| d.delays.is_none()));
        for (w, o) in with.devices.iter().zip(&mut without.devices) {
            o.delays = w.delays;
        }
        assert_eq!(with, without);
        let text = with.to_toml_string();
        assert!(text.contains("[device.delays]"), "per-device tables");
        assert_eq!(crate::Topology::from_toml_str(&text).unwrap(), with);
    }
}
