//! One device, start to finish: the work a device task does with the one
//! thing it owns, its session. The same function runs in a local walk's
//! pool and in a distributed walk's worker ([`crate::worker`]); what it
//! brings back ([`RawWalk`]: the platform and every command's text) can
//! travel through the database, and [`RawWalk::interpret`] turns it into
//! facts wherever the walk's decisions are made.

use super::plan::{self, Answer, Ask, DeviceFacts};
use crate::login::{self, ScopedCredentials};
use crate::model::{ConnectionMethod, DeviceId, Via};
use device_parsers::Platform;
use device_session::{OpenOptions, Registry, SessionError, SessionInfo, Target, TransportKind};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::time::Duration;

/// One device to walk.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    /// The device's id in the identity index when it was queued.
    pub id: DeviceId,
    /// The name it was heard of by, until it says its own.
    pub name: Option<String>,
    /// The address to dial.
    pub ip: IpAddr,
    /// Hops from the nearest seed.
    pub depth: u32,
    /// The device whose neighbour table queued it.
    pub parent: Option<DeviceId>,
    /// How it was found: seed, CDP or LLDP.
    pub via: Via,
}

/// What a device task needs besides the job: the walk's session settings.
#[derive(Debug, Clone)]
pub struct DeviceWork {
    /// SSH port every device is dialled on.
    pub ssh_port: u16,
    /// Telnet port for the fallback.
    pub telnet_port: u16,
    /// Tried in order until one authenticates, each inside its scope.
    pub credentials: Vec<ScopedCredentials>,
    /// How sessions open.
    pub session: OpenOptions,
    /// Upper bound for one device, login to goodbye.
    pub device_timeout: Duration,
    /// Ask the end-host questions too.
    pub endhosts: bool,
}

/// A device's answers as its session returned them, before any parsing:
/// small enough to send through the database, and interpreted by whoever
/// decides the walk.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RawWalk {
    /// The platform the session detected (the plan it was asked).
    pub platform: Platform,
    /// Every planned command that was asked, with its output.
    pub answers: Vec<Answer>,
    /// SSH or telnet.
    pub method: ConnectionMethod,
    /// The name its prompt showed.
    pub prompt_name: Option<String>,
    /// The SSH connection needed the legacy algorithms.
    pub legacy_crypto: bool,
}

/// What a device task brings back, parsed.
pub(crate) struct Walked {
    /// Everything its command plan answered, parsed.
    pub facts: DeviceFacts,
    /// SSH or telnet: recorded on the device and counted.
    pub method: ConnectionMethod,
    /// The name its prompt showed, for devices whose output names none.
    pub prompt_name: Option<String>,
    /// The SSH connection needed the legacy algorithms.
    pub legacy_crypto: bool,
}

impl RawWalk {
    /// `answers` as asked over the session `info` describes.
    fn of(platform: Platform, answers: Vec<Answer>, info: &SessionInfo) -> RawWalk {
        RawWalk {
            platform,
            answers,
            method: match info.transport {
                TransportKind::Telnet => ConnectionMethod::Telnet,
                // Ssh, and caller-supplied streams (tests) which speak SSH-like CLIs.
                _ => ConnectionMethod::Ssh,
            },
            prompt_name: info.name.clone(),
            legacy_crypto: info.legacy_crypto,
        }
    }

    /// The facts the answers prove (pure).
    pub fn interpret(self) -> Walked {
        Walked {
            facts: plan::interpret(self.platform, &self.answers),
            method: self.method,
            prompt_name: self.prompt_name,
            legacy_crypto: self.legacy_crypto,
        }
    }
}

/// Where a local walk's device tasks send each neighbour table as soon as
/// it is answered (the first time with the answers that say who the
/// device is), so the coordinator queues the neighbours while the device
/// answers the rest of its plan: the walk's next level starts a device's
/// inventory, VLANs, interfaces and end-host tables earlier, on a real
/// network seconds per level. A task sends at most [`LEADS_PER_DEVICE`]
/// times and never waits on the channel: a full or closed one costs only
/// the head start (what was not sent goes with the next send, and the
/// final answers carry everything).
pub(crate) type LeadSender = tokio::sync::mpsc::Sender<(Job, RawWalk)>;

/// The most neighbour tables a plan asks (CDP and LLDP): the lead
/// channel's room per device in flight.
pub(crate) const LEADS_PER_DEVICE: usize = 2;

