//! Identifiers and their normalisation. Matching only works if the same phone written three
//! ways is one value: phones become E.164 (using the tenant country's default region for local
//! forms like `8 (916) 123-45-67`), emails are trimmed and case-folded, loyalty cards must carry
//! a valid Luhn check digit, handles are lower-cased without their `@`. Anything that cannot be
//! normalised is refused with a reason, never stored as typed.

use omni_kernel::{CountryCode, TenantId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The kinds of identifier a customer can be known by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum IdentifierKind {
    Phone,
    Email,
    LoyaltyCard,
    AppAccount,
    /// A device or cookie id: anonymous until it identifies.
    Device,
    Telegram,
    Whatsapp,
    Vk,
    /// The rotating signed token the app shows at the till; resolved, never stored.
    QrToken,
}

impl IdentifierKind {
    /// Every kind, in a stable order.
    pub const ALL: [IdentifierKind; 9] = [
        IdentifierKind::Phone,
        IdentifierKind::Email,
        IdentifierKind::LoyaltyCard,
        IdentifierKind::AppAccount,
        IdentifierKind::Device,
        IdentifierKind::Telegram,
        IdentifierKind::Whatsapp,
        IdentifierKind::Vk,
        IdentifierKind::QrToken,
    ];

    /// Wire and storage name.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentifierKind::Phone => "phone",
            IdentifierKind::Email => "email",
            IdentifierKind::LoyaltyCard => "loyalty_card",
            IdentifierKind::AppAccount => "app_account",
            IdentifierKind::Device => "device",
            IdentifierKind::Telegram => "telegram",
            IdentifierKind::Whatsapp => "whatsapp",
            IdentifierKind::Vk => "vk",
            IdentifierKind::QrToken => "qr_token",
        }
    }

    /// Parses the storage name.
    pub fn parse(s: &str) -> Option<IdentifierKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether a verified match on this kind is strong enough to merge two profiles
    /// automatically. Devices are shared (family tablets, shop kiosks), so they never are.
    pub fn merges_when_verified(self) -> bool {
        !matches!(self, IdentifierKind::Device | IdentifierKind::QrToken)
    }

    /// Whether the value is contact data (personal data shown masked to most roles).
    pub fn is_contact(self) -> bool {
        matches!(
            self,
            IdentifierKind::Phone
                | IdentifierKind::Email
                | IdentifierKind::Whatsapp
                | IdentifierKind::Telegram
                | IdentifierKind::Vk
        )
    }
}

/// An identifier as a client sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentifierInput {
    pub kind: IdentifierKind,
    pub value: String,
    /// Ownership was proven (OTP, confirmation link, card in hand). Only verified identifiers
    /// merge profiles automatically.
    #[serde(default)]
    pub verified: bool,
}

/// A normalised identifier: equal values mean the same phone, mailbox or card.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Identifier {
    pub kind: IdentifierKind,
    pub value: String,
}

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("must not be blank")]
    Blank,
    #[error("must be at most {0} characters")]
    TooLong(usize),
    #[error("`{0}` is not a phone number that can be dialled")]
    Phone(String),
    #[error("not an email address: {0}")]
    Email(&'static str),
    #[error("a loyalty card number is 8–19 digits with a valid check digit (Luhn)")]
    Card,
    #[error("a handle is 5–32 letters, digits or underscores")]
    Handle,
    #[error("use visible ASCII characters only")]
    Opaque,
    #[error("a QR token is resolved by signature, not stored")]
    QrToken,
}

impl Identifier {
    /// Normalises `raw` as a `kind`; local phone forms use the default `region`.
    pub fn parse(
        kind: IdentifierKind,
        raw: &str,
        region: CountryCode,
    ) -> Result<Identifier, IdentifierError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(IdentifierError::Blank);
        }
        if raw.chars().count() > 256 {
            return Err(IdentifierError::TooLong(256));
        }
        let value = match kind {
            IdentifierKind::Phone | IdentifierKind::Whatsapp => phone(raw, region)?,
            IdentifierKind::Email => email(raw)?,
            IdentifierKind::LoyaltyCard => card(raw)?,
            IdentifierKind::Telegram | IdentifierKind::Vk => handle(kind, raw)?,
            IdentifierKind::AppAccount | IdentifierKind::Device => opaque(raw)?,
            IdentifierKind::QrToken => return Err(IdentifierError::QrToken),
        };
        Ok(Identifier { kind, value })
    }

    /// A tenant-keyed SHA-256 of the normalised value: what events carry instead of the value,
    /// so the feed, NATS and webhooks never hold a phone or an email.
    pub fn digest(&self, tenant: TenantId) -> String {
        self.digest_bytes(tenant)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The digest as bytes: the key of the per-node identity index, which is fed from events
    /// that carry only the digest.
    pub fn digest_bytes(&self, tenant: TenantId) -> [u8; 16] {
        let mut h = Sha256::new();
        h.update(tenant.to_string().as_bytes());
        h.update([0]);
        h.update(self.kind.as_str().as_bytes());
        h.update([0]);
        h.update(self.value.as_bytes());
        let out = h.finalize();
        let mut d = [0; 16];
        d.copy_from_slice(&out[..16]);
        d
    }

    /// The value masked for roles that see a reduced profile.
    pub fn masked(&self) -> String {
        mask(self.kind, &self.value)
    }
}

