//! The points ledger: balance = sum of the journal, never negative, FIFO burn, maturity,
//! expiry and exact clawback.

use chrono::{Duration, TimeZone, Utc};
use omni_kernel::{Currency, Timestamp};
use proptest::prelude::*;

use super::LoyaltyProgram;
use super::points::*;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .expect("valid")
}

fn program() -> LoyaltyProgram {
    LoyaltyProgram::standard(Currency::Rub)
}

#[test]
fn earned_points_mature_after_the_return_window_and_expire_a_year_later() {
    let (p, mut w) = (program(), Wallet::default());
    w.earn(&p, 100, "ord_1", t0()).expect("earn");
    assert_eq!(
        w.balance(),
        Balance {
            available: 0,
            pending: 100
        }
    );
    assert!(w.burn(1, "x", t0()).is_err());
    let matured = w.settle(t0() + Duration::days(14));
    assert_eq!(matured[0].kind, PostingKind::Mature);
    assert_eq!(
        w.balance(),
        Balance {
            available: 100,
            pending: 0
        }
    );
    let expired = w.settle(t0() + Duration::days(14 + 365));
    assert_eq!(
        (expired[0].kind, expired[0].points),
        (PostingKind::Expire, 100)
    );
    assert_eq!(w.balance(), Balance::default());
}

#[test]
fn burning_takes_the_soonest_expiring_points_first() {
    let (p, mut w) = (program(), Wallet::default());
    w.gift(&p, 50, "late", t0() + Duration::days(10))
        .expect("gift");
    w.gift(&p, 50, "early", t0()).expect("gift");
    w.burn(60, "ord", t0() + Duration::days(11)).expect("burn");
    assert_eq!(w.lots.len(), 1);
    assert_eq!(
        (w.lots[0].reference.as_str(), w.lots[0].points),
        ("late", 40)
    );
    assert_eq!(
        w.burn(41, "ord", t0()),
        Err(PointsError::Insufficient { available: 40 })
    );
}

#[test]
fn a_return_claws_back_pending_points_of_that_order_first_and_never_overdraws() {
    let (p, mut w) = (program(), Wallet::default());
    w.earn(&p, 100, "ord_1", t0()).expect("earn");
    w.gift(&p, 30, "gift", t0()).expect("gift");
    let taken = w.clawback(40, "ord_1", t0()).expect("clawback");
    assert_eq!(taken.iter().map(|p| p.points).sum::<i64>(), 40);
    assert_eq!(
        w.balance(),
        Balance {
            available: 30,
            pending: 60
        }
    );
    // after maturity and spending, only what is left can be taken back
    w.settle(t0() + Duration::days(20));
    w.burn(80, "ord_2", t0() + Duration::days(20))
        .expect("burn");
    let taken = w
        .clawback(60, "ord_1", t0() + Duration::days(21))
        .expect("clawback");
    assert_eq!(taken.iter().map(|p| p.points).sum::<i64>(), 10);
    assert_eq!(w.balance(), Balance::default());
}

#[derive(Debug, Clone)]
enum Op {
    Earn(i64),
    Gift(i64),
    Burn(i64),
    Refund(i64),
    Claw(i64),
    Wait(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1i64..500).prop_map(Op::Earn),
        (1i64..500).prop_map(Op::Gift),
        (1i64..800).prop_map(Op::Burn),
        (1i64..300).prop_map(Op::Refund),
        (1i64..300).prop_map(Op::Claw),
        (1i64..200).prop_map(Op::Wait),
    ]
}

proptest! {
    /// Whatever happens, each member balance equals the journal's sum for its account,
    /// never goes negative, and the journal as a whole balances to zero.
    #[test]
    fn the_balance_is_always_the_sum_of_the_journal(ops in proptest::collection::vec(op(), 1..80)) {
        let (p, mut w) = (program(), Wallet::default());
        let mut journal: Vec<Posting> = Vec::new();
        let mut now = t0();
        for (i, op) in ops.into_iter().enumerate() {
            let reference = format!("ord_{}", i % 5);
            match op {
                Op::Earn(n) => journal.push(w.earn(&p, n, &reference, now).expect("earn")),
                Op::Gift(n) => journal.push(w.gift(&p, n, &reference, now).expect("gift")),
                Op::Refund(n) => journal.push(w.refund(&p, n, &reference, now).expect("refund")),
                Op::Burn(n) => {
                    let before = w.clone();
                    match w.burn(n, &reference, now) {
                        Ok(post) => journal.push(post),
                        Err(PointsError::Insufficient { available }) => {
                            prop_assert!(n > available);
                            prop_assert_eq!(&w, &before);
                        }
                        Err(e) => prop_assert!(false, "{e}"),
                    }
                }
                Op::Claw(n) => journal.extend(w.clawback(n, &reference, now).expect("clawback")),
                Op::Wait(days) => {
                    now += Duration::days(days);
                    journal.extend(w.settle(now));
                }
            }
            let b = w.balance();
            prop_assert!(b.available >= 0 && b.pending >= 0);
            prop_assert_eq!(b.available, journal_balance(&journal, Account::MemberAvailable));
            prop_assert_eq!(b.pending, journal_balance(&journal, Account::MemberPending));
            let all: i64 = [Account::MemberAvailable, Account::MemberPending, Account::ProgrammeIssued,
                Account::ProgrammeRedeemed, Account::ProgrammeExpired]
                .into_iter().map(|a| journal_balance(&journal, a)).sum();
            prop_assert_eq!(all, 0);
        }
    }
}
