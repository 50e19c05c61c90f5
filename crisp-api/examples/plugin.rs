//! A plugin-tier integration: who am I, which websites installed me, and
//! what did each of them configure.
//!
//! A Crisp plugin authenticates with its plugin token (tier `plugin`). It
//! reads its own account, checks its token, finds the real-time endpoints,
//! walks the websites that installed it (page after page, with the settings
//! each one saved), and reads or updates one website's settings.
//!
//! With no Crisp account it runs against the embedded mock, and also updates
//! a website's settings there. With `CRISP_IDENTIFIER` and `CRISP_KEY` set
//! (a plugin token) it talks to Crisp and only reads.
//!
//! ```text
//! cargo run --example plugin
//! ```

use crisp_api::{Crisp, Tier};
use futures_util::TryStreamExt as _;
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let real = ["CRISP_IDENTIFIER", "CRISP_KEY"].iter().all(|v| std::env::var(v).is_ok_and(|v| !v.is_empty()));
    // Kept alive until the end of `main`: dropping it stops the mock.
    let mut _mock = None;
    let client = if real {
        let mut client = Crisp::from_env()?;
        client.set_tier(Tier::Plugin);
        client
    } else {
        let mock = crisp_mock::MockServer::start().await?;
        println!("Using the embedded Crisp mock at {}\n", mock.base_url());
        let client = Crisp::builder()
            .credentials(mock.identifier(), mock.key())
            .tier(Tier::Plugin)
            .base_url(mock.base_url())
            .build()?;
        _mock = Some(mock);
        client
    };
    let plugin = client.plugin();

    let account = plugin.get_connect_account().await?;
    let plugin_id = account.plugin_id.ok_or("the account has no plugin id")?;
    println!("Plugin {plugin_id}");
    println!("Token valid: {}", plugin.check_connect_session_validity().await?);
    let endpoints = plugin.get_connect_endpoints().send_with_response().await?;
    println!("Real-time endpoints: {}", endpoints.raw_data()?);

    // Every website that installed the plugin, with the settings it saved.
    let mut websites = plugin.list_all_connect_websites(1).into_stream();
    let mut first_website = None;
    while let Some(website) = websites.try_next().await? {
        let website_id = website.website_id.unwrap_or_default();
        let settings = website.settings.unwrap_or_default();
        println!("  installed on {website_id}: settings {settings}");
        first_website.get_or_insert(website_id);
    }
    let Some(website_id) = first_website else {
        println!("No website installed the plugin yet.");
        return Ok(());
    };

    // One website's subscription: the settings, and the schema they follow.
    let subscription = plugin.get_subscription_settings(&website_id, &plugin_id).await?;
    println!("\nSettings of {website_id}: {}", subscription.settings.unwrap_or_default());

    if real {
        println!("(against Crisp this example only reads; the update below runs on the mock)");
    } else {
        // PATCH merges the given keys into the saved settings; PUT
        // (`save_subscription_settings`) would replace them all.
        plugin
            .update_subscription_settings(&website_id, &plugin_id, json!({ "greeting": "Hello from the plugin" }))
            .await?;
        println!("Updated the greeting of {website_id}.");
    }
    Ok(())
}
