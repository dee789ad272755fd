//! Syncing end to end against the real servers: Tiny Tiny RSS and Coldsweat (Fever), started from
//! `../shared/tools/sync-servers` once per test binary (see `tests/common/sync_servers.rs`), each
//! fetching feeds from a loopback feed server. The real `tidings` binary is run where the user would
//! run it (`account add`, `add`, `refresh`, `list`, `show`, `account show`); the library is used
//! where the reader would act (marking read or starred through the store, which queues the change
//! in the outbox), and fresh protocol clients check what the server itself says.
//!
//! Each test has a user of its own on the shared server (TT-RSS: a row in its database; Coldsweat:
//! `coldsweat.sh add-user`) and feeds of its own, so tests running side by side never see each
//! other's data. Without the servers' scripts the tests print `skipped: …`
//! (`TIDINGS_SYNC_TESTS=required` makes that a failure). The scale run (20,000 articles) runs only
//! with `TIDINGS_SYNC_SCALE=1`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::cli::{self, Profile};
use common::sync_servers::{FeedServer, Kind, SyncServer, items, rss};
use tidings::config::Config;
use tidings::session::Session;
use tidings::source::remote::{Credentials, Flag, RemoteArticle};
use tidings::source::{Remote, fever, ttrss};
use tidings::store::{OutboxOp, Scope};

// ------------------------------------------------------------------------------------------------
// The servers, the feeds they fetch, and a user of each test's own
// ------------------------------------------------------------------------------------------------

/// Every feed of these tests (name, items). Names are unique, and so are the items' GUIDs
/// (Coldsweat shares an item between feeds with the same GUID).
const FEEDS: &[(&str, usize)] = &[
    ("tt-sub-a", 5),
    ("tt-sub-b", 3),
    ("tt-state", 6),
    ("tt-server", 6),
    ("tt-catchup", 7),
    ("tt-catchup-other", 2),
    ("tt-offline", 5),
    ("tt-kill", 800),
    ("tt-kill-small", 30),
    ("fv-sub-a", 4),
    ("fv-sub-b", 3),
    ("fv-sub-new", 2),
    ("fv-state", 6),
    ("fv-server", 6),
    ("fv-offline", 5),
];

fn feed_title(name: &str) -> String {
    format!("Tidings {name}")
}

fn item_title(name: &str, n: usize) -> String {
    format!("{name} item {n}")
}

/// The loopback feeds, for the rest of the process.
fn feeds() -> &'static FeedServer {
    static FEEDS_AT: OnceLock<FeedServer> = OnceLock::new();
    FEEDS_AT.get_or_init(|| {
        FeedServer::start(|base| {
            FEEDS
                .iter()
                .map(|&(name, count)| {
                    (
                        format!("/{name}.xml"),
                        rss(
                            &feed_title(name),
                            &format!("{base}/{name}"),
                            &items(name, count),
                        ),
                    )
                })
                .collect()
        })
    })
}

fn feed_url(name: &str) -> String {
    feeds().url(&format!("/{name}.xml"))
}

/// The server of `kind`, started once for the whole binary (`None`: skipped, already printed).
fn shared(kind: Kind) -> Option<&'static SyncServer> {
    static TTRSS: OnceLock<Option<SyncServer>> = OnceLock::new();
    static COLDSWEAT: OnceLock<Option<SyncServer>> = OnceLock::new();
    let cell = match kind {
        Kind::Ttrss => &TTRSS,
        Kind::Coldsweat => &COLDSWEAT,
    };
    let server = cell.get_or_init(|| SyncServer::start(kind)).as_ref();
    if server.is_none() {
        println!("skipped: no {kind:?} server (the first test that asked says why)");
    }
    server
}

/// Runs `cmd` with `input` on its standard input; returns what it did.
fn run_with_input(mut cmd: Command, input: &str) -> Output {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(input.as_bytes()).expect("write stdin");
    drop(stdin);
    child.wait_with_output().expect("wait")
}

