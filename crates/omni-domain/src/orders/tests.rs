//! Unit and property tests of carts, the order lifecycle, returns and payments.

use chrono::Utc;
use omni_kernel::{Channel, Currency, CustomerId, LocationId, OrderId, TenantId};
use proptest::prelude::*;

use super::*;
use crate::inventory::ReservationId;
use crate::offers::{PointsQuote, Quote, QuotedLine};

fn cart(device: Option<&str>, customer: Option<CustomerId>) -> ShoppingCart {
    CartDraft {
        customer_id: customer,
        device_id: device.map(str::to_owned),
        currency: None,
        lines: vec![],
    }
    .into_cart(
        TenantId::new(),
        CartId::new(),
        Currency::parse("RUB").expect("rub"),
        Channel::Web,
        Utc::now(),
    )
    .expect("valid")
}

#[test]
fn a_cart_needs_exactly_one_owner() {
    let draft = |customer: Option<CustomerId>, device: Option<&str>| CartDraft {
        customer_id: customer,
        device_id: device.map(str::to_owned),
        currency: None,
        lines: vec![],
    };
    let rub = Currency::parse("RUB").expect("rub");
    for bad in [
        draft(None, None),
        draft(Some(CustomerId::new()), Some("dev")),
        draft(None, Some("")),
    ] {
        let v = bad
            .into_cart(
                TenantId::new(),
                CartId::new(),
                rub,
                Channel::Web,
                Utc::now(),
            )
            .expect_err("refused");
        assert!(!v.is_empty());
    }
}

#[test]
fn merging_a_device_cart_adds_quantities_and_closes_it() {
    let mut mine = cart(None, Some(CustomerId::new()));
    let mut device = cart(Some("app-1"), None);
    let now = Utc::now();
    mine.set_quantity("A", 1, Channel::Web, now).expect("set");
    device
        .set_quantity("A", 2, Channel::MobileApp, now)
        .expect("set");
    device
        .set_quantity("B", 1, Channel::MobileApp, now)
        .expect("set");
    device
        .set_coupons(vec!["SALE".into()], Channel::MobileApp, now)
        .expect("coupon");
    mine.merge_from(&mut device, Channel::MobileApp, now)
        .expect("merge");
    let qty =
        |c: &ShoppingCart, sku: &str| c.lines.iter().find(|l| l.sku == sku).map(|l| l.quantity);
    assert_eq!(qty(&mine, "A"), Some(3));
    assert_eq!(qty(&mine, "B"), Some(1));
    assert_eq!(mine.coupons, vec!["SALE".to_owned()]);
    assert_eq!(device.status, CartStatus::Merged);
    assert_eq!(device.merged_into, Some(mine.id));
    assert!(matches!(
        device.set_quantity("C", 1, Channel::Web, now),
        Err(CartError::NotOpen(CartStatus::Merged))
    ));
}

#[test]
fn setting_zero_removes_a_line_and_an_empty_cart_cannot_check_out() {
    let mut c = cart(Some("web-1"), None);
    let now = Utc::now();
    c.set_quantity("A", 2, Channel::Web, now).expect("set");
    c.set_quantity("A", 0, Channel::Web, now).expect("set");
    assert!(c.lines.is_empty());
    assert!(matches!(
        c.check_out(OrderId::new(), now),
        Err(CartError::Invalid(_))
    ));
    assert!(c.set_quantity("A", 20_000, Channel::Web, now).is_err());
}

#[test]
fn every_status_and_action_pair_is_decided_by_the_state_machine() {
    use OrderAction as A;
    use OrderStatus as S;
    let legal = [
        (S::Placed, A::Allocate, S::Allocated),
        (S::Allocated, A::StartPicking, S::Picking),
        (S::Picking, A::Pack, S::Packed),
        (S::Packed, A::Ship, S::Shipped),
        (S::Packed, A::MarkReady, S::ReadyForPickup),
        (S::Shipped, A::Deliver, S::Delivered),
        (S::ReadyForPickup, A::PickUp, S::PickedUp),
        (S::Delivered, A::Complete, S::Completed),
        (S::PickedUp, A::Complete, S::Completed),
        (S::Placed, A::Cancel, S::Cancelled),
        (S::Allocated, A::Cancel, S::Cancelled),
        (S::Picking, A::Cancel, S::Cancelled),
        (S::Packed, A::Cancel, S::Cancelled),
        (S::ReadyForPickup, A::Cancel, S::Cancelled),
        (S::Delivered, A::ReturnAll, S::Returned),
        (S::PickedUp, A::ReturnAll, S::Returned),
        (S::Completed, A::ReturnAll, S::Returned),
    ];
    for from in S::ALL {
        for action in A::ALL {
            let expected = legal
                .iter()
                .find(|(f, a, _)| *f == from && *a == action)
                .map(|(_, _, to)| *to);
            match (from.apply(action), expected) {
                (Ok(to), Some(e)) => assert_eq!(to, e, "{from:?} {action:?}"),
                (Err(err), None) => assert_eq!(err, TransitionError { from, action }),
                (got, want) => panic!("{from:?} {action:?}: got {got:?}, want {want:?}"),
            }
        }
        assert_eq!(S::parse(from.as_str()), Some(from));
    }
    assert!(!S::Shipped.holds_stock() && S::ReadyForPickup.holds_stock());
}

