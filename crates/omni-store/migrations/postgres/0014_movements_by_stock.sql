-- The movements ledger keyed by stock row: every read of it asks for one stock row's
-- movements, so the (tenant, sku, location, id) index becomes the primary key and the
-- separate (tenant, id) key — one more index entry per movement, read by nothing — goes.
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_pkey;
ALTER TABLE stock_movements ADD PRIMARY KEY (tenant_id, sku, location_id, id);
DROP INDEX stock_movements_by_stock;