fn text(out: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Runs a server's helper command (updater, CLI), one at a time per process: TT-RSS's updater
/// refuses to run twice at once, and Coldsweat's SQLite would be busy.
fn server_command(program: &str, args: &[&str]) -> String {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{program} {args:?}: {all}");
    println!(
        "  ({} {} took {} ms)",
        program.rsplit('/').next().unwrap_or(program),
        args.first().unwrap_or(&""),
        started.elapsed().as_millis()
    );
    all
}

/// TT-RSS fetches its feeds (`update.php --feeds`).
fn ttrss_update(server: &SyncServer) {
    let out = server_command(server.var("TTRSS_UPDATE_CMD"), &["--quiet"]);
    assert!(!out.contains("Can't create lockfile"), "{out}");
}

/// SQL on the TT-RSS database, with psql variables (`:'name'`).
fn ttrss_sql(server: &SyncServer, vars: &[(&str, &str)], sql: &str) -> String {
    let mut cmd = Command::new("psql");
    cmd.args(["-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-p", "5432"])
        .args(["-U", "ttrss", "-d", "ttrss", "-h"])
        .arg(format!("{}/run", server.var("TTRSS_DATA_DIR")))
        .env("PGOPTIONS", "-c client_min_messages=warning");
    for (k, v) in vars {
        cmd.arg("-v").arg(format!("{k}={v}"));
    }
    let out = run_with_input(cmd, sql);
    assert!(out.status.success(), "psql: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A test's own user on a shared server, and the address tidings is given.
#[derive(Debug, Clone)]
struct Login {
    kind: Kind,
    url: String,
    user: String,
    password: String,
}

impl Login {
    /// A new user `name` on `server` (TT-RSS: with API access, like the start script's user).
    fn new(server: &SyncServer, name: &str) -> Login {
        let password = format!("pw-{name}-0123456789");
        match server.kind {
            Kind::Ttrss => {
                ttrss_sql(
                    server,
                    &[("u", name), ("p", &password)],
                    "insert into ttrss_users (login, pwd_hash, access_level, created)
                       values (:'u', 'x', 0, now());
                     update ttrss_users set salt = md5(random()::text) || md5(random()::text)
                       where login = :'u';
                     update ttrss_users set pwd_hash = 'MODE2:'
                         || encode(sha256(convert_to(salt || :'p', 'UTF8')), 'hex')
                       where login = :'u';
                     insert into ttrss_user_prefs (owner_uid, pref_name, value)
                       select id, 'ENABLE_API_ACCESS', 'true' from ttrss_users where login = :'u';",
                );
                Login {
                    kind: Kind::Ttrss,
                    url: server.var("TTRSS_URL").into(),
                    user: name.into(),
                    password,
                }
            }
            Kind::Coldsweat => {
                let email = format!("{name}@example.com");
                let key = server_command(
                    server.var("COLDSWEAT_CLI"),
                    &["add-user", &email, &password],
                );
                let key = key.trim();
                assert!(
                    key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit()),
                    "add-user printed {key:?}"
                );
                Login {
                    kind: Kind::Coldsweat,
                    url: server.var("COLDSWEAT_FEVER_URL").into(),
                    user: email,
                    password,
                }
            }
        }
    }

    /// `ttrss` or `fever`, for `tidings account add`.
    fn kind_arg(&self) -> &'static str {
        match self.kind {
            Kind::Ttrss => "ttrss",
            Kind::Coldsweat => "fever",
        }
    }

    fn creds(&self) -> Credentials {
        Credentials {
            url: self.url.clone(),
            user: self.user.clone(),
            password: self.password.clone(),
        }
    }

    /// An address on the same server where nothing listens.
    fn dead_url(&self) -> String {
        match self.kind {
            Kind::Ttrss => "http://127.0.0.1:1/".into(),
            Kind::Coldsweat => "http://127.0.0.1:1/fever/".into(),
        }
    }
}

/// Subscribes `login`'s user to the test feed `name` on the server, the server's own way
/// (TT-RSS: the API; Coldsweat: its command line, in the group `group`).
fn subscribe_on_server(server: &SyncServer, login: &Login, name: &str, group: &str) -> i64 {
    let url = feed_url(name);
    match server.kind {
        Kind::Ttrss => Api::new(login).subscribe(&url),
        Kind::Coldsweat => {
            let out = server_command(
                server.var("COLDSWEAT_CLI"),
                &["subscribe", &url, group, &login.user],
            );
            let mut api = Api::new(login);
            let feed = api
                .feeds()
                .into_iter()
                .find(|(_, u)| *u == url)
                .unwrap_or_else(|| panic!("{url} not subscribed: {out}"));
            feed.0
        }
    }
}

/// The server fetches what it was subscribed to (Coldsweat's `subscribe` already did).
fn server_fetches(server: &SyncServer) {
    if server.kind == Kind::Ttrss {
        ttrss_update(server);
    }
}

// ------------------------------------------------------------------------------------------------
// The server's own view, through a fresh protocol client
// ------------------------------------------------------------------------------------------------

/// A logged-in protocol client and a runtime for it.
struct Api {
    rt: tokio::runtime::Runtime,
    remote: Remote,
}

impl Api {
    fn new(login: &Login) -> Api {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let http = rt.block_on(async {
            reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .connect_timeout(Duration::from_secs(5))
                .build()
                .expect("client")
        });
        let max = 64 << 20;
        let mut remote = match login.kind {
            Kind::Ttrss => Remote::Ttrss(ttrss::Client::new(login.creds(), http, max).unwrap()),
            Kind::Coldsweat => Remote::Fever(fever::Client::new(login.creds(), http, max).unwrap()),
        };
        rt.block_on(remote.login()).expect("login");
        Api { rt, remote }
    }

    fn subscribe(&mut self, url: &str) -> i64 {
        self.rt
            .block_on(self.remote.subscribe(url, None))
            .expect("subscribe")
    }

    /// (id, feed URL) of every subscription.
    fn feeds(&mut self) -> Vec<(i64, String)> {
        self.rt
            .block_on(self.remote.feeds())
            .expect("feeds")
            .into_iter()
            .map(|f| (f.id, f.feed_url))
            .collect()
    }

    fn feed_id(&mut self, name: &str) -> i64 {
        let url = feed_url(name);
        self.feeds()
            .into_iter()
            .find(|(_, u)| *u == url)
            .unwrap_or_else(|| panic!("{url} is not subscribed"))
            .0
    }

    /// Every article, by id.
    fn articles(&mut self) -> BTreeMap<i64, RemoteArticle> {
        let mut all = BTreeMap::new();
        let mut since = 0;
        loop {
            let page = self
                .rt
                .block_on(self.remote.articles_after(since, 200))
                .expect("articles");
            let Some(last) = page.iter().map(|a| a.id).max() else {
                return all;
            };
            since = last;
            for a in page {
                assert!(all.insert(a.id, a).is_none(), "an article twice");
            }
        }
    }

    /// Article ids by title.
    fn ids(&mut self) -> BTreeMap<String, i64> {
        self.articles()
            .into_values()
            .map(|a| (a.title, a.id))
            .collect()
    }

    fn unread(&mut self) -> BTreeSet<i64> {
        self.rt
            .block_on(self.remote.unread_ids())
            .expect("unread")
            .into_iter()
            .collect()
    }

    fn starred(&mut self) -> BTreeSet<i64> {
        self.rt
            .block_on(self.remote.starred_ids())
            .expect("starred")
            .into_iter()
            .collect()
    }

    fn flag(&mut self, ids: &[i64], flag: Flag) {
        self.rt
            .block_on(self.remote.set_flag(ids, flag))
            .expect("set flag");
    }
}

// ------------------------------------------------------------------------------------------------
// tidings on a profile
// ------------------------------------------------------------------------------------------------

/// `tidings account add KIND URL --user USER`, the password typed on standard input.
fn account_add(profile: &Profile, login: &Login, password: &str) -> Output {
    let mut cmd = cli::command(
        profile.path(),
        &[
            "account",
            "add",
            login.kind_arg(),
            &login.url,
            "--user",
            &login.user,
        ],
    );
    cmd.env("TIDINGS_LOG", "debug");
    run_with_input(cmd, &format!("{password}\n"))
}

/// What `tidings refresh` printed for a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Synced {
    feeds: u64,
    added: u64,
    removed: u64,
    new: u64,
    sent: u64,
    states: u64,
    requests: u64,
}

