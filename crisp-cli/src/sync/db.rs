//! The database side of `crisp sync`: one connection (SQLite file or
//! PostgreSQL server), the schema and its forward migrations, and writes
//! that land whole or not at all.
//!
//! Every write is one transaction holding the rows and the checkpoint that
//! counts them, so a kill at any moment leaves the database as it was after
//! some commit: a rerun redoes at most the uncommitted rest, and primary keys
//! make redoing it an update, never a duplicate.
//!
//! The SQL is the same for both databases but for a few expressions
//! ([`Dialect`]): timestamps (`timestamptz` in PostgreSQL, ISO 8601 text in
//! UTC in SQLite, which its date functions read), JSON (`jsonb`, text) and
//! placeholders (`$1`, `?1`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::error::{CliError, Exit, Result};

/// The newest schema this program writes; see [`MIGRATIONS`].
pub(crate) const SCHEMA_VERSION: i64 = 1;

/// The schema, one step per version (`{int}`, `{time}` and `{json}` stand for
/// the database's types). Step `n` takes a version `n` database to `n + 1`.
pub(crate) const MIGRATIONS: &[&str] = &["
CREATE TABLE conversations (
    session_id TEXT PRIMARY KEY,
    website_id TEXT NOT NULL,
    people_id TEXT,
    state TEXT,
    assigned_operator_id TEXT,
    nickname TEXT,
    email TEXT,
    last_message TEXT,
    created_at {time},
    updated_at {time},
    raw {json} NOT NULL
);
CREATE INDEX conversations_website_updated ON conversations (website_id, updated_at);
CREATE INDEX conversations_state_created ON conversations (state, created_at);
CREATE INDEX conversations_people ON conversations (people_id);
CREATE INDEX conversations_email ON conversations (email);
CREATE TABLE conversation_segments (
    session_id TEXT NOT NULL,
    segment TEXT NOT NULL,
    PRIMARY KEY (session_id, segment)
);
CREATE INDEX conversation_segments_segment ON conversation_segments (segment);
CREATE TABLE messages (
    session_id TEXT NOT NULL,
    fingerprint {int} NOT NULL,
    website_id TEXT NOT NULL,
    type TEXT,
    sender TEXT,
    origin TEXT,
    operator_id TEXT,
    sender_nickname TEXT,
    content TEXT,
    created_at {time},
    raw {json} NOT NULL,
    PRIMARY KEY (session_id, fingerprint)
);
CREATE INDEX messages_session_created ON messages (session_id, created_at);
CREATE INDEX messages_created ON messages (created_at);
CREATE INDEX messages_operator ON messages (operator_id);
CREATE TABLE people (
    people_id TEXT PRIMARY KEY,
    website_id TEXT NOT NULL,
    email TEXT,
    nickname TEXT,
    created_at {time},
    updated_at {time},
    raw {json} NOT NULL
);
CREATE INDEX people_email ON people (email);
CREATE INDEX people_website_updated ON people (website_id, updated_at);
CREATE TABLE operators (
    website_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    email TEXT,
    first_name TEXT,
    last_name TEXT,
    role TEXT,
    raw {json} NOT NULL,
    PRIMARY KEY (website_id, user_id)
);
CREATE TABLE sync_state (
    website_id TEXT PRIMARY KEY,
    checkpoint {json} NOT NULL,
    saved_at {time} NOT NULL
);
"];

/// What differs between the two databases' SQL.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    fn placeholder(self, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("?{n}"),
            Dialect::Postgres => format!("${n}"),
        }
    }

    /// The expression that stores parameter `n` in a column of `kind`.
    fn value(self, kind: Kind, n: usize) -> String {
        let p = self.placeholder(n);
        match (self, kind) {
            // Integer arithmetic: exact to the millisecond, where a float would not be.
            (Dialect::Sqlite, Kind::Time) => {
                format!("strftime('%Y-%m-%dT%H:%M:%S', {p} / 1000, 'unixepoch') || printf('.%03dZ', {p} % 1000)")
            }
            (Dialect::Sqlite, _) => p,
            (Dialect::Postgres, Kind::Text) => format!("{p}::text"),
            (Dialect::Postgres, Kind::Int) => format!("{p}::bigint"),
            (Dialect::Postgres, Kind::Time) => {
                format!("(TIMESTAMPTZ 'epoch' + {p}::bigint * INTERVAL '1 millisecond')")
            }
            (Dialect::Postgres, Kind::Json) => format!("{p}::text::jsonb"),
        }
    }

    /// A JSON column read back as text.
    fn json_text(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => column.to_owned(),
            Dialect::Postgres => format!("{column}::text"),
        }
    }

    fn ddl(self, template: &str) -> String {
        let (int, time, json) = match self {
            Dialect::Sqlite => ("INTEGER", "TEXT", "TEXT"),
            Dialect::Postgres => ("BIGINT", "TIMESTAMPTZ", "JSONB"),
        };
        template.replace("{int}", int).replace("{time}", time).replace("{json}", json)
    }
}

