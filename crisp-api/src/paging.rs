//! Streams over lists Crisp pages by a timestamp cursor rather than by page
//! number (Get Messages In Conversation): each request asks for what came
//! before the oldest item of the previous page.

use futures_util::{Stream, StreamExt as _, TryStreamExt as _, stream};
use serde::de::DeserializeOwned;

use crate::pipeline::Call;

/// Walks back in time: the first page is what `call` returns, each following
/// page is asked for with `cursor` set to the oldest `timestamp` seen so far.
/// Items come page by page, each page in the order Crisp gives it.
///
/// It ends at an empty page, or when a page brings nothing older than the
/// cursor (a server ignoring the cursor would otherwise repeat a page
/// forever), or when no item of a page carries a timestamp. At most one page
/// is held in memory.
pub(crate) fn timestamp_cursor_stream<T>(
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
        let items: Vec<T> = request.send().await?;
        let oldest = items.iter().filter_map(timestamp).min();
        let next = match (oldest, before) {
            (Some(oldest), Some(before)) if oldest >= before => return Ok(None),
            (Some(oldest), _) => Some((call, Some(oldest))),
            (None, _) => None,
        };
        if items.is_empty() {
            return Ok(None);
        }
        Ok(Some((items, next)))
    });
    pages.map_ok(|items| stream::iter(items.into_iter().map(Ok))).try_flatten().boxed()
}
