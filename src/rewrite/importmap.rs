//! Import maps (`<script type="importmap">`): the URLs they resolve module specifiers to
//! become label URLs, and so do the keys matched against module URLs the browser already
//! holds (`scopes` keys, `integrity` keys). URL specifier keys stay as written (page
//! code imports them as written) and get a twin on their label.

use serde_json::{Map, Value};

use super::url::UrlMap;

/// The import map `text` with its URLs mapped, or `None` when nothing changes (or the
/// text is not a JSON object, which the browser rejects anyway).
pub fn rewrite_import_map(text: &str, map: &dyn UrlMap) -> Option<String> {
    let Ok(Value::Object(mut root)) = serde_json::from_str::<Value>(text) else { return None };
    let mut changed = false;
    if let Some(Value::Object(imports)) = root.get_mut("imports") {
        changed |= map_values(imports, map);
    }
    if let Some(Value::Object(scopes)) = root.get_mut("scopes") {
        let mut mapped = Map::new();
        for (scope, specifiers) in std::mem::take(scopes) {
            let mut specifiers = specifiers;
            if let Value::Object(inner) = &mut specifiers {
                changed |= map_values(inner, map);
            }
            let key = map.map_url(&scope).inspect(|_| changed = true).unwrap_or(scope);
            mapped.insert(key, specifiers);
        }
        *scopes = mapped;
    }
    if let Some(Value::Object(integrity)) = root.get_mut("integrity") {
        // Tandem drops `integrity` attributes (it rewrites bodies); keys still name modules.
        let mut mapped = Map::new();
        for (url, hash) in std::mem::take(integrity) {
            let key = map.map_url(&url).inspect(|_| changed = true).unwrap_or(url);
            mapped.insert(key, hash);
        }
        *integrity = mapped;
    }
    changed.then(|| Value::Object(root).to_string())
}

/// Maps every string value of a specifier map; true if one changed. A key that is an
/// absolute URL is kept (page code imports it as written) and also added on its label:
/// a relative specifier (`/lib/x.js`) resolves against the page's label URL.
fn map_values(specifiers: &mut Map<String, Value>, map: &dyn UrlMap) -> bool {
    let mut changed = false;
    for value in specifiers.values_mut() {
        if let Some(mapped) = value.as_str().and_then(|url| map.map_url(url)) {
            *value = Value::String(mapped);
            changed = true;
        }
    }
    let labelled: Vec<(String, Value)> =
        specifiers.iter().filter_map(|(key, value)| map.map_url(key).map(|mapped| (mapped, value.clone()))).collect();
    for (key, value) in labelled {
        if !specifiers.contains_key(&key) {
            specifiers.insert(key, value);
            changed = true;
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rewrite::url::test_rewriter;

    #[test]
    fn values_scope_keys_and_integrity_keys_are_mapped_specifier_keys_kept() {
        let urls = test_rewriter("https://shop.test/");
        let cdn = urls.map_url("https://cdn.test").expect("absolute");
        let own = urls.map_url("https://shop.test").expect("absolute");
        let text = r#"{
  "imports": { "vue": "https://cdn.test/vue.js", "app/": "/app/", "https://shop.test/lib/": "https://cdn.test/lib/" },
  "scopes": { "https://cdn.test/lib/": { "dep": "https://cdn.test/dep.js" }, "/local/": { "x": "./x.js" } },
  "integrity": { "https://cdn.test/vue.js": "sha384-abc" }
}"#;
        let out: Value = serde_json::from_str(&rewrite_import_map(text, &urls).expect("changed")).expect("json");
        assert_eq!(out["imports"]["vue"], format!("{cdn}/vue.js"));
        assert_eq!(out["imports"]["app/"], "/app/");
        assert_eq!(out["imports"]["https://shop.test/lib/"], format!("{cdn}/lib/"));
        assert_eq!(out["imports"][format!("{own}/lib/")], format!("{cdn}/lib/"));
        assert_eq!(out["scopes"][format!("{cdn}/lib/")]["dep"], format!("{cdn}/dep.js"));
        assert_eq!(out["scopes"]["/local/"]["x"], "./x.js");
        assert_eq!(out["integrity"][format!("{cdn}/vue.js")], "sha384-abc");
    }

    #[test]
    fn maps_without_absolute_urls_and_bad_json_stay_as_they_are() {
        let urls = test_rewriter("https://shop.test/");
        for text in [r#"{"imports": {"a": "/a.js"}}"#, "not json", "[1]", r#"{"imports": {"a": 1}}"#, ""] {
            assert_eq!(rewrite_import_map(text, &urls), None, "{text}");
        }
    }
}
