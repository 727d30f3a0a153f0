//! A tenant's synonyms keyed by stem, so every inflection of a term finds its group:
//! `кедами` and `кеды` share the stem `кед`, and both expand to `кроссовки`.

use std::collections::HashMap;

use omni_domain::catalog::Synonyms;

use crate::SearchIndex;

/// For each key (a single-word term's Russian and English stems, or a phrase as written),
/// the other terms of every group holding it.
#[derive(Debug, Default)]
pub(crate) struct SynonymIndex {
    by_key: HashMap<String, Vec<String>>,
}

impl SynonymIndex {
    /// The alternatives of `word`, looked up by the word itself and by its stems.
    pub fn alternatives<'a>(&'a self, keys: &[String]) -> Vec<&'a str> {
        let mut out: Vec<&str> = keys
            .iter()
            .filter_map(|k| self.by_key.get(k))
            .flatten()
            .map(String::as_str)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl SearchIndex {
    /// The keys a term is filed and looked up under: itself and its stems.
    pub(crate) fn synonym_keys(&self, term: &str) -> Vec<String> {
        let mut keys = vec![term.to_owned()];
        if !term.contains(' ') {
            keys.extend(self.analyze("omni_ru", term));
            keys.extend(self.analyze("omni_en", term));
        }
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// Files every term of every group under its keys.
    pub(crate) fn synonym_index(&self, synonyms: &Synonyms) -> SynonymIndex {
        let mut by_key: HashMap<String, Vec<String>> = HashMap::new();
        for group in &synonyms.groups {
            for term in group {
                let others = group.iter().filter(|t| *t != term).cloned();
                for key in self.synonym_keys(term) {
                    by_key.entry(key).or_default().extend(others.clone());
                }
            }
        }
        SynonymIndex { by_key }
    }
}
