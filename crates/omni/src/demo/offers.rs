//! The demo chain's offers: the standard loyalty programme, a promotion calendar of the size
//! a chain runs (10 000 active promotions at `chain` scale — mostly product promotions on SKU
//! sets, then category and brand campaigns, tier offers, coupon campaigns and a few cart-wide
//! rules) and a welcome coupon campaign with single-use codes.

use futures::future::BoxFuture;
use omni_domain::customers::Tier;
use omni_domain::events::DomainEvent;
use omni_domain::offers::coupon::coupon_code;
use omni_domain::offers::{
    Conditions, Effect, Limits, LoyaltyProgram, Promotion, PromotionDraft, PromotionId, Stacking,
};
use omni_domain::tenancy::Tenant;
use omni_kernel::{Channel, Timestamp};
use omni_store::WriteTx;
use omni_store::offers::PromotionStatus;
use rand::Rng;
use rand::rngs::StdRng;

use super::Scale;
use super::catalog::{brands, categories, sample_rows};
use super::context::{DemoContext, DemoIds, DemoRow, StepReport};
use super::inventory::sku_code;
use super::steps::DemoStep;

/// Loads the demo offers.
pub struct OffersStep;

/// Active promotions at a scale.
pub fn promotion_count(scale: Scale) -> usize {
    match scale {
        Scale::Small => 60,
        Scale::Chain => 10_000,
    }
}

/// Single-use welcome coupons at a scale.
fn coupon_count(scale: Scale) -> usize {
    match scale {
        Scale::Small => 1_000,
        Scale::Chain => 100_000,
    }
}

impl DemoStep for OffersStep {
    fn name(&self) -> &'static str {
        "offers"
    }

    fn run<'a>(&'a self, ctx: &'a mut DemoContext) -> BoxFuture<'a, anyhow::Result<StepReport>> {
        Box::pin(async move {
            let currency = ctx.tenant.countries[0].currency;
            let mut tx = ctx.store.write().await?;
            tx.put_loyalty_program(ctx.tenant.id, &LoyaltyProgram::standard(currency), ctx.now)
                .await?;
            tx.commit().await?;
            let skus = sample_rows(ctx.scale).len() as u32;
            let mut promotions = calendar(ctx, skus, promotion_count(ctx.scale));
            let welcome = welcome(currency);
            let welcome_id = welcome.id;
            promotions.push(welcome);
            ctx.insert_all("promotions", &promotions).await?;
            let coupons = welcome_codes(coupon_count(ctx.scale));
            let mut tx = ctx.store.write().await?;
            tx.insert_coupons(ctx.tenant.id, welcome_id, &coupons, 1, ctx.now)
                .await?;
            tx.commit().await?;
            Ok(StepReport::default()
                .count("promotions", promotions.len())
                .count("coupons", coupons.len()))
        })
    }
}

impl DemoRow for Promotion {
    async fn insert(
        &self,
        tx: &mut WriteTx,
        tenant: &Tenant,
        now: Timestamp,
    ) -> anyhow::Result<()> {
        tx.insert_promotion(tenant.id, self, PromotionStatus::Active, now)
            .await?;
        tx.bump_offer_rules(tenant.id).await?;
        let data = serde_json::json!({"id": self.id, "name": self.rule.name});
        tx.record(&DomainEvent::new(
            tenant.id,
            "offers.promotion.activated",
            self.id,
            now,
            data,
        ))
        .await?;
        Ok(())
    }
}

/// The first single-use welcome codes, in a fixed order (the demo prints one).
pub fn welcome_codes(n: usize) -> Vec<String> {
    let mut rng = DemoContext::rng("offers/coupons");
    let mut seen = std::collections::HashSet::with_capacity(n);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let code = coupon_code("WELCOME", rng.random());
        if seen.insert(code.clone()) {
            out.push(code);
        }
    }
    out
}

fn welcome(currency: omni_kernel::Currency) -> Promotion {
    let mut ids = DemoIds::new("offers/welcome");
    Promotion {
        id: PromotionId::from_ulid(ids.next_ulid()),
        rule: PromotionDraft {
            name: "Добро пожаловать: −500 ₽".into(),
            reason: "Приветственный купон: 500 ₽ на заказ от 3000 ₽".into(),
            currency,
            priority: 90,
            stacking: Stacking::Group("coupon".into()),
            conditions: Conditions {
                coupon: true,
                min_subtotal: Some(300_000),
                ..Conditions::default()
            },
            effect: Effect::CartAmountOff { amount: 50_000 },
            limits: Limits::default(),
        },
    }
}