/// The numbers of "Synced with URL: 2 feeds (+1 -0), 8 new articles, 0 changes sent, 0 states
/// updated, 5 requests".
fn parse_synced(line: &str) -> Synced {
    let (head, rest) = line.split_once(": ").unwrap_or_else(|| panic!("{line:?}"));
    assert!(head.starts_with("Synced with "), "{line:?}");
    let n: Vec<u64> = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(n.len(), 7, "{line:?}");
    for word in [
        "feeds (+",
        "new articles",
        "changes sent",
        "states updated",
        "requests",
    ] {
        assert!(rest.contains(word), "{line:?} lacks {word:?}");
    }
    Synced {
        feeds: n[0],
        added: n[1],
        removed: n[2],
        new: n[3],
        sent: n[4],
        states: n[5],
        requests: n[6],
    }
}

/// `tidings refresh`, expected to sync; returns its numbers.
fn refresh(profile: &Profile) -> Synced {
    let started = Instant::now();
    let out = profile.ok(&["refresh"]);
    let line = out.trim();
    assert_eq!(line.lines().count(), 1, "{out}");
    println!("  {line} ({} ms)", started.elapsed().as_millis());
    parse_synced(line)
}

/// One row of `tidings list articles --json`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Local {
    id: i64,
    feed_id: i64,
    read: bool,
    starred: bool,
}

/// Every article of the profile, as `tidings list articles --json` gives them, by title (titles are
/// unique in these tests: a title twice fails).
fn local(profile: &Profile) -> BTreeMap<String, Local> {
    let mut map = BTreeMap::new();
    for row in profile.json_lines(&["list", "articles", "--json"]) {
        let title = row["title"].as_str().expect("title").to_string();
        let article = Local {
            id: row["id"].as_i64().expect("id"),
            feed_id: row["feed_id"].as_i64().expect("feed_id"),
            read: row["read"].as_bool().expect("read"),
            starred: row["starred"].as_bool().expect("starred"),
        };
        if let Some(before) = map.insert(title.clone(), article) {
            panic!("{title:?} is stored twice (also as {before:?})");
        }
    }
    map
}

/// `tidings list feeds --json`, by URL.
fn local_feeds(profile: &Profile) -> BTreeMap<String, serde_json::Value> {
    profile
        .json_lines(&["list", "feeds", "--json"])
        .into_iter()
        .map(|f| (f["url"].as_str().expect("url").to_string(), f))
        .collect()
}

/// The profile opened through the library, as the reader opens it.
fn session(profile: &Profile) -> Session {
    let p = tidings::paths::Profile::resolve(Some(profile.path())).expect("profile");
    Session::open(&p, Config::default()).expect("open the profile")
}

/// What the reader does when an article is marked read or unread, starred or unstarred (the same
/// store calls as `ui/runtime/store.rs`), whose triggers queue the change in the outbox. Returns how many
/// changes wait then.
fn reader_marks(profile: &Profile, marks: &[(i64, Flag)]) -> usize {
    let session = session(profile);
    for &(id, flag) in marks {
        session
            .db()
            .write_blocking(move |s| match flag {
                Flag::Read => s.set_read(id, true),
                Flag::Unread => s.set_read(id, false),
                Flag::Star => s.set_starred(id, true),
                Flag::Unstar => s.set_starred(id, false),
            })
            .expect("mark");
    }
    session.db().read_blocking(|s| s.outbox_len()).unwrap()
}

/// `tidings account show`'s "waiting:" count.
fn waiting(profile: &Profile) -> usize {
    let out = profile.ok(&["account", "show"]);
    let line = out
        .lines()
        .find(|l| l.starts_with("waiting:"))
        .unwrap_or_else(|| panic!("{out}"));
    line.split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line:?}"))
}

/// A profile with an account for `login` that has synced the feeds `names` once (subscribed on the
/// server, fetched there); returns the profile and the server's article ids by title.
fn synced_profile(
    server: &SyncServer,
    login: &Login,
    names: &[&str],
) -> (Profile, BTreeMap<String, i64>) {
    for name in names {
        subscribe_on_server(server, login, name, &feed_title(name));
    }
    server_fetches(server);
    let profile = Profile::new();
    let out = account_add(&profile, login, &login.password);
    assert!(out.status.success(), "account add: {}", text(&out));
    let first = refresh(&profile);
    let expected: usize = names
        .iter()
        .map(|n| FEEDS.iter().find(|f| f.0 == *n).unwrap().1)
        .sum();
    assert_eq!(first.new as usize, expected, "{first:?}");
    let ids = Api::new(login).ids();
    assert_eq!(ids.len(), expected);
    (profile, ids)
}

