//! One pass over the lines: recognise each, join terminal hard-wraps back onto the message or
//! image they cut, and collect observations for `merge`.

use super::describe::Describe;
use super::detect::{self, Header};
use super::mapped_text::{Line, MappedText};
use super::observation::{Found, RowContext};
use super::{events, get_pods};
use regex::Regex;
use std::sync::LazyLock;

/// A value that may continue on the next lines because the terminal wrapped it.
enum Pending {
    Message {
        text: MappedText,
        at: usize,
        ctx: RowContext,
        lines: usize,
    },
    Image {
        text: MappedText,
        lines: usize,
    },
}

/// A line that starts with a registry error code (distribution's errcode `Error()` text).
static ERRCODE_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:errors|denied|unauthorized|forbidden|toomanyrequests|manifest unknown|name unknown|name invalid|blob unknown|unsupported|unknown)(?::|$)")
        .unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
});

/// More than this many wrapped lines is not a wrap but unrelated text.
const MAX_CONTINUATION: usize = 12;

struct Scanner {
    found: Found,
    segment: usize,
    describe: Describe,
    /// Pod named by the last `kubectl describe pod X` / `kubectl logs X` command line.
    command_pod: Option<String>,
    command_namespace: Option<String>,
    namespace_column: bool,
    pending: Option<Pending>,
}

pub(crate) fn scan(lines: &[Line]) -> Found {
    let mut s = Scanner {
        found: Found::default(),
        segment: 0,
        describe: Describe::default(),
        command_pod: None,
        command_namespace: None,
        namespace_column: false,
        pending: None,
    };
    for i in 0..lines.len() {
        s.line(lines, i);
    }
    s.flush();
    s.found
}

impl Scanner {
    fn line(&mut self, lines: &[Line], i: usize) {
        let Some(line) = lines.get(i) else { return };
        if line.is_blank() {
            self.flush();
            return;
        }
        if self.continues(lines, i) {
            return;
        }
        self.flush();
        let s = line.str();
        if let Some(cmd) = detect::prompt(s) {
            self.new_segment();
            self.namespace_column = false;
            self.command_pod = cmd.pod;
            self.command_namespace = cmd.namespace;
            return;
        }
        match detect::header(s) {
            Some(Header::GetPods) => {
                self.new_segment();
                self.namespace_column = false;
                return;
            }
            Some(Header::GetEvents { namespace_column }) => {
                self.new_segment();
                self.namespace_column = namespace_column;
                return;
            }
            Some(Header::DescribeEvents) => {
                self.describe.events_started();
                return;
            }
            None => {}
        }
        if get_pods::is_row(s) {
            if let Some(o) = get_pods::row(&line.text, self.segment, &self.command_namespace) {
                self.found.observations.push(o);
            }
            return;
        }
        if let Some(step) = self
            .describe
            .line(lines, i, &mut self.segment, &mut self.found)
        {
            if step.new_pod {
                self.command_pod = None;
                self.command_namespace = None;
                self.namespace_column = false;
            }
            if let Some(value) = step.image {
                self.pending = Some(Pending::Image {
                    text: value,
                    lines: 0,
                });
            }
            return;
        }
        if let Some(at) = events::marker(s) {
            let ctx = RowContext {
                segment: self.segment,
                pod: self.describe.pod().or_else(|| self.command_pod.clone()),
                namespace: self
                    .describe
                    .namespace()
                    .or_else(|| self.command_namespace.clone()),
                command_namespace: self.command_namespace.clone(),
                namespace_column: self.namespace_column,
            };
            self.pending = Some(Pending::Message {
                text: line.text.clone(),
                at,
                ctx,
                lines: 0,
            });
        }
    }

    /// Appends line `i` to the pending value when it is the rest of a wrapped one.
    fn continues(&mut self, lines: &[Line], i: usize) -> bool {
        let Some(line) = lines.get(i) else {
            return false;
        };
        let Some(pending) = self.pending.as_mut() else {
            return false;
        };
        if is_structural(lines, i) {
            return false;
        }
        let s = line.str();
        match pending {
            Pending::Message { text, lines, .. } => {
                if *lines >= MAX_CONTINUATION {
                    return false;
                }
                *lines += 1;
                // Inside a quoted image the wrap adds nothing; elsewhere a leading space
                // may be the one the terminal moved to the next line.
                let open_quote = text.text.matches('"').count() % 2 == 1;
                let start = s.len() - s.trim_start().len();
                let start = if open_quote || start == 0 {
                    start
                } else {
                    start - 1
                };
                // A registry error list (CRI-O `errors:\ndenied: …\nunauthorized: …`) is a
                // real newline, not a wrap: keep the words apart.
                if start == 0 && !open_quote && ERRCODE_LINE.is_match(s) {
                    let end = text.text.len();
                    text.push(" ", text.orig(end.saturating_sub(1)));
                }
                text.append(&line.text.slice(start..s.trim_end().len()));
                true
            }
            Pending::Image { text, lines } => {
                let t = s.trim();
                if *lines >= 2 || t.contains(char::is_whitespace) || t.ends_with(':') {
                    return false;
                }
                *lines += 1;
                let start = s.len() - s.trim_start().len();
                text.append(&line.text.slice(start..start + t.len()));
                true
            }
        }
    }

    fn flush(&mut self) {
        match self.pending.take() {
            Some(Pending::Message { text, at, ctx, .. }) => {
                let parsed = events::parse(&text, at, &ctx);
                self.found.observations.extend(parsed.observations);
                if let Some((ns, pod)) = parsed.scheduled {
                    self.found.scheduled.push((ctx.segment, ns, pod));
                }
            }
            Some(Pending::Image { text, .. }) => {
                self.describe.image(&text, self.segment, &mut self.found)
            }
            None => {}
        }
    }

    /// A new command, table or described pod. The command line's pod and namespace stay: the
    /// table header that follows a prompt belongs to it.
    fn new_segment(&mut self) {
        self.segment += 1;
        self.describe = Describe::default();
    }
}

/// A line that is something of its own, never the rest of a wrapped message.
fn is_structural(lines: &[Line], i: usize) -> bool {
    let Some(line) = lines.get(i) else {
        return true;
    };
    let s = line.str();
    line.is_blank()
        || detect::is_describe_key(s)
        || detect::is_event_row(s)
        || events::marker(s).is_some()
        || get_pods::is_row(s)
        || detect::header(s).is_some()
        || detect::prompt(s).is_some()
        || super::describe::is_container_name(lines, i)
}
