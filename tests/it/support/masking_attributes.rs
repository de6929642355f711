//! The attributed elements of the masking tests' hostile page (`masking_sites`): for
//! each kind of masked element (`no-upscope`, `tandem-mask`, the rules' selector, a
//! password field) and its public twin, in the light DOM or a shadow root, attributes
//! that carry a token of their own, given in the HTML, set before or after the agent
//! joins, or on elements added later.

use std::collections::BTreeMap;

use super::masking_sites::RULE_SELECTOR;

/// Kinds of elements whose attributes are tested; `public` is the unmasked twin.
pub const KINDS: &[&str] = &["noupscope", "tandemmask", "rule", "field", "public"];
/// When attributes get their values: in the HTML, set before or after the agent joins,
/// or on elements added after it joined.
pub const WHENS: &[&str] = &["html", "before", "after", "added"];
/// Where the attributed elements are: as children, or in an open shadow root.
pub const ATTRIBUTE_PLACES: &[&str] = &["light", "shadow"];
/// The attributes of a masked field, and of the elements in a masked element.
const FIELD_KEYS: [&str; 5] = ["title", "aria", "data", "placeholder", "value"];
const ELEMENT_KEYS: [&str; 10] =
    ["title", "aria", "data", "placeholder", "value", "href", "alt", "src", "srcset", "option"];

/// One element of a kind, with attributes given at one time, in one place.
pub struct AttributeSet {
    /// `light` or `shadow`.
    pub place: &'static str,
    /// One of [`KINDS`].
    pub kind: &'static str,
    /// One of [`WHENS`].
    pub when: &'static str,
}

/// Every attribute set of the page.
pub fn attribute_sets() -> Vec<AttributeSet> {
    let mut sets = Vec::new();
    for place in ATTRIBUTE_PLACES {
        for kind in KINDS {
            for when in WHENS {
                sets.push(AttributeSet { place, kind, when });
            }
        }
    }
    sets
}

impl AttributeSet {
    /// Whether its values must never leave the page.
    pub fn masked(&self) -> bool {
        self.kind != "public"
    }

    /// The token of attribute `key`'s value: each value holds one of its own.
    fn token(&self, key: &str) -> String {
        format!("ATT{}{}{}{key}Q", self.kind, self.place, self.when)
    }

    /// The tokens of all its values.
    pub fn tokens(&self) -> Vec<String> {
        let keys: &[&str] = if self.kind == "field" { &FIELD_KEYS } else { &ELEMENT_KEYS };
        keys.iter().map(|key| self.token(key)).collect()
    }

    /// slot → attribute → value.
    pub fn values(&self) -> BTreeMap<&'static str, BTreeMap<&'static str, String>> {
        let mut values: BTreeMap<&'static str, BTreeMap<&'static str, String>> = BTreeMap::new();
        let mut set = |slot, attribute, value| values.entry(slot).or_default().insert(attribute, value);
        let text_slot = if self.kind == "field" { "input" } else { "a" };
        set(text_slot, "title", self.token("title"));
        set(text_slot, "aria-label", self.token("aria"));
        set(text_slot, "data-x", self.token("data"));
        set("input", "placeholder", self.token("placeholder"));
        set("input", "value", self.token("value"));
        if self.kind != "field" {
            set("a", "href", format!("/go/{}", self.token("href")));
            set("img", "alt", self.token("alt"));
            set("img", "src", format!("/img/{}.png", self.token("src")));
            set("img", "srcset", format!("/img/{}.png 2x", self.token("srcset")));
            set("option", "value", self.token("option"));
        }
        values
    }

    fn class(&self) -> &'static str {
        match self.kind {
            "noupscope" => "no-upscope",
            "tandemmask" => "tandem-mask",
            "rule" => RULE_SELECTOR.trim_start_matches('.'),
            _ => "plain",
        }
    }

    /// Its element's children, with their attributes or without.
    fn slots(&self, with: bool) -> String {
        let values = self.values();
        let attributes = |slot: &str| -> String {
            let Some(attributes) = values.get(slot).filter(|_| with) else { return String::new() };
            attributes.iter().map(|(name, value)| format!(r#" {name}="{value}""#)).collect()
        };
        if self.kind == "field" {
            return format!(r#"<input type="password" data-slot="input"{}>"#, attributes("input"));
        }
        format!(
            r#"<a data-slot="a"{}>link</a><img data-slot="img" width="4" height="4"{}><input data-slot="input"{}><select><option>one</option><option data-slot="option"{}>two</option></select>"#,
            attributes("a"),
            attributes("img"),
            attributes("input"),
            attributes("option")
        )
    }

    /// The set as the HTML holds it (`html` sets only): a declarative shadow root in the
    /// `shadow` place.
    pub fn markup(&self) -> String {
        let slots = self.slots(true);
        let inner = if self.place == "shadow" {
            format!(r#"<template shadowrootmode="open">{slots}</template>"#)
        } else {
            slots
        };
        format!(r#"<div class="{}">{inner}</div>"#, self.class())
    }

    /// What the page's script needs to build and fill it.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "place": self.place,
            "kind": self.kind,
            "when": self.when,
            "class": self.class(),
            "slots": self.slots(false),
            "slots_with": self.slots(true),
            "values": self.values(),
        })
    }
}
