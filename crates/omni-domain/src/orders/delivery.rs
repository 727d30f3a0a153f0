//! Delivery promises: the adapter sources an order once per method (and per pickup point
//! or store), and this module turns those plans into priced, dated options for checkout —
//! courier slots in the shopper's time zone, an express window, or "ready to collect from".

use chrono::{Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use omni_kernel::{LocationId, Timestamp};
use serde::{Deserialize, Serialize};

use super::sourcing::Plan;
use crate::Violations;
use crate::network::String24;

/// How an order reaches the shopper. Options are listed in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DeliveryMethod {
    /// Courier to the address, in a slot from the next day on.
    Courier,
    /// Same-day courier from a nearby store.
    Express,
    /// Shipped to a pickup or partner point (no stock of its own).
    PickupPoint,
    /// Collected at a store (from its shelves or after a transfer).
    StorePickup,
}

/// A daily courier slot in local time, e.g. 10:00–14:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyWindow {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "10:00"))]
    pub from: String24,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "14:00"))]
    pub to: String24,
}

impl DailyWindow {
    /// A window from two `HH:MM` times; `None` unless both parse.
    pub fn new(from: &str, to: &str) -> Option<Self> {
        Some(Self {
            from: String24::parse(from)?,
            to: String24::parse(to)?,
        })
    }
}

/// An interval of instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimeWindow {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub from: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub to: Timestamp,
}

/// What the shopper pays per method, in minor units, and the courier's slots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryTariffs {
    pub courier_fee: i64,
    pub express_fee: i64,
    pub pickup_point_fee: i64,
    pub store_pickup_fee: i64,
    /// Goods total from which courier and pickup-point delivery are free.
    pub free_from: Option<i64>,
    /// Daily courier slots in the shopper's local time.
    pub courier_windows: Vec<DailyWindow>,
    /// Days of courier slots offered, from the first day one is reachable.
    pub courier_days: u32,
    /// Length of the promised express window after the earliest arrival.
    pub express_window_minutes: u32,
}

/// A Russian chain's tariffs in kopecks: ₽299 courier, ₽499 express, ₽149 pickup point,
/// free store pickup, free courier and point delivery from ₽3 000; 10–14, 14–18, 18–22.
impl Default for DeliveryTariffs {
    fn default() -> Self {
        Self {
            courier_fee: 29_900,
            express_fee: 49_900,
            pickup_point_fee: 14_900,
            store_pickup_fee: 0,
            free_from: Some(300_000),
            courier_windows: [("10:00", "14:00"), ("14:00", "18:00"), ("18:00", "22:00")]
                .into_iter()
                .filter_map(|(from, to)| DailyWindow::new(from, to))
                .collect(),
            courier_days: 3,
            express_window_minutes: 120,
        }
    }
}

const MAX_FEE: i64 = 100_000_000;

impl DeliveryTariffs {
    /// Field-level checks: fees 0–1 000 000.00, windows non-empty and at most 12, days 1–14.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        let fees = [
            ("courier_fee", Some(self.courier_fee)),
            ("express_fee", Some(self.express_fee)),
            ("pickup_point_fee", Some(self.pickup_point_fee)),
            ("store_pickup_fee", Some(self.store_pickup_fee)),
            ("free_from", self.free_from),
        ];
        for (field, fee) in fees {
            if fee.is_some_and(|f| !(0..=MAX_FEE).contains(&f)) {
                let message = format!("must be 0–{MAX_FEE} minor units");
                v.push(field, "out_of_range", message);
            }
        }
        if self.courier_windows.len() > 12 {
            v.push("courier_windows", "too_long", "at most 12 windows");
        }
        for (i, w) in self.courier_windows.iter().enumerate() {
            if w.from >= w.to {
                let field = format!("courier_windows[{i}]");
                v.push(field, "invalid", "a window must end after it starts");
            }
        }
        if !(1..=14).contains(&self.courier_days) {
            v.push("courier_days", "out_of_range", "must be 1–14");
        }
        if !(15..=720).contains(&self.express_window_minutes) {
            v.push("express_window_minutes", "out_of_range", "must be 15–720");
        }
        v.finish(())
    }

    fn fee(&self, method: DeliveryMethod, goods_total: i64) -> i64 {
        let free = self.free_from.is_some_and(|f| goods_total >= f);
        match method {
            DeliveryMethod::Courier if free => 0,
            DeliveryMethod::PickupPoint if free => 0,
            DeliveryMethod::Courier => self.courier_fee,
            DeliveryMethod::PickupPoint => self.pickup_point_fee,
            DeliveryMethod::Express => self.express_fee,
            DeliveryMethod::StorePickup => self.store_pickup_fee,
        }
    }
}

