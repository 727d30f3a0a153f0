-- Customers: profiles (golden records), the identity graph, timeline, consents, merges,
-- the PII access audit log, QR secrets and segments. No table here holds personal data
-- outside `customers.doc`, `customers.city`, `customer_identifiers.value`,
-- `customer_timeline.data/device_id` and `customer_merges.survivor_before`; erasure scrubs
-- exactly those. The audit log and events hold ids and reason codes only.

CREATE TABLE customers (
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    id            TEXT NOT NULL,
    status        TEXT NOT NULL,
    merged_into   TEXT,
    tier          TEXT NOT NULL,
    city          TEXT,
    spent_90d     INTEGER NOT NULL,
    points        INTEGER NOT NULL,
    consent_bits  INTEGER NOT NULL,
    doc           TEXT NOT NULL,
    version       INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX customers_merged ON customers (tenant_id, merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE customer_identifiers (
    tenant_id           TEXT NOT NULL,
    kind                TEXT NOT NULL,
    value               TEXT NOT NULL,
    customer_id         TEXT NOT NULL,
    verified            INTEGER NOT NULL,
    source              TEXT NOT NULL,
    origin_customer_id  TEXT NOT NULL,
    merge_id            TEXT,
    created_at          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, kind, value, customer_id)
);
-- One verified owner per identifier: two channels identifying the same new phone at the same
-- moment make one customer, not two.
CREATE UNIQUE INDEX customer_identifiers_verified ON customer_identifiers (tenant_id, kind, value) WHERE verified = 1;
CREATE INDEX customer_identifiers_by_customer ON customer_identifiers (tenant_id, customer_id);

CREATE TABLE customer_timeline (
    tenant_id    TEXT NOT NULL,
    id           TEXT NOT NULL,
    customer_id  TEXT,
    device_id    TEXT,
    kind         TEXT NOT NULL,
    channel      TEXT NOT NULL,
    location_id  TEXT,
    occurred_at  INTEGER NOT NULL,
    data         TEXT NOT NULL,
    merge_id     TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX customer_timeline_by_customer ON customer_timeline (tenant_id, customer_id, id);
CREATE INDEX customer_timeline_anonymous ON customer_timeline (tenant_id, device_id) WHERE customer_id IS NULL;

CREATE TABLE customer_consents (
    tenant_id    TEXT NOT NULL,
    id           TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    channel      TEXT,
    granted      INTEGER NOT NULL,
    method       TEXT NOT NULL,
    source       TEXT NOT NULL,
    location_id  TEXT,
    at           INTEGER NOT NULL,
    merge_id     TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX customer_consents_by_customer ON customer_consents (tenant_id, customer_id);

CREATE TABLE customer_merges (
    tenant_id        TEXT NOT NULL,
    id               TEXT NOT NULL,
    survivor         TEXT NOT NULL,
    loser            TEXT NOT NULL,
    status           TEXT NOT NULL,
    doc              TEXT NOT NULL,
    survivor_before  TEXT,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX customer_merges_by_status ON customer_merges (tenant_id, status, id);

CREATE TABLE customer_access_log (
    tenant_id    TEXT NOT NULL,
    id           TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    role         TEXT NOT NULL,
    action       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    at           INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX customer_access_log_by_customer ON customer_access_log (tenant_id, customer_id, id);

CREATE TABLE customer_qr_secrets (
    tenant_id  TEXT PRIMARY KEY,
    secret     BLOB NOT NULL
);

CREATE TABLE segments (
    tenant_id        TEXT NOT NULL,
    id               TEXT NOT NULL,
    name             TEXT NOT NULL,
    rule             TEXT NOT NULL,
    member_count     INTEGER,
    materialized_at  INTEGER,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE segment_members (
    tenant_id    TEXT NOT NULL,
    segment_id   TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, segment_id, customer_id)
);
CREATE INDEX segment_members_by_customer ON segment_members (tenant_id, customer_id);
