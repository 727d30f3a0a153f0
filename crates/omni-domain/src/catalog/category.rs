//! The category tree with typed attribute schemas, and brands. A category's schema is its
//! own attributes plus those of its ancestors, so "running shoes" inherit "shoes"' size grid.

use std::collections::BTreeMap;

use omni_kernel::{TenantId, Timestamp};
use serde::{Deserialize, Serialize};

use super::{BrandId, CategoryId, LocalizedText};
use crate::Violations;

/// The type of an attribute's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AttributeKind {
    Text,
    Number,
    Boolean,
    /// One of `values`.
    Choice,
}

/// One attribute a category asks for, e.g. suction power in Pa.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttributeDef {
    /// Machine name, `[a-z0-9_]{1,40}` (`suction_pa`).
    pub code: String,
    pub name: LocalizedText,
    pub kind: AttributeKind,
    /// Unit shown next to numbers (`Pa`, `min`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Allowed values of a `choice`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Web shops need it before publishing.
    #[serde(default)]
    pub required: bool,
    /// Offered as a search facet.
    #[serde(default)]
    pub facet: bool,
}

/// An attribute value: text, number or yes/no.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AttrValue {
    Bool(bool),
    Number(f64),
    Text(String),
}

impl AttrValue {
    /// The value as text (facets and search index this form).
    pub fn as_text(&self) -> String {
        match self {
            AttrValue::Bool(b) => b.to_string(),
            AttrValue::Number(n) => n.to_string(),
            AttrValue::Text(t) => t.clone(),
        }
    }
}

/// A category of the tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Category {
    pub id: CategoryId,
    pub tenant_id: TenantId,
    /// Unique within the tenant; imports name categories by it.
    pub code: String,
    pub parent_id: Option<CategoryId>,
    pub name: LocalizedText,
    pub attributes: Vec<AttributeDef>,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
}

/// What a client sends to create a category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryDraft {
    pub code: String,
    #[serde(default)]
    pub parent_id: Option<CategoryId>,
    pub name: LocalizedText,
    #[serde(default)]
    pub attributes: Vec<AttributeDef>,
}

/// A brand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Brand {
    pub id: BrandId,
    pub tenant_id: TenantId,
    pub code: String,
    pub name: String,
}

/// What a client sends to create a brand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BrandDraft {
    pub code: String,
    pub name: String,
}

/// A code of lower-case letters, digits, dashes and underscores.
pub(crate) fn check_code(field: &str, code: &str, max: usize, v: &mut Violations) {
    let ok = !code.is_empty()
        && code.len() <= max
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !ok {
        v.push(
            field,
            "invalid",
            format!("use 1–{max} lower-case letters, digits, dashes or underscores"),
        );
    }
}

impl CategoryDraft {
    /// Validates the draft; `parent` is the parent category when one is named (the caller
    /// looked it up: a missing parent is reported here).
    pub fn into_category(
        self,
        tenant: TenantId,
        id: CategoryId,
        parent: Option<&Category>,
        now: Timestamp,
    ) -> Result<Category, Violations> {
        let mut v = Violations::new();
        check_code("code", &self.code, 60, &mut v);
        self.name.check("name", true, 200, &mut v);
        if self.parent_id.is_some() && parent.is_none() {
            v.push("parent_id", "not_found", "no such category");
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, a) in self.attributes.iter().enumerate() {
            check_code(&format!("attributes[{i}].code"), &a.code, 40, &mut v);
            if !seen.insert(a.code.as_str()) {
                v.push(
                    format!("attributes[{i}].code"),
                    "duplicate",
                    "attribute codes are unique",
                );
            }
            if (a.kind == AttributeKind::Choice) == a.values.is_empty() {
                v.push(
                    format!("attributes[{i}].values"),
                    "invalid",
                    "a choice lists its values; other kinds none",
                );
            }
        }
        v.finish(Category {
            id,
            tenant_id: tenant,
            code: self.code,
            parent_id: self.parent_id,
            name: self.name,
            attributes: self.attributes,
            created_at: now,
        })
    }
}

