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

/// `typed_content()` for models that carry a message `type` and `content`.
#[cfg(feature = "events")]
macro_rules! typed_content {
    ($($(#[$cfg:meta])* $model:ident),* $(,)?) => {$(
        $(#[$cfg])*
        impl crate::models::$model {
            /// The content read according to the message type: text, file,
            /// picker, … or `Other` for types this version does not know.
            ///
            /// ```
            #[doc = concat!("let message: crisp_api::models::", stringify!($model), " =")]
            ///     serde_json::from_value(serde_json::json!({"type": "text", "content": "Hello"})).unwrap();
            /// assert_eq!(message.typed_content().text(), Some("Hello"));
            /// ```
            pub fn typed_content(&self) -> crate::events::MessageContent {
                let kind = self.r#type.as_ref().map(|t| t.to_string()).unwrap_or_default();
                let content = self.content.clone().unwrap_or(serde_json::Value::Null);
                crate::events::MessageContent::from_parts(&kind, &content)
            }
        }
    )*};
}

#[cfg(feature = "events")]
typed_content!(
    #[cfg(feature = "website")]
    ConversationMessage,
    EventsMessageSend,
    EventsMessageReceived
);