/// Masks a normalised value: `+7916*****67`, `i***@example.com`, `****1234`.
pub fn mask(kind: IdentifierKind, value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    match kind {
        IdentifierKind::Email => match value.split_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}***@{domain}")
            }
            None => "***".into(),
        },
        IdentifierKind::Phone | IdentifierKind::Whatsapp if chars.len() > 7 => {
            let head: String = chars[..5].iter().collect();
            let tail: String = chars[chars.len() - 2..].iter().collect();
            format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
        }
        _ if chars.len() > 4 => {
            let tail: String = chars[chars.len() - 4..].iter().collect();
            format!("****{tail}")
        }
        _ => "****".into(),
    }
}

fn phone(raw: &str, region: CountryCode) -> Result<String, IdentifierError> {
    let bad = || IdentifierError::Phone(raw.to_owned());
    let id = region.as_str().parse::<phonenumber::country::Id>().ok();
    let number = phonenumber::parse(id, raw).map_err(|_| bad())?;
    if !phonenumber::is_valid(&number) {
        return Err(bad());
    }
    Ok(number.format().mode(phonenumber::Mode::E164).to_string())
}

fn email(raw: &str) -> Result<String, IdentifierError> {
    let value = raw.to_lowercase();
    let (local, domain) = value
        .split_once('@')
        .ok_or(IdentifierError::Email("missing `@`"))?;
    if local.is_empty() || local.len() > 64 {
        return Err(IdentifierError::Email(
            "the part before `@` is empty or too long",
        ));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) || domain.contains('@') {
        return Err(IdentifierError::Email("contains spaces or a second `@`"));
    }
    let labels_ok = domain.contains('.')
        && domain
            .split('.')
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && l.len() <= 63);
    if !labels_ok {
        return Err(IdentifierError::Email("the domain is not a host name"));
    }
    Ok(value)
}

/// Luhn check over an all-digit string.
pub(crate) fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

fn card(raw: &str) -> Result<String, IdentifierError> {
    let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let ok = (8..=19).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && luhn_valid(&digits);
    if ok {
        Ok(digits)
    } else {
        Err(IdentifierError::Card)
    }
}

fn handle(kind: IdentifierKind, raw: &str) -> Result<String, IdentifierError> {
    let mut v = raw.to_lowercase();
    for prefix in ["https://", "http://", "t.me/", "vk.com/", "@"] {
        if let Some(rest) = v.strip_prefix(prefix) {
            v = rest.to_owned();
        }
    }
    let min = if kind == IdentifierKind::Vk { 2 } else { 5 };
    let ok = (min..=32).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
    if ok {
        Ok(v)
    } else {
        Err(IdentifierError::Handle)
    }
}

