//! The points ledger of one member: lots of points (each with its maturity and expiry) and
//! double-entry postings between the member's accounts and the programme's. Every change is
//! a posting, so the balance is always the sum of the journal and can never go negative —
//! an operation that would overdraw is refused before anything is written.

use chrono::Duration;
use omni_kernel::Timestamp;
use serde::{Deserialize, Serialize};

use super::rules::LoyaltyProgram;

/// An account points move between. Member accounts hold balances; programme accounts are
/// where points come from and go to, so every posting balances to zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Account {
    /// Earned, not yet usable (inside the return window).
    MemberPending,
    /// Usable.
    MemberAvailable,
    /// The programme's issuing account (earn and gifts come from here).
    ProgrammeIssued,
    /// Points paid with.
    ProgrammeRedeemed,
    /// Points that lapsed.
    ProgrammeExpired,
}

impl Account {
    /// Storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            Account::MemberPending => "member_pending",
            Account::MemberAvailable => "member_available",
            Account::ProgrammeIssued => "programme_issued",
            Account::ProgrammeRedeemed => "programme_redeemed",
            Account::ProgrammeExpired => "programme_expired",
        }
    }
}

/// Why points moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PostingKind {
    Earn,
    Gift,
    Mature,
    Burn,
    /// Burnt points given back (order cancelled or refunded).
    Refund,
    /// Earned points taken back (goods returned).
    Clawback,
    Expire,
}

/// One double-entry posting: `points` leave `debit` and arrive at `credit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Posting {
    pub kind: PostingKind,
    pub debit: Account,
    pub credit: Account,
    pub points: i64,
    /// The order, return or campaign the points belong to.
    pub reference: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
}

/// A batch of points with one origin, maturity and expiry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    pub reference: String,
    pub points: i64,
    pub pending: bool,
    pub matures_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Why a points operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PointsError {
    #[error("only {available} points are available")]
    Insufficient { available: i64 },
    #[error("points must be a positive number")]
    NotPositive,
}

/// A member's points: the open lots. Balances are derived, so they cannot drift.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wallet {
    pub lots: Vec<Lot>,
}

/// Balances a member sees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Balance {
    pub available: i64,
    pub pending: i64,
}

fn posting(
    kind: PostingKind,
    debit: Account,
    credit: Account,
    points: i64,
    reference: &str,
    at: Timestamp,
) -> Posting {
    Posting {
        kind,
        debit,
        credit,
        points,
        reference: reference.to_owned(),
        at,
    }
}

fn positive(points: i64) -> Result<(), PointsError> {
    if points > 0 {
        Ok(())
    } else {
        Err(PointsError::NotPositive)
    }
}

impl Wallet {
    /// Available and pending points.
    pub fn balance(&self) -> Balance {
        let mut b = Balance::default();
        for l in &self.lots {
            if l.pending {
                b.pending += l.points;
            } else {
                b.available += l.points;
            }
        }
        b
    }

    /// Brings the wallet to `now`: matures pending lots whose return window closed, then
    /// expires lots past their date. Returns the postings.
    pub fn settle(&mut self, now: Timestamp) -> Vec<Posting> {
        let mut out = Vec::new();
        for l in &mut self.lots {
            if l.pending && l.matures_at <= now {
                l.pending = false;
                out.push(posting(
                    PostingKind::Mature,
                    Account::MemberPending,
                    Account::MemberAvailable,
                    l.points,
                    &l.reference,
                    now,
                ));
            }
            if !l.pending && l.expires_at <= now && l.points > 0 {
                out.push(posting(
                    PostingKind::Expire,
                    Account::MemberAvailable,
                    Account::ProgrammeExpired,
                    l.points,
                    &l.reference,
                    now,
                ));
                l.points = 0;
            }
        }
        self.lots.retain(|l| l.points > 0);
        out
    }

    /// Points earned by a purchase: pending for the programme's return window.
    pub fn earn(
        &mut self,
        program: &LoyaltyProgram,
        points: i64,
        reference: &str,
        now: Timestamp,
    ) -> Result<Posting, PointsError> {
        positive(points)?;
        let matures_at = now + Duration::days(i64::from(program.pending_days));
        self.lots.push(Lot {
            reference: reference.to_owned(),
            points,
            pending: program.pending_days > 0,
            matures_at,
            expires_at: matures_at + Duration::days(i64::from(program.expiry_days)),
        });
        let credit = if program.pending_days > 0 {
            Account::MemberPending
        } else {
            Account::MemberAvailable
        };
        Ok(posting(
            PostingKind::Earn,
            Account::ProgrammeIssued,
            credit,
            points,
            reference,
            now,
        ))
    }

