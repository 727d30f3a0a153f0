//! Transfers: stock leaving one location for another (store replenishment, moving units to
//! fulfil an order). Dispatching takes the units off the source's shelf and shows them in
//! transit at the destination; receiving puts them on the destination's shelf.

use omni_kernel::{LocationId, TenantId, Timestamp};
use serde::{Deserialize, Serialize};

use super::{Sku, TransferId};
use crate::Violations;

/// Where a transfer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TransferStatus {
    InTransit,
    Received,
}

/// A dispatched transfer of one SKU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transfer {
    pub id: TransferId,
    pub tenant_id: TenantId,
    pub sku: Sku,
    pub from_location_id: LocationId,
    pub to_location_id: LocationId,
    pub quantity: i64,
    pub status: TransferStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub dispatched_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub received_at: Option<Timestamp>,
}

/// What a client sends to dispatch a transfer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferDraft {
    pub sku: Sku,
    pub from_location_id: LocationId,
    pub to_location_id: LocationId,
    pub quantity: i64,
}

/// Why a transfer step was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    #[error("the transfer was already received")]
    AlreadyReceived,
}

impl TransferDraft {
    /// Validates and builds the dispatched transfer.
    pub fn dispatch(
        self,
        tenant: TenantId,
        id: TransferId,
        now: Timestamp,
    ) -> Result<Transfer, Violations> {
        let mut v = Violations::new();
        if self.quantity <= 0 {
            v.push("quantity", "out_of_range", "must be at least 1");
        }
        if self.from_location_id == self.to_location_id {
            v.push(
                "to_location_id",
                "invalid",
                "must differ from from_location_id",
            );
        }
        v.finish(Transfer {
            id,
            tenant_id: tenant,
            sku: self.sku,
            from_location_id: self.from_location_id,
            to_location_id: self.to_location_id,
            quantity: self.quantity,
            status: TransferStatus::InTransit,
            dispatched_at: now,
            received_at: None,
        })
    }
}

impl Transfer {
    /// Marks the transfer received.
    pub fn receive(mut self, now: Timestamp) -> Result<Transfer, TransferError> {
        if self.status == TransferStatus::Received {
            return Err(TransferError::AlreadyReceived);
        }
        self.status = TransferStatus::Received;
        self.received_at = Some(now);
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transfer_is_received_once_and_never_to_itself() {
        let here = LocationId::new();
        let draft = TransferDraft {
            sku: Sku::parse("S").expect("sku"),
            from_location_id: here,
            to_location_id: here,
            quantity: 0,
        };
        let now = chrono::Utc::now();
        assert_eq!(
            draft
                .clone()
                .dispatch(TenantId::new(), TransferId::new(), now)
                .map(|_| ())
                .expect_err("bad")
                .items()
                .len(),
            2
        );
        let ok = TransferDraft {
            to_location_id: LocationId::new(),
            quantity: 3,
            ..draft
        };
        let t = ok
            .dispatch(TenantId::new(), TransferId::new(), now)
            .expect("valid");
        let t = t.receive(now).expect("first");
        assert_eq!(t.receive(now), Err(TransferError::AlreadyReceived));
    }
}