/// A value bound to a statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Param {
    Text(Option<String>),
    Int(Option<i64>),
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    Text,
    Int,
    /// Milliseconds since the epoch in, a timestamp stored.
    Time,
    Json,
}

/// The four synced tables, in summary order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Table {
    Conversations = 0,
    Messages = 1,
    People = 2,
    Operators = 3,
}

impl Table {
    pub(crate) const ALL: [Table; 4] = [Table::Conversations, Table::Messages, Table::People, Table::Operators];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Table::Conversations => "conversations",
            Table::Messages => "messages",
            Table::People => "people",
            Table::Operators => "operators",
        }
    }

    /// The columns in parameter order: the primary key first, `raw` last.
    pub(crate) fn columns(self) -> &'static [(&'static str, Kind)] {
        use Kind::*;
        match self {
            Table::Conversations => &[
                ("session_id", Text),
                ("website_id", Text),
                ("people_id", Text),
                ("state", Text),
                ("assigned_operator_id", Text),
                ("nickname", Text),
                ("email", Text),
                ("last_message", Text),
                ("created_at", Time),
                ("updated_at", Time),
                ("raw", Json),
            ],
            Table::Messages => &[
                ("session_id", Text),
                ("fingerprint", Int),
                ("website_id", Text),
                ("type", Text),
                ("sender", Text),
                ("origin", Text),
                ("operator_id", Text),
                ("sender_nickname", Text),
                ("content", Text),
                ("created_at", Time),
                ("raw", Json),
            ],
            Table::People => &[
                ("people_id", Text),
                ("website_id", Text),
                ("email", Text),
                ("nickname", Text),
                ("created_at", Time),
                ("updated_at", Time),
                ("raw", Json),
            ],
            Table::Operators => &[
                ("website_id", Text),
                ("user_id", Text),
                ("email", Text),
                ("first_name", Text),
                ("last_name", Text),
                ("role", Text),
                ("raw", Json),
            ],
        }
    }

    /// How many leading columns make the primary key.
    fn key_len(self) -> usize {
        match self {
            Table::Messages | Table::Operators => 2,
            Table::Conversations | Table::People => 1,
        }
    }
}

/// One row to insert, or to update when it differs from the stored one.
#[derive(Debug, Clone)]
pub(crate) struct Upsert {
    pub(crate) table: Table,
    pub(crate) params: Vec<Param>,
    /// A conversation's segments (replacing the stored ones when the row changes).
    pub(crate) segments: Vec<String>,
}

/// A row to remove (a conversation takes its messages and segments along).
#[derive(Debug, Clone)]
pub(crate) enum Delete {
    Conversation(String),
    Message(String, i64),
    Person(String),
}

/// Rows written in one transaction.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    pub(crate) upserts: Vec<Upsert>,
    pub(crate) deletes: Vec<Delete>,
}

