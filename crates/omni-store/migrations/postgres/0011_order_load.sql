-- Today's load per location (orders sourced from it since a moment) is counted for every
-- network snapshot sourcing uses; without this index that count scanned every order the
-- tenant ever sourced.
CREATE INDEX order_sources_recent ON order_sources (tenant_id, created_at);
