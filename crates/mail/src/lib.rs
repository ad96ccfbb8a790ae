//! Reskill's email: messages rendered from templates as multipart text and HTML, signed
//! one-click unsubscribe links (RFC 8058), and the transports that deliver them (SMTP through
//! lettre's pooled async client, `.eml` files, or nothing).
//!
//! This crate knows nothing of the database: the outbox and its sender live in
//! `reskill-store` and `reskill-server`'s `services::mail`, which hand this crate one
//! [`OutgoingEmail`] at a time.

mod error;
mod message;
mod render;
mod smtp_client;
mod transport;
pub mod unsubscribe;

pub use error::{MailError, SendError, SendErrorKind};
pub use message::{Composer, OutgoingEmail, message_id_for};
pub use render::{Rendered, Renderer, TEMPLATES};
pub use transport::{SentMessage, Transport, TransportKind};
pub use unsubscribe::{List, UnsubscribeKey};