impl Batch {
    pub(crate) fn is_empty(&self) -> bool {
        self.upserts.is_empty() && self.deletes.is_empty()
    }
}

/// Rows changed per table ([`Table`] order).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) inserted: [u64; 4],
    pub(crate) updated: [u64; 4],
    pub(crate) deleted: [u64; 4],
}

impl Counts {
    pub(crate) fn add(&mut self, other: &Counts) {
        for i in 0..4 {
            self.inserted[i] += other.inserted[i];
            self.updated[i] += other.updated[i];
            self.deleted[i] += other.deleted[i];
        }
    }
}

/// Where to sync to, from `--database`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Target {
    Sqlite(PathBuf),
    /// A libpq-style URL; it may hold a password, so it is never printed.
    Postgres(String),
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl std::str::FromStr for Target {
    type Err = String;

    fn from_str(url: &str) -> std::result::Result<Self, String> {
        let url = url.trim();
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err("`sqlite://` needs a file name, such as sqlite://crisp.db".into());
            }
            return Ok(Target::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Target::Postgres(url.to_owned()));
        }
        let scheme = url.split_once(':').map_or(url, |(scheme, _)| scheme);
        Err(format!(
            "`{}` is not a database URL crisp knows: use sqlite://FILE or postgres://USER@HOST/DATABASE",
            if scheme.len() < 20 && !scheme.contains('@') { scheme } else { "this" }
        ))
    }
}

impl Target {
    /// For messages: the file, or the server without user and password.
    pub(crate) fn describe(&self) -> String {
        match self {
            Target::Sqlite(path) => format!("sqlite://{}", path.display()),
            Target::Postgres(url) => {
                let rest = url.split_once("://").map_or("", |(_, rest)| rest);
                let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
                let rest = rest.split_once('?').map_or(rest, |(before, _)| before);
                format!("postgres://{rest}")
            }
        }
    }
}

enum Connection {
    Sqlite(rusqlite::Connection),
    Postgres { client: tokio_postgres::Client, statements: HashMap<String, tokio_postgres::Statement> },
}

/// An open, migrated database.
pub(crate) struct Database {
    connection: Connection,
    dialect: Dialect,
    target: Target,
}

fn sqlite_error(target: &Target, err: rusqlite::Error) -> CliError {
    use rusqlite::ffi::ErrorCode;
    let place = target.describe();
    match err.sqlite_error_code() {
        Some(ErrorCode::ReadOnly) => CliError::failure(format!("the database {place} is read-only"))
            .hint("check the file's and its folder's permissions, or choose another file"),
        Some(ErrorCode::CannotOpen) => CliError::failure(format!("cannot open the database {place}"))
            .hint("check that its folder exists and is writable"),
        Some(ErrorCode::NotADatabase) => CliError::failure(format!("{place} is not an SQLite database")),
        Some(ErrorCode::DiskFull) => CliError::failure(format!("the disk holding {place} is full")),
        _ => CliError::failure(format!("database error ({place}): {err}")),
    }
}

fn postgres_error(target: &Target, err: tokio_postgres::Error) -> CliError {
    let place = target.describe();
    if let Some(db) = err.as_db_error() {
        return CliError::failure(format!("database error ({place}): {}", db.message()));
    }
    if err.is_closed() {
        return CliError::new(Exit::Transport, format!("the database server {place} closed the connection"));
    }
    // Connection errors name the server and the reason, never the password.
    CliError::new(Exit::Transport, format!("cannot reach the database {place}: {err}"))
        .hint("check that the server runs, and the host, port, user and database in --database")
}

fn bind_sqlite(params: &[Param]) -> Vec<&dyn rusqlite::ToSql> {
    params
        .iter()
        .map(|p| match p {
            Param::Text(v) => v as &dyn rusqlite::ToSql,
            Param::Int(v) => v as &dyn rusqlite::ToSql,
        })
        .collect()
}

