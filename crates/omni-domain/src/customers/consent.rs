//! Consents per purpose and channel, quiet hours and the one question every other context asks
//! before it messages or personalises: [`may_contact`]. Consent is opt-in: no record means no.
//! Records are an append-only history (when, where, how given or withdrawn); the latest record
//! per (purpose, channel) is the one in force.

use chrono::{NaiveTime, Timelike};
use chrono_tz::Tz;
use omni_kernel::{Channel, LocationId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::Violations;

/// What the data is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Purpose {
    Marketing,
    Personalisation,
    Profiling,
}

/// How the customer is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ContactChannel {
    Sms,
    Email,
    Push,
    Messenger,
    Call,
}

impl Purpose {
    /// Every purpose.
    pub const ALL: [Purpose; 3] = [
        Purpose::Marketing,
        Purpose::Personalisation,
        Purpose::Profiling,
    ];
    /// Wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Marketing => "marketing",
            Purpose::Personalisation => "personalisation",
            Purpose::Profiling => "profiling",
        }
    }
}

impl ContactChannel {
    /// Every contact channel.
    pub const ALL: [ContactChannel; 5] = [
        ContactChannel::Sms,
        ContactChannel::Email,
        ContactChannel::Push,
        ContactChannel::Messenger,
        ContactChannel::Call,
    ];
    /// Wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            ContactChannel::Sms => "sms",
            ContactChannel::Email => "email",
            ContactChannel::Push => "push",
            ContactChannel::Messenger => "messenger",
            ContactChannel::Call => "call",
        }
    }
}

/// A change a client records: given or withdrawn, for a purpose and (optionally) one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentChange {
    pub purpose: Purpose,
    /// `None`: the purpose as a whole (personalisation, profiling).
    pub channel: Option<ContactChannel>,
    pub granted: bool,
    /// How it was captured: `checkbox`, `paper_form`, `verbal`, `sms_reply`…
    pub method: String,
    /// The store where it was given, if in person.
    pub location_id: Option<LocationId>,
}

/// One stored consent record (the history is append-only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsentRecord {
    pub purpose: Purpose,
    pub channel: Option<ContactChannel>,
    pub granted: bool,
    pub method: String,
    /// The channel through which it was captured.
    pub source: Channel,
    pub location_id: Option<LocationId>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
}

impl ConsentChange {
    /// Validates the change and stamps it.
    pub fn record(
        self,
        source: Channel,
        at: Timestamp,
        field: &str,
        v: &mut Violations,
    ) -> ConsentRecord {
        v.text(&format!("{field}.method"), &self.method, 40);
        if self.purpose == Purpose::Marketing && self.channel.is_none() {
            v.push(
                format!("{field}.channel"),
                "required",
                "marketing consent is given per channel",
            );
        }
        ConsentRecord {
            purpose: self.purpose,
            channel: self.channel,
            granted: self.granted,
            method: self.method,
            source,
            location_id: self.location_id,
            at,
        }
    }
}

/// Hours in the customer's time zone when nobody may call or message them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuietHours {
    /// `HH:MM`, e.g. `22:00`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "22:00"))]
    pub start: NaiveTime,
    /// `HH:MM`, e.g. `09:00`; before `start` means the window spans midnight.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "09:00"))]
    pub end: NaiveTime,
}

impl QuietHours {
    /// Whether the local time `t` falls into the window.
    pub fn contains(&self, t: NaiveTime) -> bool {
        let t = t.with_second(0).unwrap_or(t);
        if self.start <= self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }
}

/// The answer to "may I contact this customer for this purpose on this channel now?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ContactDecision {
    Allowed,
    /// Never given (opt-in: silence is a no).
    NoConsent,
    /// Given once, withdrawn since.
    Withdrawn,
    /// Consent is there, but it is the customer's quiet time; try later.
    QuietHours,
    /// The profile was erased or merged away.
    Unavailable,
}

/// The consent in force for (purpose, channel): the latest record wins.
pub fn consent_state(
    records: &[ConsentRecord],
    purpose: Purpose,
    channel: Option<ContactChannel>,
) -> ConsentState {
    records
        .iter()
        .filter(|r| r.purpose == purpose && r.channel == channel)
        .max_by_key(|r| r.at)
        .map_or(ConsentState::Never, |r| {
            if r.granted {
                ConsentState::Granted
            } else {
                ConsentState::Withdrawn
            }
        })
}

/// Where a consent stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentState {
    Never,
    Granted,
    Withdrawn,
}

/// Decides whether a message for `purpose` may go out on `channel` at `at` (pure: the store's
/// `may_contact` loads the records and calls this). For non-marketing purposes the channel is
/// ignored and the purpose-level consent decides; quiet hours apply to every outbound contact.
pub fn may_contact(
    records: &[ConsentRecord],
    quiet: Option<&QuietHours>,
    tz: Tz,
    purpose: Purpose,
    channel: ContactChannel,
    at: Timestamp,
) -> ContactDecision {
    let key = (purpose == Purpose::Marketing).then_some(channel);
    match consent_state(records, purpose, key) {
        ConsentState::Never => return ContactDecision::NoConsent,
        ConsentState::Withdrawn => return ContactDecision::Withdrawn,
        ConsentState::Granted => {}
    }
    let local = at.with_timezone(&tz).time();
    if quiet.is_some_and(|q| q.contains(local)) {
        return ContactDecision::QuietHours;
    }
    ContactDecision::Allowed
}

