//! The visitor's consent in sessions created with `require_consent`: the relay tells
//! the page and its panel to ask, shows agents nothing and lets them do nothing until
//! the visitor allows on its panel, whatever a page sends, and a decline holds for the
//! rest of the session. The prompt itself, in the visitor's Chromium, is in
//! `consent_prompt_*`; pages that try to answer are in `visitor_voice`.

use serde_json::{Value, json};
use tandem::origin::binding::random_token;

use crate::api_flow::quick_live;
use crate::support::api::{Socket, next_frame, next_json, next_of, send_frame, send_json};
use crate::support::browser::run_scenario;
use crate::support::{Tandem, Visitor, World};

const SNAPSHOT: u8 = 1;
const AGENT: &str = r#"{"agent":{"id":"agent-1","name":"Ann"}}"#;

/// A visitor whose proxy session asks for consent, at `initial_url`.
async fn asking_visitor(tandem: &Tandem, initial_url: &str) -> Visitor {
    let session = tandem.create_session_with(json!({"initial_url": initial_url, "require_consent": true})).await;
    tandem.enter(&session).await
}

/// Sends `action` as the agent's viewer does and reads why it was refused.
async fn refusal_of(agent: &mut Socket, action: Value) -> Value {
    send_json(agent, &action).await;
    next_of(agent, "refused").await
}

fn pointer() -> Value {
    json!({"type": "control", "action": "pointer", "x": 5, "y": 5})
}

#[tokio::test]
async fn with_require_consent_agents_see_and_do_nothing_until_the_visitor_allows() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = asking_visitor(tandem, "https://shop.test/").await;
    let (mut page, _) = visitor.presence(&visitor.landing).await;
    let (mut agent, hello) = tandem.agent_for(&visitor.session.short_id, AGENT).await.join().await;
    let started = next_json(&mut page).await;
    assert_eq!(
        (&started["state"], &started["capture"], &started["ask_consent"]),
        (&json!("started"), &json!(false), &json!(true)),
        "the page asks and records nothing: {started}"
    );
    assert_eq!(hello["consent"], "asked", "the agent knows the visitor is asked: {hello}");

    // A page that records anyway, and an agent that acts anyway: neither gets through.
    send_frame(&mut page, SNAPSHOT, "[before consent]").await;
    let refused = refusal_of(&mut agent, pointer()).await;
    assert_eq!(refused["reason"], "no_consent", "{refused}");
    // A page that joins now asks too, and so does a panel.
    let (_second_page, second_hello) = visitor.unpaired_presence(&visitor.landing).await;
    assert_eq!(
        (&second_hello["capture"], &second_hello["ask_consent"]),
        (&json!(false), &json!(true)),
        "{second_hello}"
    );
    let (_second_panel, panel_hello) = visitor.panel(&random_token()).await;
    assert_eq!((&panel_hello["in_session"], &panel_hello["ask_consent"]), (&json!(true), &json!(true)));

    // The visitor presses Allow on its panel.
    send_json(&mut page.panel, &json!({"type": "consent", "granted": true})).await;
    assert_eq!(next_of(&mut page, "capture").await["on"], true, "every page records now");
    assert_eq!(next_of(&mut agent, "consent").await["state"], "granted");
    send_frame(&mut page, SNAPSHOT, "[after consent]").await;
    assert_eq!(next_frame(&mut agent).await.body, "[after consent]", "nothing from before the Allow");
    send_json(&mut agent, &pointer()).await;
    assert_eq!(next_of(&mut page, "control").await["action"], "pointer", "agents act once allowed");
    // A page that joins later records at once.
    let (_, later) = visitor.unpaired_presence(&visitor.landing).await;
    assert_eq!((&later["capture"], &later["ask_consent"]), (&json!(true), &json!(false)), "{later}");
}

#[tokio::test]
async fn a_decline_holds_for_the_session_and_a_page_cannot_take_it_back() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = asking_visitor(tandem, "https://shop.test/").await;
    let (mut page, _) = visitor.presence(&visitor.landing).await;
    let (mut agent, _) = tandem.agent_for(&visitor.session.short_id, AGENT).await.join().await;
    assert_eq!(next_json(&mut page).await["ask_consent"], true);
    send_json(&mut page.panel, &json!({"type": "consent", "granted": false})).await;
    assert_eq!(next_of(&mut agent, "consent").await["state"], "declined");
    assert_eq!(next_of(&mut page, "capture").await["on"], false);

    // Answering again, even on the panel, and frames the page sends, change nothing.
    send_json(&mut page.panel, &json!({"type": "consent", "granted": true})).await;
    send_frame(&mut page, SNAPSHOT, "[after decline]").await;
    assert_eq!(refusal_of(&mut agent, pointer()).await["reason"], "no_consent");
    let (_, next_page) = visitor.unpaired_presence(&visitor.landing).await;
    assert_eq!(
        (&next_page["capture"], &next_page["ask_consent"], &next_page["consent"]),
        (&json!(false), &json!(false), &json!("declined")),
        "the visitor's next page neither records nor asks again: {next_page}"
    );
    // A late agent hears it from the start.
    let bob = r#"{"agent":{"id":"agent-2","name":"Bob"}}"#;
    let (_, late) = tandem.agent_for(&visitor.session.short_id, bob).await.join().await;
    assert_eq!(late["consent"], "declined", "{late}");
}

#[tokio::test]
async fn without_require_consent_the_visitor_cannot_answer_a_question_never_asked() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let visitor = tandem.visitor("https://shop.test/").await;
    let (mut page, _) = visitor.presence(&visitor.landing).await;
    let (mut agent, hello) = tandem.agent_for(&visitor.session.short_id, AGENT).await.join().await;
    assert!(hello["consent"].is_null(), "{hello}");
    assert_eq!(next_json(&mut page).await["capture"], true);
    send_json(&mut page.panel, &json!({"type": "consent", "granted": false})).await;
    send_frame(&mut page, SNAPSHOT, "[page]").await;
    assert_eq!(next_frame(&mut agent).await.body, "[page]", "the page is still mirrored");
}

/// In Chromium: the agent's viewer says the visitor is asked, the visitor's page shows
/// the prompt and sends nothing of the mirror; after the visitor presses Allow the agent
/// sees the page live and the page shows the sharing indicator instead of the prompt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_prompt_the_agent_sees_the_page_only_after_the_visitor_presses_allow() {
    let world = World::start_with(quick_live).await;
    let tandem = &world.tandem;
    let body = json!({"initial_url": "https://shop.test/mirror/page", "require_consent": true});
    let session = tandem.create_session_with(body).await;
    let result = run_scenario("mirror_consent", &tandem.scenario_args(&session)).await;

    assert_eq!(result["viewer_before"]["notice"], "Asking the visitor to share…", "{result:#}");
    let prompt = result["prompt"].as_str().unwrap_or_default();
    assert!(prompt.contains("An agent wants to see this page") && prompt.contains("Decline"), "{result:#}");
    assert_eq!(result["sent_before_allow"], 0, "nothing of the page left before the Allow: {result:#}");
    assert_eq!(result["title"], "Hello from the visitor's page", "{result:#}");
    assert_eq!(result["viewer_after"]["notice_hidden"], true, "{result:#}");
    let overlay = result["overlay_after"].as_str().unwrap_or_default();
    assert!(overlay.contains("Stop sharing") && !overlay.contains("Allow"), "{result:#}");
}