/// The promotion calendar: a deterministic mix a chain's marketing runs at once.
fn calendar(ctx: &DemoContext, skus: u32, n: usize) -> Vec<Promotion> {
    let tenant = ctx.tenant.id;
    let currency = ctx.tenant.countries[0].currency;
    let cats = categories(tenant, ctx.now);
    let (roots, leaves): (Vec<_>, Vec<_>) = cats.iter().partition(|c| c.parent_id.is_none());
    let brands = brands(tenant);
    let mut rng = DemoContext::rng("offers/calendar");
    let mut ids = DemoIds::new("offers/calendar");
    (0..n)
        .map(|i| {
            let mut conditions = Conditions::default();
            let what = match rng.random_range(0..1000) {
                0..550 => {
                    let count = rng.random_range(1..=30);
                    conditions.target.skus = (0..count)
                        .map(|_| sku_code(rng.random_range(1..=skus)))
                        .collect();
                    "товары недели".to_owned()
                }
                550..750 => {
                    let c = leaves[rng.random_range(0..leaves.len())];
                    conditions.target.categories = vec![c.id];
                    c.name.ru.clone().unwrap_or_default()
                }
                750..780 => {
                    let c = roots[rng.random_range(0..roots.len())];
                    conditions.target.categories = vec![c.id];
                    c.name.ru.clone().unwrap_or_default()
                }
                780..860 => {
                    let b = &brands[rng.random_range(0..brands.len())];
                    conditions.target.brands = vec![b.id];
                    b.name.clone()
                }
                860..940 => {
                    conditions.audience.tiers =
                        vec![[Tier::Silver, Tier::Gold, Tier::Platinum][rng.random_range(0..3)]];
                    conditions.target.categories =
                        vec![leaves[rng.random_range(0..leaves.len())].id];
                    "для участников программы".to_owned()
                }
                940..998 => {
                    conditions.coupon = true;
                    "по купону".to_owned()
                }
                _ => {
                    conditions.min_subtotal = Some(1_000_000);
                    "на заказ от 10 000 ₽".to_owned()
                }
            };
            if rng.random_range(0..4) == 0 {
                conditions.audience.channels = vec![Channel::Web, Channel::MobileApp];
            }
            let (effect, label) = effect(&mut rng);
            Promotion {
                id: PromotionId::from_ulid(ids.next_ulid()),
                rule: PromotionDraft {
                    name: format!("{label}: {what} #{i}"),
                    reason: format!("{label} — {what}"),
                    currency,
                    priority: rng.random_range(0..100),
                    stacking: stacking(&mut rng),
                    conditions,
                    effect,
                    limits: Limits::default(),
                },
            }
        })
        .collect()
}

fn effect(rng: &mut StdRng) -> (Effect, String) {
    match rng.random_range(0..8) {
        0 => {
            let pct = 5 + 5 * rng.random_range(0..6);
            (
                Effect::PercentOff {
                    percent_bp: pct * 100,
                },
                format!("−{pct}%"),
            )
        }
        1 => (
            Effect::AmountOff { amount: 10_000 },
            "−100 ₽ на товар".into(),
        ),
        2 => (
            Effect::CartPercentOff { percent_bp: 300 },
            "−3% на покупку".into(),
        ),
        3 => (
            Effect::BuyXGetY {
                buy: 2,
                get: 1,
                percent_bp: 10_000,
            },
            "2+1".into(),
        ),
        4 => (
            Effect::NthItem {
                n: 3,
                percent_bp: 5_000,
            },
            "третий за полцены".into(),
        ),
        5 => (
            Effect::PointsMultiplier { factor_bp: 20_000 },
            "двойные баллы".into(),
        ),
        6 => (Effect::GiftPoints { points: 100 }, "+100 баллов".into()),
        _ => (Effect::FreeDelivery, "бесплатная доставка".into()),
    }
}

/// Most promotions compete in one best-offer group per item; few stack or are exclusive.
fn stacking(rng: &mut StdRng) -> Stacking {
    match rng.random_range(0..100) {
        0..80 => Stacking::Group("season".into()),
        80..88 => Stacking::Group("loyalty".into()),
        88..95 => Stacking::Group("clearance".into()),
        95..98 => Stacking::Stackable,
        _ => Stacking::Exclusive,
    }
}
