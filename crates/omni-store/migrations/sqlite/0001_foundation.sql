-- Foundation: tenants, locations, API keys, idempotency keys, the outbox and its relay state.
-- Times are Unix milliseconds (INTEGER); money, when it comes, is integer minor units.

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    countries   TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE locations (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    id          TEXT NOT NULL,
    code        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    status      TEXT NOT NULL,
    lat         REAL NOT NULL,
    lon         REAL NOT NULL,
    doc         TEXT NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, code)
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    store_id     TEXT,
    channel      TEXT,
    secret_hash  BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
CREATE INDEX api_keys_by_tenant ON api_keys (tenant_id, id);

CREATE TABLE idempotency_keys (
    tenant_id    TEXT NOT NULL,
    credential   TEXT NOT NULL,
    key          TEXT NOT NULL,
    fingerprint  BLOB NOT NULL,
    status       INTEGER NOT NULL,
    body         BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, credential, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id     TEXT NOT NULL UNIQUE,
    tenant_id    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    occurred_at  INTEGER NOT NULL,
    data         TEXT NOT NULL,
    feed_seq     INTEGER UNIQUE
);
CREATE INDEX outbox_unsequenced ON outbox (id) WHERE feed_seq IS NULL;
CREATE INDEX outbox_feed ON outbox (tenant_id, feed_seq) WHERE feed_seq IS NOT NULL;

CREATE TABLE relay_state (
    name         TEXT PRIMARY KEY,
    position     INTEGER NOT NULL,
    lease_owner  TEXT,
    lease_until  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO relay_state (name, position) VALUES ('feed', 0), ('nats', 0);

CREATE TABLE webhooks (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL REFERENCES tenants(id),
    url              TEXT NOT NULL,
    secret           TEXT NOT NULL,
    event_types      TEXT NOT NULL,
    active           INTEGER NOT NULL,
    position         INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT,
    lease_owner      TEXT,
    lease_until      INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL
);
CREATE INDEX webhooks_by_tenant ON webhooks (tenant_id, id);
