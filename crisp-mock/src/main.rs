//! `crisp-mock`: runs the Crisp API simulator until Ctrl-C, printing its
//! URLs (REST, RTM, the playground) and the credentials it accepts. The
//! banner on standard output is shell: `export` lines (see
//! [`MockServer::shell_exports`](crisp_mock::MockServer::shell_exports)) and
//! comments, so evaluating it points the library, the CLI and the MCP server
//! at the simulator.

use std::process::ExitCode;
use std::time::Duration;

const USAGE: &str = "usage: crisp-mock [--listen ADDR:PORT] [--identifier ID] [--key KEY] [--any-tier]
                  [--fixtures FILE.json] [--seed N] [--generate CONVERSATIONS]
                  [--webhook-url URL --webhook-secret SECRET]
                  [--rate-limit REQUESTS/SECONDS[@service.route]] [--request-log N] [--clock EPOCH_MS]
                  [--threads N]

Runs a local simulator of the Crisp REST API v1 (default 127.0.0.1:0, a free port), its real-time
events (Socket.IO), signed Web Hooks (--webhook-url) and a browser playground at its root URL.
  --fixtures      start from a fixtures document (see crisp-mock/fixtures/acme.json)
  --generate      add N generated conversations (seeded by --seed)
  --rate-limit    e.g. 60/60 (60 requests a minute on every route) or 5/1@website.list_conversations
  --request-log   requests kept in the log (default 1000, 0 turns it off)
  --clock         a fixed clock at this time (epoch ms) instead of the real one
  --threads       worker threads (default: one per core)
A visitor message: curl -X POST http://ADDR/mock/visitor/message -d '{\"content\":\"Hi\"}'";

fn parse_rate_limit(value: &str) -> Result<crisp_mock::RateLimit, String> {
    let (rate, route) = match value.split_once('@') {
        Some((rate, route)) => (rate, Some(route)),
        None => (value, None),
    };
    let (requests, seconds) =
        rate.split_once('/').ok_or_else(|| format!("--rate-limit {value}: expected N/SECONDS"))?;
    let requests = requests.parse::<u32>().map_err(|e| format!("--rate-limit {value}: {e}"))?;
    let seconds = seconds.parse::<u64>().map_err(|e| format!("--rate-limit {value}: {e}"))?;
    let limit = crisp_mock::RateLimit::new(requests, Duration::from_secs(seconds.max(1)));
    Ok(match route {
        Some(route) => limit.on_route(route),
        None => limit,
    })
}

fn main() -> ExitCode {
    // A dozen flags do not justify an argument-parsing dependency in the simulator.
    let mut builder = crisp_mock::MockServer::builder();
    let (mut webhook_url, mut webhook_secret, mut threads) = (None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        let number = |name: &str, v: String| v.parse::<u64>().map_err(|e| format!("{name} {v}: {e}"));
        let result = match arg.as_str() {
            "--listen" => value("--listen")
                .and_then(|v| v.parse().map_err(|e| format!("--listen {v}: {e}")))
                .map(|a| builder = std::mem::take(&mut builder).listen(a)),
            "--identifier" => {
                value("--identifier").map(|v| builder = std::mem::take(&mut builder).configure(|c| c.identifier = v))
            }
            "--key" => value("--key").map(|v| builder = std::mem::take(&mut builder).configure(|c| c.key = v)),
            "--fixtures" => value("--fixtures").map(|v| builder = std::mem::take(&mut builder).fixtures(v.as_str())),
            "--seed" => value("--seed")
                .and_then(|v| number("--seed", v))
                .map(|n| builder = std::mem::take(&mut builder).seed(n)),
            "--generate" => value("--generate")
                .and_then(|v| number("--generate", v))
                .map(|n| builder = std::mem::take(&mut builder).generate(n as usize)),
            "--rate-limit" => value("--rate-limit")
                .and_then(|v| parse_rate_limit(&v))
                .map(|l| builder = std::mem::take(&mut builder).rate_limit(l)),
            "--request-log" => value("--request-log")
                .and_then(|v| number("--request-log", v))
                .map(|n| builder = std::mem::take(&mut builder).request_log(n as usize)),
            "--clock" => value("--clock")
                .and_then(|v| number("--clock", v))
                .map(|ms| builder = std::mem::take(&mut builder).clock(crisp_mock::Clock::fixed(ms))),
            "--threads" => {
                value("--threads").and_then(|v| number("--threads", v)).map(|n| threads = Some(n.max(1) as usize))
            }
            "--webhook-url" => value("--webhook-url").map(|v| webhook_url = Some(v)),
            "--webhook-secret" => value("--webhook-secret").map(|v| webhook_secret = Some(v)),
            "--any-tier" => {
                builder = std::mem::take(&mut builder).any_tier();
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
    match (webhook_url, webhook_secret) {
        (Some(url), Some(secret)) => {
            println!("# delivering Web Hooks to {url}");
            builder = builder.webhook(url, secret);
        }
        (None, None) => {}
        _ => {
            eprintln!("crisp-mock: --webhook-url and --webhook-secret go together\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = threads {
        runtime.worker_threads(threads);
    }
    let runtime = match runtime.enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("crisp-mock: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let mock = match builder.start().await {
            Ok(mock) => mock,
            Err(err) => {
                eprintln!("crisp-mock: cannot start: {err}");
                return ExitCode::FAILURE;
            }
        };
        // Comments and `export` lines only: evaluating the banner is safe.
        let banner = format!(
            "# crisp-mock listening on {}\n# playground at {}\n# RTM (Socket.IO) at {}\n{}\
             # {} routes; tiers user, website, plugin accepted. Ctrl-C stops.\n",
            mock.base_url(),
            mock.playground_url(),
            mock.rtm_url(),
            mock.shell_exports(),
            crisp_mock::ROUTES.len(),
        );
        // One write, errors ignored: the simulator keeps serving when whoever
        // read the banner has closed the pipe.
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(banner.as_bytes()).and_then(|()| stdout.flush());
        drop(stdout);
        let _ = tokio::signal::ctrl_c().await;
        mock.shutdown();
        ExitCode::SUCCESS
    })
}
