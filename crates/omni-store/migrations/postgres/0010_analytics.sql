-- Post-purchase survey answers ("how likely are you to recommend us", 0–10): the input of
-- NPS. The channel is the purchase's (or the answering app's when no order is named).
CREATE TABLE survey_answers (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    id          TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    order_id    TEXT,
    channel     TEXT NOT NULL,
    score       BIGINT NOT NULL,
    comment     TEXT,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX survey_answers_by_customer ON survey_answers (tenant_id, customer_id);
