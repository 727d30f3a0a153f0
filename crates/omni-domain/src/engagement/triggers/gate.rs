//! The send gate: whether a firing may go out now (consent, quiet hours, the daily cap) and
//! in which channel, built on [`crate::customers::may_contact`].

use chrono::{Duration, TimeZone, Utc};
use chrono_tz::Tz;
use omni_kernel::Timestamp;
use serde::{Deserialize, Serialize};

use crate::customers::{
    ConsentRecord, ContactChannel, ContactDecision, Purpose, QuietHours, may_contact,
};

use super::{Action, Firing, TriggerPurpose};

/// What the adapter knows about reaching the customer, for [`gate`].
#[derive(Debug, Clone, Copy)]
pub struct ContactView<'a> {
    pub preferred: Option<ContactChannel>,
    pub consents: &'a [ConsentRecord],
    pub quiet: Option<&'a QuietHours>,
    /// The customer's time zone (quiet hours and "today" are local).
    pub tz: Tz,
    /// Firings of this chain sent to (or applied for) this customer today.
    pub sent_today: u32,
}

/// Whether a firing goes out now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Gate {
    /// Send the message in this channel now.
    Send { channel: ContactChannel },
    /// A silent action (gift points): apply it now.
    Apply,
    /// Quiet hours: put the run back, due at `until` (see [`Firing::deferred`]).
    Defer {
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
        until: Timestamp,
    },
    /// Do not send, ever.
    Drop { reason: DropReason },
}

/// Why a firing was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// No marketing consent for the channel (opt-in: silence is a no).
    NoConsent,
    /// Consent given once, withdrawn since.
    Withdrawn,
    /// The profile was erased or merged away.
    Unavailable,
    /// The chain already reached `max_per_customer_per_day` for this customer today.
    FrequencyCap,
}

/// Channels tried, in order, when a marketing message has no preferred channel.
const FALLBACK: [ContactChannel; 4] = [
    ContactChannel::Messenger,
    ContactChannel::Push,
    ContactChannel::Email,
    ContactChannel::Sms,
];

/// Decides whether a firing may be sent now: marketing needs consent for the purpose in the
/// channel (the preferred one; without a preference, the first consented of messenger, push,
/// email, SMS); nothing is sent in quiet hours — the firing is deferred to their end, then
/// gated again (the cap is checked then, on that day's count); the chain's daily cap drops
/// the rest. Gift points touch no channel: only the cap applies.
pub fn gate(firing: &Firing<'_>, contact: &ContactView<'_>, now: Timestamp) -> Gate {
    let chain = firing.chain;
    let capped = contact.sent_today >= chain.max_per_customer_per_day;
    let channel = match &chain.action {
        Action::GiftPoints { .. } => {
            return if capped {
                Gate::Drop {
                    reason: DropReason::FrequencyCap,
                }
            } else {
                Gate::Apply
            };
        }
        Action::Push { .. } => ContactChannel::Push,
        Action::Message { .. } => match (contact.preferred, chain.purpose) {
            (Some(c), _) => c,
            (None, TriggerPurpose::Service) => ContactChannel::Sms,
            (None, TriggerPurpose::Marketing) => FALLBACK
                .into_iter()
                .find(|c| {
                    let m = Purpose::Marketing;
                    may_contact(contact.consents, None, contact.tz, m, *c, now)
                        == ContactDecision::Allowed
                })
                .unwrap_or(ContactChannel::Sms),
        },
    };
    let quiet_now = match chain.purpose {
        TriggerPurpose::Marketing => {
            match may_contact(
                contact.consents,
                contact.quiet,
                contact.tz,
                Purpose::Marketing,
                channel,
                now,
            ) {
                ContactDecision::Allowed => false,
                ContactDecision::QuietHours => true,
                ContactDecision::NoConsent => return dropped(DropReason::NoConsent),
                ContactDecision::Withdrawn => return dropped(DropReason::Withdrawn),
                ContactDecision::Unavailable => return dropped(DropReason::Unavailable),
            }
        }
        TriggerPurpose::Service => contact
            .quiet
            .is_some_and(|q| q.contains(now.with_timezone(&contact.tz).time())),
    };
    if let Some(q) = contact.quiet.filter(|_| quiet_now) {
        return Gate::Defer {
            until: quiet_end(q, contact.tz, now),
        };
    }
    if capped {
        return dropped(DropReason::FrequencyCap);
    }
    Gate::Send { channel }
}

fn dropped(reason: DropReason) -> Gate {
    Gate::Drop { reason }
}

/// The first instant after `now` (which is inside the window) when quiet hours end.
pub fn quiet_end(q: &QuietHours, tz: Tz, now: Timestamp) -> Timestamp {
    let local = now.with_timezone(&tz);
    let (date, time) = (local.date_naive(), local.time());
    let spans_midnight = q.start > q.end;
    let date = if spans_midnight && time >= q.end {
        date.succ_opt().unwrap_or(date)
    } else {
        date
    };
    let end = date.and_time(q.end);
    // A daylight-saving gap at the end time: the first valid instant after it.
    (0..3)
        .find_map(|h| {
            tz.from_local_datetime(&(end + Duration::hours(h)))
                .earliest()
        })
        .map_or(now + Duration::hours(1), |t| t.with_timezone(&Utc))
}
