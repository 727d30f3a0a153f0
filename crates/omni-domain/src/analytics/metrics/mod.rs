//! Reports over the sales: RFM, LTV, cohorts, channel migration, sales, uplift, NPS.
