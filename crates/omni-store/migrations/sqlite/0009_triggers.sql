-- Trigger chains as data, their waiting runs (at most one per chain and customer) and the
-- log of every firing (sent, applied, deferred or dropped, with the reason) — the log is
-- also what the daily frequency cap counts.
CREATE TABLE trigger_chains (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    id          TEXT NOT NULL,
    version     INTEGER NOT NULL,
    doc         TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE trigger_runs (
    tenant_id   TEXT NOT NULL,
    chain_id    TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    due_at      INTEGER NOT NULL,
    event_id    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, chain_id, customer_id)
);
CREATE INDEX trigger_runs_by_due ON trigger_runs (due_at);

CREATE TABLE trigger_firings (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    chain_id    TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    local_day   TEXT NOT NULL,
    decision    TEXT NOT NULL,
    counted     INTEGER NOT NULL,
    doc         TEXT NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX trigger_firings_by_customer ON trigger_firings (tenant_id, customer_id, chain_id, local_day);
CREATE INDEX trigger_firings_by_time ON trigger_firings (tenant_id, at);

INSERT INTO relay_state (name, position) VALUES ('triggers', 0);
