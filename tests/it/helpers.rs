//! Test harness: the real app with its own fresh database (SQLite, or PostgreSQL when
//! `TLJ_TEST_ENGINE=postgres` with `TLJ_TEST_POSTGRES_URL`), a clock the test moves, strict
//! templates, and browsers that keep cookies and send the CSRF token like the browser forms do.
//! A browser drives the router in-process (`tower::ServiceExt::oneshot`); the app also listens
//! on an ephemeral port, for what needs a real socket: WebSockets, the sandbox providers'
//! callbacks, and clients of a spawned `techlearnjess` process. Background workers run only in
//! the tests that start them (`TestApp::start_workers`).

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Bytes, HttpBody};
use axum::extract::ConnectInfo;
use axum::http::{HeaderName, HeaderValue, header};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::redirect::Policy;
use scraper::{Html, Selector};
use techlearnjess::AppState;
use techlearnjess::config::Config;
use techlearnjess::state::Options;
use techlearnjess::storage::Bucket;
use tower::ServiceExt;

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    /// The default browser; `new_browser` makes others.
    pub browser: Browser,
    pub data_dir: PathBuf,
    router: Router,
    server: tokio::task::JoinHandle<()>,
    pg_database: Option<(String, String)>,
    _tmp: TempDir,
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("tlj-it-{}", random_suffix()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn random_suffix() -> String {
    use rand::RngCore;
    let mut b = [0u8; 8];
    rand::rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Waits until `check` holds, polling every 20 ms; fails with `what` after 10 s. For things that
/// will happen (a background task finishing, a message arriving); what must *not* happen is
/// checked after moving the clock and letting the background work settle
/// (`app.state.tasks.settled()`), never by waiting a while.
pub async fn eventually<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    eventually_within(Duration::from_secs(10), what, check).await;
}

/// [`eventually`] with another deadline (a spawned process).
pub async fn eventually_within<F, Fut>(limit: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if check().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still not true after {limit:?}: {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The database URL for a new test database, and (for PostgreSQL) the admin URL and db name.
async fn fresh_database(dir: &std::path::Path) -> (String, Option<(String, String)>) {
    if std::env::var("TLJ_TEST_ENGINE").as_deref() == Ok("postgres") {
        let admin = std::env::var("TLJ_TEST_POSTGRES_URL")
            .expect("TLJ_TEST_ENGINE=postgres needs TLJ_TEST_POSTGRES_URL");
        let name = format!("tlj_it_{}", random_suffix());
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&admin)
            .await
            .expect("PostgreSQL reachable");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&pool)
            .await
            .expect("create test database");
        pool.close().await;
        let mut url = url::Url::parse(&admin).expect("valid TLJ_TEST_POSTGRES_URL");
        url.set_path(&name);
        (url.to_string(), Some((admin, name)))
    } else {
        (format!("sqlite://{}/test.db", dir.display()), None)
    }
}

/// Serves `app` on `listener` (the socket half of an app; see the module comment).
fn serve(listener: tokio::net::TcpListener, app: Router) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .expect("server");
    })
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns the app after `tweak` adjusts the configuration.
    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> Self {
        // Server errors (a 500's detail, a template error) show in the output of a failing test.
        let _ = tracing_subscriber::fmt()
            .with_env_filter("error")
            .with_test_writer()
            .try_init();
        let tmp = TempDir::new();
        let (database_url, pg_database) = fresh_database(&tmp.0).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let data_dir = tmp.0.join("data");
        let mut config = Config::from_lookup(|key| match key {
            "DATABASE_URL" => Some(database_url.clone()),
            "TLJ_DATA_DIR" => Some(data_dir.display().to_string()),
            "TLJ_ADDR" => Some(addr.to_string()),
            // Payments run against the embedded fakes because the tests say so, not by default.
            "TLJ_PAY_SANDBOX" => Some("true".into()),
            _ => None,
        })
        .expect("test config");
        tweak(&mut config);
        let state = AppState::with_options(config, Options::for_tests())
            .await
            .expect("app state");
        let router = techlearnjess::router(state.clone());
        let server = serve(listener, router.clone());
        let base = format!("http://{addr}");
        Self {
            browser: Browser::in_process(&base, router.clone()),
            base,
            state,
            data_dir,
            router,
            server,
            pg_database,
            _tmp: tmp,
        }
    }

    /// Starts the background workers of a running instance (payment poller, reminders,
    /// housekeeping, presence heartbeat), for the tests about them.
    pub fn start_workers(&self) {
        techlearnjess::spawn_workers(self.state.clone());
    }

    /// Moves the app's clock forward: deadlines and delays pass without waiting.
    pub fn advance(&self, by: Duration) {
        let by = time::Duration::try_from(by).expect("a representable duration");
        self.state.clock.advance(by);
    }

    /// Spawns the app with the demo content.
    pub async fn with_demo() -> Self {
        let app = Self::spawn().await;
        techlearnjess::demo::seed_if_empty(&app.state.db, &app.state.files)
            .await
            .expect("demo seeded");
        app
    }

    /// Another browser (its own cookies) on the same app.
    pub fn new_browser(&self) -> Browser {
        Browser::in_process(&self.base, self.router.clone())
    }

    /// Signs up and verifies through the e-mail link; returns nothing, the account is usable.
    pub async fn signup_verified(&self, name: &str, email: &str, password: &str) {
        let r = self
            .post_form(
                "/signup",
                &[
                    ("name", name),
                    ("email", email),
                    ("password", password),
                    ("password_confirm", password),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        let link = self.link_in_last_email(email, "/verify-email/");
        let path = link.trim_start_matches(&self.base).to_owned();
        let r = self.post_form(&path, &[]).await;
        assert_eq!(r.status(), 303);
    }

    /// Every e-mail written to the outbox for `to`, oldest first, decoded.
    pub fn emails_to(&self, to: &str) -> Vec<String> {
        let dir = self.data_dir.join("outbox");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
            .into_iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .map(|raw| decode_quoted_printable(&raw))
            .filter(|m| m.lines().any(|l| l.starts_with("To:") && l.contains(to)))
            .collect()
    }

    /// The first link starting with `base + prefix` in the newest e-mail to `to`.
    pub fn link_in_last_email(&self, to: &str, prefix: &str) -> String {
        let mails = self.emails_to(to);
        let mail = mails.last().unwrap_or_else(|| panic!("no e-mail to {to}"));
        let start = format!("{}{prefix}", self.base);
        mail.split_whitespace()
            .find(|w| w.starts_with(&start))
            .unwrap_or_else(|| panic!("no {start} link in:\n{mail}"))
            .to_owned()
    }
}

impl TestApp {
    /// The id of the account with this e-mail.
    pub async fn user_id(&self, email: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(&self.state.db.pool)
            .await
            .expect("user exists")
    }

    /// Stores a file as the app would (the data dir or the database, per `TLJ_FILE_STORAGE`).
    pub async fn put_file(&self, bucket: Bucket, name: &str, bytes: &[u8]) {
        self.state
            .files
            .put(bucket, name, bytes)
            .await
            .expect("file stored");
    }

    /// The stored file `bucket/name`, if any.
    pub async fn stored_file(&self, bucket: Bucket, name: &str) -> Option<Vec<u8>> {
        self.state
            .files
            .get(bucket, name)
            .await
            .expect("storage readable")
    }

    /// The names stored in `bucket`.
    pub async fn stored_names(&self, bucket: Bucket) -> Vec<String> {
        self.state
            .files
            .list(bucket)
            .await
            .expect("storage readable")
    }

    /// A second app instance on the same database (and data dir), as behind a load balancer.
    pub async fn second_instance(&self) -> Instance {
        self.try_instance_with(|_| {})
            .await
            .expect("second app state")
    }

    /// Another instance on the same database and clock, its configuration adjusted by `tweak`
    /// (another key, data dir); the start-up error when it refuses to start.
    pub async fn try_instance_with(
        &self,
        tweak: impl FnOnce(&mut Config),
    ) -> anyhow::Result<Instance> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut config = (*self.state.config).clone();
        config.addr = addr;
        tweak(&mut config);
        // The same clock: both instances live at the same time.
        let options = Options {
            clock: self.state.clock.clone(),
            ..Options::for_tests()
        };
        let state = AppState::with_options(config, options).await?;
        let router = techlearnjess::router(state.clone());
        let server = serve(listener, router.clone());
        let base = format!("http://{addr}");
        Ok(Instance {
            base,
            _state: state,
            router,
            server,
        })
    }
}

