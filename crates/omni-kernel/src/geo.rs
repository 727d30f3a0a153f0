//! Coordinates of locations and shoppers, and the great-circle distance between them
//! (used to find stores near a customer and to source orders).

use serde::{Deserialize, Serialize};

/// Why a coordinate pair was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GeoError {
    #[error("latitude must be between -90 and 90")]
    Latitude,
    #[error("longitude must be between -180 and 180")]
    Longitude,
}

/// A WGS-84 point. Validated on construction and on deserialisation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawPoint")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GeoPoint {
    lat: f64,
    lon: f64,
}

#[derive(Deserialize)]
struct RawPoint {
    lat: f64,
    lon: f64,
}

impl TryFrom<RawPoint> for GeoPoint {
    type Error = GeoError;
    fn try_from(p: RawPoint) -> Result<Self, Self::Error> {
        GeoPoint::new(p.lat, p.lon)
    }
}

const EARTH_RADIUS_KM: f64 = 6371.0088;

impl GeoPoint {
    /// A checked point.
    pub fn new(lat: f64, lon: f64) -> Result<Self, GeoError> {
        if !(-90.0..=90.0).contains(&lat) {
            return Err(GeoError::Latitude);
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(GeoError::Longitude);
        }
        Ok(Self { lat, lon })
    }

    /// Latitude in degrees.
    pub fn lat(&self) -> f64 {
        self.lat
    }

    /// Longitude in degrees.
    pub fn lon(&self) -> f64 {
        self.lon
    }

    /// Great-circle (haversine) distance in kilometres.
    pub fn distance_km(&self, other: &GeoPoint) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_KM * a.sqrt().asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moscow_to_saint_petersburg_is_about_634_km() {
        let msk = GeoPoint::new(55.7558, 37.6173).expect("valid");
        let spb = GeoPoint::new(59.9343, 30.3351).expect("valid");
        let d = msk.distance_km(&spb);
        assert!((630.0..640.0).contains(&d), "{d}");
    }

    #[test]
    fn out_of_range_coordinates_are_refused() {
        assert_eq!(GeoPoint::new(91.0, 0.0), Err(GeoError::Latitude));
        assert_eq!(GeoPoint::new(0.0, -181.0), Err(GeoError::Longitude));
        assert!(serde_json::from_str::<GeoPoint>(r#"{"lat": 100, "lon": 0}"#).is_err());
    }
}