/// Checks that every local article's read and starred state is the server's.
fn assert_same_state(profile: &Profile, login: &Login) {
    let mut api = Api::new(login);
    let ids = api.ids();
    let (unread, starred) = (api.unread(), api.starred());
    let here = local(profile);
    assert_eq!(
        here.keys().collect::<BTreeSet<_>>(),
        ids.keys().collect::<BTreeSet<_>>(),
        "the same articles here and there"
    );
    for (title, a) in &here {
        let remote = ids[title];
        assert_eq!(
            (a.read, a.starred),
            (!unread.contains(&remote), starred.contains(&remote)),
            "{title}: (read, starred) here vs on the server"
        );
    }
}

// ------------------------------------------------------------------------------------------------
// 1. Subscribing, fetching on the server, syncing
// ------------------------------------------------------------------------------------------------

#[test]
fn ttrss_subscribe_then_refresh_brings_feeds_and_articles() {
    let Some(server) = shared(Kind::Ttrss) else {
        return;
    };
    let login = Login::new(server, "t_subscribe");
    // A category, which TT-RSS's API cannot create: `tidings add --tag` files the feed under it.
    ttrss_sql(
        server,
        &[("u", &login.user), ("c", "Tidings news")],
        "insert into ttrss_feed_categories (owner_uid, title)
           select id, :'c' from ttrss_users where login = :'u';",
    );
    let profile = Profile::new();
    let out = account_add(&profile, &login, &login.password);
    assert!(out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("Added the Tiny Tiny RSS account t_subscribe") && said.contains("(0 feeds)"),
        "{said}"
    );
    let account = std::fs::read_to_string(profile.path().join("account.toml")).unwrap();
    assert!(!account.contains(&login.password), "{account}");
    let log = std::fs::read_to_string(profile.path().join("tidings.log")).expect("the log");
    assert!(
        !log.contains(&login.password),
        "the password is never logged"
    );

    // One feed through tidings (which asks the server), one on the server directly.
    let a_url = feed_url("tt-sub-a");
    let added = profile.ok(&["add", &a_url, "--tag", "Tidings news"]);
    assert!(added.starts_with("added feed "), "{added}");
    let mut api = Api::new(&login);
    assert!(
        api.feeds().iter().any(|(_, u)| *u == a_url),
        "`tidings add` subscribed on the server"
    );
    api.subscribe(&feed_url("tt-sub-b"));
    ttrss_update(server);

    let first = refresh(&profile);
    assert_eq!(
        (
            first.feeds,
            first.added,
            first.removed,
            first.new,
            first.sent
        ),
        (2, 1, 0, 8, 0),
        "{first:?}"
    );
    let feeds_here = local_feeds(&profile);
    assert_eq!(feeds_here.len(), 2, "{feeds_here:?}");
    let a = &feeds_here[&a_url];
    assert_eq!(a["title"], feed_title("tt-sub-a"));
    assert_eq!(a["tags"], serde_json::json!(["Tidings news"]));
    assert_eq!(
        (a["total"].as_i64(), a["unread"].as_i64()),
        (Some(5), Some(5))
    );
    let b = &feeds_here[&feed_url("tt-sub-b")];
    assert_eq!(b["tags"], serde_json::json!([]));
    assert_eq!(b["total"].as_i64(), Some(3));

    let here = local(&profile);
    let expected: BTreeSet<String> = (1..=5)
        .map(|n| item_title("tt-sub-a", n))
        .chain((1..=3).map(|n| item_title("tt-sub-b", n)))
        .collect();
    assert_eq!(here.keys().cloned().collect::<BTreeSet<_>>(), expected);
    assert!(here.values().all(|a| !a.read && !a.starred));
    let second = &here[&item_title("tt-sub-a", 2)];
    assert_eq!(second.feed_id, a["id"].as_i64().unwrap());
    let shown = profile.ok(&["show", &second.id.to_string(), "--width", "100"]);
    assert!(shown.contains("tt-sub-a item 2"), "{shown}");
    assert!(
        shown.contains("Body of tt-sub-a item 2"),
        "the content is there: {shown}"
    );
    assert!(
        shown.contains(&format!("{}/tt-sub-a/item/2", feeds().url(""))),
        "{shown}"
    );
    // Search works on synced articles as on polled ones.
    let found = profile.ok(&["search", "body", "--feed", &feed_url("tt-sub-b"), "--json"]);
    assert_eq!(found.lines().count(), 3, "{found}");

    let server_max = Api::new(&login).articles().keys().max().copied().unwrap();
    let show = profile.ok(&["account", "show"]);
    assert!(
        show.contains(&format!("synced:   articles up to id {server_max}")),
        "{show}"
    );

    let again = refresh(&profile);
    assert_eq!(
        (
            again.feeds,
            again.added,
            again.removed,
            again.new,
            again.sent,
            again.states
        ),
        (2, 0, 0, 0, 0, 0),
        "{again:?}"
    );
    println!(
        "TT-RSS: an incremental sync with nothing new took {} requests (login not counted)",
        again.requests
    );
    assert!(again.requests > 0);
}