/// Another instance of the app (see `TestApp::second_instance`); stops on drop.
pub struct Instance {
    pub base: String,
    _state: AppState,
    router: Router,
    server: tokio::task::JoinHandle<()>,
}

impl Instance {
    pub fn new_browser(&self) -> Browser {
        Browser::in_process(&self.base, self.router.clone())
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl std::ops::Deref for TestApp {
    type Target = Browser;
    fn deref(&self) -> &Browser {
        &self.browser
    }
}

/// A browser: its own cookie jar, no redirect following, and a client that drives the app's
/// router in-process (or, for a spawned `techlearnjess` process, a real socket).
pub struct Browser {
    pub base: String,
    pub client: Client,
    jar: Arc<Jar>,
}

impl Browser {
    /// A browser talking to a server over a socket (a spawned process).
    pub fn new(base: &str) -> Self {
        let jar = Arc::new(Jar::default());
        let socket = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .build()
            .expect("client");
        Self {
            base: base.to_owned(),
            client: Client {
                builder: socket,
                transport: Transport::Socket,
            },
            jar,
        }
    }

    /// A browser whose requests go straight to `router`, as if from 127.0.0.1.
    pub fn in_process(base: &str, router: Router) -> Self {
        let jar = Arc::new(Jar::default());
        let peer: SocketAddr = ([127, 0, 0, 1], 40000 + rand::random_range(0..20000u16)).into();
        let socket = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .build()
            .expect("client");
        Self {
            base: base.to_owned(),
            client: Client {
                builder: reqwest::Client::new(),
                transport: Transport::InProcess {
                    router,
                    jar: jar.clone(),
                    peer,
                    socket,
                },
            },
            jar,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// Fetches a page and parses it.
    pub async fn page(&self, path: &str) -> (reqwest::StatusCode, Html) {
        let r = self.get(path).await;
        let status = r.status();
        (status, Html::parse_document(&r.text().await.expect("body")))
    }

    /// The CSRF cookie, fetched with a GET first if the client has none yet.
    pub async fn csrf(&self) -> String {
        if let Some(token) = self.cookie("tlj_csrf") {
            return token;
        }
        self.get("/healthz").await;
        self.get("/about").await;
        self.cookie("tlj_csrf").expect("the app sets a CSRF cookie")
    }

    /// The `Cookie` header this browser sends to the app (for WebSocket and SSE clients).
    pub fn cookie_header(&self) -> String {
        let url = reqwest::Url::parse(&self.base).expect("base url");
        self.jar
            .cookies(&url)
            .and_then(|h| h.to_str().ok().map(str::to_owned))
            .unwrap_or_default()
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        let url = self.base.parse().expect("url");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split(';')
            .filter_map(|p| p.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    }

    /// POSTs a form with the CSRF token, like the browser does.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf().await;
        let mut body: Vec<(&str, &str)> = fields.to_vec();
        body.push(("_csrf", &token));
        self.client
            .post(self.url(path))
            .form(&body)
            .send()
            .await
            .expect("POST")
    }

    /// Logs in and checks the redirect to the dashboard.
    pub async fn login(&self, email: &str, password: &str) {
        let r = self
            .post_form("/login", &[("email", email), ("password", password)])
            .await;
        assert_eq!(r.status(), 303, "login of {email} should succeed");
        assert_eq!(location(&r), "/dashboard");
    }
}

/// How a [`Client`] reaches the app.
#[derive(Clone)]
enum Transport {
    /// Through the network (the `reqwest` client holds the cookie jar).
    Socket,
    /// Into the router, with what a connection would give it (peer address, cookies, `Host`);
    /// a WebSocket handshake still goes through `socket` (an upgrade needs a connection).
    InProcess {
        router: Router,
        jar: Arc<Jar>,
        peer: SocketAddr,
        socket: reqwest::Client,
    },
}

/// The subset of `reqwest::Client` the tests use, over either transport.
#[derive(Clone)]
pub struct Client {
    /// Builds the requests (and sends them, over a socket).
    builder: reqwest::Client,
    transport: Transport,
}

impl Client {
    pub fn get(&self, url: impl reqwest::IntoUrl) -> RequestBuilder {
        self.request(reqwest::Method::GET, url)
    }

    pub fn post(&self, url: impl reqwest::IntoUrl) -> RequestBuilder {
        self.request(reqwest::Method::POST, url)
    }

    pub fn request(&self, method: reqwest::Method, url: impl reqwest::IntoUrl) -> RequestBuilder {
        RequestBuilder {
            inner: self.builder.request(method, url),
            transport: self.transport.clone(),
        }
    }
}

/// `reqwest::RequestBuilder`, sent over the client's transport.
pub struct RequestBuilder {
    inner: reqwest::RequestBuilder,
    transport: Transport,
}

impl RequestBuilder {
    pub fn header<K, V>(self, key: K, value: V) -> Self
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<axum::http::Error>,
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Into<axum::http::Error>,
    {
        Self {
            inner: self.inner.header(key, value),
            ..self
        }
    }

    pub fn form<T: serde::Serialize + ?Sized>(self, form: &T) -> Self {
        Self {
            inner: self.inner.form(form),
            ..self
        }
    }

    pub fn query<T: serde::Serialize + ?Sized>(self, query: &T) -> Self {
        Self {
            inner: self.inner.query(query),
            ..self
        }
    }

    pub fn body<T: Into<reqwest::Body>>(self, body: T) -> Self {
        Self {
            inner: self.inner.body(body),
            ..self
        }
    }

    pub fn multipart(self, form: reqwest::multipart::Form) -> Self {
        Self {
            inner: self.inner.multipart(form),
            ..self
        }
    }

    pub async fn send(self) -> reqwest::Result<reqwest::Response> {
        let Transport::InProcess {
            router,
            jar,
            peer,
            socket,
        } = self.transport
        else {
            return self.inner.send().await;
        };
        let request = self.inner.build()?;
        if request.headers().contains_key(header::UPGRADE) {
            return socket.execute(request).await;
        }
        let url = request.url().clone();
        let length = request.body().and_then(|b| b.as_bytes()).map(<[u8]>::len);
        let request: axum::http::Request<reqwest::Body> = request.try_into()?;
        let (mut parts, body) = request.into_parts();
        // What the reqwest client and hyper add on the way to a server.
        parts.uri = url[url::Position::BeforePath..]
            .parse()
            .expect("a path and query");
        let headers = &mut parts.headers;
        if !headers.contains_key(header::COOKIE)
            && let Some(cookies) = jar.cookies(&url)
        {
            headers.insert(header::COOKIE, cookies);
        }
        let host = url[url::Position::BeforeHost..url::Position::AfterPort].to_owned();
        headers
            .entry(header::HOST)
            .or_insert(host.parse().expect("a host"));
        headers
            .entry(header::ACCEPT)
            .or_insert(HeaderValue::from_static("*/*"));
        if let Some(length) = length {
            headers
                .entry(header::CONTENT_LENGTH)
                .or_insert(length.into());
        }
        parts.extensions.insert(ConnectInfo(peer));
        let request = axum::http::Request::from_parts(parts, axum::body::Body::new(body));
        let response = router.oneshot(request).await.expect("infallible");
        jar.set_cookies(
            &mut response.headers().get_all(header::SET_COOKIE).iter(),
            &url,
        );
        let (parts, body) = response.into_parts();
        let body = reqwest::Body::wrap(SyncBody(Mutex::new(body)));
        Ok(axum::http::Response::from_parts(parts, body).into())
    }
}

/// The router's response body, made `Sync` as `reqwest::Body::wrap` wants (only ever polled
/// through `&mut`, so the lock is never contended). It streams: SSE tests read it chunk by chunk.
struct SyncBody(Mutex<axum::body::Body>);

impl HttpBody for SyncBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let body = self.get_mut().0.get_mut().expect("not poisoned");
        Pin::new(body).poll_frame(cx)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        if let Some((admin, name)) = self.pg_database.take() {
            // FORCE ends the app's connections server-side; closing the pool here would wait on
            // this (blocked) runtime's I/O driver.
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    if let Ok(admin) = sqlx::AnyPool::connect(&admin).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&admin)
                        .await;
                        admin.close().await;
                    }
                });
            })
            .join()
            .ok();
        }
    }
}

/// The `Location` header of a redirect.
pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Text of the first element matching `selector`, trimmed.
pub fn text_of(html: &Html, selector: &str) -> Option<String> {
    let sel = Selector::parse(selector).expect("valid selector");
    html.select(&sel).next().map(|e| {
        e.text()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// How many elements match `selector`.
pub fn count(html: &Html, selector: &str) -> usize {
    let sel = Selector::parse(selector).expect("valid selector");
    html.select(&sel).count()
}

/// Undoes quoted-printable soft line breaks and `=XX` escapes (UTF-8).
pub fn decode_quoted_printable(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(Ok(b)) = joined.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16))
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