fn quoted(sku: &str, quantity: u32, total: i64, points_value: i64, earned: i64) -> QuotedLine {
    let q: QuotedLine = serde_json::from_value(serde_json::json!({
        "sku": sku, "quantity": quantity, "unit_price": total / i64::from(quantity),
        "price_list_id": null, "subtotal": total, "discounts": [], "total": total,
        "paid_with_points": points_value, "points_earned": earned
    }))
    .expect("line");
    q
}

fn order(lines: Vec<QuotedLine>, burn: i64) -> Order {
    let total: i64 = lines.iter().map(|l| l.total).sum();
    let value: i64 = lines.iter().map(|l| l.paid_with_points).sum();
    let quote = Quote {
        currency: Currency::parse("RUB").expect("rub"),
        priced_at: Utc::now(),
        subtotal: total,
        discount_total: 0,
        total,
        delivery_fee: None,
        points: PointsQuote {
            earn: lines.iter().map(|l| l.points_earned).sum(),
            usable: burn,
            burn,
            burn_value: value,
        },
        to_pay: total - value,
        promotions: vec![],
        lines,
    };
    let allocations = quote
        .lines
        .iter()
        .map(|l| {
            vec![Allocation {
                location_id: LocationId::new(),
                quantity: l.quantity,
                reservation_id: ReservationId::new(),
            }]
        })
        .collect();
    let now = Utc::now();
    Order {
        id: OrderId::new(),
        tenant_id: TenantId::new(),
        number: "100001".into(),
        customer_id: None,
        channel: Channel::Web,
        store: None,
        cart_id: None,
        status: OrderStatus::PickedUp,
        currency: quote.currency,
        lines: Order::lines_from(&quote, allocations),
        delivery: Delivery {
            method: Some(DeliveryMethod::StorePickup),
            location_id: None,
            address: None,
            fee: 0,
            promised_from: None,
            promised_to: None,
            parcels: 1,
        },
        payment: PaymentRecord {
            provider: "test".into(),
            authorization: None,
            amount: quote.to_pay,
            captured: quote.to_pay,
            refunded: 0,
            released: 0,
        },
        quote,
        pickup_code_hash: None,
        pickup_attempts: 0,
        history: vec![],
        version: 1,
        created_at: now,
        updated_at: now,
    }
}

fn give(o: &Order, line: u32, quantity: u32) -> OrderReturn {
    let draft = ReturnDraft {
        location_id: LocationId::new(),
        lines: vec![ReturnLineDraft { line, quantity }],
        reason: None,
    };
    o.plan_return(&draft, ReturnId::new(), Utc::now())
        .expect("returnable")
}

#[test]
fn a_partial_return_refunds_the_discounted_price_and_points_in_proportion() {
    // 3 units for 9 999 after discounts, 1 000 of it paid with 1 000 points, 90 points earned
    let mut o = order(vec![quoted("A", 3, 9_999, 1_000, 90)], 1_000);
    let first = give(&o, 0, 1);
    assert_eq!(first.total.money, 2_999); // floor(8 999 / 3)
    assert_eq!(first.total.points_refunded, 333);
    assert_eq!(first.total.points_clawed_back, 30);
    o.record_return(&first, "associate", Utc::now());
    let rest = give(&o, 0, 2);
    o.record_return(&rest, "associate", Utc::now());
    assert_eq!(first.total.money + rest.total.money, 8_999);
    assert_eq!(
        first.total.points_refunded + rest.total.points_refunded,
        1_000
    );
    assert_eq!(o.status, OrderStatus::Returned);
    assert_eq!(o.payment.refunded, 8_999);
}

#[test]
fn a_return_cannot_exceed_what_the_customer_kept() {
    let mut o = order(vec![quoted("A", 2, 2_000, 0, 0)], 0);
    let draft = ReturnDraft {
        location_id: LocationId::new(),
        lines: vec![
            ReturnLineDraft {
                line: 0,
                quantity: 2,
            },
            ReturnLineDraft {
                line: 0,
                quantity: 1,
            },
            ReturnLineDraft {
                line: 7,
                quantity: 1,
            },
        ],
        reason: None,
    };
    let v = o
        .plan_return(&draft, ReturnId::new(), Utc::now())
        .expect_err("too many");
    let fields: Vec<&str> = v.items().iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["lines[1].quantity", "lines[2].line"]);
    o.status = OrderStatus::Shipped;
    assert!(give_result(&o).is_err());
}

