//! The HTTP JSON API (axum): routes, bearer-token authentication, JSON errors.
//!
//! Every answer is JSON; every error is `{"error": code, "detail": text}`
//! with a matching status. Bodies are read with a size limit before parsing.

use super::model::{
    AckRequest, CountermeasureId, CountermeasureRequest, ErrorBody, RecordFilter, ReportSubmission, SearchId,
};
use super::service::{Center, CenterError};
use super::submit::SubmitError;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use std::future::Future;
use traceback_core::{Asn, Timestamp};

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    error: &'static str,
    detail: String,
}

impl ApiError {
    fn new(status: StatusCode, error: &'static str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            error,
            detail: detail.into(),
        }
    }

    fn unauthorized(detail: &str) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.error.to_owned(),
            detail: self.detail,
        };
        let mut resp = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"traceback-center\""),
            );
        }
        resp
    }
}

impl From<CenterError> for ApiError {
    fn from(e: CenterError) -> Self {
        use StatusCode as S;
        match e {
            CenterError::Submit(SubmitError::BadJson(d)) => ApiError::new(S::BAD_REQUEST, "bad_json", d),
            CenterError::Submit(s) => ApiError::new(S::UNPROCESSABLE_ENTITY, "invalid_search", s.to_string()),
            CenterError::NotFound(what) => {
                ApiError::new(S::NOT_FOUND, "not_found", format!("{what} not found"))
            }
            CenterError::Forbidden(d) => ApiError::new(S::FORBIDDEN, "forbidden", d),
            CenterError::Conflict(d) => ApiError::new(S::CONFLICT, "conflict", d),
            CenterError::Invalid(d) => ApiError::new(S::UNPROCESSABLE_ENTITY, "invalid", d),
            e @ (CenterError::Store(_) | CenterError::Config(_)) => {
                tracing::error!(error = %e, "internal error");
                ApiError::new(
                    S::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; see the center's log",
                )
            }
        }
    }
}

/// The authenticated ISP of a request (from `Authorization: Bearer <token>`).
#[derive(Clone, Copy, Debug)]
pub struct Caller(pub Asn);

impl FromRequestParts<Center> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, center: &Center) -> Result<Self, ApiError> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer <token>"))?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthorized("Authorization must be Bearer <token>"))?;
        center
            .directory()
            .authenticate(token)
            .map(Caller)
            .ok_or_else(|| ApiError::unauthorized("unknown token"))
    }
}

async fn read_body(center: &Center, body: Body) -> Result<Vec<u8>, ApiError> {
    let limit = center.max_body_bytes();
    match axum::body::to_bytes(body, limit).await {
        Ok(b) => Ok(b.to_vec()),
        Err(e) => {
            let mut src: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(s) = src {
                if s.is::<http_body_util::LengthLimitError>() {
                    return Err(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "body_too_large",
                        format!("request body is larger than {limit} bytes"),
                    ));
                }
                src = s.source();
            }
            Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_body", e.to_string()))
        }
    }
}

fn json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_json", e.to_string()))
}

fn id_of(p: Result<Path<String>, PathRejection>) -> Result<i64, ApiError> {
    let bad = || ApiError::new(StatusCode::BAD_REQUEST, "bad_id", "ids are positive integers");
    let Path(s) = p.map_err(|_| bad())?;
    s.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(bad)
}

/// `key=value` pairs of a query string (values here are numbers and words: no decoding needed).
fn query_pairs(q: &Option<String>) -> impl Iterator<Item = (&str, &str)> {
    q.as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| kv.split_once('=').unwrap_or((kv, "")))
}

fn bad_query(detail: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_query", detail)
}

