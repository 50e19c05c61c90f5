//! Hand-written conveniences on generated models.

#[cfg(feature = "website")]
use crate::models::ConversationMessageNew;

#[cfg(feature = "website")]
impl ConversationMessageNew {
    /// A text message. `from` is `operator` or `user`; `origin` is usually `chat`.
    ///
    /// ```
    /// let message = crisp_api::models::ConversationMessageNew::text("operator", "chat", "Hello!");
    /// assert_eq!(message.r#type.as_deref(), Some("text"));
    /// ```
    pub fn text(from: impl Into<String>, origin: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            r#type: Some("text".to_owned()),
            from: Some(from.into()),
            origin: Some(origin.into()),
            content: Some(serde_json::Value::String(content.into())),
            ..Self::default()
        }
    }

    /// A private note, visible to operators only.
    ///
    /// ```
    /// let note = crisp_api::models::ConversationMessageNew::note("operator", "Call back tomorrow");
    /// assert_eq!(note.r#type.as_deref(), Some("note"));
    /// ```
    pub fn note(from: impl Into<String>, content: impl Into<String>) -> Self {
        Self { r#type: Some("note".to_owned()), ..Self::text(from, "chat", content) }
    }
}
