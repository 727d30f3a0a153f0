-- Inventory: stock per SKU × location, the movements ledger, reservations, transfers and the
-- staging table feeds are applied through. The CHECK constraints are the last line of the
-- no-oversell rule: no write, however it is raced, can leave reserved above on-hand.

CREATE TABLE stock (
    tenant_id     TEXT NOT NULL,
    sku           TEXT NOT NULL,
    location_id   TEXT NOT NULL,
    on_hand       BIGINT NOT NULL DEFAULT 0,
    reserved      BIGINT NOT NULL DEFAULT 0,
    safety_stock  BIGINT NOT NULL DEFAULT 0,
    in_transit    BIGINT NOT NULL DEFAULT 0,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, sku, location_id),
    CHECK (on_hand >= 0),
    CHECK (reserved >= 0),
    CHECK (reserved <= on_hand),
    CHECK (safety_stock >= 0),
    CHECK (in_transit >= 0)
);
CREATE INDEX stock_by_location ON stock (tenant_id, location_id, sku);

CREATE TABLE stock_movements (
    tenant_id    TEXT NOT NULL,
    id           TEXT NOT NULL,
    sku          TEXT NOT NULL,
    location_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    quantity     BIGINT NOT NULL,
    reference    TEXT,
    occurred_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX stock_movements_by_stock ON stock_movements (tenant_id, sku, location_id, id);

CREATE TABLE reservations (
    tenant_id    TEXT NOT NULL,
    id           TEXT NOT NULL,
    sku          TEXT NOT NULL,
    location_id  TEXT NOT NULL,
    status       TEXT NOT NULL,
    expires_at   BIGINT NOT NULL,
    doc          TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX reservations_due ON reservations (expires_at) WHERE status = 'active';
CREATE INDEX reservations_active_by_stock ON reservations (tenant_id, sku, location_id, expires_at)
    WHERE status = 'active';

CREATE TABLE transfers (
    tenant_id    TEXT NOT NULL,
    id           TEXT NOT NULL,
    status       TEXT NOT NULL,
    doc          TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE UNLOGGED TABLE stock_feed_rows (
    batch_id      TEXT NOT NULL,
    seq           BIGINT NOT NULL,
    sku           TEXT NOT NULL,
    location_id   TEXT NOT NULL,
    quantity      BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    safety_stock  BIGINT,
    movement_id   TEXT NOT NULL,
    PRIMARY KEY (batch_id, seq)
);

CREATE INDEX locations_by_position ON locations (tenant_id, lat, lon);
