-- The movements ledger clustered by stock row: every read of it asks for one stock row's
-- movements (the ledger page, the reconciliation sum), and a bulk feed appends a million
-- entries. As a rowid table it kept each entry three times (the table, the (tenant, id)
-- key, the by-stock index); clustered on (tenant, sku, location, id) it is one B-tree.
CREATE TABLE stock_movements_by_stock_row (
    tenant_id    TEXT NOT NULL,
    id           TEXT NOT NULL,
    sku          TEXT NOT NULL,
    location_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    quantity     INTEGER NOT NULL,
    reference    TEXT,
    occurred_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, sku, location_id, id)
) WITHOUT ROWID;
INSERT INTO stock_movements_by_stock_row
    SELECT tenant_id, id, sku, location_id, kind, quantity, reference, occurred_at
    FROM stock_movements ORDER BY tenant_id, sku, location_id, id;
DROP TABLE stock_movements;
ALTER TABLE stock_movements_by_stock_row RENAME TO stock_movements;
