//! `crisp-mock --listen 127.0.0.1:PORT`: runs the Crisp API simulator until
//! Ctrl-C, printing its address and the credentials it accepts.

use std::process::ExitCode;

const USAGE: &str = "usage: crisp-mock [--listen ADDR:PORT] [--identifier ID] [--key KEY] [--any-tier]
                  [--webhook-url URL --webhook-secret SECRET]

Runs a local simulator of the Crisp REST API v1 (default 127.0.0.1:0, a free port), its
real-time events (Socket.IO) and, with --webhook-url, signed Web Hook delivery.
A visitor message: curl -X POST http://ADDR/mock/visitor/message -d '{\"content\":\"Hi\"}'";

fn main() -> ExitCode {
    // Four flags do not justify an argument-parsing dependency in the mock.
    let mut config = crisp_mock::MockConfig::default();
    let (mut webhook_url, mut webhook_secret) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let result = match arg.as_str() {
            "--listen" => value("--listen")
                .and_then(|v| v.parse().map_err(|e| format!("--listen {v}: {e}")))
                .map(|a| config.listen = a),
            "--identifier" => value("--identifier").map(|v| config.identifier = v),
            "--key" => value("--key").map(|v| config.key = v),
            "--webhook-url" => value("--webhook-url").map(|v| webhook_url = Some(v)),
            "--webhook-secret" => value("--webhook-secret").map(|v| webhook_secret = Some(v)),
            "--any-tier" => {
                config.enforce_tiers = false;
                Ok(())
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => Err(format!("unknown argument `{other}`")),
        };
        if let Err(message) = result {
            eprintln!("crisp-mock: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    if webhook_url.is_some() != webhook_secret.is_some() {
        eprintln!("crisp-mock: --webhook-url and --webhook-secret go together\n{USAGE}");
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("crisp-mock: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let mock = match crisp_mock::MockServer::start_with(config).await {
            Ok(mock) => mock,
            Err(err) => {
                eprintln!("crisp-mock: cannot listen: {err}");
                return ExitCode::FAILURE;
            }
        };
        if let (Some(url), Some(secret)) = (webhook_url, webhook_secret) {
            println!("delivering Web Hooks to {url}");
            mock.deliver_webhooks_to(crisp_mock::WebhookTarget::new(url, secret));
        }
        println!("crisp-mock listening on {}", mock.base_url());
        println!("RTM (Socket.IO) at {}", mock.rtm_url());
        println!("CRISP_REST_URL={}", mock.base_url());
        println!("CRISP_IDENTIFIER={}", mock.identifier());
        println!("CRISP_KEY={}", mock.key());
        println!("CRISP_WEBSITE_ID={}", mock.website_id());
        println!("{} routes; tiers user, website, plugin accepted. Ctrl-C stops.", crisp_mock::ROUTES.len());
        let _ = tokio::signal::ctrl_c().await;
        mock.shutdown();
        ExitCode::SUCCESS
    })
}