fn opaque(raw: &str) -> Result<String, IdentifierError> {
    if raw.len() > 128 {
        return Err(IdentifierError::TooLong(128));
    }
    if raw.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(raw.to_owned())
    } else {
        Err(IdentifierError::Opaque)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(kind: IdentifierKind, raw: &str, region: &str) -> Result<String, IdentifierError> {
        let region = CountryCode::parse(region).expect("region");
        Identifier::parse(kind, raw, region).map(|i| i.value)
    }

    #[test]
    fn russian_phone_formats_are_one_number() {
        for raw in [
            "8 (916) 123-45-67",
            "+7 916 123 45 67",
            "79161234567",
            "89161234567",
            "+7(916)1234567",
            " 8-916-123-45-67 ",
            "tel:+7-916-123-45-67",
        ] {
            assert_eq!(
                norm(IdentifierKind::Phone, raw, "RU").as_deref(),
                Ok("+79161234567"),
                "{raw}"
            );
        }
        assert_eq!(
            norm(IdentifierKind::Phone, "8 (495) 123-45-67", "RU").as_deref(),
            Ok("+74951234567")
        );
    }

    #[test]
    fn kazakh_phone_formats_are_one_number_under_both_regions() {
        for (raw, region) in [
            ("+7 701 123 45 67", "KZ"),
            ("8 (701) 123-45-67", "KZ"),
            ("87011234567", "KZ"),
            ("+7 701 123 45 67", "RU"),
            ("8 701 123 45 67", "RU"),
        ] {
            assert_eq!(
                norm(IdentifierKind::Phone, raw, region).as_deref(),
                Ok("+77011234567"),
                "{raw} {region}"
            );
        }
        assert_eq!(
            norm(IdentifierKind::Phone, "8 (727) 250-12-34", "KZ").as_deref(),
            Ok("+77272501234")
        );
    }

    #[test]
    fn impossible_phones_are_refused_with_a_reason() {
        for raw in ["12345", "8 (916) 123-45", "not a phone", "+7 000 000 00 00"] {
            let err = norm(IdentifierKind::Phone, raw, "RU").expect_err(raw);
            assert!(matches!(err, IdentifierError::Phone(_)), "{raw}");
        }
    }

    #[test]
    fn emails_are_trimmed_and_case_folded() {
        assert_eq!(
            norm(IdentifierKind::Email, "  Ivan.Petrov@Example.COM ", "RU").as_deref(),
            Ok("ivan.petrov@example.com")
        );
        assert_eq!(
            norm(IdentifierKind::Email, "Мария@Пример.рф", "RU").as_deref(),
            Ok("мария@пример.рф")
        );
        for raw in [
            "ivan",
            "@example.com",
            "a@b",
            "a b@example.com",
            "a@@example.com",
        ] {
            assert!(
                matches!(
                    norm(IdentifierKind::Email, raw, "RU"),
                    Err(IdentifierError::Email(_))
                ),
                "{raw}"
            );
        }
    }

    #[test]
    fn loyalty_cards_need_a_valid_check_digit() {
        assert_eq!(
            norm(IdentifierKind::LoyaltyCard, "7001 0000 0000 0004", "RU").as_deref(),
            Ok("7001000000000004")
        );
        assert!(luhn_valid("79927398713"));
        assert_eq!(
            norm(IdentifierKind::LoyaltyCard, "7001 0000 0000 0009", "RU"),
            Err(IdentifierError::Card)
        );
        assert_eq!(
            norm(IdentifierKind::LoyaltyCard, "12ab", "RU"),
            Err(IdentifierError::Card)
        );
    }

    #[test]
    fn handles_lose_their_at_and_case() {
        assert_eq!(
            norm(IdentifierKind::Telegram, "@Ivan_Petrov", "RU").as_deref(),
            Ok("ivan_petrov")
        );
        assert_eq!(
            norm(IdentifierKind::Vk, "https://vk.com/Durov", "RU").as_deref(),
            Ok("durov")
        );
        assert_eq!(
            norm(IdentifierKind::Whatsapp, "8 916 123 45 67", "RU").as_deref(),
            Ok("+79161234567")
        );
        assert_eq!(
            norm(IdentifierKind::Telegram, "@x", "RU"),
            Err(IdentifierError::Handle)
        );
        assert_eq!(
            norm(IdentifierKind::QrToken, "abc", "RU"),
            Err(IdentifierError::QrToken)
        );
        assert_eq!(
            norm(IdentifierKind::Device, "  ", "RU"),
            Err(IdentifierError::Blank)
        );
    }

    #[test]
    fn masks_hide_all_but_a_hint() {
        assert_eq!(mask(IdentifierKind::Phone, "+79161234567"), "+7916*****67");
        assert_eq!(
            mask(IdentifierKind::Email, "ivan@example.com"),
            "i***@example.com"
        );
        assert_eq!(
            mask(IdentifierKind::LoyaltyCard, "7001000000000004"),
            "****0004"
        );
    }

    #[test]
    fn digests_depend_on_tenant_kind_and_value() {
        let region = CountryCode::parse("RU").expect("region");
        let a = Identifier::parse(IdentifierKind::Phone, "+79161234567", region).expect("ok");
        let t = TenantId::new();
        assert_eq!(a.digest(t), a.digest(t));
        assert_ne!(a.digest(t), a.digest(TenantId::new()));
        assert!(!a.digest(t).contains("9161234567"));
    }
}