fn bind_postgres(params: &[Param]) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|p| match p {
            Param::Text(v) => v as &(dyn tokio_postgres::types::ToSql + Sync),
            Param::Int(v) => v as &(dyn tokio_postgres::types::ToSql + Sync),
        })
        .collect()
}

impl Database {
    /// Connects (creating an SQLite file if needed) and migrates the schema
    /// forward; a schema newer than this program's is refused.
    pub(crate) async fn open(target: &Target) -> Result<Self> {
        let (connection, dialect) = match target {
            Target::Sqlite(path) => (Connection::Sqlite(open_sqlite(target, path)?), Dialect::Sqlite),
            Target::Postgres(url) => {
                let connect = tokio_postgres::connect(url, tokio_postgres::NoTls);
                let (client, connection) = match tokio::time::timeout(Duration::from_secs(15), connect).await {
                    Ok(Ok(pair)) => pair,
                    Ok(Err(err)) => return Err(postgres_error(target, err)),
                    Err(_) => {
                        return Err(CliError::new(
                            Exit::Transport,
                            format!("no answer from the database {} within 15 s", target.describe()),
                        ));
                    }
                };
                tokio::spawn(async move {
                    // Errors surface on the next query as a closed connection.
                    let _ = connection.await;
                });
                (Connection::Postgres { client, statements: HashMap::new() }, Dialect::Postgres)
            }
        };
        let mut db = Database { connection, dialect, target: target.clone() };
        db.migrate().await?;
        Ok(db)
    }

    async fn batch_execute(&mut self, sql: &str) -> Result<()> {
        match &mut self.connection {
            Connection::Sqlite(conn) => {
                tokio::task::block_in_place(|| conn.execute_batch(sql)).map_err(|e| sqlite_error(&self.target, e))
            }
            Connection::Postgres { client, .. } => {
                client.batch_execute(sql).await.map_err(|e| postgres_error(&self.target, e))
            }
        }
    }

    /// Runs one statement; answers the number of rows it changed.
    async fn execute(&mut self, sql: &str, params: &[Param]) -> Result<u64> {
        match &mut self.connection {
            Connection::Sqlite(conn) => tokio::task::block_in_place(|| {
                conn.prepare(sql).and_then(|mut statement| statement.execute(bind_sqlite(params).as_slice()))
            })
            .map(|n| n as u64)
            .map_err(|e| sqlite_error(&self.target, e)),
            Connection::Postgres { client, statements } => {
                let statement = match statements.get(sql) {
                    Some(statement) => statement.clone(),
                    None => {
                        let statement = client.prepare(sql).await.map_err(|e| postgres_error(&self.target, e))?;
                        statements.insert(sql.to_owned(), statement.clone());
                        statement
                    }
                };
                client.execute(&statement, &bind_postgres(params)).await.map_err(|e| postgres_error(&self.target, e))
            }
        }
    }