async fn submit_search(
    State(center): State<Center>,
    Caller(isp): Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_body(&center, body).await?;
    let sub = center.submit(isp, &bytes).await?;
    let mut resp = (StatusCode::ACCEPTED, Json(sub)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/v1/searches/{}", sub.id)) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

async fn get_search(
    State(center): State<Center>,
    Caller(isp): Caller,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let id = SearchId(id_of(id)?);
    Ok(Json(center.search(isp, id).await?).into_response())
}

async fn list_records(
    State(center): State<Center>,
    Caller(isp): Caller,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let mut f = RecordFilter::default();
    for (k, v) in query_pairs(&q) {
        match k {
            "origin" => {
                f.origin = Some(
                    v.parse()
                        .map_err(|_| bad_query(format!("origin {v:?} is not an AS number")))?,
                )
            }
            "since" => {
                let n: u64 = v
                    .parse()
                    .map_err(|_| bad_query(format!("since {v:?} is not nanoseconds")))?;
                f.since = Some(Timestamp::from_nanos(n));
            }
            "limit" => {
                f.limit = Some(
                    v.parse()
                        .map_err(|_| bad_query(format!("limit {v:?} is not a number")))?,
                )
            }
            _ => {
                return Err(bad_query(format!(
                    "unknown parameter {k:?} (origin, since, limit)"
                )))
            }
        }
    }
    Ok(Json(center.records(isp, f).await?).into_response())
}

async fn send_countermeasure(
    State(center): State<Center>,
    Caller(isp): Caller,
    id: Result<Path<String>, PathRejection>,
    body: Body,
) -> Result<Response, ApiError> {
    let id = SearchId(id_of(id)?);
    let req: CountermeasureRequest = json(&read_body(&center, body).await?)?;
    let cm = center.send_countermeasure(isp, id, req).await?;
    Ok((StatusCode::CREATED, Json(cm)).into_response())
}

async fn inbox(
    State(center): State<Center>,
    Caller(isp): Caller,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let mut only_open = false;
    for (k, v) in query_pairs(&q) {
        match (k, v) {
            ("open", "true" | "1") => only_open = true,
            ("open", "false" | "0") => only_open = false,
            _ => return Err(bad_query(format!("unknown parameter {k}={v} (open=true|false)"))),
        }
    }
    Ok(Json(center.inbox(isp, only_open).await?).into_response())
}

async fn ack(
    State(center): State<Center>,
    Caller(isp): Caller,
    id: Result<Path<String>, PathRejection>,
    body: Body,
) -> Result<Response, ApiError> {
    let id = CountermeasureId(id_of(id)?);
    let bytes = read_body(&center, body).await?;
    let req: AckRequest = if bytes.iter().all(u8::is_ascii_whitespace) {
        AckRequest::default()
    } else {
        json(&bytes)?
    };
    Ok(Json(center.ack(isp, id, req).await?).into_response())
}

async fn report(State(center): State<Center>, Caller(isp): Caller, body: Body) -> Result<Response, ApiError> {
    let sub: ReportSubmission = json(&read_body(&center, body).await?)?;
    Ok(Json(center.accept_report(isp, sub).await?).into_response())
}

async fn jobs(State(center): State<Center>, Caller(isp): Caller) -> Result<Response, ApiError> {
    Ok(Json(center.jobs(isp).await?).into_response())
}

async fn audit(
    State(center): State<Center>,
    Caller(isp): Caller,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let mut limit = 1000;
    for (k, v) in query_pairs(&q) {
        match k {
            "limit" => {
                limit = v
                    .parse()
                    .map_err(|_| bad_query(format!("limit {v:?} is not a number")))?
            }
            _ => return Err(bad_query(format!("unknown parameter {k:?} (limit)"))),
        }
    }
    Ok(Json(center.audit_log_of(isp, limit).await?).into_response())
}

async fn health() -> Response {
    Json(serde_json::json!({"status": "ok"})).into_response()
}

async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

async fn wrong_method() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "method not allowed on this endpoint",
    )
}

/// The API routes over `center`.
pub fn router(center: Center) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/searches", post(submit_search))
        .route("/v1/searches/{id}", get(get_search))
        .route("/v1/searches/{id}/countermeasures", post(send_countermeasure))
        .route("/v1/records", get(list_records))
        .route("/v1/countermeasures", get(inbox))
        .route("/v1/countermeasures/{id}/ack", post(ack))
        .route("/v1/reports", post(report))
        .route("/v1/jobs", get(jobs))
        .route("/v1/audit", get(audit))
        .fallback(not_found)
        .method_not_allowed_fallback(wrong_method)
        .with_state(center)
}

/// How long a client has to send a request's head (request line and
/// headers) once it starts one; a slower client is disconnected, so
/// half-sent requests do not pile up.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long a request may take from the end of its head to its answer, body
/// included (256 KiB at most, so about 17 KB/s at the least): a client that
/// stalls in its body gets `408 request_timeout` and the connection is
/// closed.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// The answer to a request that outlived [`REQUEST_TIMEOUT`].
fn timed_out() -> Response {
    let mut resp = ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "request_timeout",
        format!(
            "the request was not complete within {} s",
            REQUEST_TIMEOUT.as_secs()
        ),
    )
    .into_response();
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// Serve the API (HTTP/1.1) on `listener` until `shutdown` completes, then
/// finish the requests in flight for at most
/// [`crate::server::SHUTDOWN_GRACE`] and close what is still open. A client
/// that sends a request head slower than [`HEADER_READ_TIMEOUT`] is
/// disconnected; one whose request is not answered within
/// [`REQUEST_TIMEOUT`] after its head (a stalled body) gets a 408.
pub async fn serve(
    center: Center,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(center);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: wait a little, keep serving.
                    tracing::warn!("center: accept failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let inner = hyper_util::service::TowerToHyperService::new(app.clone());
        let service = hyper::service::service_fn(move |req| {
            let answer = hyper::service::Service::call(&inner, req);
            async move {
                match tokio::time::timeout(REQUEST_TIMEOUT, answer).await {
                    Ok(r) => r,
                    Err(_) => Ok(timed_out()),
                }
            }
        });
        let conn = http.serve_connection(hyper_util::rt::TokioIo::new(tcp), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(%peer, "center: connection ended: {e}");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(crate::server::SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("center: connections still open after the shutdown grace period: closing");
    }
    Ok(())
}
