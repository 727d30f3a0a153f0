//! Ledger reconciliation and no-oversell as properties over any sequence of operations.

use proptest::prelude::*;

use super::*;

#[derive(Debug, Clone)]
enum Op {
    Move(MovementKind, i64),
    Count(i64),
    Reserve(i64),
    Release(i64),
    Commit(i64),
    Expect(i64),
    Receive(i64),
    Safety(i64),
}

fn op() -> impl Strategy<Value = Op> {
    let kind = proptest::sample::select(MovementKind::ALL.to_vec());
    prop_oneof![
        (kind, -50i64..50).prop_map(|(k, q)| Op::Move(k, q)),
        (0i64..60).prop_map(Op::Count),
        (-2i64..20).prop_map(Op::Reserve),
        (-2i64..20).prop_map(Op::Release),
        (-2i64..20).prop_map(Op::Commit),
        (-2i64..20).prop_map(Op::Expect),
        (-2i64..20).prop_map(Op::Receive),
        (0i64..10).prop_map(Op::Safety),
    ]
}

proptest! {
    #[test]
    fn any_sequence_keeps_on_hand_equal_to_the_ledger_and_never_oversells(
        ops in proptest::collection::vec(op(), 0..200)
    ) {
        let mut level = StockLevel::default();
        let mut ledger = Vec::new();
        for op in ops {
            let result = match op {
                Op::Move(kind, q) => {
                    let m = Movement { kind, quantity: q };
                    level.apply(m).map(|l| (l, Some(m)))
                }
                Op::Count(n) => level.count(n).and_then(|m| match m {
                    Some(m) => level.apply(m).map(|l| (l, Some(m))),
                    None => Ok((level, None)),
                }),
                Op::Reserve(q) => {
                    let before = level.atp();
                    let r = level.reserve(q);
                    if q > 0 && q <= before { prop_assert!(r.is_ok()); }
                    r.map(|l| (l, None))
                }
                Op::Release(q) => level.release(q).map(|l| (l, None)),
                Op::Commit(q) => level.commit(q).map(|(l, m)| (l, Some(m))),
                Op::Expect(q) => level.expect(q).map(|l| (l, None)),
                Op::Receive(q) => level.receive(q).map(|(l, m)| (l, Some(m))),
                Op::Safety(s) => Ok((StockLevel { safety_stock: s, ..level }, None)),
            };
            if let Ok((next, movement)) = result {
                level = next;
                ledger.extend(movement);
            }
            prop_assert_eq!(level.on_hand, replay(&ledger));
            prop_assert!(0 <= level.reserved && level.reserved <= level.on_hand);
            prop_assert!(level.atp() >= 0 && level.in_transit >= 0);
        }
    }
}

#[test]
fn atp_subtracts_holds_and_safety_stock_and_is_never_negative() {
    let l = StockLevel {
        on_hand: 10,
        reserved: 4,
        safety_stock: 3,
        in_transit: 0,
    };
    assert_eq!(l.atp(), 3);
    assert_eq!(l.reserve(4), Err(StockError::Insufficient { available: 3 }));
    let tight = StockLevel {
        safety_stock: 20,
        ..l
    };
    assert_eq!(tight.atp(), 0);
}

#[test]
fn movements_must_have_the_sign_of_their_kind() {
    let l = StockLevel {
        on_hand: 5,
        ..Default::default()
    };
    let bad = Movement {
        kind: MovementKind::Sale,
        quantity: 3,
    };
    assert_eq!(l.apply(bad), Err(StockError::WrongSign(MovementKind::Sale)));
    let oversell = Movement {
        kind: MovementKind::Sale,
        quantity: -6,
    };
    assert_eq!(l.apply(oversell), Err(StockError::BelowReserved));
}

#[test]
fn a_count_records_the_variance_and_refuses_to_undercut_holds() {
    let l = StockLevel {
        on_hand: 10,
        reserved: 2,
        ..Default::default()
    };
    assert_eq!(l.count(10), Ok(None));
    assert_eq!(
        l.count(7),
        Ok(Some(Movement {
            kind: MovementKind::Count,
            quantity: -3
        }))
    );
    assert_eq!(l.count(1), Err(StockError::BelowReserved));
}
