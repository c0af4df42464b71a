//! A small HTTP client for the center's API, used by the operator CLI and by
//! interconnects that poll for jobs (`examples/operator.rs`).
//!
//! Plain HTTP/1.1 over hyper; no OpenSSL. The base URL must be `http://`:
//! run the center on loopback or behind a TLS-terminating proxy.

use super::dispatch::TraceJob;
use super::model::{
    AckRequest, AuditEntry, Countermeasure, CountermeasureId, CountermeasureRequest, ErrorBody, PathRecord,
    RecordFilter, ReportSubmission, SearchId, SearchRequest, SearchStatus, SearchView, Submitted,
};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::time::Duration;

/// Largest answer the client reads.
const MAX_RESPONSE: usize = 16 * 1024 * 1024;

/// How long one API call (connect, request, whole answer) may take by
/// default before it fails: a center that accepts and never answers does
/// not hang its clients.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A failed API call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The base URL is not `http://host:port[/prefix]`.
    #[error("bad center URL {0:?}: {1}")]
    Url(String, String),
    /// The connection or the HTTP exchange failed.
    #[error("http: {0}")]
    Http(String),
    /// The center answered with an error.
    #[error("center answered {status}: {error}: {detail}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The error code.
        error: String,
        /// Its explanation.
        detail: String,
    },
    /// The answer is not the expected JSON.
    #[error("cannot decode the center's answer: {0}")]
    Decode(String),
    /// [`CenterClient::wait_for`] gave up.
    #[error("search {0} not finished after {1:?}")]
    Timeout(SearchId, Duration),
}

/// A client for one center, authenticated as one ISP.
#[derive(Clone)]
pub struct CenterClient {
    base: String,
    token: String,
    http: Client<HttpConnector, Full<Bytes>>,
    timeout: Duration,
}

impl core::fmt::Debug for CenterClient {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CenterClient")
            .field("base", &self.base)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl CenterClient {
    /// A client for the center at `base_url` (e.g. `http://127.0.0.1:8480`) using `token`.
    pub fn new(base_url: &str, token: &str) -> Result<Self, ClientError> {
        let base = base_url.trim().trim_end_matches('/').to_owned();
        let uri: hyper::Uri = base
            .parse()
            .map_err(|e: hyper::http::uri::InvalidUri| ClientError::Url(base.clone(), e.to_string()))?;
        if uri.scheme_str() != Some("http") || uri.host().is_none() {
            return Err(ClientError::Url(
                base,
                "only http://host:port is supported (terminate TLS in front of the center)".into(),
            ));
        }
        if token.is_empty() || token.chars().any(|c| c.is_control()) {
            return Err(ClientError::Url(
                base,
                "token is empty or has control characters".into(),
            ));
        }
        Ok(CenterClient {
            base,
            token: token.to_owned(),
            http: Client::builder(TokioExecutor::new()).build_http(),
            timeout: REQUEST_TIMEOUT,
        })
    }

    /// The same client with another per-call time limit (default
    /// [`REQUEST_TIMEOUT`]).
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Send any request and return the status and body, without interpreting them.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Vec<u8>,
    ) -> Result<(StatusCode, Vec<u8>), ClientError> {
        let req = Request::builder()
            .method(method)
            .uri(format!("{}{}", self.base, path))
            .header(hyper::header::AUTHORIZATION, format!("Bearer {}", self.token))
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| ClientError::Http(e.to_string()))?;
        // The URL and every cause (the OS error under hyper's "client
        // error (Connect)"), on one line.
        let failed = |e: &(dyn std::error::Error + 'static)| {
            ClientError::Http(format!("{}{path}: {}", self.base, crate::report::one_line(e)))
        };
        let exchange = async {
            let resp = self.http.request(req).await.map_err(|e| failed(&e))?;
            let status = resp.status();
            let bytes = Limited::new(resp.into_body(), MAX_RESPONSE)
                .collect()
                .await
                .map_err(|e| failed(e.as_ref()))?
                .to_bytes();
            Ok((status, bytes.to_vec()))
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or_else(|_| {
                Err(ClientError::Http(format!(
                    "{}{path}: no complete answer within {:?}",
                    self.base, self.timeout
                )))
            })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<T, ClientError> {
        let bytes = match body {
            Some(b) => serde_json::to_vec(b).map_err(|e| ClientError::Decode(e.to_string()))?,
            None => Vec::new(),
        };
        let (status, answer) = self.raw(method, path, bytes).await?;
        if !status.is_success() {
            let e: ErrorBody = serde_json::from_slice(&answer).unwrap_or_else(|_| ErrorBody {
                error: "http".into(),
                detail: String::from_utf8_lossy(&answer).into_owned(),
            });
            return Err(ClientError::Api {
                status: status.as_u16(),
                error: e.error,
                detail: e.detail,
            });
        }
        serde_json::from_slice(&answer).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// `POST /v1/searches`.
    pub async fn submit_search(&self, req: &SearchRequest) -> Result<Submitted, ClientError> {
        self.call(Method::POST, "/v1/searches", Some(req)).await
    }

    /// `GET /v1/searches/{id}`.
    pub async fn search(&self, id: SearchId) -> Result<SearchView, ClientError> {
        self.call(Method::GET, &format!("/v1/searches/{id}"), None::<&()>)
            .await
    }

    /// Poll `GET /v1/searches/{id}` every `every` until it is done or failed, or `timeout` passes.
    pub async fn wait_for(
        &self,
        id: SearchId,
        every: Duration,
        timeout: Duration,
    ) -> Result<SearchView, ClientError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let v = self.search(id).await?;
            if matches!(v.status, SearchStatus::Done | SearchStatus::Failed) {
                return Ok(v);
            }
            if tokio::time::Instant::now() + every > deadline {
                return Err(ClientError::Timeout(id, timeout));
            }
            tokio::time::sleep(every).await;
        }
    }

