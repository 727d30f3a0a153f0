//! Search synonyms a tenant manages: groups of words or phrases that mean the same to its
//! shoppers (`пылесос`, `vacuum`, `vacuum cleaner`). Expanded at query time, so a change
//! needs no re-index.

use serde::{Deserialize, Serialize};

use crate::Violations;

/// The tenant's synonym groups; each group lists interchangeable terms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Synonyms {
    pub groups: Vec<Vec<String>>,
}

impl Synonyms {
    /// Lower-cases and trims every term, drops empty ones, and checks the limits
    /// (≤ 1,000 groups of 2–20 terms of ≤ 60 characters).
    pub fn normalize(self) -> Result<Synonyms, Violations> {
        let mut v = Violations::new();
        if self.groups.len() > 1_000 {
            v.push("groups", "too_long", "at most 1000 groups");
        }
        let groups: Vec<Vec<String>> = self
            .groups
            .into_iter()
            .map(|g| {
                g.into_iter()
                    .map(|t| t.trim().to_lowercase())
                    .filter(|t| !t.is_empty())
                    .collect::<Vec<_>>()
            })
            .collect();
        for (i, g) in groups.iter().enumerate() {
            if !(2..=20).contains(&g.len()) {
                v.push(format!("groups[{i}]"), "invalid", "a group has 2–20 terms");
            }
            if g.iter().any(|t| t.chars().count() > 60) {
                v.push(
                    format!("groups[{i}]"),
                    "too_long",
                    "terms are at most 60 characters",
                );
            }
        }
        v.finish(Synonyms { groups })
    }

    /// The other terms of every group containing `term` (already lower case).
    pub fn expand<'a>(&'a self, term: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.groups
            .iter()
            .filter(move |g| g.iter().any(|t| t == term))
            .flat_map(move |g| g.iter().map(String::as_str).filter(move |t| *t != term))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_normalised_and_expanded_both_ways() {
        let s = Synonyms {
            groups: vec![vec![" Пылесос ".into(), "vacuum".into()]],
        }
        .normalize()
        .expect("valid");
        assert_eq!(s.expand("vacuum").collect::<Vec<_>>(), ["пылесос"]);
        assert_eq!(s.expand("пылесос").collect::<Vec<_>>(), ["vacuum"]);
        assert!(
            Synonyms {
                groups: vec![vec!["one".into()]]
            }
            .normalize()
            .is_err()
        );
    }
}