    /// Points given (birthday, goodwill, a gift-points promotion): usable at once.
    pub fn gift(
        &mut self,
        program: &LoyaltyProgram,
        points: i64,
        reference: &str,
        now: Timestamp,
    ) -> Result<Posting, PointsError> {
        self.available_lot(
            program,
            PostingKind::Gift,
            Account::ProgrammeIssued,
            points,
            reference,
            now,
        )
    }

    /// Burnt points given back when the purchase they paid for is cancelled or refunded.
    pub fn refund(
        &mut self,
        program: &LoyaltyProgram,
        points: i64,
        reference: &str,
        now: Timestamp,
    ) -> Result<Posting, PointsError> {
        self.available_lot(
            program,
            PostingKind::Refund,
            Account::ProgrammeRedeemed,
            points,
            reference,
            now,
        )
    }

    fn available_lot(
        &mut self,
        program: &LoyaltyProgram,
        kind: PostingKind,
        from: Account,
        points: i64,
        reference: &str,
        now: Timestamp,
    ) -> Result<Posting, PointsError> {
        positive(points)?;
        self.lots.push(Lot {
            reference: reference.to_owned(),
            points,
            pending: false,
            matures_at: now,
            expires_at: now + Duration::days(i64::from(program.expiry_days)),
        });
        Ok(posting(
            kind,
            from,
            Account::MemberAvailable,
            points,
            reference,
            now,
        ))
    }

    /// Pays with points, the soonest-expiring first; refused if fewer are available.
    pub fn burn(
        &mut self,
        points: i64,
        reference: &str,
        now: Timestamp,
    ) -> Result<Posting, PointsError> {
        positive(points)?;
        let available = self.balance().available;
        if points > available {
            return Err(PointsError::Insufficient { available });
        }
        let mut order: Vec<usize> = (0..self.lots.len())
            .filter(|&i| !self.lots[i].pending)
            .collect();
        order.sort_by_key(|&i| (self.lots[i].expires_at, i));
        let mut left = points;
        for i in order {
            let take = left.min(self.lots[i].points);
            self.lots[i].points -= take;
            left -= take;
        }
        self.lots.retain(|l| l.points > 0);
        Ok(posting(
            PostingKind::Burn,
            Account::MemberAvailable,
            Account::ProgrammeRedeemed,
            points,
            reference,
            now,
        ))
    }

    /// Takes back up to `points` earned under `reference` (a return): pending points of that
    /// purchase first, then available points — never below zero. Returns the postings; the
    /// points actually taken are their sum (less than asked only if the member already spent them).
    pub fn clawback(
        &mut self,
        points: i64,
        reference: &str,
        now: Timestamp,
    ) -> Result<Vec<Posting>, PointsError> {
        positive(points)?;
        let mut left = points;
        let mut out = Vec::new();
        for l in self
            .lots
            .iter_mut()
            .filter(|l| l.pending && l.reference == reference)
        {
            let take = left.min(l.points);
            if take > 0 {
                l.points -= take;
                left -= take;
                out.push(posting(
                    PostingKind::Clawback,
                    Account::MemberPending,
                    Account::ProgrammeIssued,
                    take,
                    reference,
                    now,
                ));
            }
        }
        let available = self.balance().available;
        let take = left.min(available);
        if take > 0 {
            let mut p = self.burn(take, reference, now)?;
            p.kind = PostingKind::Clawback;
            p.credit = Account::ProgrammeIssued;
            out.push(p);
        }
        self.lots.retain(|l| l.points > 0);
        Ok(out)
    }
}

/// A member account's balance from the journal alone: credits minus debits.
pub fn journal_balance(postings: &[Posting], account: Account) -> i64 {
    postings
        .iter()
        .map(|p| {
            i64::from(p.credit == account) * p.points - i64::from(p.debit == account) * p.points
        })
        .sum()
}
