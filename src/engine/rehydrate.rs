//! Re-reading dropped text: a file with no finding of its own is kept without its text; when a
//! finding elsewhere points into it, it is read again here.

use super::inputs::Input;
use super::options::LintOptions;
use crate::model::ObjectFacts;
use crate::source::{FileId, SourceFile, SourceMap};

/// Gives back the text of the dropped files among `ids` (files with no finding of their own that
/// a cross-object finding, a secondary label such as "the Secret is defined here", or a
/// diagnosis points into), masking Secret values again. The file is read a second time: if it
/// is no longer a regular file or its length changed, it stays without text and emitters show
/// the finding without a snippet.
pub(super) fn rehydrate(
    sources: &mut SourceMap,
    dropped: &mut [Option<usize>],
    ids: impl Iterator<Item = FileId>,
    inputs: &[Input],
    objects: &[Vec<ObjectFacts>],
    opts: &LintOptions,
) {
    let mut wanted: Vec<FileId> = ids
        .filter(|id| dropped.get(id.0 as usize).copied().flatten().is_some())
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    for id in wanted {
        let text = match inputs.get(id.0 as usize) {
            Some(Input::Memory { text, .. }) => Some(text.clone()),
            Some(Input::Path { path, .. }) => std::fs::metadata(path)
                .ok()
                .filter(std::fs::Metadata::is_file)
                .and_then(|_| crate::source::read_file(path, opts.max_file_size).ok()),
            _ => None,
        };
        let Some(slot) = dropped.get_mut(id.0 as usize) else {
            continue;
        };
        // Tried once: whatever happens, do not read it again.
        let expected = slot.take();
        let Some(text) = text.filter(|t| Some(t.len()) == expected) else {
            continue;
        };
        let Some(old) = sources.get(id) else {
            continue;
        };
        let mut file = SourceFile::new(old.name.clone(), old.origin.clone(), text, old.explicit);
        let secret_values: Vec<std::ops::Range<usize>> = objects
            .get(id.0 as usize)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .flat_map(|o| o.redacted_spans().iter().cloned())
            .collect();
        file.redact(&secret_values);
        sources.replace(id, file);
    }
}
