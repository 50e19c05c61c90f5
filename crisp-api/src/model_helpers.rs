//! Hand-written conveniences on generated models.

#[cfg(feature = "website")]
mod message_new {
    use crate::models::{
        ConversationAnimationMessageContent, ConversationAudioMessageContent, ConversationCarouselMessageContent,
        ConversationEventMessageContent, ConversationFieldMessageContent, ConversationFileMessageContent,
        ConversationMessageNew, ConversationMessageType, ConversationPickerMessageContent, MessageFrom, MessageOrigin,
    };

    /// One constructor per message type, so that every message Crisp accepts
    /// is built from typed content, never from hand-written JSON.
    impl ConversationMessageNew {
        fn typed(
            kind: ConversationMessageType,
            from: MessageFrom,
            origin: MessageOrigin,
            content: serde_json::Value,
        ) -> Self {
            Self {
                r#type: Some(kind),
                from: Some(from),
                origin: Some(origin),
                content: Some(content),
                ..Self::default()
            }
        }

        /// The content model as JSON. These models are plain structs with
        /// string keys, which serde_json always encodes; `Null` is unreachable.
        fn content_json(content: impl serde::Serialize) -> serde_json::Value {
            serde_json::to_value(content).unwrap_or_default()
        }

        /// A text message.
        ///
        /// ```
        /// use crisp_api::models::{ConversationMessageNew, ConversationMessageType, MessageFrom, MessageOrigin};
        /// let message = ConversationMessageNew::text(MessageFrom::Operator, MessageOrigin::Chat, "Hello!");
        /// assert_eq!(message.r#type, Some(ConversationMessageType::Text));
        /// ```
        pub fn text(from: MessageFrom, origin: MessageOrigin, content: impl Into<String>) -> Self {
            Self::typed(ConversationMessageType::Text, from, origin, serde_json::Value::String(content.into()))
        }

        /// A private note, visible to operators only (sent from the operator side, origin `chat`).
        ///
        /// ```
        /// use crisp_api::models::{ConversationMessageNew, ConversationMessageType};
        /// let note = ConversationMessageNew::note("Call back tomorrow");
        /// assert_eq!(note.r#type, Some(ConversationMessageType::Note));
        /// ```
        pub fn note(content: impl Into<String>) -> Self {
            Self::typed(
                ConversationMessageType::Note,
                MessageFrom::Operator,
                MessageOrigin::Chat,
                serde_json::Value::String(content.into()),
            )
        }

        /// A file: its name, URL and MIME type.
        ///
        /// ```
        /// use crisp_api::models::{ConversationFileMessageContent, ConversationMessageNew, MessageFrom, MessageOrigin};
        /// let file = ConversationFileMessageContent {
        ///     name: Some("invoice.pdf".into()),
        ///     url: Some("https://example.com/invoice.pdf".into()),
        ///     r#type: Some("application/pdf".into()),
        /// };
        /// let message = ConversationMessageNew::file(MessageFrom::Operator, MessageOrigin::Chat, file);
        /// assert_eq!(message.content.unwrap()["name"], "invoice.pdf");
        /// ```
        pub fn file(from: MessageFrom, origin: MessageOrigin, content: ConversationFileMessageContent) -> Self {
            Self::typed(ConversationMessageType::File, from, origin, Self::content_json(content))
        }

        /// An animation (a GIF, by URL).
        pub fn animation(
            from: MessageFrom,
            origin: MessageOrigin,
            content: ConversationAnimationMessageContent,
        ) -> Self {
            Self::typed(ConversationMessageType::Animation, from, origin, Self::content_json(content))
        }

        /// An audio recording, by URL.
        pub fn audio(from: MessageFrom, origin: MessageOrigin, content: ConversationAudioMessageContent) -> Self {
            Self::typed(ConversationMessageType::Audio, from, origin, Self::content_json(content))
        }

        /// A picker: a question with choices.
        pub fn picker(from: MessageFrom, origin: MessageOrigin, content: ConversationPickerMessageContent) -> Self {
            Self::typed(ConversationMessageType::Picker, from, origin, Self::content_json(content))
        }

        /// A field: a question answered in a text input.
        pub fn field(from: MessageFrom, origin: MessageOrigin, content: ConversationFieldMessageContent) -> Self {
            Self::typed(ConversationMessageType::Field, from, origin, Self::content_json(content))
        }

        /// A carousel of targets, each with its title, description and actions.
        pub fn carousel(from: MessageFrom, origin: MessageOrigin, content: ConversationCarouselMessageContent) -> Self {
            Self::typed(ConversationMessageType::Carousel, from, origin, Self::content_json(content))
        }

        /// An event shown in the conversation (a namespace and its text).
        pub fn event(from: MessageFrom, origin: MessageOrigin, content: ConversationEventMessageContent) -> Self {
            Self::typed(ConversationMessageType::Event, from, origin, Self::content_json(content))
        }
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
