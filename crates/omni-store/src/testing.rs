//! Test databases: a fresh, migrated database per test on the backend the run targets.
//!
//! The suite runs on SQLite by default. Set `OMNI_TEST_POSTGRES_URL` (e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`) to run the same tests on PostgreSQL: each
//! test then gets its own database, dropped afterwards.

use crate::{Store, StoreError};

/// A chain trading in Russia (RUB, Europe/Moscow) with a unique slug: the fixture every
/// test suite starts from.
pub fn russian_chain() -> omni_domain::tenancy::Tenant {
    use omni_kernel::{CountryCode, Currency, Locale, TenantId};
    let ru = CountryCode::parse("RU").unwrap_or_else(|_| unreachable!("RU is a valid code"));
    let slug = format!("t{}", ulid::Ulid::generate().to_string().to_lowercase());
    omni_domain::tenancy::Tenant {
        id: TenantId::new(),
        name: format!("Chain {slug}"),
        slug,
        countries: vec![omni_domain::tenancy::Country {
            code: ru,
            currency: Currency::Rub,
            phone_region: ru,
            default_locale: Locale::Ru,
            time_zone: "Europe/Moscow".into(),
        }],
    }
}

/// The variable that switches the suite to PostgreSQL.
pub const POSTGRES_ENV: &str = "OMNI_TEST_POSTGRES_URL";

/// A throwaway database; dropped (PostgreSQL) or deleted (SQLite) with the value.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(std::path::PathBuf),
    Database { admin_url: String, name: String },
}

/// The PostgreSQL admin URL if this run targets PostgreSQL.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_ENV).ok().filter(|s| !s.is_empty())
}

/// A human line saying which backend this run uses (tests print it once).
pub fn backend_banner() -> String {
    match postgres_url() {
        Some(url) => format!("storage backend under test: PostgreSQL ({url})"),
        None => format!(
            "storage backend under test: SQLite — PostgreSQL run skipped ({POSTGRES_ENV} not set)"
        ),
    }
}

impl TestDb {
    /// A fresh migrated database on the backend this run targets.
    pub async fn new() -> Result<TestDb, StoreError> {
        let (url, cleanup) = match postgres_url() {
            Some(admin_url) => {
                let name = format!(
                    "omni_t_{}",
                    ulid::Ulid::generate().to_string().to_lowercase()
                );
                let admin = Store::connect(&admin_url).await?;
                let create = sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"));
                sqlx::query(create).execute(admin.pool()).await?;
                admin.close().await;
                (
                    replace_database(&admin_url, &name),
                    Cleanup::Database { admin_url, name },
                )
            }
            None => {
                let dir =
                    std::env::temp_dir().join(format!("omni-test-{}", ulid::Ulid::generate()));
                let url =
                    Store::sqlite_url_for(&dir).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                (url, Cleanup::Dir(dir))
            }
        };
        let store = Store::connect(&url).await?;
        store.migrate().await?;
        Ok(TestDb {
            store,
            url,
            cleanup,
        })
    }
}

/// Swaps the database name in a PostgreSQL URL.
pub fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Database { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Dropping needs async I/O; do it on a private runtime in a plain thread so
                // it works whether or not the test's runtime is still alive. `WITH (FORCE)` ends the
                // pool's connections, which belong to the (blocked) test runtime.
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async move {
                        if let Ok(admin) = Store::connect(&admin_url).await {
                            let drop = sqlx::AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ));
                            let _ = sqlx::query(drop).execute(admin.pool()).await;
                            admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced_keeping_the_query() {
        assert_eq!(
            replace_database(
                "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
                "x"
            ),
            "postgres://postgres@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(replace_database("postgres://h", "x"), "postgres://h/x");
    }
}
