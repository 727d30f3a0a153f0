//! Learned and evaluated on held-out data: recommendations, abandoned-cart purchase probability, demand forecast.
