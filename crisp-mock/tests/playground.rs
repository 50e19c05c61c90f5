//! The playground in a real headless browser: Debian's `chromium`, driven
//! through `chromedriver` (WebDriver) with fantoccini. A visitor types in
//! the page, a bot (the `crisp-api/examples/bot.rs` logic: RTM in, REST out)
//! answers, and the answer shows in the page. The screenshot is kept as
//! `playground.png` in the directory cargo gives integration tests
//! (`CARGO_TARGET_TMPDIR`, under the target dir wherever `CARGO_TARGET_DIR`
//! puts it); the test prints its path.
//!
//! Without chromium and chromedriver the test says so and passes, unless
//! `CI` is set, where it fails. `.ci/system-packages.sh` installs both.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crisp_api::events::{Event, EventName};
use crisp_api::models::{ConversationMessageNew, MessageFrom, MessageOrigin};
use crisp_api::{Crisp, Tier};
use fantoccini::Locator;
use futures_util::StreamExt as _;

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).flat_map(|dir| names.iter().map(move |name| dir.join(name))).find(|p| p.is_file())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Kills chromedriver (and its browser) when the test ends, however it ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Starts chromedriver on a free port and opens a headless Chromium session.
async fn start_browser(chromedriver: &std::path::Path, chromium: &std::path::Path) -> (Driver, fantoccini::Client) {
    let port = free_port();
    let driver = Driver(
        Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let mut ready = false;
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "chromedriver did not listen on {port}");

    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,860"],
        }),
    );
    let browser = fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a browser session");
    (driver, browser)
}