impl BrandDraft {
    /// Validates the draft into a brand.
    pub fn into_brand(self, tenant: TenantId, id: BrandId) -> Result<Brand, Violations> {
        let mut v = Violations::new();
        check_code("code", &self.code, 60, &mut v);
        v.text("name", &self.name, 200);
        v.finish(Brand {
            id,
            tenant_id: tenant,
            code: self.code,
            name: self.name,
        })
    }
}

/// A category's effective attribute schema (its own and its ancestors') and its path.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema {
    /// Root first, the category itself last.
    pub path: Vec<Category>,
    pub attributes: BTreeMap<String, AttributeDef>,
}

impl Schema {
    /// The schema of `id` within the tenant's categories; `None` when `id` is unknown.
    pub fn of(id: CategoryId, categories: &BTreeMap<CategoryId, Category>) -> Option<Schema> {
        let mut path = Vec::new();
        let mut next = Some(id);
        while let Some(cid) = next {
            let cat = categories.get(&cid)?;
            if path.len() > 32 || path.iter().any(|c: &Category| c.id == cid) {
                break; // a cycle cannot be created through the API; refuse to loop on bad data
            }
            path.push(cat.clone());
            next = cat.parent_id;
        }
        path.reverse();
        let attributes = path
            .iter()
            .flat_map(|c| c.attributes.iter().map(|a| (a.code.clone(), a.clone())))
            .collect();
        Some(Schema { path, attributes })
    }

    /// Parses a text value (imports) by the attribute's kind.
    pub fn parse_value(def: &AttributeDef, raw: &str) -> Result<AttrValue, String> {
        let raw = raw.trim();
        match def.kind {
            AttributeKind::Text => Ok(AttrValue::Text(raw.to_owned())),
            AttributeKind::Number => raw
                .replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(AttrValue::Number)
                .ok_or_else(|| format!("`{raw}` is not a number")),
            AttributeKind::Boolean => match raw.to_lowercase().as_str() {
                "true" | "yes" | "1" | "да" => Ok(AttrValue::Bool(true)),
                "false" | "no" | "0" | "нет" => Ok(AttrValue::Bool(false)),
                _ => Err(format!("`{raw}` is not yes/no")),
            },
            AttributeKind::Choice => def
                .values
                .iter()
                .find(|v| v.eq_ignore_ascii_case(raw))
                .map(|v| AttrValue::Text(v.clone()))
                .ok_or_else(|| format!("`{raw}` is not one of {}", def.values.join(", "))),
        }
    }

    /// Checks typed values against the schema: unknown attributes and wrong types are refused.
    pub fn check_values(
        &self,
        field: &str,
        values: &BTreeMap<String, AttrValue>,
        v: &mut Violations,
    ) {
        for (code, value) in values {
            let Some(def) = self.attributes.get(code) else {
                v.push(
                    format!("{field}.{code}"),
                    "unknown_attribute",
                    "the category has no such attribute",
                );
                continue;
            };
            let ok = match (def.kind, value) {
                (AttributeKind::Text, AttrValue::Text(_)) => true,
                (AttributeKind::Number, AttrValue::Number(_)) => true,
                (AttributeKind::Boolean, AttrValue::Bool(_)) => true,
                (AttributeKind::Choice, AttrValue::Text(t)) => def.values.contains(t),
                _ => false,
            };
            if !ok {
                v.push(
                    format!("{field}.{code}"),
                    "invalid",
                    format!("expected a {:?} value", def.kind).to_lowercase(),
                );
            }
        }
    }

    /// Required attributes that `values` lacks.
    pub fn missing_required<'a>(
        &'a self,
        values: &'a BTreeMap<String, AttrValue>,
    ) -> impl Iterator<Item = &'a str> + 'a {
        self.attributes
            .values()
            .filter(move |a| a.required && !values.contains_key(&a.code))
            .map(|a| a.code.as_str())
    }
}
