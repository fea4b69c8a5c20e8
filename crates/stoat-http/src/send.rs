//! Sending a request: the rate limiter, the attempts, the answer.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{HeaderMap, HeaderValue};
use stoat_model::error::ErrorBody;
use stoat_model::url::{Schemes, UrlProblem, check_base_url};
use tokio::time::Instant;
use tracing::Instrument;
use tracing::field::Empty;

use crate::ratelimit::{BucketKey, Identity, Observation};
use crate::request::{Base, Request};
use crate::{Client, Error, ErrorKind, Token};

/// An answer, whatever its status.
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

/// What to do after an attempt that did not succeed.
enum Next {
    Fail(Error),
    /// Try again after this backoff (the rate limiter adds its own wait).
    Retry(Duration),
}

impl Client {
    /// Sends a request and returns the body of a success answer, after
    /// waiting for the rate limiter and retrying as the client's
    /// [`RetryPolicy`](crate::RetryPolicy) says.
    pub async fn send(&self, request: Request) -> Result<Bytes, Error> {
        let span = tracing::debug_span!(
            "stoat_http::request",
            method = request.route.method().as_str(),
            route = request.route.name(),
            bucket = Empty,
            attempt = Empty,
            status = Empty,
            latency_ms = Empty,
        );
        let route = request.route.name();
        self.send_in_span(request, span.clone())
            .instrument(span)
            .await
            .map_err(|error| error.on(route))
    }