/// Consents in force as a bit set (for segment rules over the whole base): bit
/// `purpose * 6 + channel + 1` for a per-channel consent, `purpose * 6` for the purpose itself.
pub fn consent_bits(records: &[ConsentRecord]) -> i64 {
    let mut bits = 0i64;
    for p in Purpose::ALL {
        if consent_state(records, p, None) == ConsentState::Granted {
            bits |= 1 << bit(p, None);
        }
        for c in ContactChannel::ALL {
            if consent_state(records, p, Some(c)) == ConsentState::Granted {
                bits |= 1 << bit(p, Some(c));
            }
        }
    }
    bits
}

/// The bit of (purpose, channel) in [`consent_bits`].
pub(crate) fn bit(p: Purpose, c: Option<ContactChannel>) -> u32 {
    let pi = Purpose::ALL.iter().position(|x| *x == p).unwrap_or(0) as u32;
    let ci = c.map_or(0, |c| {
        ContactChannel::ALL
            .iter()
            .position(|x| *x == c)
            .unwrap_or(0) as u32
            + 1
    });
    pi * 6 + ci
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> Timestamp {
        // Moscow is UTC+3: 09:00 UTC is 12:00 local.
        chrono::Utc
            .with_ymd_and_hms(2026, 11, 23, h, 0, 0)
            .single()
            .expect("time")
    }

    fn rec(
        purpose: Purpose,
        channel: Option<ContactChannel>,
        granted: bool,
        h: u32,
    ) -> ConsentRecord {
        ConsentRecord {
            purpose,
            channel,
            granted,
            method: "checkbox".into(),
            source: Channel::Web,
            location_id: None,
            at: at(h),
        }
    }

    fn quiet() -> QuietHours {
        QuietHours {
            start: NaiveTime::from_hms_opt(22, 0, 0).expect("t"),
            end: NaiveTime::from_hms_opt(9, 0, 0).expect("t"),
        }
    }

    #[test]
    fn silence_is_no_and_the_latest_record_wins() {
        let tz: Tz = "Europe/Moscow".parse().expect("tz");
        let sms = ContactChannel::Sms;
        assert_eq!(
            may_contact(&[], None, tz, Purpose::Marketing, sms, at(9)),
            ContactDecision::NoConsent
        );
        let given = [rec(Purpose::Marketing, Some(sms), true, 1)];
        assert_eq!(
            may_contact(&given, None, tz, Purpose::Marketing, sms, at(9)),
            ContactDecision::Allowed
        );
        assert_eq!(
            may_contact(
                &given,
                None,
                tz,
                Purpose::Marketing,
                ContactChannel::Email,
                at(9)
            ),
            ContactDecision::NoConsent
        );
        let withdrawn = [
            given[0].clone(),
            rec(Purpose::Marketing, Some(sms), false, 2),
        ];
        assert_eq!(
            may_contact(&withdrawn, None, tz, Purpose::Marketing, sms, at(9)),
            ContactDecision::Withdrawn
        );
    }

    #[test]
    fn quiet_hours_are_local_and_span_midnight() {
        let tz: Tz = "Europe/Moscow".parse().expect("tz");
        let sms = ContactChannel::Sms;
        let given = [rec(Purpose::Marketing, Some(sms), true, 1)];
        // 20:00 UTC = 23:00 Moscow: quiet. 09:00 UTC = 12:00 Moscow: fine. 05:00 UTC = 08:00: quiet.
        assert_eq!(
            may_contact(&given, Some(&quiet()), tz, Purpose::Marketing, sms, at(20)),
            ContactDecision::QuietHours
        );
        assert_eq!(
            may_contact(&given, Some(&quiet()), tz, Purpose::Marketing, sms, at(9)),
            ContactDecision::Allowed
        );
        assert_eq!(
            may_contact(&given, Some(&quiet()), tz, Purpose::Marketing, sms, at(5)),
            ContactDecision::QuietHours
        );
    }

    #[test]
    fn personalisation_is_decided_per_purpose_and_bits_follow_the_state() {
        let tz: Tz = "Europe/Moscow".parse().expect("tz");
        let recs = [
            rec(Purpose::Personalisation, None, true, 1),
            rec(Purpose::Marketing, Some(ContactChannel::Sms), true, 1),
        ];
        assert_eq!(
            may_contact(
                &recs,
                None,
                tz,
                Purpose::Personalisation,
                ContactChannel::Push,
                at(9)
            ),
            ContactDecision::Allowed
        );
        let bits = consent_bits(&recs);
        assert_ne!(
            bits & (1 << bit(Purpose::Marketing, Some(ContactChannel::Sms))),
            0
        );
        assert_eq!(
            bits & (1 << bit(Purpose::Marketing, Some(ContactChannel::Email))),
            0
        );
        assert_ne!(bits & (1 << bit(Purpose::Personalisation, None)), 0);
    }

    #[test]
    fn marketing_consent_needs_a_channel() {
        let mut v = Violations::new();
        let change = ConsentChange {
            purpose: Purpose::Marketing,
            channel: None,
            granted: true,
            method: "checkbox".into(),
            location_id: None,
        };
        change.record(Channel::Web, at(1), "consents[0]", &mut v);
        assert_eq!(v.items()[0].field, "consents[0].channel");
    }
}