/// A priced, dated way to get the order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryOption {
    pub method: DeliveryMethod,
    /// The pickup point or store, for those methods.
    pub location_id: Option<LocationId>,
    /// What the shopper pays, minor units.
    pub price: i64,
    /// Courier: the first slot; express: the promised window; pickup: both are the
    /// instant the order is ready to collect.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub promised_from: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub promised_to: Timestamp,
    /// Courier: the slots offered (starting at or after arrival); express: its window.
    pub windows: Vec<TimeWindow>,
    pub parcels: u32,
    pub plan: Plan,
}

/// Prices and dates one option per sourced plan, sorted by method, then earliest promise,
/// price and location. `tz` is the shopper's time zone (courier slots are local to them).
pub fn delivery_options(
    goods_total: i64,
    plans: &[(DeliveryMethod, Option<LocationId>, Plan)],
    tariffs: &DeliveryTariffs,
    tz: Tz,
) -> Vec<DeliveryOption> {
    let mut options: Vec<DeliveryOption> = plans
        .iter()
        .map(|(method, location_id, plan)| {
            let arrives = plan.arrives_at;
            let (from, to, windows) = match method {
                DeliveryMethod::Courier => {
                    let windows = courier_slots(arrives, tariffs, tz);
                    match windows.first() {
                        Some(w) => (w.from, w.to, windows),
                        None => (arrives, end_of_day(arrives, tz), windows),
                    }
                }
                DeliveryMethod::Express => {
                    let minutes = i64::from(tariffs.express_window_minutes);
                    let window = TimeWindow {
                        from: arrives,
                        to: arrives + Duration::minutes(minutes),
                    };
                    (window.from, window.to, vec![window])
                }
                DeliveryMethod::PickupPoint | DeliveryMethod::StorePickup => {
                    (arrives, arrives, Vec::new())
                }
            };
            DeliveryOption {
                method: *method,
                location_id: *location_id,
                price: tariffs.fee(*method, goods_total),
                promised_from: from,
                promised_to: to,
                windows,
                parcels: plan.shipments.len() as u32,
                plan: plan.clone(),
            }
        })
        .collect();
    options.sort_by(|a, b| {
        (a.method, a.promised_from, a.price, a.location_id).cmp(&(
            b.method,
            b.promised_from,
            b.price,
            b.location_id,
        ))
    });
    options
}

/// The courier slots starting at or after `arrives`, over `courier_days` days from the
/// first day that has one (looking at most two weeks ahead).
fn courier_slots(arrives: Timestamp, tariffs: &DeliveryTariffs, tz: Tz) -> Vec<TimeWindow> {
    let mut daily: Vec<DailyWindow> = tariffs.courier_windows.clone();
    daily.sort_by_key(|w| (w.from, w.to));
    let first = tz.from_utc_datetime(&arrives.naive_utc()).date_naive();
    let mut slots = Vec::new();
    let mut days = 0;
    for date in first.iter_days().take(14) {
        let before = slots.len();
        for w in &daily {
            let from = local_instant(tz, date, w.from.minutes());
            let to = local_instant(tz, date, w.to.minutes());
            if let (Some(from), Some(to)) = (from, to)
                && from >= arrives
            {
                slots.push(TimeWindow { from, to });
            }
        }
        days += u32::from(slots.len() > before);
        if days >= tariffs.courier_days {
            break;
        }
    }
    slots
}

fn end_of_day(at: Timestamp, tz: Tz) -> Timestamp {
    let date = tz.from_utc_datetime(&at.naive_utc()).date_naive();
    local_instant(tz, date, 24 * 60).unwrap_or(at + Duration::days(1))
}

