//! Load client for the realtime benchmark (`scripts/bench` runs it against the release server).
//!
//! `loadgen ws <base> <members>`: opens `<members>` WebSockets on the general chat room as the
//! demo learner, has the demo moderator post 20 messages, and prints one line of JSON:
//! connections held, p50/p99/max delivery time of a message to every member.
//! `loadgen sse <base> <streams>`: opens `<streams>` notification streams as the demo learner,
//! changes their read state 20 times, and prints the same figures for the SSE events.
//! Everything stays on 127.0.0.1 and ends by itself.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use reqwest::redirect::Policy;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const PASSWORD: &str = "Demo-2026-tlj";
const ROUNDS: usize = 20;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// A signed-in HTTP client and its cookie header.
struct Session {
    client: reqwest::Client,
    base: String,
    cookie: String,
    csrf: String,
}

async fn login(base: &str, email: &str) -> Result<Session, Error> {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(Policy::none())
        .build()?;
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await?
        .text()
        .await?;
    let csrf = page
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .ok_or("no CSRF token on /login")?
        .to_owned();
    let r = client
        .post(format!("{base}/login"))
        .form(&[("email", email), ("password", PASSWORD), ("_csrf", &csrf)])
        .send()
        .await?;
    if r.status() != 303 {
        return Err(format!("login of {email} failed: {}", r.status()).into());
    }
    use reqwest::cookie::CookieStore;
    let cookie = jar
        .cookies(&base.parse()?)
        .and_then(|h| h.to_str().ok().map(str::to_owned))
        .ok_or("no session cookie")?;
    Ok(Session {
        client,
        base: base.to_owned(),
        cookie,
        csrf,
    })
}

impl Session {
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Result<reqwest::Response, Error> {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("_csrf", &self.csrf));
        Ok(self
            .client
            .post(format!("{}{path}", self.base))
            .form(&form)
            .send()
            .await?)
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Resident memory of a process in KiB (0 when unknown).
fn rss_kib(pid: Option<u32>) -> u64 {
    pid.and_then(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn report(kind: &str, held: usize, mut delays: Vec<Duration>, expected: usize, rss: (u64, u64)) {
    delays.sort();
    let per_conn = if held > 0 {
        rss.1.saturating_sub(rss.0) as f64 / held as f64
    } else {
        0.0
    };
    println!(
        "{{\"kind\":\"{kind}\",\"held\":{held},\"deliveries\":{},\"expected\":{expected},\"p50_ms\":{:.2},\"p99_ms\":{:.2},\"max_ms\":{:.2},\"rss_before_kib\":{},\"rss_held_kib\":{},\"kib_per_connection\":{per_conn:.1}}}",
        delays.len(),
        percentile(&delays, 0.50),
        percentile(&delays, 0.99),
        delays
            .last()
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0),
        rss.0,
        rss.1,
    );
}

async fn ws_fanout(base: &str, members: usize, pid: Option<u32>) -> Result<(), Error> {
    let learner = login(base, "apprenant@techlearnjess.cd").await?;
    let moderator = login(base, "moderateur@techlearnjess.cd").await?;
    let page = learner
        .client
        .get(format!("{base}/chat"))
        .send()
        .await?
        .text()
        .await?;
    let room: i64 = page
        .split("data-testid=\"chat-room-general\"")
        .next()
        .and_then(|s| s.rsplit("/chat/rooms/").next())
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .ok_or("general room not found")?;
    let url = format!("{}/chat/rooms/{room}/ws", base.replacen("http", "ws", 1));
    let rss_before = rss_kib(pid);
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, Instant)>();
    let mut held = 0;
    for _ in 0..members {
        let mut request = url.as_str().into_client_request()?;
        request
            .headers_mut()
            .insert("cookie", learner.cookie.parse()?);
        let (mut ws, _) = tokio_tungstenite::connect_async(request).await?;
        ws.send(Message::text(r#"{"resume":"999999999999"}"#))
            .await?;
        held += 1;
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = ws.next().await {
                if let Message::Text(t) = frame
                    && let Some(rest) = t.as_str().split("bench-round-").nth(1)
                    && let Some(round) = rest.split(|c: char| !c.is_ascii_digit()).next()
                    && let Ok(round) = round.parse()
                {
                    let _ = tx.send((round, Instant::now()));
                }
            }
        });
    }
    drop(tx);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss = (rss_before, rss_kib(pid));
    let mut delays = Vec::new();
    for round in 0..ROUNDS {
        let sent = Instant::now();
        let r = moderator
            .post(
                &format!("/chat/rooms/{room}/messages"),
                &[("body", &format!("bench-round-{round}"))],
            )
            .await?;
        if r.status() != 303 {
            return Err(format!("posting failed: {}", r.status()).into());
        }
        let deadline = sent + Duration::from_secs(30);
        let mut got = 0;
        while got < members {
            match tokio::time::timeout_at(deadline.into(), rx.recv()).await {
                Ok(Some((r, at))) if r == round => {
                    delays.push(at - sent);
                    got += 1;
                }
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        // Stay under the chat rate limit (10 messages per 20 s per account).
        tokio::time::sleep(Duration::from_millis(2100)).await;
    }
    report("ws", held, delays, members * ROUNDS, rss);
    Ok(())
}

async fn sse_fanout(base: &str, streams: usize, pid: Option<u32>) -> Result<(), Error> {
    let learner = login(base, "apprenant@techlearnjess.cd").await?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Instant>();
    let rss_before = rss_kib(pid);
    let mut held = 0;
    for _ in 0..streams {
        let mut response = learner
            .client
            .get(format!("{base}/notifications/stream"))
            .send()
            .await?;
        held += 1;
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut first = true;
            while let Ok(Some(chunk)) = response.chunk().await {
                let text = String::from_utf8_lossy(&chunk);
                for _ in text.matches("event: badge") {
                    if first {
                        first = false; // the badge sent on connect
                    } else {
                        let _ = tx.send(Instant::now());
                    }
                }
            }
        });
    }
    drop(tx);
    tokio::time::sleep(Duration::from_millis(500)).await;
    while rx.try_recv().is_ok() {}
    let rss = (rss_before, rss_kib(pid));
    let mut delays = Vec::new();
    for _ in 0..ROUNDS {
        let sent = Instant::now();
        learner.post("/notifications/read-all", &[]).await?;
        let deadline = sent + Duration::from_secs(30);
        let mut got = 0;
        while got < streams {
            match tokio::time::timeout_at(deadline.into(), rx.recv()).await {
                Ok(Some(at)) => {
                    delays.push(at - sent);
                    got += 1;
                }
                _ => break,
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    report("sse", held, delays, streams * ROUNDS, rss);
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: loadgen (ws|sse) <base-url> <connections> [server-pid]";
    let (mode, base, n, pid) = match args.as_slice() {
        [_, mode, base, n] => (mode.as_str(), base.as_str(), n.parse::<usize>()?, None),
        [_, mode, base, n, pid] => (
            mode.as_str(),
            base.as_str(),
            n.parse::<usize>()?,
            Some(pid.parse()?),
        ),
        _ => return Err(usage.into()),
    };
    let base = base.trim_end_matches('/');
    match mode {
        "ws" => ws_fanout(base, n, pid).await,
        "sse" => sse_fanout(base, n, pid).await,
        _ => Err(usage.into()),
    }
}
