//! The request log: what the mock received ([`RecordedRequest`]), kept in a
//! ring bounded both in entries and in bytes, so a mock left running under
//! heavy or hostile traffic keeps a flat memory.

use std::collections::VecDeque;

use bytes::Bytes;
use serde_json::{Value, json};

use crate::wire::parse_query;

/// A request as the mock received it.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path as sent, percent-encoded, including `/v1/`.
    pub path: String,
    /// Raw query string, without `?`.
    pub query: Option<String>,
    /// Request headers.
    pub headers: http::HeaderMap,
    /// Request body.
    pub body: Bytes,
    /// `service.name` of the spec route it matched.
    pub endpoint: Option<String>,
}

impl RecordedRequest {
    /// Query pairs, percent-decoded, in order.
    ///
    /// ```
    /// # let request = crisp_mock::RecordedRequest { method: "GET".into(), path: "/v1/x".into(),
    /// #   query: Some("a=1&b=x%20y".into()), headers: Default::default(), body: Default::default(), endpoint: None };
    /// assert_eq!(request.query_pairs(), vec![("a".to_owned(), "1".to_owned()), ("b".to_owned(), "x y".to_owned())]);
    /// ```
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        parse_query(self.query.as_deref().unwrap_or(""))
    }

    /// The body as JSON, if it is JSON.
    ///
    /// ```
    /// # let request = crisp_mock::RecordedRequest { method: "POST".into(), path: "/v1/x".into(),
    /// #   query: None, headers: Default::default(), body: "{\"a\":1}".into(), endpoint: None };
    /// assert_eq!(request.json().unwrap()["a"], 1);
    /// ```
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// One logged request with what the playground shows about it.
#[derive(Debug)]
pub(crate) struct Entry {
    /// Increasing number, for `GET /mock/requests?after=N`.
    pub(crate) seq: u64,
    /// Epoch milliseconds on the mock's clock.
    pub(crate) at_ms: u64,
    pub(crate) request: RecordedRequest,
    /// Whether the credentials were right (a body is kept only then).
    pub(crate) authenticated: bool,
    /// Status answered, once known.
    pub(crate) status: Option<u16>,
    bytes: usize,
}

#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: VecDeque<Entry>,
    capacity: usize,
    max_bytes: usize,
    bytes: usize,
    next_seq: u64,
}

fn size_of(request: &RecordedRequest) -> usize {
    let headers: usize = request.headers.iter().map(|(name, value)| name.as_str().len() + value.len() + 16).sum();
    request.path.len() + request.query.as_ref().map_or(0, String::len) + request.body.len() + headers + 128
}

impl RequestLog {
    pub(crate) fn new(capacity: usize, max_bytes: usize) -> Self {
        Self { entries: VecDeque::new(), capacity, max_bytes, bytes: 0, next_seq: 1 }
    }

    /// Logs a request, dropping the oldest entries beyond the bounds;
    /// returns its sequence number (0 when the log is off).
    pub(crate) fn push(&mut self, at_ms: u64, request: RecordedRequest, authenticated: bool) -> u64 {
        if self.capacity == 0 {
            return 0;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let bytes = size_of(&request);
        if bytes > self.max_bytes {
            // One request larger than the whole budget: keep it, without its body.
            let request = RecordedRequest { body: bytes::Bytes::new(), ..request };
            return self.insert(Entry { seq, at_ms, bytes: size_of(&request), request, authenticated, status: None });
        }
        self.insert(Entry { seq, at_ms, request, authenticated, status: None, bytes })
    }

    fn insert(&mut self, entry: Entry) -> u64 {
        let seq = entry.seq;
        self.bytes += entry.bytes;
        self.entries.push_back(entry);
        while self.entries.len() > self.capacity || (self.bytes > self.max_bytes && self.entries.len() > 1) {
            if let Some(old) = self.entries.pop_front() {
                self.bytes -= old.bytes;
            }
        }
        seq
    }

    /// Notes the status answered to request `seq`, if it is still logged.
    pub(crate) fn set_status(&mut self, seq: u64, status: u16) {
        if seq == 0 {
            return;
        }
        // Answers come back close to their request: search from the newest.
        if let Some(entry) = self.entries.iter_mut().rev().find(|e| e.seq == seq) {
            entry.status = Some(status);
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    pub(crate) fn clear(&mut self) -> Vec<RecordedRequest> {
        self.bytes = 0;
        self.entries.drain(..).map(|e| e.request).collect()
    }

    /// The log as the playground reads it: entries after `after`, newest last.
    pub(crate) fn to_json(&self, after: u64, limit: usize) -> Value {
        let skip = self.entries.iter().filter(|e| e.seq > after).count().saturating_sub(limit);
        let list: Vec<Value> = self
            .entries
            .iter()
            .filter(|e| e.seq > after)
            .skip(skip)
            .map(|e| {
                json!({
                    "seq": e.seq,
                    "at": e.at_ms,
                    "method": e.request.method,
                    "path": e.request.path,
                    "query": e.request.query,
                    "endpoint": e.request.endpoint,
                    "authenticated": e.authenticated,
                    "status": e.status,
                    "body_bytes": e.request.body.len(),
                })
            })
            .collect();
        json!({"capacity": self.capacity, "requests": list})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: usize) -> RecordedRequest {
        RecordedRequest {
            method: "POST".into(),
            path: "/v1/x".into(),
            query: None,
            headers: Default::default(),
            body: vec![b'x'; body].into(),
            endpoint: None,
        }
    }

    #[test]
    fn keeps_the_newest_entries_within_count_and_bytes() {
        let mut log = RequestLog::new(3, 10_000);
        for _ in 0..5 {
            log.push(0, request(10), true);
        }
        assert_eq!(log.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 4, 5]);
        for _ in 0..3 {
            log.push(0, request(4_000), true);
        }
        // Three bodies of 4 kB do not fit in 10 kB: only the two newest stay.
        assert_eq!(log.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![7, 8]);
        assert!(log.bytes <= 10_000);
        log.push(0, request(50_000), true);
        let last = log.iter().last().unwrap();
        assert_eq!((last.seq, last.request.body.len()), (9, 0));
    }

    #[test]
    fn off_keeps_nothing() {
        let mut log = RequestLog::new(0, 10_000);
        assert_eq!(log.push(0, request(1), true), 0);
        assert_eq!(log.iter().count(), 0);
    }
}