    /// `GET /v1/records`.
    pub async fn records(&self, filter: &RecordFilter) -> Result<Vec<PathRecord>, ClientError> {
        let mut q = Vec::new();
        if let Some(o) = filter.origin {
            q.push(format!("origin={}", o.0));
        }
        if let Some(s) = filter.since {
            q.push(format!("since={}", s.as_nanos()));
        }
        if let Some(l) = filter.limit {
            q.push(format!("limit={l}"));
        }
        let path = if q.is_empty() {
            "/v1/records".to_owned()
        } else {
            format!("/v1/records?{}", q.join("&"))
        };
        self.call(Method::GET, &path, None::<&()>).await
    }

    /// `POST /v1/searches/{id}/countermeasures`.
    pub async fn send_countermeasure(
        &self,
        id: SearchId,
        req: &CountermeasureRequest,
    ) -> Result<Countermeasure, ClientError> {
        self.call(
            Method::POST,
            &format!("/v1/searches/{id}/countermeasures"),
            Some(req),
        )
        .await
    }

    /// `GET /v1/countermeasures`: this ISP's inbox (only unacknowledged ones when `only_open`).
    pub async fn inbox(&self, only_open: bool) -> Result<Vec<Countermeasure>, ClientError> {
        let path = if only_open {
            "/v1/countermeasures?open=true"
        } else {
            "/v1/countermeasures"
        };
        self.call(Method::GET, path, None::<&()>).await
    }

    /// `POST /v1/countermeasures/{id}/ack`.
    pub async fn ack(
        &self,
        id: CountermeasureId,
        note: Option<String>,
    ) -> Result<Countermeasure, ClientError> {
        self.call(
            Method::POST,
            &format!("/v1/countermeasures/{id}/ack"),
            Some(&AckRequest { note }),
        )
        .await
    }

    /// `POST /v1/reports`: an interconnect reports a finished path.
    pub async fn report(&self, sub: &ReportSubmission) -> Result<SearchView, ClientError> {
        self.call(Method::POST, "/v1/reports", Some(sub)).await
    }

    /// `GET /v1/jobs`: running searches this ISP's interconnect has to trace.
    pub async fn jobs(&self) -> Result<Vec<TraceJob>, ClientError> {
        self.call(Method::GET, "/v1/jobs", None::<&()>).await
    }

    /// `GET /v1/audit`: audit entries of this ISP's own actions.
    pub async fn audit(&self) -> Result<Vec<AuditEntry>, ClientError> {
        self.call(Method::GET, "/v1/audit", None::<&()>).await
    }
}
