//! The order in which messages waiting for a gateway are served, so that
//! bulk never delays the urgent: one FIFO lane per SMPP `priority_flag`
//! (3 first, 0 last) and, within each priority, messages of no campaign
//! before those of a campaign. Service is strict: a lane is served only
//! while every lane before it is empty.
//!
//! Every place where messages wait for a gateway keeps them in [`Lanes`]:
//! an upstream gateway's queue (`upstream::queue`), a modem's thread and a
//! route whose gateways are all down. A message put back after a failed
//! attempt goes to the front or the back of its own lane, as the caller
//! decides, never ahead of a lane before it.
//!
//! The lanes also say how many campaign messages wait, and serve the
//! others alone: an upstream gateway takes only part of its queue's room
//! for campaigns, and a route holds campaign messages while its
//! gateways take no more of them.

use std::collections::VecDeque;

use crate::model::Message;

/// SMPP's highest `priority_flag` (0 to 3); a higher value counts as 3.
pub const HIGHEST_PRIORITY: u8 = 3;
/// One lane per priority, twice: messages of no campaign, then those of one.
const LANE_COUNT: usize = 2 * (HIGHEST_PRIORITY as usize + 1);

/// What waits in [`Lanes`]: a message, or a message with what its queue
/// knows of it.
pub trait Waiting {
    /// The message, whose priority and campaign choose its lane.
    fn message(&self) -> &Message;
}

impl Waiting for Message {
    fn message(&self) -> &Message {
        self
    }
}

/// The lane `message` waits in; lane 0 is served first.
fn lane(message: &Message) -> usize {
    let priority = message.priority.min(HIGHEST_PRIORITY);
    2 * usize::from(HIGHEST_PRIORITY - priority) + usize::from(is_campaign(message))
}

/// Whether `message` is a campaign's (bulk): the last lane of its
/// priority, and a smaller share of a gateway's queue.
pub fn is_campaign(message: &Message) -> bool {
    message.campaign.is_some()
}

/// Whether `lane` holds campaign messages: every second lane.
fn is_campaign_lane(lane: usize) -> bool {
    lane % 2 == 1
}

/// Where [`Lanes::take_first`] took an item from, to put it back there.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    /// Items ahead of it in its lane.
    ahead: usize,
}

/// Waiting items in lanes, served by priority, then by being of no
/// campaign, then first in, first out.
#[derive(Debug)]
pub struct Lanes<T> {
    lanes: [VecDeque<T>; LANE_COUNT],
    len: usize,
}

impl<T> Default for Lanes<T> {
    fn default() -> Lanes<T> {
        Lanes {
            lanes: Default::default(),
            len: 0,
        }
    }
}

impl<T: Waiting> Lanes<T> {
    /// Nothing waiting.
    pub fn new() -> Lanes<T> {
        Lanes::default()
    }

    /// Items waiting, over all lanes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Campaign items waiting, over all lanes.
    pub fn campaign_len(&self) -> usize {
        self.lanes
            .iter()
            .enumerate()
            .filter(|(lane, _)| is_campaign_lane(*lane))
            .map(|(_, items)| items.len())
            .sum()
    }

    /// A new arrival: last in its lane.
    pub fn push_back(&mut self, item: T) {
        self.lanes[lane(item.message())].push_back(item);
        self.len += 1;
    }

    /// One put back to go next of its lane (its attempt failed before the
    /// SMSC could answer).
    pub fn push_front(&mut self, item: T) {
        self.lanes[lane(item.message())].push_front(item);
        self.len += 1;
    }

    /// The next to serve: first of the first lane that has one.
    pub fn pop_front(&mut self) -> Option<T> {
        let item = self.lanes.iter_mut().find_map(VecDeque::pop_front)?;
        self.len -= 1;
        Some(item)
    }

    /// The next to serve of no campaign, campaign items staying.
    pub fn pop_front_but_campaigns(&mut self) -> Option<T> {
        let item = self
            .lanes
            .iter_mut()
            .enumerate()
            .filter(|(lane, _)| !is_campaign_lane(*lane))
            .find_map(|(_, items)| items.pop_front())?;
        self.len -= 1;
        Some(item)
    }

    /// Takes the items `selected` (a pure test) picks, in the order they
    /// would have been served; the others keep their order, and a lane
    /// it picks nothing from is only read.
    pub fn take_where(&mut self, mut selected: impl FnMut(&T) -> bool) -> Vec<T> {
        let mut taken = Vec::new();
        for lane in &mut self.lanes {
            if !lane.iter().any(&mut selected) {
                continue;
            }
            let (picked, kept): (VecDeque<T>, VecDeque<T>) =
                std::mem::take(lane).into_iter().partition(&mut selected);
            *lane = kept;
            taken.extend(picked);
        }
        self.len -= taken.len();
        taken
    }

    /// Takes everything, in the order it would have been served.
    pub fn take_all(&mut self) -> Vec<T> {
        self.len = 0;
        self.lanes.iter_mut().flat_map(std::mem::take).collect()
    }

    /// Takes the first item (in serving order) `selected` picks, with its
    /// place in its lane.
    pub fn take_first(&mut self, mut selected: impl FnMut(&T) -> bool) -> Option<(Place, T)> {
        let (ahead, item) = self.lanes.iter_mut().find_map(|lane| {
            let ahead = lane.iter().position(&mut selected)?;
            Some((ahead, lane.remove(ahead)?))
        })?;
        self.len -= 1;
        Some((Place { ahead }, item))
    }

