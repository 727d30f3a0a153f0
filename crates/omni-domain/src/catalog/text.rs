//! Texts in the content locales the chain sells in (Russian and English).

use serde::{Deserialize, Serialize};

/// A text per locale; at least one is required where the text itself is required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LocalizedText {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ru: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

impl LocalizedText {
    /// A text in both locales.
    pub fn new(ru: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            ru: Some(ru.into()),
            en: Some(en.into()),
        }
    }

    /// Each present, non-blank text (search indexes all of them).
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        [self.ru.as_deref(), self.en.as_deref()]
            .into_iter()
            .flatten()
            .filter(|t| !t.trim().is_empty())
    }

    /// The Russian text, else the English one: what a Russian shopper sees.
    pub fn best(&self) -> &str {
        self.texts().next().unwrap_or("")
    }

    /// Whether no locale has text.
    pub fn is_blank(&self) -> bool {
        self.texts().next().is_none()
    }

    /// Records `required` when blank and `too_long` for a text over `max` characters.
    pub fn check(&self, field: &str, required: bool, max: usize, v: &mut crate::Violations) {
        if required && self.is_blank() {
            v.push(
                field,
                "required",
                "give a text in at least one locale (ru or en)",
            );
        }
        for (locale, text) in [("ru", &self.ru), ("en", &self.en)] {
            if text.as_ref().is_some_and(|t| t.chars().count() > max) {
                v.push(
                    format!("{field}.{locale}"),
                    "too_long",
                    format!("must be at most {max} characters"),
                );
            }
        }
    }
}
