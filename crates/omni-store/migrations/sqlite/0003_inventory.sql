-- Inventory: stock per SKU × location, the movements ledger, reservations, transfers and the
-- staging table feeds are applied through. The CHECK constraints are the last line of the
-- no-oversell rule: no write, however it is raced, can leave reserved above on-hand.

CREATE TABLE stock (
    tenant_id     TEXT NOT NULL,
    sku           TEXT NOT NULL,
    location_id   TEXT NOT NULL,
    on_hand       INTEGER NOT NULL DEFAULT 0,
    reserved      INTEGER NOT NULL DEFAULT 0,
    safety_stock  INTEGER NOT NULL DEFAULT 0,
    in_transit    INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, sku, location_id),
    CHECK (on_hand >= 0),
    CHECK (reserved >= 0),
    CHECK (reserved <= on_hand),
    CHECK (safety_stock >= 0),
    CHECK (in_transit >= 0)
) WITHOUT ROWID;
CREATE INDEX stock_by_location ON stock (tenant_id, location_id, sku);

CREATE TABLE stock_movements (
    tenant_id    TEXT NOT NULL,
    id           TEXT NOT NULL,
    sku          TEXT NOT NULL,
    location_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    quantity     INTEGER NOT NULL,
    reference    TEXT,
    occurred_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX stock_movements_by_stock ON stock_movements (tenant_id, sku, location_id, id);

CREATE TABLE reservations (
    tenant_id    TEXT NOT NULL,
    id           TEXT NOT NULL,
    sku          TEXT NOT NULL,
    location_id  TEXT NOT NULL,
    status       TEXT NOT NULL,
    expires_at   INTEGER NOT NULL,
    doc          TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
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
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE stock_feed_rows (
    batch_id      TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    sku           TEXT NOT NULL,
    location_id   TEXT NOT NULL,
    quantity      INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    safety_stock  INTEGER,
    movement_id   TEXT NOT NULL,
    PRIMARY KEY (batch_id, seq)
);

CREATE INDEX locations_by_position ON locations (tenant_id, lat, lon);
