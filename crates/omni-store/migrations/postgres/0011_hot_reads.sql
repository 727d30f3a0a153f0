-- Today's load per location (orders sourced from it since a moment) is counted for every
-- network snapshot sourcing uses; without this index that count scanned every order the
-- tenant ever sourced.
CREATE INDEX order_sources_recent ON order_sources (tenant_id, created_at);

-- The segment snapshot reads six small columns of every active customer in id order; from
-- the table that meant paging through every profile document too (a million customers:
-- 2.3 GB). This index holds just those columns, for index-only scans.
CREATE INDEX customers_facts ON customers (tenant_id, id) INCLUDE (status, tier, city, spent_90d, points, consent_bits);