/// The bot of `crisp-api/examples/bot.rs`: answers each visitor message.
async fn run_bot(client: Crisp) {
    let mut rtm = client.rtm().events([EventName::MessageSend]).connect().await.expect("bot RTM");
    while let Some(event) = rtm.next().await {
        let Ok(Event::MessageSend(message)) = event else { continue };
        let (Some(website_id), Some(session_id)) = (message.website_id.clone(), message.session_id.clone()) else {
            continue;
        };
        let question = message.typed_content().text().unwrap_or("(not text)").to_owned();
        let reply = ConversationMessageNew::text(
            MessageFrom::Operator,
            MessageOrigin::Chat,
            format!("Bot here: you said “{question}”."),
        );
        client.website().send_message_in_conversation(&website_id, &session_id, &reply).await.expect("bot reply");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_talks_to_the_bot_in_the_playground() {
    let chromedriver = find_program(&["chromedriver", "chromium-driver"]);
    let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"]);
    let (Some(chromedriver), Some(chromium)) = (chromedriver, chromium) else {
        let why = "chromium and chromedriver are not installed (run .ci/system-packages.sh)";
        assert!(!in_ci(), "{why}");
        eprintln!("SKIPPED a_visitor_talks_to_the_bot_in_the_playground: {why}");
        return;
    };

    let mock = crisp_mock::MockServer::builder().seed(11).start().await.expect("mock");
    let client = Crisp::builder()
        .credentials(mock.identifier(), mock.key())
        .tier(Tier::Plugin)
        .base_url(mock.base_url())
        .build()
        .expect("client");
    let bot = tokio::spawn(run_bot(client));

    let (_driver, browser) = start_browser(&chromedriver, &chromium).await;

    let outcome = async {
        browser.goto(&mock.playground_url()).await?;
        // Live over RTM before typing.
        for _ in 0..100 {
            if browser.find(Locator::Id("status")).await?.text().await? == "live" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(browser.find(Locator::Id("status")).await?.text().await?, "live", "the page never joined RTM");
        let input = browser.find(Locator::Id("visitor-input")).await?;
        input.send_keys("Do you ship to Canada?").await?;
        browser.find(Locator::Id("visitor-send")).await?.click().await?;

        let expected = "Bot here: you said “Do you ship to Canada?”.";
        let mut shown = String::new();
        for _ in 0..150 {
            shown = browser.find(Locator::Id("visitor-messages")).await?.text().await?;
            if shown.contains(expected) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // A long event, with a word too long for any line, must stay inside the activity pane.
        let long_word = "x".repeat(300);
        mock.emit(
            "session:set_data",
            serde_json::json!({"website_id": mock.website_id(), "session_id": "session_long",
                               "data": {"note": long_word, "details": "a long line ".repeat(40)}}),
        );
        // Let the request log poll once more so the screenshot shows it.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let events = browser.find(Locator::Id("events")).await?.text().await?;
        assert!(events.contains("session:set_data"), "the long event never showed: {events}");
        // Lines that stick out of the pane, or are cut at its edge.
        let overflowing = browser
            .execute(
                "const pane = document.getElementById('activity').getBoundingClientRect();
                 return [...document.querySelectorAll('#activity .feed li')]
                   .filter((li) => li.getBoundingClientRect().right > pane.right + 1 || li.scrollWidth > li.clientWidth + 1)
                   .map((li) => li.textContent.slice(0, 60));",
                vec![],
            )
            .await?;
        let png = browser.screenshot().await?;
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("playground.png");
        std::fs::write(&path, &png).unwrap_or_else(|err| panic!("write the screenshot to {}: {err}", path.display()));
        eprintln!("screenshot: {}", path.display());
        assert!(shown.contains("Do you ship to Canada?"), "the visitor's message is not shown: {shown}");
        assert!(shown.contains(expected), "the bot's answer never showed in the page: {shown}");
        let inbox = browser.find(Locator::Id("inbox-thread")).await?.text().await?;
        assert!(inbox.contains(expected), "the operator inbox misses the answer: {inbox}");
        let requests = browser.find(Locator::Id("requests")).await?.text().await?;
        assert!(requests.contains("/message"), "the request log misses the bot's call: {requests}");
        assert_eq!(overflowing, serde_json::json!([]), "activity lines overflow their pane");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = browser.close().await;
    bot.abort();
    outcome.expect("browser commands");
    // The conversation really holds both messages.
    let messages = mock.with_state(|s| {
        s.websites[mock.website_id()]
            .conversations
            .values()
            .flat_map(|c| c.messages.iter().filter_map(|m| m["content"].as_str().map(str::to_owned)))
            .collect::<Vec<_>>()
    });
    assert!(messages.iter().any(|m| m == "Do you ship to Canada?"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_page_renders_the_served_document() {
    let chromedriver = find_program(&["chromedriver", "chromium-driver"]);
    let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"]);
    let (Some(chromedriver), Some(chromium)) = (chromedriver, chromium) else {
        let why = "chromium and chromedriver are not installed (run .ci/system-packages.sh)";
        assert!(!in_ci(), "{why}");
        eprintln!("SKIPPED the_reference_page_renders_the_served_document: {why}");
        return;
    };
    let mock = crisp_mock::MockServer::start().await.expect("mock");
    let (_driver, browser) = start_browser(&chromedriver, &chromium).await;
    let outcome = async {
        // Reached from the playground, as a user would.
        browser.goto(&mock.playground_url()).await?;
        browser.find(Locator::Id("reference-link")).await?.click().await?;
        let mut counts = String::new();
        for _ in 0..100 {
            counts = browser.find(Locator::Id("counts")).await?.text().await?;
            if !counts.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(counts.starts_with("225 operations · 82 webhooks"), "the page did not render the document: {counts}");
        assert!(counts.contains(&mock.addr().to_string()), "the server is not this simulator: {counts}");
        // Find an operation by name: the search leaves it shown, opened, with its parameters.
        browser.find(Locator::Id("search")).await?.send_keys("send message in conversation").await?;
        let operation = browser.find(Locator::Id("op-send_message_in_conversation")).await?;
        let shown_operations =
            browser.execute("return document.querySelectorAll('details.op:not(.hidden)').length;", vec![]).await?;
        let text = operation.text().await?;
        // A schema link leads to its component.
        operation.find(Locator::Css("a[href='#schema-ConversationMessageNew']")).await?.click().await?;
        let schema = browser.find(Locator::Id("schema-ConversationMessageNew")).await?.text().await?;
        browser.find(Locator::Id("search")).await?.clear().await?;
        browser.find(Locator::Id("search")).await?.send_keys("send message in conversation").await?;
        let png = browser.screenshot().await?;
        let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("reference.png");
        std::fs::write(&path, &png).unwrap_or_else(|err| panic!("write the screenshot to {}: {err}", path.display()));
        eprintln!("screenshot: {}", path.display());
        assert_eq!(shown_operations, serde_json::json!(1), "the search should leave one operation");
        assert!(
            text.contains("POST") && text.contains("/website/{website_id}/conversation/{session_id}/message"),
            "{text}"
        );
        assert!(text.contains("session_id") && text.contains("required"), "parameters missing: {text}");
        assert!(schema.contains("fingerprint") && schema.contains("content"), "the schema is not rendered: {schema}");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = browser.close().await;
    outcome.expect("browser commands");
}