#[test]
fn fever_subscribe_on_the_server_then_refresh_brings_feeds_and_articles() {
    let Some(server) = shared(Kind::Coldsweat) else {
        return;
    };
    let login = Login::new(server, "fv_subscribe");
    subscribe_on_server(server, &login, "fv-sub-a", "Tidings Fever A");
    subscribe_on_server(server, &login, "fv-sub-b", "Tidings Fever B");

    let profile = Profile::new();
    let out = account_add(&profile, &login, &login.password);
    assert!(out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("Added the Fever account fv_subscribe@example.com")
            && said.contains("(2 feeds)"),
        "{said}"
    );

    let first = refresh(&profile);
    assert_eq!(
        (
            first.feeds,
            first.added,
            first.removed,
            first.new,
            first.sent
        ),
        (2, 2, 0, 7, 0),
        "{first:?}"
    );
    let feeds_here = local_feeds(&profile);
    let a = &feeds_here[&feed_url("fv-sub-a")];
    assert_eq!(a["title"], feed_title("fv-sub-a"));
    assert_eq!(a["tags"], serde_json::json!(["Tidings Fever A"]));
    assert_eq!(
        (a["total"].as_i64(), a["unread"].as_i64()),
        (Some(4), Some(4))
    );
    let b = &feeds_here[&feed_url("fv-sub-b")];
    assert_eq!(b["tags"], serde_json::json!(["Tidings Fever B"]));
    assert_eq!(b["total"].as_i64(), Some(3));

    let here = local(&profile);
    let expected: BTreeSet<String> = (1..=4)
        .map(|n| item_title("fv-sub-a", n))
        .chain((1..=3).map(|n| item_title("fv-sub-b", n)))
        .collect();
    assert_eq!(here.keys().cloned().collect::<BTreeSet<_>>(), expected);
    let third = &here[&item_title("fv-sub-b", 3)];
    let shown = profile.ok(&["show", &third.id.to_string(), "--width", "100"]);
    assert!(shown.contains("Body of fv-sub-b item 3"), "{shown}");

    // The Fever API cannot subscribe or unsubscribe: tidings says so and changes nothing.
    let new_url = feed_url("fv-sub-new");
    let out = profile.run(&["add", &new_url]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Fever server cannot subscribe"),
        "a clear line: {err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let out = profile.run(&["remove", &a["id"].to_string()]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot subscribe or unsubscribe"),
        "{}",
        text(&out)
    );
    assert_eq!(local_feeds(&profile).len(), 2);
    assert!(
        Api::new(&login).feeds().iter().all(|(_, u)| *u != new_url),
        "nothing was subscribed on the server"
    );

    let again = refresh(&profile);
    assert_eq!(
        (
            again.feeds,
            again.added,
            again.removed,
            again.new,
            again.sent,
            again.states
        ),
        (2, 0, 0, 0, 0, 0),
        "{again:?}"
    );
    println!(
        "Fever: an incremental sync with nothing new took {} requests (login not counted)",
        again.requests
    );
    assert!(
        again.requests <= 3,
        "feeds, items, unread and saved ids: {again:?}"
    );
}

// ------------------------------------------------------------------------------------------------
// 2. Read and starred here reach the server
// ------------------------------------------------------------------------------------------------

fn read_and_star_here_reach_the_server(kind: Kind, user: &str, name: &str) {
    let Some(server) = shared(kind) else {
        return;
    };
    let login = Login::new(server, user);
    let (profile, ids) = synced_profile(server, &login, &[name]);
    let here = local(&profile);
    let id = |n: usize| here[&item_title(name, n)].id;
    let remote = |n: usize| ids[&item_title(name, n)];

    let waiting_now = reader_marks(
        &profile,
        &[
            (id(1), Flag::Read),
            (id(2), Flag::Star),
            (id(3), Flag::Read),
            (id(3), Flag::Star),
        ],
    );
    assert_eq!(waiting_now, 4, "each change is queued");
    assert_eq!(waiting(&profile), 4);
    let synced = refresh(&profile);
    assert_eq!(
        (synced.sent, synced.states, synced.new),
        (4, 0, 0),
        "{synced:?}"
    );
    if kind == Kind::Coldsweat {
        // One request per marked item, then feeds, items and the id lists.
        assert_eq!(synced.requests, synced.sent + 3, "{synced:?}");
    }
    assert_eq!(waiting(&profile), 0);

    let mut api = Api::new(&login);
    let (unread, starred) = (api.unread(), api.starred());
    assert!(!unread.contains(&remote(1)) && !unread.contains(&remote(3)));
    assert!(unread.contains(&remote(2)) && unread.contains(&remote(4)));
    assert_eq!(starred, BTreeSet::from([remote(2), remote(3)]));
    assert_same_state(&profile, &login);

    // Undoing goes the same way; this time sent as the reader's outbox timer sends it, through
    // the syncer, without a whole sync.
    let waiting_now = reader_marks(&profile, &[(id(1), Flag::Unread), (id(2), Flag::Unstar)]);
    assert_eq!(waiting_now, 2);
    {
        let session = session(&profile);
        let syncer = session.syncer().expect("the profile syncs");
        let rt = tokio::runtime::Runtime::new().unwrap();
        let sent = rt.block_on(syncer.send_outbox()).expect("send the outbox");
        assert_eq!(sent, 2);
        assert_eq!(session.db().read_blocking(|s| s.outbox_len()).unwrap(), 0);
    }
    let mut api = Api::new(&login);
    assert!(api.unread().contains(&remote(1)));
    assert_eq!(api.starred(), BTreeSet::from([remote(3)]));
    let synced = refresh(&profile);
    assert_eq!((synced.sent, synced.states), (0, 0), "{synced:?}");
    assert_same_state(&profile, &login);
}

#[test]
fn ttrss_read_and_star_here_reach_the_server() {
    read_and_star_here_reach_the_server(Kind::Ttrss, "t_state", "tt-state");
}

#[test]
fn fever_read_and_star_here_reach_the_server() {
    read_and_star_here_reach_the_server(Kind::Coldsweat, "fv_state", "fv-state");
}

// ------------------------------------------------------------------------------------------------
// 3. Changes on the server reach tidings
// ------------------------------------------------------------------------------------------------

