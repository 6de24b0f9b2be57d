//! The JSON bodies the services answer with and the read model stores
//! (contract: `shared/API.md`), one type per shape. Each is the only
//! owner of its shape: the loaders serialize these types into the entries
//! query-api serves (see `body` for the parts patched at read time), the
//! projector answers commands with them (`answers`), and utoipa documents
//! the same types. All of them refuse unknown fields, so a test that
//! deserializes a served body into its type pins the shape exactly.

mod answers;
mod reads;

pub use answers::*;
pub use reads::*;