/// How one device ended, wherever it was walked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) enum Outcome {
    /// It answered its plan.
    Walked(RawWalk),
    /// It could not be walked: the failure's class (`SessionError::kind`)
    /// and the whole message.
    Failed { class: String, reason: String },
    /// No credential set may be offered to it: never connected to.
    OutOfScope(String),
}

impl Outcome {
    fn failed(e: &SessionError) -> Outcome {
        Outcome::Failed {
            class: e.kind().to_string(),
            reason: e.to_string(),
        }
    }
}

/// Walks one device in the task that owns its session: the credentials'
/// scope first (a device none may be offered to is never dialled), then
/// the session, bounded by the device timeout. With `leads`, each
/// neighbour table is sent there as soon as it is in.
pub(crate) async fn walk_device(
    registry: &Registry,
    job: &Job,
    work: &DeviceWork,
    leads: Option<&LeadSender>,
) -> Outcome {
    if let Some(why) = login::out_of_scope(&work.credentials, job.ip) {
        return Outcome::OutOfScope(why);
    }
    let collected = collect(registry, job, work, leads);
    match tokio::time::timeout(work.device_timeout, collected).await {
        Ok(Ok(raw)) => Outcome::Walked(raw),
        Ok(Err(e)) => Outcome::failed(&e),
        Err(_) => Outcome::failed(&SessionError::Timeout {
            device: device_session::DeviceLabel::new(job.ip.to_string())
                .with_name(job.name.clone()),
            step: device_session::Step::Command("(whole device)".into()),
            after: work.device_timeout,
        }),
    }
}

/// Logs in, asks the platform's plan (handing each neighbour table to
/// `leads` as it comes), says goodbye.
async fn collect(
    registry: &Registry,
    job: &Job,
    work: &DeviceWork,
    leads: Option<&LeadSender>,
) -> Result<RawWalk, SessionError> {
    let mut target = Target::new(job.ip.to_string())
        .ssh_port(work.ssh_port)
        .telnet_port(work.telnet_port);
    if let Some(n) = &job.name {
        target = target.name(n.clone());
    }
    let mut s =
        login::open_session(registry, &target, job.ip, &work.credentials, &work.session).await?;
    let info = s.info().clone();
    let platform = info.platform.unwrap_or(Platform::CiscoIos);
    let mut answers: Vec<Answer> = Vec::new();
    let mut handover = leads.map(|tx| Handover { tx, handed: 0 });
    let asked = plan::plan(platform)
        .iter()
        .filter(|(ask, _)| work.endhosts || !ask.is_endhost());
    for (ask, cmd) in asked {
        if let Some(h) = handover.as_mut() {
            h.offer(job, platform, &answers, &info);
        }
        if plan::moot(*ask, platform, &answers) {
            continue;
        }
        if *ask == Ask::Version
            && let Some(text) = &info.show_version
        {
            answers.push(Answer {
                ask: *ask,
                command: cmd.to_string(),
                text: text.clone(),
                rejected: false,
            });
            continue;
        }
        // A failed command ends the device: the session may be unusable,
        // and dropping `s` on return force-closes it (and is counted).
        let out = s.run(cmd).await?;
        answers.push(Answer {
            ask: *ask,
            command: cmd.to_string(),
            text: out.text,
            rejected: out.rejected,
        });
    }
    if let Err(e) = s.close().await {
        tracing::debug!(device = %job.ip, error = %e, "goodbye was not clean");
    }
    Ok(RawWalk::of(platform, answers, &info))
}

/// Hands a device's neighbour tables to the coordinator as they come.
struct Handover<'a> {
    /// The walk's lead channel.
    tx: &'a LeadSender,
    /// How many answers it has been handed: the next send starts there.
    handed: usize,
}

impl Handover<'_> {
    /// Sends the answers not handed over yet when the newest is a
    /// neighbour table; without waiting (a full channel keeps them for
    /// the next offer).
    fn offer(&mut self, job: &Job, platform: Platform, answers: &[Answer], info: &SessionInfo) {
        let fresh = answers.last().is_some_and(|a| a.ask.is_neighbour_table());
        if !fresh || self.handed >= answers.len() {
            return;
        }
        let lead = RawWalk::of(platform, answers[self.handed..].to_vec(), info);
        match self.tx.try_send((job.clone(), lead)) {
            Ok(()) => self.handed = answers.len(),
            Err(e) => {
                tracing::debug!(device = %job.ip, error = %e, "neighbours not handed over early")
            }
        }
    }
}
