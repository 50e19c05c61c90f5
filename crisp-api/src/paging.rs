//! Streams over lists Crisp pages by a timestamp cursor rather than by page
//! number (Get Messages In Conversation): each request asks for what came
//! before the oldest item of the previous page.

use std::cmp::Reverse;

use futures_util::{Stream, StreamExt as _, TryStreamExt as _, stream};
use serde::de::DeserializeOwned;

use crate::pipeline::Call;

/// Walks back in time, newest item first: the first page is what `call`
/// returns, each following page is asked for with `cursor` set to the oldest
/// `timestamp` seen so far, and the items of each page come newest first too
/// (Crisp sends a page oldest first), so the whole stream goes one way.
///
/// It ends at an empty page, or when a page brings nothing older than the
/// cursor (a server ignoring the cursor would otherwise repeat a page
/// forever), or when no item of a page carries a timestamp. At most one page
/// is held in memory.
pub(crate) fn newest_first<T>(
    call: Call<Vec<T>>,
    cursor: &'static str,
    timestamp: fn(&T) -> Option<u64>,
) -> impl Stream<Item = crate::Result<T>> + Send + 'static
where
    T: DeserializeOwned + Send + 'static,
{
    let pages = stream::try_unfold(Some((call, None::<u64>)), move |state| async move {
        let Some((call, before)) = state else { return Ok::<_, crate::Error>(None) };
        let mut request = call.clone();
        if let Some(before) = before {
            request.query(cursor, before);
        }
        let mut items: Vec<T> = request.send().await?;
        let oldest = items.iter().filter_map(timestamp).min();
        let next = match (oldest, before) {
            (Some(oldest), Some(before)) if oldest >= before => return Ok(None),
            (Some(oldest), _) => Some((call, Some(oldest))),
            (None, _) => None,
        };
        if items.is_empty() {
            return Ok(None);
        }
        // Stable: items sharing a timestamp keep their relative order, reversed
        // with the rest; items without one (never seen from Crisp) go last.
        items.reverse();
        items.sort_by_key(|item| Reverse(timestamp(item)));
        Ok(Some((items, next)))
    });
    pages.map_ok(|items| stream::iter(items.into_iter().map(Ok))).try_flatten().boxed()
}

/// The latest `limit` items of [`newest_first`], returned oldest first: a
/// conversation's history as it reads. Fewer than `limit` items means the
/// history is complete. Walking stops as soon as `limit` items are held, so
/// memory is bounded by `limit` plus one page.
pub(crate) async fn oldest_first<T>(
    call: Call<Vec<T>>,
    cursor: &'static str,
    timestamp: fn(&T) -> Option<u64>,
    limit: usize,
) -> crate::Result<Vec<T>>
where
    T: DeserializeOwned + Send + 'static,
{
    let mut items: Vec<T> = newest_first(call, cursor, timestamp).take(limit).try_collect().await?;
    items.reverse();
    Ok(items)
}
