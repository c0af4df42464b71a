//! The center's SQLite database: schema, migrations and every query.
//!
//! [`Db`] is synchronous and owns one connection; [`super::store::Store`]
//! runs it on tokio's blocking pool. The file is opened in WAL mode with
//! foreign keys on. Migrations are numbered by `PRAGMA user_version`; each
//! runs in one transaction. A database written by a newer build (higher
//! `user_version`) is refused rather than guessed at.

use super::auth::IspEntry;
use super::model::{
    AuditEntry, Countermeasure, CountermeasureId, CountermeasureStatus, PathRecord, PathReport, RecordFilter,
    SearchId, SearchStatus, SearchView, SourceKind,
};
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction};
use std::path::Path;
use traceback_core::{Asn, Evidence, Timestamp};

/// The schema, one entry per version: entry `i` moves `user_version` from `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    r#"
CREATE TABLE isps (
    asn         INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    token_hash  BLOB    NOT NULL CHECK (length(token_hash) = 32),
    updated_at  INTEGER NOT NULL
);
CREATE TABLE searches (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    isp_asn       INTEGER NOT NULL REFERENCES isps(asn),
    source_kind   TEXT    NOT NULL CHECK (source_kind IN ('digest', 'packet', 'eve')),
    digest        TEXT    NOT NULL CHECK (length(digest) = 32),
    profile       TEXT    NOT NULL,
    seen_at       INTEGER NOT NULL,
    tolerance_ms  INTEGER NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    error         TEXT,
    created_at    INTEGER NOT NULL,
    started_at    INTEGER,
    finished_at   INTEGER
);
CREATE INDEX searches_status ON searches(status);
CREATE TABLE path_records (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    search_id    INTEGER NOT NULL UNIQUE REFERENCES searches(id),
    victim_asn   INTEGER NOT NULL,
    origins      TEXT    NOT NULL,
    paths        TEXT    NOT NULL,
    members      TEXT    NOT NULL,
    statuses     TEXT    NOT NULL,
    conflicts    TEXT    NOT NULL,
    reported_by  INTEGER NOT NULL,
    recorded_at  INTEGER NOT NULL
);
CREATE TABLE countermeasures (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    search_id     INTEGER NOT NULL REFERENCES searches(id),
    requested_by  INTEGER NOT NULL,
    target_asn    INTEGER NOT NULL,
    action        TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('sent', 'acknowledged')),
    sent_at       INTEGER NOT NULL,
    acked_by      INTEGER,
    acked_at      INTEGER,
    note          TEXT
);
CREATE INDEX countermeasures_target ON countermeasures(target_asn);
CREATE TABLE audit_log (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    object  TEXT,
    detail  TEXT
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
"#,
];

/// A database failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// SQLite refused an operation.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer build.
    #[error("database schema version {found} is newer than this build's {supported}")]
    NewerSchema {
        /// `user_version` in the file.
        found: u32,
        /// The highest version this build knows.
        supported: u32,
    },
    /// A stored value could not be decoded (the file was edited by hand or is damaged).
    #[error("stored value in {column} cannot be decoded: {detail}")]
    Corrupt {
        /// Which column.
        column: &'static str,
        /// What was wrong.
        detail: String,
    },
}

/// Why a countermeasure could not be acknowledged.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum AckOutcome {
    /// Acknowledged now.
    Acked,
    /// It was already acknowledged.
    AlreadyAcked,
    /// The caller is not the targeted ISP.
    NotTarget,
    /// No such countermeasure.
    Missing,
}

/// One synchronous connection to the center's database.
#[derive(Debug)]
pub struct Db {
    conn: Connection,
}

fn ts(t: Timestamp) -> i64 {
    i64::try_from(t.as_nanos()).unwrap_or(i64::MAX)
}

fn from_ts(v: i64) -> Timestamp {
    Timestamp::from_nanos(u64::try_from(v).unwrap_or(0))
}

fn asn(v: i64) -> Asn {
    Asn(u32::try_from(v).unwrap_or(0))
}

