// Copyright 2015, Yuheng Chen.
// Copyright 2023, Ethiraric.
// See the LICENSE file in this directory.

//! YAML 1.2 parser: `saphyr-parser` 0.3.4 (MIT OR Apache-2.0), folded into pullcheck with the
//! changes listed in `PULLCHECK-PATCH.md` (each marked with a comment containing "pullcheck").
//!
//! It yields `(Event, Span)` pairs from a `&str`; `syntax::yaml` builds the spanned tree from
//! them. Upstream's recursive loaders and its buffered `char` iterator input are not kept: the
//! loaders overflow the stack on deep input and nothing here reads from an iterator.

// Upstream's code is kept as written, so that it still diffs cleanly against saphyr-parser
// 0.3.4; these lints (newer than that release) would only restyle it.
#![allow(clippy::collapsible_if, clippy::ptr_arg)]

mod char_traits;
pub mod input;
mod parser;
mod scanner;

pub use input::{Input, str::StrInput};
pub use parser::{Event, Parser, Tag};
pub use scanner::{Marker, ScalarStyle, ScanError, Span};
