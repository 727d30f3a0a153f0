//! Cursor pagination shared by every list: `limit` (1–100, default 20) and
//! `starting_after=<id>`; responses are `{"data": [...], "has_more": bool}`.

use serde::{Deserialize, Serialize};

use crate::ApiError;

/// Query parameters of a list request.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1–100 (default 20).
    pub limit: Option<i64>,
    /// Return items after this id (the last id of the previous page).
    pub starting_after: Option<String>,
}

/// Largest page a client may ask for.
pub const MAX_LIMIT: usize = 100;

impl ListParams {
    /// The checked page size.
    pub fn limit(&self) -> Result<usize, ApiError> {
        match self.limit {
            None => Ok(20),
            Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => Ok(n as usize),
            Some(_) => Err(ApiError::field(
                "limit",
                "out_of_range",
                format!("must be between 1 and {MAX_LIMIT}"),
            )),
        }
    }

    /// The checked cursor, parsed as the list's id type.
    pub fn cursor<T: std::str::FromStr>(&self) -> Result<Option<T>, ApiError> {
        self.starting_after
            .as_deref()
            .map(|raw| {
                raw.parse().map_err(|_| {
                    ApiError::field("starting_after", "invalid", "not an id of this list")
                })
            })
            .transpose()
    }
}

/// A page of results.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct List<T> {
    pub data: Vec<T>,
    pub has_more: bool,
}

impl<T> From<omni_store::Page<T>> for List<T> {
    fn from(p: omni_store::Page<T>) -> Self {
        List {
            data: p.items,
            has_more: p.has_more,
        }
    }
}