    async fn send_in_span(&self, request: Request, span: tracing::Span) -> Result<Bytes, Error> {
        let inner = &self.inner;
        let token = if request.authenticated {
            request.overrides.token.as_ref().or(inner.token.as_ref())
        } else {
            None
        };
        let uri = self.uri(&request)?;
        let headers = self.headers(&request, token)?;
        let bucket = BucketKey::new(request.route.bucket(), &request.path, Identity::of(token));
        span.record("bucket", tracing::field::display(&bucket));
        let timeout = request.overrides.timeout.unwrap_or(inner.timeout);
        let body = request.body.bytes();
        let mut attempt = 0;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            let permit = inner.limiter.acquire(&bucket).await;
            let started = Instant::now();
            let mut http_request = hyper::Request::new(Full::new(body.clone()));
            *http_request.method_mut() = request.route.method().to_hyper();
            *http_request.uri_mut() = uri.clone();
            *http_request.headers_mut() = headers.clone();
            let outcome = tokio::time::timeout(timeout, self.exchange(http_request)).await;
            let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            span.record("latency_ms", latency_ms);
            let next = match outcome {
                Err(_) => Next::Fail(Error::new(ErrorKind::Timeout)),
                Ok(Err(error)) => self.after_transport_error(&request, attempt, error),
                Ok(Ok(answer)) => {
                    span.record("status", answer.status);
                    let mut observation = Observation::from_headers(&answer.headers, Instant::now());
                    if (200..300).contains(&answer.status) {
                        inner.limiter.record(&bucket, permit, &observation);
                        tracing::debug!(attempt, status = answer.status, latency_ms, "answered");
                        return Ok(answer.body);
                    }
                    let body = ErrorBody::parse(&answer.body);
                    if let ErrorBody::RateLimited(limited) = &body {
                        observation.retry_after = Some(Duration::from_millis(limited.retry_after));
                    }
                    inner.limiter.record(&bucket, permit, &observation);
                    self.after_error_status(&request, attempt, answer.status, body)
                }
            };
            match next {
                Next::Fail(error) => {
                    tracing::debug!(attempt, latency_ms, error = %error, "failed");
                    return Err(error);
                }
                Next::Retry(delay) => {
                    tracing::debug!(attempt, latency_ms, delay_ms = delay.as_millis(), "retrying");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    /// One exchange over the wire, body included (bounded by the size cap).
    async fn exchange(&self, request: hyper::Request<Full<Bytes>>) -> Result<Answer, Error> {
        let inner = &self.inner;
        let response = inner
            .http
            .request(request)
            .await
            .map_err(|e| Error::with_source(ErrorKind::Transport, e))?;
        let (parts, body) = response.into_parts();
        let body = Limited::new(body, inner.body_limit)
            .collect()
            .await
            .map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    Error::new(ErrorKind::BodyTooLarge {
                        limit: inner.body_limit,
                    })
                } else {
                    Error::with_source(ErrorKind::Transport, e)
                }
            })?
            .to_bytes();
        Ok(Answer {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    }

    fn after_transport_error(&self, request: &Request, attempt: u32, error: Error) -> Next {
        let retry = self.inner.retry;
        // Failed while connecting: nothing was sent, so any request may go
        // again (a server restarting, say).
        let never_sent = std::error::Error::source(&error)
            .and_then(|source| source.downcast_ref::<hyper_util::client::legacy::Error>())
            .is_some_and(hyper_util::client::legacy::Error::is_connect);
        if matches!(error.kind(), ErrorKind::Transport)
            && (never_sent || request.is_idempotent())
            && attempt < retry.max_attempts
        {
            Next::Retry(retry.backoff(attempt))
        } else {
            Next::Fail(error)
        }
    }

    fn after_error_status(&self, request: &Request, attempt: u32, status: u16, body: ErrorBody) -> Next {
        let retry = self.inner.retry;
        let more = attempt < retry.max_attempts;
        match (&body, status) {
            // Waited out here too, so that a limiter that ignores
            // `retry_after` (or none at all) still does not retry early.
            (ErrorBody::RateLimited(limited), 429) if more => {
                Next::Retry(Duration::from_millis(limited.retry_after))
            }
            (_, 502..=504) if more && request.is_idempotent() => Next::Retry(retry.backoff(attempt)),
            // The key was seen: an earlier attempt got through.
            (_, 409) if attempt > 1 && request.overrides.idempotency_key.is_some() => {
                Next::Fail(Error::new(ErrorKind::AlreadySent))
            }
            _ => Next::Fail(Error::new(ErrorKind::Api { status, body })),
        }
    }

    fn uri(&self, request: &Request) -> Result<hyper::Uri, Error> {
        let base = match (&request.overrides.base_url, request.base) {
            (Some(url), _) => url.clone(),
            (None, Base::Api) => self.inner.api_url.clone(),
            (None, Base::Cdn) => self.cdn_url(),
        };
        let url = format!("{base}{}", request.path);
        check_base_url(&url, Schemes::HTTP, self.inner.allow_insecure).map_err(|problem| match problem {
            UrlProblem::Insecure => Error::new(ErrorKind::InsecureUrl),
            _ => Error::new(ErrorKind::Url),
        })?;
        url.parse().map_err(|e| Error::with_source(ErrorKind::Url, e))
    }

    fn headers(&self, request: &Request, token: Option<&Token>) -> Result<HeaderMap, Error> {
        let inner = &self.inner;
        let mut headers = inner.default_headers.clone();
        for (name, value) in &request.overrides.headers {
            headers.insert(name.clone(), value.clone());
        }
        headers.insert(
            hyper::header::ACCEPT,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(hyper::header::USER_AGENT, inner.user_agent.clone());
        if let Some(content_type) = request.body.content_type() {
            let value =
                HeaderValue::from_str(&content_type).map_err(|e| Error::with_source(ErrorKind::Encode, e))?;
            headers.insert(hyper::header::CONTENT_TYPE, value);
        }
        if let Some(key) = &request.overrides.idempotency_key {
            stoat_model::validate::idempotency_key(key)?;
            let value = HeaderValue::from_str(key).map_err(|_| {
                Error::from(stoat_model::validate::ValidationError {
                    field: "Idempotency-Key",
                    problem: stoat_model::validate::Problem::NotAllowed("must be visible ASCII"),
                })
            })?;
            headers.insert("idempotency-key", value);
        }
        if let Some(token) = token {
            let (name, value) = token.header();
            let mut value = HeaderValue::from_str(value).map_err(|_| Error::new(ErrorKind::InvalidToken))?;
            // Sensitive values are redacted in hyper's own `Debug` output.
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        Ok(headers)
    }
}

#[cfg(test)]
mod tests {
    use stoat_model::error::{ApiError, ApiErrorKind, RateLimited};

    use super::*;
    use crate::{RetryPolicy, Route};

    fn decide(route: Route, key: bool, attempt: u32, status: u16, body: ErrorBody) -> &'static str {
        let client = Client::builder()
            .retry(RetryPolicy::new(3, Duration::from_millis(10)))
            .build();
        let mut request = Request::new(route, "/");
        if key {
            request.overrides.idempotency_key = Some("k".into());
        }
        match client.after_error_status(&request, attempt, status, body) {
            Next::Retry(_) => "retry",
            Next::Fail(error) if matches!(error.kind(), ErrorKind::AlreadySent) => "already sent",
            Next::Fail(_) => "fail",
        }
    }

    fn stoat(kind: ApiErrorKind) -> ErrorBody {
        ErrorBody::Api(ApiError { kind, location: None })
    }

    #[test]
    fn which_answers_are_retried() {
        let limited = || ErrorBody::RateLimited(RateLimited { retry_after: 5 });
        let text = || ErrorBody::Text("bad gateway".into());
        assert_eq!(decide(Route::SEND_MESSAGE, false, 1, 429, limited()), "retry");
        assert_eq!(
            decide(Route::SEND_MESSAGE, false, 3, 429, limited()),
            "fail",
            "attempts are bounded"
        );
        let day = stoat(ApiErrorKind::DiscriminatorChangeRatelimited);
        assert_eq!(
            decide(Route::EDIT_USER, false, 1, 429, day),
            "fail",
            "never retried"
        );
        let slowmode = stoat(ApiErrorKind::InSlowmode { retry_after: 3 });
        assert_eq!(decide(Route::SEND_MESSAGE, true, 1, 429, slowmode), "fail");
        assert_eq!(decide(Route::GET_USER, false, 1, 502, text()), "retry");
        assert_eq!(decide(Route::CLOSE_DM, false, 2, 504, text()), "retry");
        assert_eq!(
            decide(Route::SEND_MESSAGE, false, 1, 503, text()),
            "fail",
            "not idempotent"
        );
        assert_eq!(
            decide(Route::SEND_MESSAGE, true, 1, 503, text()),
            "retry",
            "idempotency key"
        );
        assert_eq!(
            decide(Route::ADD_FRIEND, false, 1, 502, text()),
            "fail",
            "answer changes"
        );
        assert_eq!(
            decide(Route::ADD_FRIEND, true, 1, 502, text()),
            "fail",
            "even with a key"
        );
        assert_eq!(decide(Route::EDIT_USER, false, 1, 502, text()), "fail");
        assert_eq!(
            decide(Route::GET_USER, false, 1, 500, stoat(ApiErrorKind::InternalError)),
            "fail"
        );
        assert_eq!(decide(Route::SEND_MESSAGE, true, 2, 409, text()), "already sent");
        assert_eq!(
            decide(Route::SEND_MESSAGE, true, 1, 409, text()),
            "fail",
            "a first-attempt 409 is the caller's"
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::new(10, Duration::from_millis(100));
        for attempt in 1..10 {
            let full = (Duration::from_millis(100) * (1 << (attempt - 1))).min(policy.max_delay);
            let delay = policy.backoff(attempt);
            assert!(delay <= full, "attempt {attempt}: {delay:?} vs {full:?}");
        }
    }
}
