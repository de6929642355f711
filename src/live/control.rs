//! An agent's control actions (`injector/PROTOCOL.md`, "Control actions"), checked on
//! the server against the watch link's permissions before the visitor's page sees them.
//! What reaches the page is rebuilt from the checked fields, never passed through: a
//! crafted frame cannot add a field, claim another agent, or smuggle an action in.

use serde_json::{Map, Value, json};

/// Longest URL an agent may send the visitor to.
const MAX_URL_LEN: usize = 4096;
/// Longest text an agent may type at once, or code it may run.
const MAX_TEXT_LEN: usize = 64 * 1024;
/// Most points in one drawn stroke.
const MAX_STROKE_POINTS: usize = 512;
/// Largest coordinate or scroll offset taken, in CSS pixels.
const MAX_COORDINATE: f64 = 1e7;

/// Why an action was refused, for the agent who sent it.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The action, as the agent named it.
    pub action: String,
    /// What was wrong.
    pub reason: &'static str,
}

impl Refusal {
    /// Refuses the action `said` names, for `reason`.
    pub fn of(said: &Value, reason: &'static str) -> Self {
        let action = said["action"].as_str().unwrap_or_default();
        Refusal { action: action.chars().take(32).collect(), reason }
    }

    /// The message telling the agent.
    pub fn message(&self) -> Value {
        json!({"type": "refused", "action": self.action, "reason": self.reason})
    }
}

/// The permission each action needs (`None`: every agent may).
fn permission_of(action: &str) -> Option<Option<&'static str>> {
    Some(match action {
        "pointer" => None,
        "highlight" | "draw" => Some("allow_draw"),
        "click" => Some("allow_click"),
        "scroll" => Some("allow_scroll"),
        "type" => Some("allow_type"),
        "navigate" => Some("allow_agent_redirect"),
        "console" => Some("allow_console"),
        _ => return None,
    })
}

/// Checks a `control` message of the agent `agent_id`, whose link carries
/// `permissions`; the message for the visitor's page when it is allowed and well formed.
pub fn check(said: &Value, agent_id: &str, permissions: &Value) -> Result<Value, Refusal> {
    let action = said["action"].as_str().unwrap_or_default();
    let refuse = |reason| Refusal::of(said, reason);
    let permission = permission_of(action).ok_or_else(|| refuse("unknown action"))?;
    if permission.is_some_and(|p| permissions[p] != true) {
        return Err(refuse("not permitted"));
    }
    let mut out = Map::new();
    out.insert("type".into(), "control".into());
    out.insert("agent".into(), agent_id.into());
    out.insert("action".into(), action.into());
    let fields = match action {
        "pointer" => vec![("x", coordinate(&said["x"])), ("y", coordinate(&said["y"]))],
        "highlight" => vec![("id", node_id(&said["id"]))],
        "click" => vec![("id", node_id(&said["id"])), ("x", coordinate(&said["x"])), ("y", coordinate(&said["y"]))],
        "scroll" => {
            let id = if said["id"].is_null() { Some(Value::Null) } else { node_id(&said["id"]) };
            vec![("id", id), ("x", coordinate(&said["x"])), ("y", coordinate(&said["y"]))]
        }
        "type" => vec![("id", node_id(&said["id"])), ("value", text(&said["value"], MAX_TEXT_LEN))],
        "draw" => {
            vec![("points", stroke(&said["points"])), ("done", Some(said["done"].as_bool().unwrap_or(false).into()))]
        }
        "navigate" => navigate(said),
        _ => vec![("code", text(&said["code"], MAX_TEXT_LEN))],
    };
    for (name, value) in fields {
        out.insert(name.into(), value.ok_or_else(|| refuse("malformed"))?);
    }
    Ok(Value::Object(out))
}

