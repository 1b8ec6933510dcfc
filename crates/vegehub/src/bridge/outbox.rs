//! The bounded queue of MQTT messages not yet acknowledged by the broker.
//! Pure: the MQTT link decides when to take from it and when to put back.
//!
//! While the broker is away messages wait here, up to `limit`; nothing is lost
//! within the bound. Beyond it the oldest *non-retained* message goes (the
//! newest readings matter most, and retained messages — discovery configs,
//! availability — are what Home Assistant needs to know the devices at all),
//! and every such drop is counted. A retained message replaces a queued one
//! of the same topic: the broker would keep only the newer anyway, so that is
//! counted apart, as superseded, not as a loss.

use std::collections::VecDeque;

/// One message to publish (QoS 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Where it goes.
    pub topic: String,
    /// What it says.
    pub payload: Vec<u8>,
    /// Whether the broker keeps it for later subscribers (discovery configs
    /// and availability are retained; readings are not).
    pub retain: bool,
}

impl Message {
    /// A message with a text payload.
    pub fn new(topic: String, payload: impl Into<String>, retain: bool) -> Self {
        Message {
            topic,
            payload: payload.into().into_bytes(),
            retain,
        }
    }
}

/// The queue. See the module docs for what it keeps and drops.
#[derive(Debug)]
pub struct Outbox {
    /// Oldest first.
    queue: VecDeque<Message>,
    /// Most messages held; at least 1.
    limit: usize,
    /// Messages dropped for lack of room, for the bridge's `dropped` counter.
    dropped: u64,
    /// Retained messages replaced by a newer one of the same topic.
    superseded: u64,
}

impl Outbox {
    /// An empty queue holding at most `limit` messages (at least 1).
    pub fn new(limit: usize) -> Self {
        Outbox {
            queue: VecDeque::new(),
            limit: limit.max(1),
            dropped: 0,
            superseded: 0,
        }
    }

    /// Queues `m` at the back.
    pub fn push(&mut self, m: Message) {
        self.supersede(&m);
        self.make_room();
        self.queue.push_back(m);
    }

    /// Puts messages that were sent but not acknowledged back at the front,
    /// in their order, to be sent again first after a reconnect.
    pub fn requeue(&mut self, sent: impl DoubleEndedIterator<Item = Message>) {
        for m in sent.rev() {
            if m.retain && self.queue.iter().any(|q| q.retain && q.topic == m.topic) {
                // A newer retained message of the same topic is queued.
                self.superseded += 1;
                continue;
            }
            self.make_room();
            self.queue.push_front(m);
        }
    }

    /// The oldest message, to send.
    pub fn pop(&mut self) -> Option<Message> {
        self.queue.pop_front()
    }

    /// Messages waiting.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Nothing waiting.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Messages dropped for lack of room so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Retained messages replaced by a newer one of the same topic so far.
    pub fn superseded(&self) -> u64 {
        self.superseded
    }

    /// Empties the queue, counting what it held as dropped (at exit, when
    /// the broker could not take it in time). Returns how many.
    pub fn abandon(&mut self) -> u64 {
        let n = self.queue.len() as u64;
        self.queue.clear();
        self.dropped += n;
        n
    }

    /// A retained `m` makes a queued retained message of its topic moot.
    fn supersede(&mut self, m: &Message) {
        if !m.retain {
            return;
        }
        let before = self.queue.len();
        self.queue.retain(|q| !(q.retain && q.topic == m.topic));
        self.superseded += (before - self.queue.len()) as u64;
    }

    /// Frees one place if the queue is full: drops the oldest non-retained
    /// message, else the oldest.
    fn make_room(&mut self) {
        if self.queue.len() < self.limit {
            return;
        }
        let victim = self.queue.iter().position(|q| !q.retain).unwrap_or(0);
        self.queue.remove(victim);
        self.dropped += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(topic: &str, payload: &str, retain: bool) -> Message {
        Message::new(topic.into(), payload, retain)
    }

    fn payloads(o: &mut Outbox) -> Vec<String> {
        std::iter::from_fn(|| o.pop())
            .map(|x| String::from_utf8(x.payload).unwrap())
            .collect()
    }

    #[test]
    fn nothing_is_lost_within_the_bound() {
        let mut o = Outbox::new(3);
        for p in ["a", "b", "c"] {
            o.push(m("t", p, false));
        }
        assert_eq!(o.dropped(), 0);
        assert_eq!(payloads(&mut o), ["a", "b", "c"]);
    }

    #[test]
    fn beyond_the_bound_the_oldest_reading_goes_and_is_counted() {
        let mut o = Outbox::new(3);
        o.push(m("cfg", "discovery", true));
        for p in ["1", "2", "3", "4"] {
            o.push(m("t", p, false));
        }
        assert_eq!(o.dropped(), 2);
        assert_eq!(payloads(&mut o), ["discovery", "3", "4"]);
    }

    #[test]
    fn a_retained_message_replaces_the_queued_one_of_its_topic() {
        let mut o = Outbox::new(10);
        o.push(m("avail", "online", true));
        o.push(m("t", "1", false));
        o.push(m("avail", "offline", true));
        assert_eq!((o.dropped(), o.superseded()), (0, 1));
        assert_eq!(payloads(&mut o), ["1", "offline"]);
    }

    #[test]
    fn requeued_messages_go_first_in_their_order() {
        let mut o = Outbox::new(10);
        o.push(m("t", "3", false));
        o.push(m("avail", "offline", true));
        o.requeue(
            vec![
                m("t", "1", false),
                m("avail", "online", true),
                m("t", "2", false),
            ]
            .into_iter(),
        );
        assert_eq!(o.superseded(), 1);
        assert_eq!(payloads(&mut o), ["1", "2", "3", "offline"]);
    }

    #[test]
    fn abandon_counts_what_was_left() {
        let mut o = Outbox::new(10);
        o.push(m("t", "1", false));
        o.push(m("t", "2", false));
        assert_eq!(o.abandon(), 2);
        assert_eq!((o.len(), o.dropped()), (0, 2));
    }

    proptest! {
        /// Every message pushed is popped, dropped, superseded or still
        /// queued; the queue never holds more than its limit.
        #[test]
        fn accounting_adds_up(limit in 0usize..8, ops in prop::collection::vec((0u8..4, 0u8..3, any::<bool>()), 0..64)) {
            let mut o = Outbox::new(limit);
            let (mut pushed, mut popped) = (0u64, 0u64);
            for (op, topic, retain) in ops {
                match op {
                    0 => { if o.pop().is_some() { popped += 1; } }
                    1 => {
                        let taken: Vec<Message> = std::iter::from_fn(|| o.pop()).take(2).collect();
                        o.requeue(taken.into_iter());
                    }
                    _ => { o.push(m(&format!("t{topic}"), "x", retain)); pushed += 1; }
                }
                prop_assert!(o.len() <= limit.max(1));
            }
            prop_assert_eq!(pushed, popped + o.dropped() + o.superseded() + o.len() as u64);
        }
    }
}
