-- Carts shared by every channel: one open cart per customer and one per anonymous device.
CREATE TABLE carts (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    id          TEXT NOT NULL,
    customer_id TEXT,
    device_id   TEXT,
    status      TEXT NOT NULL,
    version     BIGINT NOT NULL,
    doc         TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX carts_open_per_customer ON carts (tenant_id, customer_id)
    WHERE status = 'open' AND customer_id IS NOT NULL;
CREATE UNIQUE INDEX carts_open_per_device ON carts (tenant_id, device_id)
    WHERE status = 'open' AND customer_id IS NULL;

-- Orders of every channel. The document holds lines, delivery, payment and history; the
-- columns are what lists and lookups filter on.
CREATE TABLE orders (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    id          TEXT NOT NULL,
    number      TEXT NOT NULL,
    customer_id TEXT,
    status      TEXT NOT NULL,
    channel     TEXT NOT NULL,
    total       BIGINT NOT NULL,
    currency    TEXT NOT NULL,
    version     BIGINT NOT NULL,
    doc         TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX orders_number ON orders (tenant_id, number);
CREATE INDEX orders_customer ON orders (tenant_id, customer_id, created_at);
CREATE INDEX orders_created ON orders (tenant_id, created_at);

-- Which locations send goods for an order, with the order's status: a store's pick list.
CREATE TABLE order_sources (
    tenant_id   TEXT NOT NULL,
    location_id TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    status      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, location_id, order_id)
);

-- Order numbers. SQLite (one writer) takes consecutive per-tenant numbers from this table;
-- PostgreSQL takes them from a sequence, which never locks, so concurrent checkouts on
-- several nodes do not queue on one counter row (a rolled-back checkout leaves a gap).
CREATE SEQUENCE order_number_seq START 100001;
CREATE TABLE order_counters (
    tenant_id   TEXT PRIMARY KEY REFERENCES tenants(id),
    next_number BIGINT NOT NULL
);

CREATE TABLE order_returns (
    tenant_id   TEXT NOT NULL,
    id          TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    location_id TEXT NOT NULL,
    doc         TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX order_returns_by_order ON order_returns (tenant_id, order_id);

-- A merchant's sourcing rules (JSON), versioned for If-Match.
CREATE TABLE sourcing_rules (
    tenant_id   TEXT PRIMARY KEY REFERENCES tenants(id),
    doc         TEXT NOT NULL,
    version     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