    /// Puts an item [`Lanes::take_first`] took back at its place in its
    /// lane (last, when that lane has become shorter).
    pub fn put_back(&mut self, place: Place, item: T) {
        let lane = &mut self.lanes[lane(item.message())];
        lane.insert(place.ahead.min(lane.len()), item);
        self.len += 1;
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::model::{AccountId, Address, CampaignId, MessageId, Npi, Ton};

    /// Message `id` of `priority`, of campaign 7 when `campaign`.
    fn message(id: u64, priority: u8, campaign: bool) -> Message {
        let address = |text| Address::new(Ton::International, Npi::Isdn, text).unwrap();
        let mut message = Message::new(
            MessageId::new(id),
            AccountId::new("demo").unwrap(),
            address("34911000000"),
            address("34600123456"),
            b"hello".to_vec(),
            Utc::now(),
        );
        message.priority = priority;
        message.campaign = campaign.then_some(CampaignId(7));
        message
    }

    fn lanes_of(messages: impl IntoIterator<Item = Message>) -> Lanes<Message> {
        let mut lanes = Lanes::new();
        for message in messages {
            lanes.push_back(message);
        }
        lanes
    }

    fn served(lanes: &mut Lanes<Message>) -> Vec<u64> {
        std::iter::from_fn(|| lanes.pop_front())
            .map(|message| message.id.value())
            .collect()
    }

    #[test]
    fn higher_priorities_go_first() {
        let mut lanes = lanes_of([
            message(1, 0, false),
            message(2, 1, false),
            message(3, 3, false),
            message(4, 2, false),
            message(5, 0, false),
        ]);
        assert_eq!(lanes.len(), 5);
        assert_eq!(served(&mut lanes), [3, 4, 2, 1, 5]);
        assert!(lanes.is_empty());
    }

    #[test]
    fn a_campaign_waits_behind_single_messages_of_its_priority_only() {
        let mut lanes = lanes_of([
            message(1, 0, true),
            message(2, 1, true),
            message(3, 0, false),
            message(4, 1, false),
        ]);
        assert_eq!(served(&mut lanes), [4, 2, 3, 1]);
    }

    #[test]
    fn each_lane_is_first_in_first_out() {
        let mut lanes = lanes_of((1..=100).map(|id| message(id, 0, true)));
        lanes.push_back(message(101, 0, false));
        let order = served(&mut lanes);
        assert_eq!(order[0], 101);
        assert_eq!(order[1..], (1..=100).collect::<Vec<u64>>());
    }

    #[test]
    fn a_priority_past_smpps_range_counts_as_the_highest() {
        let mut lanes = lanes_of([message(1, 3, false), message(2, 200, false)]);
        assert_eq!(served(&mut lanes), [1, 2]);
    }

    #[test]
    fn one_put_back_goes_first_of_its_own_lane_only() {
        let mut lanes = lanes_of([
            message(1, 0, false),
            message(2, 0, false),
            message(3, 2, false),
        ]);
        let urgent = lanes.pop_front().unwrap();
        let bulk = lanes.pop_front().unwrap();
        lanes.push_front(bulk);
        lanes.push_back(message(4, 2, false));
        lanes.push_front(urgent);
        assert_eq!(served(&mut lanes), [3, 4, 1, 2]);
    }

    #[test]
    fn taking_some_keeps_the_rest_in_order() {
        let mut lanes = lanes_of([
            message(1, 0, false),
            message(2, 0, false),
            message(3, 1, true),
            message(4, 1, true),
            message(5, 0, false),
        ]);
        let even: Vec<u64> = lanes
            .take_where(|message| message.id.value() % 2 == 0)
            .iter()
            .map(|message| message.id.value())
            .collect();
        assert_eq!(even, [4, 2]);
        assert_eq!(lanes.len(), 3);
        let all: Vec<u64> = lanes
            .take_all()
            .iter()
            .map(|message| message.id.value())
            .collect();
        assert_eq!(all, [3, 1, 5]);
        assert!(lanes.is_empty());
    }

    #[test]
    fn campaign_items_are_counted_and_left_behind_on_request() {
        let mut lanes = lanes_of([
            message(1, 0, true),
            message(2, 0, false),
            message(3, 2, true),
            message(4, 1, false),
            message(5, 0, true),
        ]);
        assert_eq!(lanes.campaign_len(), 3);
        let singles: Vec<u64> = std::iter::from_fn(|| lanes.pop_front_but_campaigns())
            .map(|message| message.id.value())
            .collect();
        assert_eq!(singles, [4, 2]);
        assert_eq!((lanes.len(), lanes.campaign_len()), (3, 3));
        lanes.push_back(message(6, 0, false));
        assert_eq!(lanes.campaign_len(), 3);
        assert_eq!(served(&mut lanes), [3, 6, 1, 5]);
        assert_eq!(lanes.campaign_len(), 0);
    }

    #[test]
    fn one_taken_out_goes_back_to_its_place() {
        let mut lanes = lanes_of([
            message(1, 0, false),
            message(2, 0, false),
            message(3, 0, false),
            message(4, 1, false),
        ]);
        let (place, taken) = lanes.take_first(|message| message.id.value() == 2).unwrap();
        assert_eq!(lanes.len(), 3);
        assert!(
            lanes
                .take_first(|message| message.id.value() == 9)
                .is_none()
        );
        lanes.put_back(place, taken);
        assert_eq!(served(&mut lanes), [4, 1, 2, 3]);
        // Its lane emptied meanwhile: it goes last of it.
        let mut lanes = lanes_of([message(1, 0, false), message(2, 0, false)]);
        let (place, taken) = lanes.take_first(|message| message.id.value() == 2).unwrap();
        lanes.pop_front();
        lanes.put_back(place, taken);
        assert_eq!(served(&mut lanes), [2]);
    }
}
