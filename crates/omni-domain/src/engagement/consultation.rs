//! Remote consultations: a shopper asks for advice on a product or category; every free
//! associate with that expertise, in any store, sees the request, and the first to accept
//! takes it — exactly once. A sale made through it is attributed to the consultant.

use omni_kernel::{CustomerId, LocationId, TenantId, Timestamp};
use serde::{Deserialize, Serialize};

use super::{ConsultationId, ConversationId};
use crate::Violations;

/// Where a request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ConsultationStatus {
    Open,
    Accepted,
    Closed,
}

impl ConsultationStatus {
    /// Storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsultationStatus::Open => "open",
            ConsultationStatus::Accepted => "accepted",
            ConsultationStatus::Closed => "closed",
        }
    }
}

/// What a shopper (or the app for them) sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConsultationDraft {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub customer_id: Option<CustomerId>,
    /// The expertise needed: a category code (`running`, `robot_vacuums`).
    pub skill: String,
    /// The product asked about, if any.
    #[serde(default)]
    pub sku: Option<String>,
    pub question: String,
}

/// A request for advice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Consultation {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub id: ConsultationId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub tenant_id: TenantId,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub customer_id: Option<CustomerId>,
    pub skill: String,
    pub sku: Option<String>,
    pub question: String,
    pub status: ConsultationStatus,
    /// The associate who took it (their API key's id: each associate has their own) and
    /// their store.
    pub consultant: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub consultant_store: Option<LocationId>,
    /// The chat with the shopper.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub conversation_id: ConversationId,
    /// The order placed through the consultation, attributed to the consultant.
    pub sale: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub requested_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub accepted_at: Option<Timestamp>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub closed_at: Option<Timestamp>,
}

/// Why an acceptance was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConsultationError {
    #[error("another associate already took this request")]
    Taken,
    #[error("this associate does not have the expertise asked for")]
    NotExpert,
    #[error("only the associate who took the consultation may close it")]
    NotConsultant,
    #[error("the consultation is already closed")]
    Closed,
}

/// Who ends a consultation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closer<'a> {
    /// An associate (their key's id): only the one who took it.
    Consultant(&'a str),
    /// The shopper's side — their app, the contact center: withdraws an untaken request or
    /// ends the chat at any time.
    Shopper,
}

/// Normalises a skill code: lowercase letters, digits, `_` and `-`, 1–40 characters.
pub fn valid_skill(skill: &str) -> bool {
    !skill.is_empty()
        && skill.len() <= 40
        && skill
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl ConsultationDraft {
    /// Validates and opens the request with its chat thread.
    pub fn open(
        self,
        tenant: TenantId,
        conversation: ConversationId,
        now: Timestamp,
    ) -> Result<Consultation, Violations> {
        let mut v = Violations::new();
        if !valid_skill(&self.skill) {
            v.push(
                "skill",
                "invalid",
                "a category code: a-z, 0-9, _ and -, 1–40 characters",
            );
        }
        if self.question.trim().is_empty() {
            v.push("question", "required", "say what you need advice on");
        }
        v.text("question", &self.question, 2_000);
        if let Some(s) = &self.sku {
            v.text("sku", s, 64);
        }
        v.finish(Consultation {
            id: ConsultationId::new(),
            tenant_id: tenant,
            customer_id: self.customer_id,
            skill: self.skill,
            sku: self.sku,
            question: self.question,
            status: ConsultationStatus::Open,
            consultant: None,
            consultant_store: None,
            conversation_id: conversation,
            sale: None,
            requested_at: now,
            accepted_at: None,
            closed_at: None,
        })
    }
}

impl Consultation {
    /// An associate with these skills takes the request (the store makes it exactly once).
    pub fn accept(
        &mut self,
        who: &str,
        store: Option<LocationId>,
        skills: &[String],
        now: Timestamp,
    ) -> Result<(), ConsultationError> {
        if self.status != ConsultationStatus::Open {
            return Err(ConsultationError::Taken);
        }
        if !skills.iter().any(|s| s == &self.skill) {
            return Err(ConsultationError::NotExpert);
        }
        self.status = ConsultationStatus::Accepted;
        self.consultant = Some(who.to_owned());
        self.consultant_store = store;
        self.accepted_at = Some(now);
        Ok(())
    }

    /// Ends the consultation: the consultant closes the one they took (so it stops counting
    /// as their open work), the shopper's side withdraws or ends it. Closed is final.
    pub fn close(&mut self, by: Closer<'_>, now: Timestamp) -> Result<(), ConsultationError> {
        if self.status == ConsultationStatus::Closed {
            return Err(ConsultationError::Closed);
        }
        if let Closer::Consultant(who) = by
            && self.consultant.as_deref() != Some(who)
        {
            return Err(ConsultationError::NotConsultant);
        }
        self.status = ConsultationStatus::Closed;
        self.closed_at = Some(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn request() -> Consultation {
        let draft = ConsultationDraft {
            customer_id: None,
            skill: "running".into(),
            sku: None,
            question: "Which shoes for a marathon?".into(),
        };
        draft
            .open(TenantId::new(), ConversationId::new(), Utc::now())
            .expect("valid")
    }

    #[test]
    fn only_the_consultant_or_the_shopper_closes_and_closed_is_final() {
        let mut c = request();
        let skills = ["running".to_owned()];
        c.accept("key-a", None, &skills, Utc::now()).expect("taken");
        assert_eq!(
            c.close(Closer::Consultant("key-b"), Utc::now()),
            Err(ConsultationError::NotConsultant)
        );
        assert_eq!(c.status, ConsultationStatus::Accepted);
        c.close(Closer::Consultant("key-a"), Utc::now())
            .expect("closed");
        assert_eq!(c.status, ConsultationStatus::Closed);
        assert!(c.closed_at.is_some());
        assert_eq!(
            c.close(Closer::Shopper, Utc::now()),
            Err(ConsultationError::Closed)
        );
        let mut withdrawn = request();
        withdrawn
            .close(Closer::Shopper, Utc::now())
            .expect("withdrawn");
        assert_eq!(
            withdrawn.accept("key-a", None, &skills, Utc::now()),
            Err(ConsultationError::Taken),
            "a withdrawn request cannot be taken"
        );
    }
}
