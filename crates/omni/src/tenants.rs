//! `omni tenants …`: create and list retail chains (the installation operator's job).

use chrono::Utc;
use omni_domain::events::DomainEvent;
use omni_domain::tenancy::{Country, Tenant};
use omni_kernel::{CountryCode, Currency, Locale, TenantId};

use crate::cli::TenantsCommand;

pub async fn run(cmd: TenantsCommand) -> anyhow::Result<()> {
    match cmd {
        TenantsCommand::Create {
            db,
            slug,
            name,
            countries,
        } => {
            let countries = countries
                .iter()
                .map(|c| parse_country(c))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let tenant = Tenant {
                id: TenantId::new(),
                slug,
                name,
                countries,
            };
            tenant
                .validate()
                .map_err(|v| anyhow::anyhow!("invalid tenant: {v}"))?;
            let store = db.connect().await?;
            store.migrate().await?;
            let now = Utc::now();
            let mut tx = store.write().await?;
            tx.insert_tenant(&tenant, now).await?;
            let data = serde_json::to_value(&tenant)?;
            tx.record(&DomainEvent::new(
                tenant.id,
                "tenant.created",
                tenant.id,
                now,
                data,
            ))
            .await?;
            tx.commit().await?;
            println!("{} {}", tenant.id, tenant.slug);
        }
        TenantsCommand::List { db } => {
            let store = db.connect().await?;
            for t in store.tenants().await? {
                let codes: Vec<String> = t
                    .countries
                    .iter()
                    .map(|c| format!("{}/{}", c.code, c.currency))
                    .collect();
                println!(
                    "{}  {:<20} {:<30} {}",
                    t.id,
                    t.slug,
                    t.name,
                    codes.join(" ")
                );
            }
        }
    }
    Ok(())
}

/// Parses `CODE,CURRENCY,TIME_ZONE[,LOCALE]`.
fn parse_country(spec: &str) -> anyhow::Result<Country> {
    let parts: Vec<&str> = spec.split(',').map(str::trim).collect();
    let [code, currency, time_zone, rest @ ..] = parts.as_slice() else {
        anyhow::bail!("country `{spec}`: expected CODE,CURRENCY,TIME_ZONE[,LOCALE]");
    };
    let code = CountryCode::parse(code)?;
    let default_locale = match rest.first().copied().unwrap_or("ru") {
        "ru" => Locale::Ru,
        "en" => Locale::En,
        "kk" => Locale::Kk,
        other => anyhow::bail!("locale `{other}`: use ru, en or kk"),
    };
    Ok(Country {
        code,
        currency: Currency::parse(currency)?,
        phone_region: code,
        default_locale,
        time_zone: (*time_zone).to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_specs_parse_and_bad_ones_say_why() {
        let c = parse_country("KZ,KZT,Asia/Almaty,kk").expect("valid");
        assert_eq!(
            (c.code.as_str(), c.currency, c.default_locale),
            ("KZ", Currency::Kzt, Locale::Kk)
        );
        assert!(parse_country("RU,RUB").is_err());
        assert!(parse_country("RU,ZZZ,Europe/Moscow").is_err());
        assert!(parse_country("RU,RUB,Europe/Moscow,fr").is_err());
    }
}