/// The instant of `minutes` past local midnight of `date` in `tz` (24:00 = the next
/// midnight); a time skipped by a DST jump resolves an hour later.
pub(crate) fn local_instant(tz: Tz, date: NaiveDate, minutes: u16) -> Option<Timestamp> {
    let local = date.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(minutes));
    tz.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orders::{Shipment, ShipmentLine};

    fn at(d: u32, h: u32, m: u32) -> Timestamp {
        Utc.with_ymd_and_hms(2026, 11, d, h, m, 0)
            .single()
            .expect("valid")
    }

    fn plan(ready: Timestamp, arrives: Timestamp, parcels: usize) -> Plan {
        let shipment = Shipment {
            location_id: LocationId::new(),
            lines: vec![ShipmentLine {
                line: 0,
                quantity: 1,
            }],
            distance_km: 10.0,
            cost: 16_000,
            ready_at: ready,
            arrives_at: arrives,
        };
        Plan {
            shipments: vec![shipment; parcels],
            cost: 16_000 * parcels as i64,
            ready_at: ready,
            arrives_at: arrives,
            score: 0.0,
        }
    }

    const MSK: Tz = chrono_tz::Europe::Moscow;

    #[test]
    fn courier_slots_start_at_or_after_arrival_in_the_shoppers_zone() {
        // Arrives 12:00 Moscow (09:00 UTC) on the 24th: 10–14 is gone, 14–18 is first.
        let p = plan(at(23, 9, 0), at(24, 9, 0), 1);
        let tariffs = DeliveryTariffs::default();
        let options =
            delivery_options(10_000, &[(DeliveryMethod::Courier, None, p)], &tariffs, MSK);
        let o = &options[0];
        assert_eq!(o.promised_from, at(24, 11, 0));
        assert_eq!(o.promised_to, at(24, 15, 0));
        // Two slots left on the 24th, three on each of the 25th and 26th.
        assert_eq!(o.windows.len(), 8);
        assert_eq!(o.windows.last().map(|w| w.to), Some(at(26, 19, 0)));
        assert_eq!(o.price, 29_900);
        assert_eq!(o.parcels, 1);
    }

    #[test]
    fn courier_and_pickup_point_are_free_from_the_threshold_but_express_is_not() {
        let p = plan(at(23, 9, 0), at(24, 9, 0), 2);
        let plans = [
            (DeliveryMethod::Express, None, p.clone()),
            (
                DeliveryMethod::PickupPoint,
                Some(LocationId::new()),
                p.clone(),
            ),
            (DeliveryMethod::Courier, None, p.clone()),
            (DeliveryMethod::StorePickup, Some(LocationId::new()), p),
        ];
        let options = delivery_options(300_000, &plans, &DeliveryTariffs::default(), MSK);
        let methods: Vec<_> = options.iter().map(|o| (o.method, o.price)).collect();
        assert_eq!(
            methods,
            [
                (DeliveryMethod::Courier, 0),
                (DeliveryMethod::Express, 49_900),
                (DeliveryMethod::PickupPoint, 0),
                (DeliveryMethod::StorePickup, 0),
            ]
        );
        let express = &options[1];
        assert_eq!(
            express.promised_to - express.promised_from,
            Duration::hours(2)
        );
        let point = &options[2];
        assert_eq!(
            (point.promised_from, point.promised_to),
            (at(24, 9, 0), at(24, 9, 0))
        );
        assert_eq!(point.parcels, 2);
        let below = delivery_options(299_999, &plans, &DeliveryTariffs::default(), MSK);
        assert_eq!(below[0].price, 29_900);
    }

    #[test]
    fn without_windows_the_courier_promises_the_day_of_arrival() {
        let tariffs = DeliveryTariffs {
            courier_windows: vec![],
            ..Default::default()
        };
        let p = plan(at(23, 9, 0), at(24, 9, 0), 1);
        let o = &delivery_options(0, &[(DeliveryMethod::Courier, None, p)], &tariffs, MSK)[0];
        assert_eq!(
            (o.promised_from, o.promised_to),
            (at(24, 9, 0), at(24, 21, 0))
        );
        assert!(o.windows.is_empty());
    }

    #[test]
    fn tariffs_are_validated_per_field() {
        assert_eq!(DeliveryTariffs::default().validate(), Ok(()));
        let bad = DeliveryTariffs {
            courier_fee: -1,
            courier_windows: DailyWindow::new("14:00", "10:00").into_iter().collect(),
            courier_days: 0,
            ..Default::default()
        };
        let err = bad.validate().expect_err("invalid");
        let fields: Vec<_> = err.items().iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            ["courier_fee", "courier_windows[0]", "courier_days"]
        );
        let json =
            r#"{"courier_fee": 19900, "courier_windows": [{"from": "09:00", "to": "21:00"}]}"#;
        let t: DeliveryTariffs = serde_json::from_str(json).expect("parse");
        assert_eq!(
            t.courier_windows,
            DailyWindow::new("09:00", "21:00")
                .into_iter()
                .collect::<Vec<_>>()
        );
        assert_eq!(t.express_fee, 49_900);
        assert!(serde_json::from_str::<DeliveryTariffs>(r#"{"fee": 1}"#).is_err());
    }
}