fn corrupt(column: &'static str, detail: impl ToString) -> DbError {
    DbError::Corrupt {
        column,
        detail: detail.to_string(),
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    // Serializing plain data structs to a String cannot fail.
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

fn from_json<T: serde::de::DeserializeOwned>(column: &'static str, s: &str) -> Result<T, DbError> {
    serde_json::from_str(s).map_err(|e| corrupt(column, e))
}

fn audit_tx(
    tx: &Transaction<'_>,
    now: Timestamp,
    actor: &str,
    action: &str,
    object: Option<&str>,
    detail: Option<&str>,
) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO audit_log (at, actor, action, object, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![ts(now), actor, action, object, detail],
    )?;
    Ok(())
}

/// The actor name of an ISP in the audit log.
pub fn actor(a: Asn) -> String {
    a.to_string()
}

/// The actor name of the center itself in the audit log.
pub const CENTER_ACTOR: &str = "center";

const SEARCH_COLUMNS: &str = "id, isp_asn, source_kind, digest, profile, seen_at, tolerance_ms, \
     status, error, created_at, started_at, finished_at";

const RECORD_COLUMNS: &str = "id, search_id, victim_asn, origins, paths, statuses, conflicts, \
     reported_by, recorded_at";

const CM_COLUMNS: &str = "c.id, c.search_id, c.requested_by, c.target_asn, c.action, c.status, \
     c.sent_at, c.acked_by, c.acked_at, c.note, s.digest, s.seen_at";

impl Db {
    /// Open (creating if needed) the database file and bring its schema up to date.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let mut db = Db { conn };
        db.migrate()?;
        Ok(db)
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<u32, DbError> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// The journal mode SQLite reports (`wal` once opened).
    pub fn journal_mode(&self) -> Result<String, DbError> {
        Ok(self.conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?)
    }

    fn migrate(&mut self) -> Result<(), DbError> {
        let supported = MIGRATIONS.len() as u32;
        let found = self.schema_version()?;
        if found > supported {
            return Err(DbError::NewerSchema { found, supported });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as u32)?;
            tx.commit()?;
            tracing::info!(version = i + 1, "center database migrated");
        }
        Ok(())
    }

    /// Make the `isps` table match the configured ISPs (insert or update
    /// names and token hashes). ISPs dropped from the config keep their rows
    /// (their searches refer to them) but can no longer authenticate, since
    /// authentication uses the configured directory.
    pub fn sync_isps(&mut self, isps: &[IspEntry], now: Timestamp) -> Result<(), DbError> {
        let tx = self.conn.transaction()?;
        for e in isps {
            let old: Option<Vec<u8>> = tx
                .query_row(
                    "SELECT token_hash FROM isps WHERE asn = ?1",
                    params![e.asn.0],
                    |r| r.get(0),
                )
                .optional()?;
            if old.as_deref() == Some(&e.token_hash.as_bytes()[..]) {
                continue;
            }
            tx.execute(
                "INSERT INTO isps (asn, name, token_hash, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(asn) DO UPDATE SET name = ?2, token_hash = ?3, updated_at = ?4",
                params![e.asn.0, e.name, &e.token_hash.as_bytes()[..], ts(now)],
            )?;
            let what = if old.is_some() {
                "isp.token_changed"
            } else {
                "isp.added"
            };
            audit_tx(
                &tx,
                now,
                CENTER_ACTOR,
                what,
                Some(&format!("isp/{}", e.asn.0)),
                Some(&e.name),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Store a new queued search; audited as `search.submit` by `isp`.
    pub fn insert_search(
        &mut self,
        isp: Asn,
        source: SourceKind,
        evidence: &Evidence,
        tolerance_ms: u64,
        now: Timestamp,
    ) -> Result<SearchId, DbError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO searches (isp_asn, source_kind, digest, profile, seen_at, tolerance_ms,
                                   status, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7)",
            params![
                isp.0,
                source.as_str(),
                evidence.digest.to_hex(),
                to_json(&evidence.profile),
                ts(evidence.seen_at),
                i64::try_from(tolerance_ms).unwrap_or(i64::MAX),
                ts(now)
            ],
        )?;
        let id = SearchId(tx.last_insert_rowid());
        audit_tx(
            &tx,
            now,
            &actor(isp),
            "search.submit",
            Some(&format!("search/{id}")),
            Some(&format!(
                "{} {} seen_at {}",
                source, evidence.digest, evidence.seen_at
            )),
        )?;
        tx.commit()?;
        Ok(id)
    }

    fn search_row(r: &Row<'_>) -> rusqlite::Result<RawSearch> {
        Ok(RawSearch {
            id: r.get(0)?,
            isp: r.get(1)?,
            source: r.get(2)?,
            digest: r.get(3)?,
            profile: r.get(4)?,
            seen_at: r.get(5)?,
            tolerance_ms: r.get(6)?,
            status: r.get(7)?,
            error: r.get(8)?,
            created_at: r.get(9)?,
            started_at: r.get(10)?,
            finished_at: r.get(11)?,
        })
    }

    /// A search with its path record, if any.
    pub fn search(&self, id: SearchId) -> Result<Option<SearchView>, DbError> {
        let raw = self
            .conn
            .query_row(
                &format!("SELECT {SEARCH_COLUMNS} FROM searches WHERE id = ?1"),
                params![id.0],
                Self::search_row,
            )
            .optional()?;
        let Some(raw) = raw else { return Ok(None) };
        let mut view = raw.decode()?;
        view.result = self.record_for(id)?;
        Ok(Some(view))
    }

    /// The path record of one search.
    pub fn record_for(&self, id: SearchId) -> Result<Option<PathRecord>, DbError> {
        let raw = self
            .conn
            .query_row(
                &format!("SELECT {RECORD_COLUMNS} FROM path_records WHERE search_id = ?1"),
                params![id.0],
                RawRecord::read,
            )
            .optional()?;
        raw.map(RawRecord::decode).transpose()
    }

    /// Searches that were queued or running when the center last stopped, oldest first.
    pub fn unfinished(&self) -> Result<Vec<SearchId>, DbError> {
        let mut st = self
            .conn
            .prepare("SELECT id FROM searches WHERE status IN ('queued', 'running') ORDER BY id")?;
        let ids = st.query_map([], |r| r.get(0).map(SearchId))?;
        Ok(ids.collect::<Result<_, _>>()?)
    }

    /// Running searches submitted by `isp`, oldest first (what its interconnect has to trace).
    pub fn running_for(&self, isp: Asn) -> Result<Vec<SearchView>, DbError> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {SEARCH_COLUMNS} FROM searches WHERE isp_asn = ?1 AND status = 'running'
             ORDER BY id LIMIT 1000"
        ))?;
        let rows = st.query_map(params![isp.0], Self::search_row)?;
        rows.map(|r| r.map_err(DbError::from).and_then(RawSearch::decode))
            .collect()
    }

    /// Mark a queued (or, after a restart, running) search as running; false if it is finished.
    pub fn mark_running(&mut self, id: SearchId, now: Timestamp) -> Result<bool, DbError> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE searches SET status = 'running', started_at = ?2
             WHERE id = ?1 AND status IN ('queued', 'running')",
            params![id.0, ts(now)],
        )?;
        if n == 1 {
            audit_tx(
                &tx,
                now,
                CENTER_ACTOR,
                "search.dispatch",
                Some(&format!("search/{id}")),
                None,
            )?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    /// Store the path record of an unfinished search and mark it done, in one
    /// transaction. Returns false (and changes nothing) if the search is
    /// missing or already finished.
    pub fn complete(
        &mut self,
        id: SearchId,
        reported_by: Asn,
        report: &PathReport,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE searches SET status = 'done', finished_at = ?2, error = NULL
             WHERE id = ?1 AND status IN ('queued', 'running')",
            params![id.0, ts(now)],
        )?;
        if n != 1 {
            return Ok(false);
        }
        let victim: i64 = tx.query_row("SELECT isp_asn FROM searches WHERE id = ?1", params![id.0], |r| {
            r.get(0)
        })?;
        let mut members: Vec<Asn> = report.paths.iter().flatten().copied().collect();
        members.extend(report.origins.iter().copied());
        members.sort();
        members.dedup();
        tx.execute(
            "INSERT INTO path_records (search_id, victim_asn, origins, paths, members, statuses,
                                       conflicts, reported_by, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                id.0,
                victim,
                to_json(&report.origins),
                to_json(&report.paths),
                to_json(&members),
                to_json(&report.statuses),
                to_json(&report.conflicts),
                reported_by.0,
                ts(now)
            ],
        )?;
        let origins: Vec<String> = report.origins.iter().map(Asn::to_string).collect();
        audit_tx(
            &tx,
            now,
            &actor(reported_by),
            "search.done",
            Some(&format!("search/{id}")),
            Some(&format!("origins [{}]", origins.join(", "))),
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Mark an unfinished search failed; false if it was already finished.
    pub fn fail(&mut self, id: SearchId, reason: &str, now: Timestamp) -> Result<bool, DbError> {
        let tx = self.conn.transaction()?;
        let n = tx.execute(
            "UPDATE searches SET status = 'failed', finished_at = ?2, error = ?3
             WHERE id = ?1 AND status IN ('queued', 'running')",
            params![id.0, ts(now), reason],
        )?;
        if n == 1 {
            audit_tx(
                &tx,
                now,
                CENTER_ACTOR,
                "search.failed",
                Some(&format!("search/{id}")),
                Some(reason),
            )?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    /// Path records visible to `viewer` (the victim, or an AS on the path),
    /// newest first.
    pub fn records(&self, viewer: Asn, filter: &RecordFilter) -> Result<Vec<PathRecord>, DbError> {
        let limit = filter.limit.unwrap_or(100).clamp(1, 1000);
        let mut st = self.conn.prepare(&format!(
            "SELECT {RECORD_COLUMNS} FROM path_records
             WHERE (victim_asn = ?1 OR EXISTS (SELECT 1 FROM json_each(members) WHERE value = ?1))
               AND (?2 IS NULL OR EXISTS (SELECT 1 FROM json_each(origins) WHERE value = ?2))
               AND (?3 IS NULL OR recorded_at >= ?3)
             ORDER BY id DESC LIMIT ?4"
        ))?;
        let rows = st.query_map(
            params![viewer.0, filter.origin.map(|a| a.0), filter.since.map(ts), limit],
            RawRecord::read,
        )?;
        rows.map(|r| r.map_err(DbError::from).and_then(RawRecord::decode))
            .collect()
    }

    /// Store a countermeasure request; audited as `countermeasure.send`.
    pub fn insert_countermeasure(
        &mut self,
        search: SearchId,
        requested_by: Asn,
        target: Asn,
        action: &str,
        now: Timestamp,
    ) -> Result<Countermeasure, DbError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO countermeasures (search_id, requested_by, target_asn, action, status, sent_at)
             VALUES (?1, ?2, ?3, ?4, 'sent', ?5)",
            params![search.0, requested_by.0, target.0, action, ts(now)],
        )?;
        let id = CountermeasureId(tx.last_insert_rowid());
        audit_tx(
            &tx,
            now,
            &actor(requested_by),
            "countermeasure.send",
            Some(&format!("countermeasure/{id}")),
            Some(&format!("search/{search} to {target}: {action}")),
        )?;
        tx.commit()?;
        self.countermeasure(id)?
            .ok_or_else(|| corrupt("countermeasures", "row vanished after insert"))
    }

    /// One countermeasure request.
    pub fn countermeasure(&self, id: CountermeasureId) -> Result<Option<Countermeasure>, DbError> {
        let raw = self
            .conn
            .query_row(
                &format!(
                    "SELECT {CM_COLUMNS} FROM countermeasures c JOIN searches s ON s.id = c.search_id
                     WHERE c.id = ?1"
                ),
                params![id.0],
                RawCm::read,
            )
            .optional()?;
        raw.map(RawCm::decode).transpose()
    }

    /// Countermeasure requests addressed to `target`, newest first.
    pub fn inbox(&self, target: Asn, only_open: bool) -> Result<Vec<Countermeasure>, DbError> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {CM_COLUMNS} FROM countermeasures c JOIN searches s ON s.id = c.search_id
             WHERE c.target_asn = ?1 AND (?2 = 0 OR c.status = 'sent') ORDER BY c.id DESC"
        ))?;
        let rows = st.query_map(params![target.0, only_open as i64], RawCm::read)?;
        rows.map(|r| r.map_err(DbError::from).and_then(RawCm::decode))
            .collect()
    }

    /// Countermeasure requests sent for one search.
    pub fn countermeasures_for(&self, search: SearchId) -> Result<Vec<Countermeasure>, DbError> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {CM_COLUMNS} FROM countermeasures c JOIN searches s ON s.id = c.search_id
             WHERE c.search_id = ?1 ORDER BY c.id"
        ))?;
        let rows = st.query_map(params![search.0], RawCm::read)?;
        rows.map(|r| r.map_err(DbError::from).and_then(RawCm::decode))
            .collect()
    }

    /// Acknowledge a countermeasure as `by`; only its target may. Denials are
    /// audited too (`countermeasure.ack_denied`).
    pub fn ack(
        &mut self,
        id: CountermeasureId,
        by: Asn,
        note: Option<&str>,
        now: Timestamp,
    ) -> Result<AckOutcome, DbError> {
        let tx = self.conn.transaction()?;
        let row: Option<(i64, String)> = tx
            .query_row(
                "SELECT target_asn, status FROM countermeasures WHERE id = ?1",
                params![id.0],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let object = format!("countermeasure/{id}");
        let outcome = match row {
            None => AckOutcome::Missing,
            Some((target, _)) if asn(target) != by => {
                audit_tx(
                    &tx,
                    now,
                    &actor(by),
                    "countermeasure.ack_denied",
                    Some(&object),
                    None,
                )?;
                AckOutcome::NotTarget
            }
            Some((_, status)) if status == CountermeasureStatus::Acknowledged.as_str() => {
                AckOutcome::AlreadyAcked
            }
            Some(_) => {
                tx.execute(
                    "UPDATE countermeasures SET status = 'acknowledged', acked_by = ?2,
                            acked_at = ?3, note = ?4
                     WHERE id = ?1",
                    params![id.0, by.0, ts(now), note],
                )?;
                audit_tx(&tx, now, &actor(by), "countermeasure.ack", Some(&object), note)?;
                AckOutcome::Acked
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// Append one audit entry outside any other change.
    pub fn audit(
        &mut self,
        now: Timestamp,
        actor: &str,
        action: &str,
        object: Option<&str>,
        detail: Option<&str>,
    ) -> Result<(), DbError> {
        let tx = self.conn.transaction()?;
        audit_tx(&tx, now, actor, action, object, detail)?;
        tx.commit()?;
        Ok(())
    }

    /// Audit entries, oldest first; only those by `actor` when given.
    pub fn audit_log(&self, actor: Option<&str>, limit: u32) -> Result<Vec<AuditEntry>, DbError> {
        let mut st = self.conn.prepare(
            "SELECT seq, at, actor, action, object, detail FROM audit_log
             WHERE ?1 IS NULL OR actor = ?1 ORDER BY seq DESC LIMIT ?2",
        )?;
        let rows = st.query_map(params![actor, limit.clamp(1, 10_000)], |r| {
            Ok(AuditEntry {
                seq: r.get(0)?,
                at: from_ts(r.get(1)?),
                actor: r.get(2)?,
                action: r.get(3)?,
                object: r.get(4)?,
                detail: r.get(5)?,
            })
        })?;
        let mut v: Vec<AuditEntry> = rows.collect::<Result<_, _>>()?;
        v.reverse();
        Ok(v)
    }

    /// Run raw SQL (tests and maintenance tools: shows that the audit log refuses changes).
    pub fn execute_raw(&self, sql: &str) -> Result<usize, DbError> {
        Ok(self.conn.execute(sql, [])?)
    }
}

struct RawSearch {
    id: i64,
    isp: i64,
    source: String,
    digest: String,
    profile: String,
    seen_at: i64,
    tolerance_ms: i64,
    status: String,
    error: Option<String>,
    created_at: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
}

impl RawSearch {
    fn decode(self) -> Result<SearchView, DbError> {
        Ok(SearchView {
            id: SearchId(self.id),
            isp: asn(self.isp),
            source: self.source.parse().map_err(|e| corrupt("source_kind", e))?,
            digest: self.digest.parse().map_err(|e| corrupt("digest", e))?,
            profile: from_json("profile", &self.profile)?,
            seen_at: from_ts(self.seen_at),
            tolerance_ms: u64::try_from(self.tolerance_ms).unwrap_or(0),
            status: self
                .status
                .parse::<SearchStatus>()
                .map_err(|e| corrupt("status", e))?,
            error: self.error,
            created_at: from_ts(self.created_at),
            started_at: self.started_at.map(from_ts),
            finished_at: self.finished_at.map(from_ts),
            result: None,
        })
    }
}

struct RawRecord {
    id: i64,
    search_id: i64,
    victim: i64,
    origins: String,
    paths: String,
    statuses: String,
    conflicts: String,
    reported_by: i64,
    recorded_at: i64,
}

impl RawRecord {
    fn read(r: &Row<'_>) -> rusqlite::Result<RawRecord> {
        Ok(RawRecord {
            id: r.get(0)?,
            search_id: r.get(1)?,
            victim: r.get(2)?,
            origins: r.get(3)?,
            paths: r.get(4)?,
            statuses: r.get(5)?,
            conflicts: r.get(6)?,
            reported_by: r.get(7)?,
            recorded_at: r.get(8)?,
        })
    }

    fn decode(self) -> Result<PathRecord, DbError> {
        Ok(PathRecord {
            id: self.id,
            search_id: SearchId(self.search_id),
            victim: asn(self.victim),
            report: PathReport {
                origins: from_json("origins", &self.origins)?,
                paths: from_json("paths", &self.paths)?,
                statuses: from_json("statuses", &self.statuses)?,
                conflicts: from_json("conflicts", &self.conflicts)?,
            },
            reported_by: asn(self.reported_by),
            recorded_at: from_ts(self.recorded_at),
        })
    }
}

struct RawCm {
    id: i64,
    search_id: i64,
    requested_by: i64,
    target: i64,
    action: String,
    status: String,
    sent_at: i64,
    acked_by: Option<i64>,
    acked_at: Option<i64>,
    note: Option<String>,
    digest: String,
    seen_at: i64,
}

impl RawCm {
    fn read(r: &Row<'_>) -> rusqlite::Result<RawCm> {
        Ok(RawCm {
            id: r.get(0)?,
            search_id: r.get(1)?,
            requested_by: r.get(2)?,
            target: r.get(3)?,
            action: r.get(4)?,
            status: r.get(5)?,
            sent_at: r.get(6)?,
            acked_by: r.get(7)?,
            acked_at: r.get(8)?,
            note: r.get(9)?,
            digest: r.get(10)?,
            seen_at: r.get(11)?,
        })
    }

    fn decode(self) -> Result<Countermeasure, DbError> {
        Ok(Countermeasure {
            id: CountermeasureId(self.id),
            search_id: SearchId(self.search_id),
            requested_by: asn(self.requested_by),
            target: asn(self.target),
            action: self.action,
            status: self
                .status
                .parse()
                .map_err(|e| corrupt("countermeasures.status", e))?,
            sent_at: from_ts(self.sent_at),
            acked_by: self.acked_by.map(asn),
            acked_at: self.acked_at.map(from_ts),
            note: self.note,
            digest: self.digest.parse().map_err(|e| corrupt("digest", e))?,
            seen_at: from_ts(self.seen_at),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::center::auth::TokenHash;
    use core::time::Duration;
    use traceback_core::{Digest, DigestProfile};

    fn evidence() -> Evidence {
        Evidence {
            digest: Digest([7; 16]),
            profile: DigestProfile::V1,
            seen_at: Timestamp::from_secs(1_700_000_000),
            before: Duration::from_secs(2),
            after: Duration::from_secs(2),
        }
    }

    #[test]
    fn schema_migrates_and_audit_log_is_append_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite3");
        let mut db = Db::open(&path).unwrap();
        assert_eq!(db.schema_version().unwrap(), MIGRATIONS.len() as u32);
        assert_eq!(db.journal_mode().unwrap(), "wal");
        let now = Timestamp::from_secs(1);
        let isps = [IspEntry {
            asn: Asn(64500),
            name: "ISP-C".into(),
            token_hash: TokenHash::of_token("t"),
        }];
        db.sync_isps(&isps, now).unwrap();
        let id = db
            .insert_search(Asn(64500), SourceKind::Digest, &evidence(), 2000, now)
            .unwrap();
        assert!(db.mark_running(id, now).unwrap());
        let report = PathReport {
            origins: vec![Asn(64501)],
            paths: vec![vec![Asn(64500), Asn(64501)]],
            ..PathReport::default()
        };
        assert!(db.complete(id, Asn(64500), &report, now).unwrap());
        assert!(!db.complete(id, Asn(64500), &report, now).unwrap());
        assert!(!db.fail(id, "late", now).unwrap());
        let log = db.audit_log(None, 100).unwrap();
        let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["isp.added", "search.submit", "search.dispatch", "search.done"]
        );
        assert!(db.execute_raw("DELETE FROM audit_log").is_err());
        assert!(db.execute_raw("UPDATE audit_log SET actor = 'x'").is_err());
        drop(db);
        // A file from a newer build is refused.
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        drop(conn);
        assert!(matches!(
            Db::open(&path),
            Err(DbError::NewerSchema { found: 99, .. })
        ));
    }

    #[test]
    fn records_are_visible_to_victim_and_path_members_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Db::open(&dir.path().join("c.sqlite3")).unwrap();
        let now = Timestamp::from_secs(1);
        let isps: Vec<IspEntry> = [64500, 64501, 64502, 64503]
            .iter()
            .map(|&a| IspEntry {
                asn: Asn(a),
                name: format!("isp{a}"),
                token_hash: TokenHash::of_token(&a.to_string()),
            })
            .collect();
        db.sync_isps(&isps, now).unwrap();
        let id = db
            .insert_search(Asn(64500), SourceKind::Digest, &evidence(), 2000, now)
            .unwrap();
        let report = PathReport {
            origins: vec![Asn(64502)],
            paths: vec![vec![Asn(64500), Asn(64501), Asn(64502)]],
            ..PathReport::default()
        };
        assert!(db.complete(id, Asn(64500), &report, now).unwrap());
        let all = RecordFilter::default();
        assert_eq!(db.records(Asn(64500), &all).unwrap().len(), 1);
        assert_eq!(db.records(Asn(64501), &all).unwrap().len(), 1);
        assert_eq!(db.records(Asn(64503), &all).unwrap().len(), 0);
        let by_origin = RecordFilter {
            origin: Some(Asn(64501)),
            ..RecordFilter::default()
        };
        assert_eq!(db.records(Asn(64500), &by_origin).unwrap().len(), 0);
        let later = RecordFilter {
            since: Some(Timestamp::from_secs(2)),
            ..RecordFilter::default()
        };
        assert_eq!(db.records(Asn(64500), &later).unwrap().len(), 0);
    }
}