    /// Runs a query whose columns are all text (or NULL).
    async fn query(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Vec<Option<String>>>> {
        match &mut self.connection {
            Connection::Sqlite(conn) => tokio::task::block_in_place(|| {
                let mut statement = conn.prepare(sql)?;
                let width = statement.column_count();
                let rows = statement.query_map(bind_sqlite(params).as_slice(), |row| {
                    (0..width).map(|i| row.get::<_, Option<String>>(i)).collect::<rusqlite::Result<Vec<_>>>()
                })?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| sqlite_error(&self.target, e)),
            Connection::Postgres { client, .. } => {
                let rows =
                    client.query(sql, &bind_postgres(params)).await.map_err(|e| postgres_error(&self.target, e))?;
                Ok(rows.iter().map(|row| (0..row.len()).map(|i| row.get::<_, Option<String>>(i)).collect()).collect())
            }
        }
    }

    async fn begin(&mut self) -> Result<()> {
        let sql = if self.dialect == Dialect::Sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" };
        self.batch_execute(sql).await
    }

    async fn rollback(&mut self) {
        let _ = self.batch_execute("ROLLBACK").await;
    }

    async fn migrate(&mut self) -> Result<()> {
        let int = if self.dialect == Dialect::Sqlite { "INTEGER" } else { "BIGINT" };
        self.batch_execute(&format!("CREATE TABLE IF NOT EXISTS crisp_schema (version {int} NOT NULL)")).await?;
        let version = self.schema_version().await?;
        if version > SCHEMA_VERSION {
            return Err(CliError::failure(format!(
                "the database {} has schema version {version}, newer than this crisp knows ({SCHEMA_VERSION})",
                self.target.describe()
            ))
            .hint("upgrade crisp, or sync into another database"));
        }
        for step in version..SCHEMA_VERSION {
            let ddl = self.dialect.ddl(MIGRATIONS[step as usize]);
            self.begin().await?;
            let applied = async {
                self.batch_execute(&ddl).await?;
                self.execute("DELETE FROM crisp_schema", &[]).await?;
                let insert =
                    format!("INSERT INTO crisp_schema (version) VALUES ({})", self.dialect.value(Kind::Int, 1));
                self.execute(&insert, &[Param::Int(Some(step + 1))]).await?;
                self.batch_execute("COMMIT").await
            }
            .await;
            if let Err(err) = applied {
                self.rollback().await;
                return Err(err);
            }
        }
        Ok(())
    }

    /// The schema version the database holds (0 for a new one).
    pub(crate) async fn schema_version(&mut self) -> Result<i64> {
        let cast = if self.dialect == Dialect::Sqlite { "CAST(version AS TEXT)" } else { "version::text" };
        let rows = self.query(&format!("SELECT {cast} FROM crisp_schema"), &[]).await?;
        Ok(rows.iter().filter_map(|row| row.first()?.as_deref()?.parse::<i64>().ok()).max().unwrap_or(0))
    }

    /// The checkpoint saved for a website, if any.
    pub(crate) async fn checkpoint(&mut self, website_id: &str) -> Result<Option<Value>> {
        let sql = format!(
            "SELECT {} FROM sync_state WHERE website_id = {}",
            self.dialect.json_text("checkpoint"),
            self.dialect.value(Kind::Text, 1)
        );
        let rows = self.query(&sql, &[Param::Text(Some(website_id.to_owned()))]).await?;
        Ok(rows.into_iter().next().and_then(|row| row.into_iter().next()?).and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// The stored JSON of rows of `table` by their first key column
    /// (conversations and people by id).
    pub(crate) async fn stored(&mut self, table: Table, ids: &[String]) -> Result<HashMap<String, Value>> {
        let key = table.columns()[0].0;
        let mut found = HashMap::new();
        for chunk in ids.chunks(100) {
            let list: Vec<String> = (1..=chunk.len()).map(|n| self.dialect.value(Kind::Text, n)).collect();
            let sql = format!(
                "SELECT {key}, {} FROM {} WHERE {key} IN ({})",
                self.dialect.json_text("raw"),
                table.name(),
                list.join(", ")
            );
            let params: Vec<Param> = chunk.iter().map(|id| Param::Text(Some(id.clone()))).collect();
            for row in self.query(&sql, &params).await? {
                if let [Some(id), Some(raw)] = row.as_slice()
                    && let Ok(value) = serde_json::from_str(raw)
                {
                    found.insert(id.clone(), value);
                }
            }
        }
        Ok(found)
    }

    /// The stored JSON of one message.
    pub(crate) async fn stored_message(&mut self, session_id: &str, fingerprint: i64) -> Result<Option<Value>> {
        let sql = format!(
            "SELECT {} FROM messages WHERE session_id = {} AND fingerprint = {}",
            self.dialect.json_text("raw"),
            self.dialect.value(Kind::Text, 1),
            self.dialect.value(Kind::Int, 2)
        );
        let rows = self.query(&sql, &[Param::Text(Some(session_id.to_owned())), Param::Int(Some(fingerprint))]).await?;
        Ok(rows.into_iter().next().and_then(|row| row.into_iter().next()?).and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// Writes `batch` and, when given, the website's checkpoint, in one
    /// transaction; answers what changed.
    pub(crate) async fn commit(&mut self, batch: &Batch, checkpoint: Option<(&str, &Value)>) -> Result<Counts> {
        self.begin().await?;
        match self.write(batch, checkpoint).await {
            Ok(counts) => {
                self.batch_execute("COMMIT").await?;
                Ok(counts)
            }
            Err(err) => {
                self.rollback().await;
                Err(err)
            }
        }
    }

    async fn write(&mut self, batch: &Batch, checkpoint: Option<(&str, &Value)>) -> Result<Counts> {
        let mut counts = Counts::default();
        let d = self.dialect;
        for delete in &batch.deletes {
            let (table, statements): (Table, Vec<(String, Vec<Param>)>) = match delete {
                Delete::Conversation(id) => {
                    let p = vec![Param::Text(Some(id.clone()))];
                    let at = d.value(Kind::Text, 1);
                    (
                        Table::Conversations,
                        vec![
                            (format!("DELETE FROM messages WHERE session_id = {at}"), p.clone()),
                            (format!("DELETE FROM conversation_segments WHERE session_id = {at}"), p.clone()),
                            (format!("DELETE FROM conversations WHERE session_id = {at}"), p),
                        ],
                    )
                }
                Delete::Message(id, fingerprint) => (
                    Table::Messages,
                    vec![(
                        format!(
                            "DELETE FROM messages WHERE session_id = {} AND fingerprint = {}",
                            d.value(Kind::Text, 1),
                            d.value(Kind::Int, 2)
                        ),
                        vec![Param::Text(Some(id.clone())), Param::Int(Some(*fingerprint))],
                    )],
                ),
                Delete::Person(id) => (
                    Table::People,
                    vec![(
                        format!("DELETE FROM people WHERE people_id = {}", d.value(Kind::Text, 1)),
                        vec![Param::Text(Some(id.clone()))],
                    )],
                ),
            };
            let mut last = 0;
            for (sql, params) in statements {
                last = self.execute(&sql, &params).await?;
            }
            counts.deleted[table as usize] += last;
        }
        for upsert in &batch.upserts {
            let table = upsert.table;
            let (update, insert) = upsert_sql(d, table);
            let changed = if self.execute(&update, &upsert.params).await? > 0 {
                counts.updated[table as usize] += 1;
                true
            } else if self.execute(&insert, &upsert.params).await? > 0 {
                counts.inserted[table as usize] += 1;
                true
            } else {
                false
            };
            if changed && table == Table::Conversations {
                let id = upsert.params[0].clone();
                let at = d.value(Kind::Text, 1);
                self.execute(
                    &format!("DELETE FROM conversation_segments WHERE session_id = {at}"),
                    std::slice::from_ref(&id),
                )
                .await?;
                let insert = format!(
                    "INSERT INTO conversation_segments (session_id, segment) VALUES ({at}, {}) ON CONFLICT DO NOTHING",
                    d.value(Kind::Text, 2)
                );
                for segment in &upsert.segments {
                    self.execute(&insert, &[id.clone(), Param::Text(Some(segment.clone()))]).await?;
                }
            }
        }
        if let Some((website_id, checkpoint)) = checkpoint {
            let now =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
            let sql = format!(
                "INSERT INTO sync_state (website_id, checkpoint, saved_at) VALUES ({}, {}, {}) \
                 ON CONFLICT (website_id) DO UPDATE SET checkpoint = excluded.checkpoint, saved_at = excluded.saved_at",
                d.value(Kind::Text, 1),
                d.value(Kind::Json, 2),
                d.value(Kind::Time, 3)
            );
            let params = [
                Param::Text(Some(website_id.to_owned())),
                Param::Text(Some(checkpoint.to_string())),
                Param::Int(Some(now)),
            ];
            self.execute(&sql, &params).await?;
        }
        Ok(counts)
    }
}

/// The two statements of an upsert: an update that touches the row only
/// when its JSON differs, then an insert that does nothing on a conflict.
/// Which one changed a row tells an insert from an update.
fn upsert_sql(d: Dialect, table: Table) -> (String, String) {
    let columns = table.columns();
    let key = table.key_len();
    let raw = columns.len();
    let set: Vec<String> = columns
        .iter()
        .enumerate()
        .skip(key)
        .map(|(i, (name, kind))| format!("{name} = {}", d.value(*kind, i + 1)))
        .collect();
    let mut condition: Vec<String> = columns
        .iter()
        .enumerate()
        .take(key)
        .map(|(i, (name, kind))| format!("{name} = {}", d.value(*kind, i + 1)))
        .collect();
    condition.push(format!("raw IS DISTINCT FROM {}", d.value(Kind::Json, raw)));
    let update = format!("UPDATE {} SET {} WHERE {}", table.name(), set.join(", "), condition.join(" AND "));
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let values: Vec<String> = columns.iter().enumerate().map(|(i, (_, kind))| d.value(*kind, i + 1)).collect();
    let insert = format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT DO NOTHING",
        table.name(),
        names.join(", "),
        values.join(", ")
    );
    (update, insert)
}

fn open_sqlite(target: &Target, path: &Path) -> Result<rusqlite::Connection> {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = rusqlite::Connection::open_with_flags(path, flags).map_err(|e| sqlite_error(target, e))?;
    // SQLite opens a write-protected file read-only without a word: say so now.
    if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
        return Err(CliError::failure(format!("the database {} is read-only", target.describe()))
            .hint("check the file's permissions, or choose another file"));
    }
    conn.busy_timeout(Duration::from_secs(10)).map_err(|e| sqlite_error(target, e))?;
    // WAL: readers (reports) never block the sync; NORMAL keeps every commit
    // across a killed process (only a power cut can take the last ones).
    conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())).map_err(|e| sqlite_error(target, e))?;
    conn.execute_batch("PRAGMA synchronous = NORMAL").map_err(|e| sqlite_error(target, e))?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_are_read_and_never_show_a_password() {
        assert_eq!("sqlite://crisp.db".parse::<Target>(), Ok(Target::Sqlite("crisp.db".into())));
        assert_eq!("sqlite:///tmp/x.db".parse::<Target>(), Ok(Target::Sqlite("/tmp/x.db".into())));
        let pg: Target = "postgres://ana:s3cret@db.example:5433/crisp?sslmode=disable".parse().unwrap();
        assert_eq!(pg.describe(), "postgres://db.example:5433/crisp");
        assert!(!format!("{pg:?}").contains("s3cret"));
        assert!("mysql://root:pw@host/db".parse::<Target>().unwrap_err().contains("`mysql`"));
        assert!("sqlite://".parse::<Target>().is_err());
    }

    #[test]
    fn upserts_touch_a_row_only_when_its_json_changed() {
        let (update, insert) = upsert_sql(Dialect::Postgres, Table::Messages);
        assert!(update.starts_with("UPDATE messages SET website_id = $3::text"), "{update}");
        assert!(
            update.ends_with(
                "WHERE session_id = $1::text AND fingerprint = $2::bigint AND raw IS DISTINCT FROM $11::text::jsonb"
            ),
            "{update}"
        );
        assert!(insert.contains("created_at, raw) VALUES ($1::text"), "{insert}");
        let (update, _) = upsert_sql(Dialect::Sqlite, Table::People);
        assert!(
            update.contains("created_at = strftime('%Y-%m-%dT%H:%M:%S', ?5 / 1000, 'unixepoch') || printf"),
            "{update}"
        );
    }
}
