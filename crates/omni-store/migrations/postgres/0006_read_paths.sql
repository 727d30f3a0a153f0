-- Availability near a point reads a SKU's stock rows and, for each, its location's position:
-- this index answers the position without touching the location document, so only the few
-- nearest locations' documents are read.
CREATE INDEX locations_position ON locations (tenant_id, id, lat, lon);

-- Per-tenant channel rules for availability (what a channel shows and may promise).
CREATE TABLE inventory_channel_rules (
    tenant_id   TEXT PRIMARY KEY REFERENCES tenants(id),
    doc         TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- A customer's identifiers in (kind, value) order straight from one index: without it the
-- planner walked the primary key of every identifier of the tenant to get the order (seconds
-- per identify at a million customers).
DROP INDEX customer_identifiers_by_customer;
CREATE INDEX customer_identifiers_by_customer ON customer_identifiers (tenant_id, customer_id, kind, value);
