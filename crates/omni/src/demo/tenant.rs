//! The demo tenant: a sport and electronics chain trading in Russia and Kazakhstan.

use futures::future::BoxFuture;
use omni_domain::events::DomainEvent;
use omni_domain::tenancy::{Country, Tenant};
use omni_kernel::{CountryCode, Currency, Locale, TenantId};

use super::context::{DemoContext, DemoIds, StepReport, epoch};
use super::steps::DemoStep;

/// The slug the demo is found by (`omni keys create --tenant demo`).
pub const SLUG: &str = "demo";

/// Builds the demo tenant; the same every time.
pub fn build() -> anyhow::Result<Tenant> {
    let ru = CountryCode::parse("RU")?;
    let kz = CountryCode::parse("KZ")?;
    let tenant = Tenant {
        id: TenantId::from_ulid(DemoIds::new("tenant").next_ulid()),
        slug: SLUG.to_owned(),
        name: "Demo Sport & Electronics".to_owned(),
        countries: vec![
            Country {
                code: ru,
                currency: Currency::Rub,
                phone_region: ru,
                default_locale: Locale::Ru,
                time_zone: "Europe/Moscow".to_owned(),
            },
            Country {
                code: kz,
                currency: Currency::Kzt,
                phone_region: kz,
                default_locale: Locale::Ru,
                time_zone: "Asia/Almaty".to_owned(),
            },
        ],
    };
    tenant.validate()?;
    Ok(tenant)
}

/// Persists the tenant with its `tenant.created` event.
pub struct TenantStep;

impl DemoStep for TenantStep {
    fn name(&self) -> &'static str {
        "tenant"
    }

    fn run<'a>(&'a self, ctx: &'a mut DemoContext) -> BoxFuture<'a, anyhow::Result<StepReport>> {
        Box::pin(async move {
            let tenant = &ctx.tenant;
            let mut tx = ctx.store.write().await?;
            tx.insert_tenant(tenant, epoch()).await?;
            let data = serde_json::to_value(tenant)?;
            tx.record(&DomainEvent::new(
                tenant.id,
                "tenant.created",
                tenant.id,
                ctx.now,
                data,
            ))
            .await?;
            tx.commit().await?;
            Ok(StepReport::default().count("tenant", 1))
        })
    }
}
