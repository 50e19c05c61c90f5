//! Both ways Crisp pages a list: by a 1-based page number in the path (most
//! lists), and by a timestamp cursor (Get Messages In Conversation), where
//! each request asks for what came before the oldest item so far.

#[cfg(feature = "website")]
use std::cmp::Reverse;

#[cfg(feature = "website")]
use futures_util::{Stream, StreamExt as _, TryStreamExt as _, stream};
use serde::de::DeserializeOwned;

use crate::call::Call;
use crate::error::Error;

/// Walks back in time, newest item first: the first page is what `call`
/// returns, each following page is asked for with `cursor` set to the oldest
/// `timestamp` seen so far, and the items of each page come newest first too
/// (Crisp sends a page oldest first), so the whole stream goes one way.
///
/// It ends at an empty page, or when a page brings nothing older than the
/// cursor (a server ignoring the cursor would otherwise repeat a page
/// forever), or when no item of a page carries a timestamp. At most one page
/// is held in memory.
#[cfg(feature = "website")]
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
#[cfg(feature = "website")]
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

impl<T: DeserializeOwned + PartialEq + Clone + Send + 'static> Call<Vec<T>> {
    /// Walks the pages from this call's page number on, item by item, and
    /// ends at the first empty page, or at a page identical to the one
    /// before (a server ignoring the page number would otherwise repeat it
    /// forever).
    ///
    /// ```no_run
    /// # async fn run(client: crisp_api::Crisp) -> crisp_api::Result<()> {
    /// use futures_util::TryStreamExt as _;
    /// let call = client.website().list_conversations("website-id", 1).into_call();
    /// let all: Vec<_> = call.into_item_stream().try_collect().await?;
    /// # let _ = all;
    /// # Ok(()) }
    /// ```
    pub fn into_item_stream(self) -> impl futures_util::Stream<Item = crate::Result<T>> + Send + 'static {
        use futures_util::{StreamExt as _, TryStreamExt as _, stream};
        let first = self.page_number();
        let pages = stream::try_unfold(Some((self, first, Vec::new())), |state| async move {
            let Some((call, page, previous)) = state else { return Ok::<_, Error>(None) };
            let items: Vec<T> = call.with_page(page).send().await?;
            if items.is_empty() || items == previous {
                return Ok(None);
            }
            let next = page.checked_add(1).map(|next| (call, next, items.clone()));
            Ok(Some((items, next)))
        });
        pages.map_ok(|items| stream::iter(items.into_iter().map(Ok::<T, Error>))).try_flatten().boxed()
    }
}
