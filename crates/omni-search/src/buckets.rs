//! Price-bucket counts collected in the same pass as the hits: one read of the price fast
//! field per match, instead of re-running the whole query once per bucket.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Counts matches whose price falls in each `[edges[i], edges[i + 1])` (the last open).
pub(crate) struct PriceBuckets {
    pub field: String,
    pub edges: Vec<i64>,
}

/// One segment's share of [`PriceBuckets`].
pub(crate) struct SegmentPriceBuckets {
    prices: Option<Column<i64>>,
    edges: Vec<i64>,
    counts: Vec<u64>,
}

impl Collector for PriceBuckets {
    type Fruit = Vec<u64>;
    type Child = SegmentPriceBuckets;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentPriceBuckets> {
        Ok(SegmentPriceBuckets {
            prices: segment.fast_fields().i64(&self.field).ok(),
            edges: self.edges.clone(),
            counts: vec![0; self.edges.len()],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<u64>>) -> tantivy::Result<Vec<u64>> {
        let mut total = vec![0; self.edges.len()];
        for fruit in fruits {
            for (t, c) in total.iter_mut().zip(fruit) {
                *t += c;
            }
        }
        Ok(total)
    }
}

impl SegmentCollector for SegmentPriceBuckets {
    type Fruit = Vec<u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        let Some(price) = self.prices.as_ref().and_then(|c| c.first(doc)) else {
            return;
        };
        // Edges ascend: the bucket is the last edge at or below the price.
        let above = self.edges.partition_point(|&edge| edge <= price);
        if let Some(bucket) = above.checked_sub(1) {
            self.counts[bucket] += 1;
        }
    }

    fn harvest(self) -> Vec<u64> {
        self.counts
    }
}
