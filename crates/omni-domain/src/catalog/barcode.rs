//! Barcodes on a variant: EAN-13, EAN-8 and UPC-A (GTIN-8/12/13), with the GS1 check digit
//! verified so a mistyped code is refused at entry instead of failing at the till.

use serde::{Deserialize, Serialize};

/// The symbology, told apart by length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BarcodeKind {
    Ean8,
    UpcA,
    Ean13,
}

/// Why a barcode was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BarcodeError {
    #[error("a barcode has 8 (EAN-8), 12 (UPC-A) or 13 (EAN-13) digits")]
    Length,
    #[error("a barcode has digits only")]
    NotDigits,
    #[error("the check digit is wrong (expected {expected})")]
    CheckDigit { expected: u8 },
}

/// A GTIN whose check digit is correct.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "4006381333931"))]
pub struct Barcode(String);

/// The GS1 check digit for the digits before it (weights 3,1,3,… from the right).
pub fn check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(*d) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

impl Barcode {
    /// Parses and verifies a code (surrounding spaces ignored).
    pub fn parse(raw: &str) -> Result<Barcode, BarcodeError> {
        let s = raw.trim();
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BarcodeError::NotDigits);
        }
        if !matches!(s.len(), 8 | 12 | 13) {
            return Err(BarcodeError::Length);
        }
        let digits: Vec<u8> = s.bytes().map(|b| b - b'0').collect();
        let (body, last) = digits.split_at(digits.len() - 1);
        let expected = check_digit(body);
        if last[0] != expected {
            return Err(BarcodeError::CheckDigit { expected });
        }
        Ok(Barcode(s.to_owned()))
    }

    /// Completes a 12-digit body into a valid EAN-13 (demo and test data).
    pub fn ean13_from_body(body: u64) -> Barcode {
        let text = format!("{:012}", body % 1_000_000_000_000);
        let digits: Vec<u8> = text.bytes().map(|b| b - b'0').collect();
        Barcode(format!("{text}{}", check_digit(&digits)))
    }

    /// Which symbology this is.
    pub fn kind(&self) -> BarcodeKind {
        match self.0.len() {
            8 => BarcodeKind::Ean8,
            12 => BarcodeKind::UpcA,
            _ => BarcodeKind::Ean13,
        }
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Barcode {
    type Error = BarcodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Barcode::parse(&s)
    }
}

impl From<Barcode> for String {
    fn from(b: Barcode) -> String {
        b.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn real_codes_verify_and_typos_are_refused() {
        assert_eq!(
            Barcode::parse("4006381333931").map(|b| b.kind()),
            Ok(BarcodeKind::Ean13)
        );
        assert_eq!(
            Barcode::parse("036000291452").map(|b| b.kind()),
            Ok(BarcodeKind::UpcA)
        );
        assert_eq!(
            Barcode::parse("96385074").map(|b| b.kind()),
            Ok(BarcodeKind::Ean8)
        );
        assert_eq!(
            Barcode::parse("4006381333932"),
            Err(BarcodeError::CheckDigit { expected: 1 })
        );
        assert_eq!(Barcode::parse("40063813339"), Err(BarcodeError::Length));
        assert_eq!(
            Barcode::parse("40063813339x1"),
            Err(BarcodeError::NotDigits)
        );
    }

    proptest! {
        #[test]
        fn generated_codes_verify_and_any_single_digit_change_is_caught(body in 0u64..1_000_000_000_000, pos in 0usize..13, delta in 1u8..10) {
            let code = Barcode::ean13_from_body(body);
            prop_assert!(Barcode::parse(code.as_str()).is_ok());
            let mut bytes = code.as_str().as_bytes().to_vec();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let typo = String::from_utf8(bytes).unwrap_or_default();
            prop_assert!(Barcode::parse(&typo).is_err());
        }
    }
}