fn navigate(said: &Value) -> Vec<(&'static str, Option<Value>)> {
    match said["to"].as_str() {
        Some(to @ ("back" | "forward" | "reload")) => vec![("to", Some(to.into()))],
        Some("url") => {
            let url = said["url"].as_str().filter(|u| u.len() <= MAX_URL_LEN).and_then(|u| url::Url::parse(u).ok());
            let url = url.filter(|u| matches!(u.scheme(), "http" | "https")).map(|u| Value::from(u.as_str()));
            vec![("to", Some("url".into())), ("url", url)]
        }
        _ => vec![("to", None)],
    }
}

fn coordinate(value: &Value) -> Option<Value> {
    value.as_f64().filter(|v| v.is_finite() && v.abs() <= MAX_COORDINATE).map(Value::from)
}

fn node_id(value: &Value) -> Option<Value> {
    value.as_u64().filter(|&id| id <= u32::MAX.into()).map(Value::from)
}

fn text(value: &Value, max: usize) -> Option<Value> {
    value.as_str().filter(|s| s.len() <= max).map(Value::from)
}

fn stroke(value: &Value) -> Option<Value> {
    let points = value.as_array().filter(|p| !p.is_empty() && p.len() <= MAX_STROKE_POINTS)?;
    let checked = points.iter().map(|point| {
        let pair = point.as_array().filter(|p| p.len() == 2)?;
        Some(json!([coordinate(&pair[0])?, coordinate(&pair[1])?]))
    });
    checked.collect::<Option<Vec<Value>>>().map(Value::Array)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Value {
        json!({"allow_click": true, "allow_type": true, "allow_scroll": true, "allow_draw": true,
               "allow_agent_redirect": true, "allow_console": false})
    }

    #[test]
    fn each_action_needs_its_permission_and_console_is_off_by_default() {
        let granted = defaults();
        let mut refused = defaults();
        for key in ["allow_click", "allow_type", "allow_scroll", "allow_draw", "allow_agent_redirect"] {
            refused[key] = false.into();
        }
        let actions = [
            json!({"action": "click", "id": 5, "x": 1, "y": 2}),
            json!({"action": "type", "id": 5, "value": "hi"}),
            json!({"action": "scroll", "id": null, "x": 0, "y": 300}),
            json!({"action": "highlight", "id": 5}),
            json!({"action": "draw", "points": [[1, 2], [3, 4]], "done": true}),
            json!({"action": "navigate", "to": "url", "url": "https://example.com/a"}),
        ];
        for action in &actions {
            assert!(check(action, "a1", &granted).is_ok(), "{action} allowed");
            let refusal = check(action, "a1", &refused).expect_err("refused");
            assert_eq!(refusal.reason, "not permitted", "{action}");
        }
        let console = json!({"action": "console", "code": "1+1"});
        assert_eq!(check(&console, "a1", &granted).expect_err("off").reason, "not permitted");
        let pointer = json!({"action": "pointer", "x": 10.5, "y": 20});
        assert!(check(&pointer, "a1", &refused).is_ok(), "pointing needs no permission");
    }

    #[test]
    fn the_page_gets_only_checked_fields_and_the_real_agent() {
        let crafted = json!({"action": "click", "id": 5, "x": 1, "y": 2, "agent": "someone else", "code": "evil()"});
        let sent = check(&crafted, "a1", &defaults()).expect("allowed");
        assert_eq!(sent, json!({"type": "control", "agent": "a1", "action": "click", "id": 5, "x": 1.0, "y": 2.0}));
    }

    #[test]
    fn malformed_actions_are_refused() {
        for bad in [
            json!({"action": "click", "id": -1, "x": 1, "y": 2}),
            json!({"action": "click", "id": "5", "x": 1, "y": 2}),
            json!({"action": "pointer", "x": 1e300, "y": 2}),
            json!({"action": "navigate", "to": "url", "url": "javascript:alert(1)"}),
            json!({"action": "navigate", "to": "elsewhere"}),
            json!({"action": "draw", "points": []}),
            json!({"action": "draw", "points": [[1, 2, 3]]}),
            json!({"action": "type", "id": 5, "value": "x".repeat(MAX_TEXT_LEN + 1)}),
            json!({"action": "teleport"}),
        ] {
            assert!(check(&bad, "a1", &defaults()).is_err(), "{bad}");
        }
    }
}
