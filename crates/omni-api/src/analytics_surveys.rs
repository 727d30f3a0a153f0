//! `POST /v1/surveys`: the post-purchase survey ("how likely are you to recommend us",
//! 0–10) whose answers NPS is computed from. Every problem with an answer is reported at
//! once, per field; the answer and its `survey.answered` event commit together.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use omni_domain::Violations;
use omni_domain::access::{Action, Role};
use omni_kernel::{Channel, CustomerId, OrderId, Timestamp};
use omni_store::StoreError;
use omni_store::analytics::SurveyRecord;
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::error::Problem;
use crate::extract::JsonBody;
use crate::offers::{begin, event};
use crate::{ApiError, AppState};

const MAX_COMMENT: usize = 2_000;

/// A survey answer as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyDraft {
    pub customer_id: String,
    #[serde(default)]
    pub order_id: Option<String>,
    /// How likely the customer is to recommend the chain, 0–10.
    pub score: i64,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A survey answer as recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveyAnswerView {
    pub id: String,
    pub customer_id: String,
    pub order_id: Option<String>,
    #[schema(value_type = String)]
    pub channel: Channel,
    pub score: u8,
    pub comment: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// Checks a draft against the store: every problem is reported at once, per field.
async fn validate_survey(
    state: &AppState,
    principal: &Principal,
    d: &SurveyDraft,
) -> Result<SurveyRecord, ApiError> {
    let mut v = Violations::new();
    if !(0..=10).contains(&d.score) {
        v.push(
            "score",
            "out_of_range",
            "the score is a whole number from 0 to 10",
        );
    }
    if let Some(c) = &d.comment {
        v.text("comment", c, MAX_COMMENT);
    }
    let customer = match d.customer_id.parse::<CustomerId>() {
        Ok(id) => match state.store.customer(principal.tenant, id).await {
            Ok(_) => Some(id),
            Err(StoreError::NotFound) => {
                v.push("customer_id", "unknown", "no such customer");
                None
            }
            Err(e) => return Err(e.into()),
        },
        Err(_) => {
            v.push("customer_id", "invalid", "not a customer id");
            None
        }
    };
    let mut channel = principal.channel.unwrap_or(match principal.role {
        Role::Associate { .. } => Channel::AssociateApp,
        Role::Agent => Channel::CallCenter,
        _ => Channel::Web,
    });
    let mut order_id = None;
    if let Some(raw) = &d.order_id {
        match raw.parse::<OrderId>() {
            Ok(id) => match state.store.order(principal.tenant, id).await {
                Ok(o) if customer.is_none() || o.customer_id == customer => {
                    channel = o.channel;
                    order_id = Some(id);
                }
                Ok(_) => v.push(
                    "order_id",
                    "not_customers",
                    "the order is not this customer's",
                ),
                Err(StoreError::NotFound) => v.push("order_id", "unknown", "no such order"),
                Err(e) => return Err(e.into()),
            },
            Err(_) => v.push("order_id", "invalid", "not an order id"),
        }
    }
    match customer {
        Some(customer_id) if v.is_empty() => Ok(SurveyRecord {
            id: SurveyRecord::new_id(),
            customer_id,
            order_id,
            channel,
            score: d.score as u8,
            comment: d.comment.clone(),
            created_at: state.clock.now(),
        }),
        _ => Err(ApiError::from(v)),
    }
}

/// Records a customer's answer to the post-purchase survey ("how likely are you to
/// recommend us", 0–10) — the input of NPS. With an order, the answer counts for the
/// order's channel.
#[utoipa::path(post, path = "/v1/surveys", tag = "analytics", security(("api_key" = [])),
    request_body = SurveyDraft,
    responses((status = 201, body = SurveyAnswerView), (status = 422, body = Problem)))]
pub async fn answer_survey(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: JsonBody<SurveyDraft>,
) -> Result<Response, ApiError> {
    principal.require(Action::AnswerSurveys)?;
    // read everything first: no pool reads while the write transaction is open
    let record = validate_survey(&state, &principal, &body.value).await?;
    let view = SurveyAnswerView {
        id: record.id.clone(),
        customer_id: record.customer_id.to_string(),
        order_id: record.order_id.map(|o| o.to_string()),
        channel: record.channel,
        score: record.score,
        comment: record.comment.clone(),
        created_at: record.created_at,
    };
    let mut write = match begin(
        &state,
        &principal,
        &headers,
        "POST",
        "/v1/surveys",
        &body.raw,
    )
    .await?
    {
        Ok(w) => w,
        Err(r) => return Ok(r),
    };
    write
        .tx
        .insert_survey_answer(principal.tenant, &record)
        .await?;
    write
        .tx
        .record(&event(
            &principal,
            "survey.answered",
            &record.id,
            &view,
            &state,
        )?)
        .await?;
    write.finish(StatusCode::CREATED, &view, &[]).await
}