fn give_result(o: &Order) -> Result<OrderReturn, crate::Violations> {
    let draft = ReturnDraft {
        location_id: LocationId::new(),
        lines: vec![ReturnLineDraft {
            line: 0,
            quantity: 1,
        }],
        reason: None,
    };
    o.plan_return(&draft, ReturnId::new(), Utc::now())
}

#[test]
fn cancelling_every_line_cancels_the_order_and_releases_the_money() {
    let mut o = order(
        vec![quoted("A", 1, 1_000, 0, 10), quoted("B", 2, 3_000, 500, 30)],
        500,
    );
    o.status = OrderStatus::Allocated;
    let g = o.cancel_lines(&[1], "agent", Utc::now()).expect("cancel");
    assert_eq!(
        (g.money, g.points_refunded, g.points_clawed_back),
        (2_500, 500, 30)
    );
    assert_eq!(o.status, OrderStatus::Allocated);
    assert!(o.cancel_lines(&[1], "agent", Utc::now()).is_err());
    o.cancel_lines(&[0], "agent", Utc::now()).expect("cancel");
    assert_eq!(o.status, OrderStatus::Cancelled);
    assert_eq!(o.money_due(), 0);
}

#[test]
fn a_pickup_code_is_checked_and_guessing_locks_the_order() {
    let mut o = order(vec![quoted("A", 1, 1_000, 0, 0)], 0);
    o.status = OrderStatus::ReadyForPickup;
    o.set_pickup_code("482913");
    assert!(!serde_json::to_string(&o).expect("json").contains("482913"));
    assert_eq!(o.verify_pickup_code("000000"), Err(PickupError::WrongCode));
    assert_eq!(o.verify_pickup_code(" 482913 "), Ok(()));
    for _ in 0..MAX_PICKUP_ATTEMPTS {
        let _ = o.verify_pickup_code("111111");
    }
    assert_eq!(o.verify_pickup_code("482913"), Err(PickupError::Locked));
}

#[test]
fn card_numbers_are_refused_where_a_token_belongs() {
    assert!(looks_like_card_number("4111 1111 1111 1111"));
    assert!(looks_like_card_number("5500-0000-0000-0004"));
    assert!(!looks_like_card_number("4111 1111 1111 1112"));
    assert!(!looks_like_card_number("tok_visa"));
    let mut v = crate::Violations::new();
    PaymentMethod::Card {
        token: "4111111111111111".into(),
    }
    .validate("payment", &mut v);
    assert_eq!(v.items()[0].code, "card_number_refused");
}

proptest! {
    /// However a line is returned in parts, the parts add up to exactly what it cost.
    #[test]
    fn returning_in_parts_refunds_exactly_the_whole(
        quantity in 1u32..20,
        total in 0i64..10_000_000,
        points in 0i64..100_000,
        earned in 0i64..100_000,
        cuts in proptest::collection::vec(1u32..5, 1..20),
    ) {
        let value = points.min(total);
        let mut o = order(vec![quoted("A", quantity, total, value, earned)], points);
        let mut money = 0;
        let mut back = 0;
        let mut clawed = 0;
        for cut in cuts {
            let kept = o.lines[0].kept();
            if kept == 0 { break; }
            let r = give(&o, 0, cut.min(kept));
            money += r.total.money;
            back += r.total.points_refunded;
            clawed += r.total.points_clawed_back;
            o.record_return(&r, "t", Utc::now());
        }
        let kept = o.lines[0].kept();
        if kept > 0 {
            let r = give(&o, 0, kept);
            money += r.total.money;
            back += r.total.points_refunded;
            clawed += r.total.points_clawed_back;
            o.record_return(&r, "t", Utc::now());
        }
        prop_assert_eq!(money, total - value);
        prop_assert_eq!(back, points);
        prop_assert_eq!(clawed, earned);
        prop_assert_eq!(o.status, OrderStatus::Returned);
    }

    /// Spreading never creates or loses a unit.
    #[test]
    fn spreading_keeps_the_total(total in 0i64..1_000_000, weights in proptest::collection::vec(0i64..100_000, 1..30)) {
        let parts = spread(total, &weights);
        if weights.iter().sum::<i64>() > 0 {
            prop_assert_eq!(parts.iter().sum::<i64>(), total);
        }
        prop_assert!(parts.iter().all(|p| *p >= 0));
    }
}
