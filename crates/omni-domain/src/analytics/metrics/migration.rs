//! Channel migration: how many customers use one channel or several, whether they buy both
//! online and in the store, what each group is worth, and where customers go after the
//! channel that won them.

use omni_kernel::Channel;
use serde::Serialize;

use super::facts::{CustomerFacts, Facts};
use super::{average_minor, channel_bit};
use crate::analytics::Dataset;

/// Channels grouped by whether the customer is physically in a store. The question
/// migration answers is "do our store customers also buy remotely, and vice versa", so:
/// - `Store`: POS, associate app and kiosk (kiosks stand in stores);
/// - `Online`: web, mobile app, messengers, chatbot and call center (the customer is
///   elsewhere, whether the goods are delivered or picked up later).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelGroup {
    Online,
    Store,
}

impl ChannelGroup {
    /// The group of a channel, by the rule above.
    pub fn of(channel: Channel) -> Self {
        match channel {
            Channel::Pos | Channel::AssociateApp | Channel::Kiosk => ChannelGroup::Store,
            Channel::Web
            | Channel::MobileApp
            | Channel::Messenger
            | Channel::Chatbot
            | Channel::CallCenter => ChannelGroup::Online,
        }
    }

    /// The set of channels (bit = channel index) in the group.
    pub fn mask(self) -> u8 {
        Channel::ALL
            .iter()
            .filter(|&&c| ChannelGroup::of(c) == self)
            .fold(0, |m, &c| m | channel_bit(c))
    }
}

/// A group of customers: how many, their orders and net value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GroupStats {
    pub customers: u64,
    pub orders: u64,
    pub value_minor: i64,
}

impl GroupStats {
    fn add(&mut self, f: &CustomerFacts) {
        self.customers += 1;
        self.orders += u64::from(f.orders);
        self.value_minor += f.net_minor;
    }

    /// Average net value per customer, rounded to the minor unit.
    pub fn average_minor(&self) -> i64 {
        average_minor(self.value_minor, self.customers)
    }
}

/// Customers whose first order was in `from` and who later bought in `to` (`from == to`:
/// came back through the same channel). A customer counts once per later channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub from: Channel,
    pub to: Channel,
    pub customers: u64,
}

/// What became of the customers one channel won.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FirstChannelStats {
    pub channel: Channel,
    pub customers: u64,
    /// Customers with at least one order after the first.
    pub repeat_customers: u64,
    /// Customers whose later orders used a channel other than the first.
    pub switched_customers: u64,
}

/// Single- vs multi-channel customers, online vs store vs both, and first-channel
/// transitions, up to `as_of`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationReport {
    pub as_of_day: u32,
    /// Bought through exactly one [`Channel`].
    pub single_channel: GroupStats,
    /// Bought through two or more channels.
    pub multi_channel: GroupStats,
    pub online_only: GroupStats,
    pub store_only: GroupStats,
    /// Bought both online and in a store.
    pub omnichannel: GroupStats,
    /// Non-zero transitions, by `from` then `to` in [`Channel::ALL`] order.
    pub transitions: Vec<Transition>,
    /// Channels that won at least one customer, in [`Channel::ALL`] order.
    pub by_first_channel: Vec<FirstChannelStats>,
}

/// Channel migration at `as_of_day` (later lines are ignored).
pub fn migration(ds: &Dataset, as_of_day: u32) -> MigrationReport {
    migration_from(&Facts::compute(ds, as_of_day, 0))
}

pub(crate) fn migration_from(facts: &Facts) -> MigrationReport {
    let (online, store) = (ChannelGroup::Online.mask(), ChannelGroup::Store.mask());
    let mut r = MigrationReport {
        as_of_day: facts.as_of_day,
        single_channel: GroupStats::default(),
        multi_channel: GroupStats::default(),
        online_only: GroupStats::default(),
        store_only: GroupStats::default(),
        omnichannel: GroupStats::default(),
        transitions: Vec::new(),
        by_first_channel: Vec::new(),
    };
    let mut matrix = [[0u64; 8]; 8];
    let mut first = [(0u64, 0u64, 0u64); 8];
    for (_, f) in facts.buyers() {
        if f.channels.count_ones() == 1 {
            r.single_channel.add(f);
        } else {
            r.multi_channel.add(f);
        }
        match (f.channels & online != 0, f.channels & store != 0) {
            (true, true) => r.omnichannel.add(f),
            (true, false) => r.online_only.add(f),
            _ => r.store_only.add(f),
        }
        let from = usize::from(f.first_channel);
        for (to, cell) in matrix[from].iter_mut().enumerate() {
            *cell += u64::from((f.later_channels >> to) & 1);
        }
        let own = 1u8 << from;
        first[from].0 += 1;
        first[from].1 += u64::from(f.orders > 1);
        first[from].2 += u64::from(f.later_channels & !own != 0);
    }
    for (from, row) in matrix.iter().enumerate() {
        for (to, &customers) in row.iter().enumerate() {
            if customers > 0 {
                r.transitions.push(Transition {
                    from: Channel::ALL[from],
                    to: Channel::ALL[to],
                    customers,
                });
            }
        }
    }
    r.by_first_channel = Channel::ALL
        .iter()
        .zip(first)
        .filter(|(_, c)| c.0 > 0)
        .map(
            |(&channel, (customers, repeat, switched))| FirstChannelStats {
                channel,
                customers,
                repeat_customers: repeat,
                switched_customers: switched,
            },
        )
        .collect();
    r
}
