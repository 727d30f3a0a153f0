//! The gate: consent, quiet hours, the daily cap and the preferred channel decide whether a
//! due firing goes out now, later or not at all.

use chrono::{Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use omni_kernel::Channel;
use serde_json::json;

use super::tests::{customer, engine, event, t0};
use super::*;
use crate::customers::{ConsentRecord, ContactChannel, Purpose, QuietHours};

fn granted(channel: ContactChannel) -> ConsentRecord {
    ConsentRecord {
        purpose: Purpose::Marketing,
        channel: Some(channel),
        granted: true,
        method: "checkbox".into(),
        source: Channel::Web,
        location_id: None,
        at: t0() - Duration::days(30),
    }
}

fn quiet() -> QuietHours {
    QuietHours {
        start: NaiveTime::from_hms_opt(22, 0, 0).expect("t"),
        end: NaiveTime::from_hms_opt(9, 0, 0).expect("t"),
    }
}

fn moscow() -> Tz {
    "Europe/Moscow".parse().expect("tz")
}

fn firing<'e>(e: &'e TriggerEngine, chain: &str) -> Firing<'e> {
    let chain = e.chain(chain).expect("chain");
    Firing {
        chain,
        run: Run {
            chain_id: chain.id.clone(),
            customer_id: customer(1),
            due_at: t0(),
            event_id: EventId::new(),
            created_at: t0(),
        },
    }
}

fn contact<'a>(consents: &'a [ConsentRecord], q: Option<&'a QuietHours>) -> ContactView<'a> {
    ContactView {
        preferred: Some(ContactChannel::Messenger),
        consents,
        quiet: q,
        tz: moscow(),
        sent_today: 0,
    }
}

#[test]
fn the_gate_sends_in_the_preferred_channel_with_consent() {
    let e = engine();
    let consents = [granted(ContactChannel::Messenger)];
    let f = firing(&e, "abandoned_cart");
    assert_eq!(
        gate(&f, &contact(&consents, Some(&quiet())), t0()),
        Gate::Send {
            channel: ContactChannel::Messenger
        }
    );
    // No preference: the first consented channel.
    let email = [granted(ContactChannel::Email)];
    let c = ContactView {
        preferred: None,
        ..contact(&email, None)
    };
    assert_eq!(
        gate(&f, &c, t0()),
        Gate::Send {
            channel: ContactChannel::Email
        }
    );
}

#[test]
fn quiet_hours_defer_to_their_end_never_send() {
    let e = engine();
    let consents = [
        granted(ContactChannel::Messenger),
        granted(ContactChannel::Push),
    ];
    let q = quiet();
    // 20:00 UTC = 23:00 Moscow → deferred to 09:00 Moscow next day = 06:00 UTC.
    let late = Utc
        .with_ymd_and_hms(2026, 11, 23, 20, 0, 0)
        .single()
        .expect("t");
    let morning = Utc
        .with_ymd_and_hms(2026, 11, 24, 6, 0, 0)
        .single()
        .expect("t");
    let f = firing(&e, "abandoned_cart");
    assert_eq!(
        gate(&f, &contact(&consents, Some(&q)), late),
        Gate::Defer { until: morning }
    );
    // 02:30 UTC = 05:30 Moscow, after midnight → the same morning.
    let night = Utc
        .with_ymd_and_hms(2026, 11, 24, 2, 30, 0)
        .single()
        .expect("t");
    assert_eq!(
        gate(&f, &contact(&consents, Some(&q)), night),
        Gate::Defer { until: morning }
    );
    // Service messages need no marketing consent but keep quiet hours too.
    let pickup = firing(&e, "pickup_ready");
    assert_eq!(
        gate(&pickup, &contact(&[], Some(&q)), late),
        Gate::Defer { until: morning }
    );
    assert_eq!(
        gate(&pickup, &contact(&[], Some(&q)), t0()),
        Gate::Send {
            channel: ContactChannel::Messenger
        }
    );
    // The deferred run goes back to waiting and a purchase overnight still cancels it.
    let mut w = WaitingRuns::new();
    w.insert(f.deferred(morning));
    let none = json!({});
    let out = e.on_event(
        &event("order.placed", customer(1), &none, night),
        None,
        &mut w,
    );
    assert_eq!(out.cancelled.len(), 1);
    assert!(e.due(morning, &mut w).is_empty());
}

#[test]
fn without_consent_a_firing_is_dropped() {
    let e = engine();
    let f = firing(&e, "abandoned_cart");
    let q = quiet();
    assert_eq!(
        gate(&f, &contact(&[], Some(&q)), t0()),
        Gate::Drop {
            reason: DropReason::NoConsent
        }
    );
    // Consent for another channel does not count, even at night (dropped, not deferred).
    let sms = [granted(ContactChannel::Sms)];
    let late = Utc
        .with_ymd_and_hms(2026, 11, 23, 20, 0, 0)
        .single()
        .expect("t");
    assert_eq!(
        gate(&f, &contact(&sms, Some(&q)), late),
        Gate::Drop {
            reason: DropReason::NoConsent
        }
    );
    let withdrawn = [
        granted(ContactChannel::Messenger),
        ConsentRecord {
            granted: false,
            at: t0() - Duration::days(1),
            ..granted(ContactChannel::Messenger)
        },
    ];
    assert_eq!(
        gate(&f, &contact(&withdrawn, None), t0()),
        Gate::Drop {
            reason: DropReason::Withdrawn
        }
    );
    // A push needs push consent whatever the preferred channel.
    let push = firing(&e, "wishlist_nearby");
    let messenger = [granted(ContactChannel::Messenger)];
    assert_eq!(
        gate(&push, &contact(&messenger, None), t0()),
        Gate::Drop {
            reason: DropReason::NoConsent
        }
    );
}

#[test]
fn the_frequency_cap_drops_the_rest_of_the_day() {
    let e = engine();
    let consents = [granted(ContactChannel::Messenger)];
    let f = firing(&e, "abandoned_cart");
    let capped = ContactView {
        sent_today: 1,
        ..contact(&consents, None)
    };
    assert_eq!(
        gate(&f, &capped, t0()),
        Gate::Drop {
            reason: DropReason::FrequencyCap
        }
    );
    let gift = firing(&e, "birthday_points");
    assert_eq!(gate(&gift, &contact(&[], None), t0()), Gate::Apply);
    assert_eq!(
        gate(&gift, &capped, t0()),
        Gate::Drop {
            reason: DropReason::FrequencyCap
        }
    );
    let pickup = firing(&e, "pickup_ready");
    let nine = ContactView {
        sent_today: 9,
        ..contact(&[], None)
    };
    assert!(matches!(gate(&pickup, &nine, t0()), Gate::Send { .. }));
}