fn server_changes_reach_tidings(kind: Kind, user: &str, name: &str) {
    let Some(server) = shared(kind) else {
        return;
    };
    let login = Login::new(server, user);
    let (profile, ids) = synced_profile(server, &login, &[name]);
    let remote = |n: usize| ids[&item_title(name, n)];
    let title = |n: usize| item_title(name, n);

    // Item 4 read here first (and sent), so that the server can make it unread again.
    let id4 = local(&profile)[&title(4)].id;
    reader_marks(&profile, &[(id4, Flag::Read), (id4, Flag::Star)]);
    assert_eq!(refresh(&profile).sent, 2);

    let mut api = Api::new(&login);
    api.flag(&[remote(1), remote(2)], Flag::Read);
    api.flag(&[remote(2), remote(3)], Flag::Star);
    api.flag(&[remote(4)], Flag::Unread);
    api.flag(&[remote(4)], Flag::Unstar);

    let synced = refresh(&profile);
    // 1 read; 2 read and starred; 3 starred; 4 unread and unstarred.
    assert_eq!(
        (synced.sent, synced.new, synced.states),
        (0, 0, 6),
        "{synced:?}"
    );
    let here = local(&profile);
    let state = |n: usize| (here[&title(n)].read, here[&title(n)].starred);
    assert_eq!(state(1), (true, false));
    assert_eq!(state(2), (true, true));
    assert_eq!(state(3), (false, true));
    assert_eq!(state(4), (false, false));
    assert_eq!(state(5), (false, false));
    assert_eq!(
        waiting(&profile),
        0,
        "the server's changes are not sent back"
    );
    assert_same_state(&profile, &login);

    // A second sync finds nothing to change.
    let again = refresh(&profile);
    assert_eq!((again.sent, again.states), (0, 0), "{again:?}");
}

#[test]
fn ttrss_server_changes_reach_tidings() {
    server_changes_reach_tidings(Kind::Ttrss, "t_server", "tt-server");
}

#[test]
fn fever_server_changes_reach_tidings() {
    server_changes_reach_tidings(Kind::Coldsweat, "fv_server", "fv-server");
}

// ------------------------------------------------------------------------------------------------
// 4. A whole feed marked read is one catch-up
// ------------------------------------------------------------------------------------------------

#[test]
fn ttrss_a_feed_marked_read_goes_as_one_catch_up() {
    let Some(server) = shared(Kind::Ttrss) else {
        return;
    };
    let login = Login::new(server, "t_catchup");
    let (profile, ids) = synced_profile(server, &login, &["tt-catchup", "tt-catchup-other"]);
    let remote_feed = Api::new(&login).feed_id("tt-catchup");
    let feed = local_feeds(&profile)[&feed_url("tt-catchup")]["id"]
        .as_i64()
        .unwrap();

    let (marked, outbox) = {
        let session = session(&profile);
        let marked = session
            .db()
            .write_blocking(move |s| s.mark_scope_read(&Scope::Feed(feed)))
            .unwrap();
        (
            marked,
            session.db().read_blocking(|s| s.outbox(100)).unwrap(),
        )
    };
    assert_eq!(marked, 7);
    assert_eq!(
        outbox.len(),
        1,
        "one catch-up, not one entry per article: {outbox:?}"
    );
    assert_eq!(
        (outbox[0].op, outbox[0].remote_id),
        (OutboxOp::CatchUp, remote_feed)
    );
    assert!(outbox[0].before.is_some());

    let synced = refresh(&profile);
    assert_eq!((synced.sent, synced.states), (1, 0), "{synced:?}");
    println!(
        "TT-RSS: the catch-up and the sync took {} requests",
        synced.requests
    );
    let unread = Api::new(&login).unread();
    for n in 1..=7 {
        assert!(
            !unread.contains(&ids[&item_title("tt-catchup", n)]),
            "item {n} read on the server"
        );
    }
    for n in 1..=2 {
        assert!(
            unread.contains(&ids[&item_title("tt-catchup-other", n)]),
            "the other feed is untouched"
        );
    }
    let feeds_here = local_feeds(&profile);
    assert_eq!(feeds_here[&feed_url("tt-catchup")]["unread"], 0);
    assert_eq!(feeds_here[&feed_url("tt-catchup-other")]["unread"], 2);
    assert_same_state(&profile, &login);
}

// ------------------------------------------------------------------------------------------------
// 5. Offline: changes wait, and go when the server is back
// ------------------------------------------------------------------------------------------------

fn offline_changes_wait_for_the_server(kind: Kind, user: &str, name: &str) {
    let Some(server) = shared(kind) else {
        return;
    };
    let login = Login::new(server, user);
    let (profile, ids) = synced_profile(server, &login, &[name]);
    let remote = |n: usize| ids[&item_title(name, n)];
    let title = |n: usize| item_title(name, n);
    let here = local(&profile);
    let id = |n: usize| here[&title(n)].id;

    // The server goes away (the account now points at a port where nothing listens).
    let account_file = profile.path().join("account.toml");
    let account = std::fs::read_to_string(&account_file).unwrap();
    assert!(account.contains(&login.url), "{account}");
    std::fs::write(
        &account_file,
        account.replace(&login.url, &login.dead_url()),
    )
    .unwrap();

    assert_eq!(
        reader_marks(
            &profile,
            &[
                (id(1), Flag::Read),
                (id(2), Flag::Star),
                (id(3), Flag::Read)
            ]
        ),
        3
    );
    let out = profile.run(&["refresh"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one clear line: {err}");
    assert!(
        lines[0].starts_with("tidings: sync failed: cannot reach the sync server")
            && lines[0].contains("(3 changes made here wait to be sent)"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "{}", text(&out));
    assert_eq!(waiting(&profile), 3, "the outbox keeps them");
    let show = profile.ok(&["account", "show"]);
    assert!(show.contains("waiting:  3 changes to send"), "{show}");
    // Reading goes on offline, with the changes made here.
    let offline = local(&profile);
    assert!(offline[&title(1)].read && offline[&title(2)].starred && offline[&title(3)].read);

    // Meanwhile, on the server: item 4 is read there, and nothing of ours has arrived.
    let mut api = Api::new(&login);
    api.flag(&[remote(4)], Flag::Read);
    let unread = api.unread();
    assert!(unread.contains(&remote(1)) && unread.contains(&remote(3)));
    assert!(api.starred().is_empty());

    // The server is back.
    std::fs::write(&account_file, &account).unwrap();
    let synced = refresh(&profile);
    assert_eq!(
        (synced.sent, synced.states, synced.new),
        (3, 1, 0),
        "{synced:?}"
    );
    assert_eq!(waiting(&profile), 0, "the outbox drained");
    let mut api = Api::new(&login);
    let unread = api.unread();
    assert!(!unread.contains(&remote(1)) && !unread.contains(&remote(3)));
    assert!(unread.contains(&remote(2)) && unread.contains(&remote(5)));
    assert_eq!(api.starred(), BTreeSet::from([remote(2)]));
    let back = local(&profile);
    assert!(back[&title(4)].read, "the server's change came too");
    assert_same_state(&profile, &login);
}

#[test]
fn ttrss_offline_changes_wait_for_the_server() {
    offline_changes_wait_for_the_server(Kind::Ttrss, "t_offline", "tt-offline");
}

#[test]
fn fever_offline_changes_wait_for_the_server() {
    offline_changes_wait_for_the_server(Kind::Coldsweat, "fv_offline", "fv-offline");
}

// ------------------------------------------------------------------------------------------------
// 6. Killed in the middle of a first sync
// ------------------------------------------------------------------------------------------------

#[test]
fn ttrss_a_first_sync_killed_half_way_resumes_without_duplicates() {
    let Some(server) = shared(Kind::Ttrss) else {
        return;
    };
    let login = Login::new(server, "t_kill");
    for name in ["tt-kill", "tt-kill-small"] {
        subscribe_on_server(server, &login, name, "");
    }
    ttrss_update(server);
    let mut api = Api::new(&login);
    let remote = api.articles();
    assert_eq!(remote.len(), 830, "the server fetched every item");
    // Some state on the server before the first sync.
    let ids: Vec<i64> = remote.keys().copied().collect();
    let read: Vec<i64> = ids.iter().copied().step_by(5).collect();
    let starred: Vec<i64> = ids.iter().copied().skip(2).step_by(9).collect();
    api.flag(&read, Flag::Read);
    api.flag(&starred, Flag::Star);

    // How long a whole first sync takes, on a profile of its own.
    let scratch = Profile::new();
    assert!(
        account_add(&scratch, &login, &login.password)
            .status
            .success()
    );
    let started = Instant::now();
    let whole = refresh(&scratch);
    let took = started.elapsed();
    assert_eq!(whole.new, 830);
    println!(
        "a whole first sync: {} ms, {} requests",
        took.as_millis(),
        whole.requests
    );

    let profile = Profile::new();
    assert!(
        account_add(&profile, &login, &login.password)
            .status
            .success()
    );
    // Killed after a delay that grows while a kill comes too early to have stored anything, so
    // that kills land between the pages of the first sync (each page is stored with the stream
    // position in one transaction); a run that finished on its own ends the loop.
    let total = remote.len();
    let (mut killed, mut halfway, mut stored_before) = (0, 0, 0);
    let mut delay = took.mul_f64(0.1).max(Duration::from_millis(20));
    for _ in 0..30 {
        let mut child = cli::command(profile.path(), &["refresh"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(delay);
        let _ = child.kill();
        let status = child.wait().unwrap();
        let show = profile.ok(&["account", "show"]);
        let position = show
            .lines()
            .find(|l| l.starts_with("synced:"))
            .unwrap_or("")
            .to_string();
        let stored = local(&profile).len();
        let check = profile.ok(&["check"]);
        assert!(check.contains("integrity: ok"), "{check}");
        if status.signal() != Some(libc::SIGKILL) {
            println!(
                "  not killed after {} ms: it had finished ({status})",
                delay.as_millis()
            );
            break;
        }
        killed += 1;
        println!(
            "  SIGKILL after {} ms: {stored} of {total} articles stored, {position}",
            delay.as_millis()
        );
        if stored > stored_before && stored < total {
            halfway += 1;
        }
        if stored == total && halfway > 0 {
            break;
        }
        if stored == stored_before {
            delay = delay.mul_f64(1.15);
        }
        stored_before = stored;
    }
    assert!(
        killed > 0,
        "at least one sync was killed before it finished"
    );
    assert!(
        halfway > 0,
        "at least one kill landed between two pages of the first sync"
    );

    let last = refresh(&profile);
    assert_eq!(last.feeds, 2, "{last:?}");
    let here = local(&profile);
    assert_eq!(
        here.len(),
        remote.len(),
        "every article of the server, once"
    );
    let titles: BTreeSet<&String> = remote.values().map(|a| &a.title).collect();
    assert_eq!(here.keys().collect::<BTreeSet<_>>(), titles);
    let max = remote.keys().max().unwrap();
    assert!(
        profile
            .ok(&["account", "show"])
            .contains(&format!("articles up to id {max}"))
    );
    assert_same_state(&profile, &login);
    let read_here = here.values().filter(|a| a.read).count();
    let starred_here = here.values().filter(|a| a.starred).count();
    assert_eq!((read_here, starred_here), (read.len(), starred.len()));
}

// ------------------------------------------------------------------------------------------------
// 7. Logging in
// ------------------------------------------------------------------------------------------------

#[test]
fn ttrss_a_wrong_password_or_a_loose_password_file_adds_no_account() {
    let Some(server) = shared(Kind::Ttrss) else {
        return;
    };
    let login = Login::new(server, "t_login");
    let profile = Profile::new();
    let account_file = profile.path().join("account.toml");

    let out = account_add(&profile, &login, "not-the-password-42");
    assert!(!out.status.success(), "{}", text(&out));
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one clear line: {err}");
    assert!(
        lines[0].contains("the account was not added") && lines[0].contains("refused the login"),
        "{err}"
    );
    assert!(!err.contains("not-the-password-42"), "{err}");
    assert!(!account_file.exists(), "no account.toml is left");
    assert!(
        !profile.path().join("account.password").exists(),
        "nor the password typed"
    );
    assert!(profile.ok(&["account", "show"]).contains("No account"));

    // A password file others can read is refused before anything is sent.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tt-rss.password");
    std::fs::write(&file, format!("{}\n", login.password)).unwrap();
    let chmod = |mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    chmod(0o644);
    let args = [
        "account",
        "add",
        "ttrss",
        &login.url,
        "--user",
        &login.user,
        "--password-file",
        file.to_str().unwrap(),
    ];
    let out = profile.run(&args);
    assert!(!out.status.success(), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("chmod 600"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!account_file.exists());

    // The same file, private: the account is added and kept private. The file is named as the
    // user would name it, relative to where the command runs; later commands run elsewhere.
    chmod(0o600);
    let mut relative = args;
    relative[7] = "tt-rss.password";
    let out = cli::command(profile.path(), &relative)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("Added the Tiny Tiny RSS account"), "{said}");
    let synced = refresh(&profile);
    assert_eq!((synced.feeds, synced.new), (0, 0), "{synced:?}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&account_file)
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let show = profile.ok(&["account", "show"]);
    assert!(
        show.contains(&format!("password: the file {}", file.display())),
        "kept as an absolute path: {show}"
    );
    assert!(!show.contains(&login.password), "{show}");
}

// ------------------------------------------------------------------------------------------------
// 8. Scale: 100 feeds × 200 items
// ------------------------------------------------------------------------------------------------

/// What a finished child process cost.
struct Measured {
    stdout: String,
    stderr: String,
    code: Option<i32>,
    wall: Duration,
    user: Duration,
    sys: Duration,
    max_rss_kib: i64,
}

/// Runs `cmd` to the end, with its resource use from `wait4`.
fn measured(mut cmd: Command) -> Measured {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    // Reaped below with wait4, which also gives its resource use.
    #[allow(clippy::zombie_processes)]
    let mut child = cmd.spawn().expect("spawn");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.read_to_string(&mut s);
            s
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let mut status = 0;
    // SAFETY: rusage is plain data, and wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(pid, child.id() as libc::pid_t, "wait4");
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Measured {
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        wall,
        user: time(usage.ru_utime),
        sys: time(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss,
    }
}

#[test]
fn ttrss_scale_twenty_thousand_articles() {
    if std::env::var("TIDINGS_SYNC_SCALE").as_deref() != Ok("1") {
        println!("skipped: the scale run (100 feeds × 200 items) runs with TIDINGS_SYNC_SCALE=1");
        return;
    }
    const FEEDS_N: usize = 100;
    const ITEMS_N: usize = 200;
    let Some(server) = shared(Kind::Ttrss) else {
        return;
    };
    let names: Vec<String> = (1..=FEEDS_N).map(|n| format!("scale-{n:03}")).collect();
    let scale_feeds = FeedServer::start(|base| {
        names
            .iter()
            .map(|name| {
                (
                    format!("/{name}.xml"),
                    rss(
                        &feed_title(name),
                        &format!("{base}/{name}"),
                        &items(name, ITEMS_N),
                    ),
                )
            })
            .collect()
    });
    let login = Login::new(server, "t_scale");
    let mut api = Api::new(&login);
    let started = Instant::now();
    for name in &names {
        api.subscribe(&scale_feeds.url(&format!("/{name}.xml")));
    }
    println!(
        "subscribed TT-RSS to {FEEDS_N} feeds in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let mut total = 0;
    for _ in 0..5 {
        ttrss_update(server);
        total = Api::new(&login).unread().len();
        if total >= FEEDS_N * ITEMS_N {
            break;
        }
    }
    println!(
        "TT-RSS fetched {total} articles in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(total, FEEDS_N * ITEMS_N);

    let profile = Profile::new();
    assert!(
        account_add(&profile, &login, &login.password)
            .status
            .success()
    );
    let report = |what: &str, m: &Measured| -> Synced {
        assert_eq!(m.code, Some(0), "{}\n{}", m.stdout, m.stderr);
        let synced = parse_synced(m.stdout.trim());
        println!(
            "{what}: wall {:.2} s, CPU {:.2} s (user {:.2} + sys {:.2}), peak RSS {:.1} MiB, \
             {} requests, {} new articles",
            m.wall.as_secs_f64(),
            (m.user + m.sys).as_secs_f64(),
            m.user.as_secs_f64(),
            m.sys.as_secs_f64(),
            m.max_rss_kib as f64 / 1024.0,
            synced.requests,
            synced.new
        );
        synced
    };
    let first = report(
        "first sync of 20,000 articles",
        &measured(cli::command(profile.path(), &["refresh"])),
    );
    assert_eq!(first.new as usize, FEEDS_N * ITEMS_N);
    assert_eq!(first.feeds as usize, FEEDS_N);
    let listed = profile.ok(&["list", "articles"]).lines().count();
    assert_eq!(listed, FEEDS_N * ITEMS_N);
    let again = report(
        "incremental sync, nothing new",
        &measured(cli::command(profile.path(), &["refresh"])),
    );
    assert_eq!(again.new, 0);
}
