//! One pass over the lines: recognise each, join terminal hard-wraps back onto the message or
//! image they cut, and collect observations for `merge`.

use super::describe::Describe;
use super::detect::{self, Header};
use super::text::{Line, SText};
use super::{CauseInfo, InputKind, events, failed, get_pods};
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// Waiting reasons that mean the image could not be pulled (pkg/kubelet/images/types.go, and
/// the CRI-O reasons of k8s.io/cri-api errors.go).
pub(crate) fn is_pull_reason(reason: &str) -> bool {
    matches!(
        reason,
        "ErrImagePull"
            | "ImagePullBackOff"
            | "ErrImageNeverPull"
            | "InvalidImageName"
            | "ImageInspectError"
            | "RegistryUnavailable"
            | "SignatureValidationFailed"
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ObsKind {
    /// Evidence that a pull failed.
    Failure,
    /// The container started or its image was pulled after all.
    Recovered,
    /// The kubelet could not read some of the pod's image pull Secrets
    /// (FailedToRetrieveImagePullSecret): it pulled without those credentials.
    MissingSecrets,
}

/// One piece of evidence about one container, before merging.
#[derive(Debug, Clone)]
pub(crate) struct Obs {
    pub kind: ObsKind,
    pub source: InputKind,
    /// Block of the input it came from (a new command, table or described pod starts one).
    pub segment: usize,
    pub pod: Option<String>,
    pub namespace: Option<String>,
    pub container: Option<String>,
    pub init: bool,
    pub sandbox: bool,
    pub image: Option<String>,
    pub image_span: Option<Range<usize>>,
    pub reason: Option<String>,
    pub reason_span: Option<Range<usize>>,
    /// The reason is the container's current state (describe, get pods, logs), not an event.
    pub state: bool,
    pub cause: &'static CauseInfo,
    pub evidence: Range<usize>,
    pub evidence_text: String,
    /// How well this evidence shows the failure, when causes tie: 3 a runtime error message,
    /// 2 a state, 1 a bare event.
    pub rank: u8,
    /// `MissingSecrets`: the Secret names.
    pub secrets: Vec<String>,
}

impl Obs {
    pub fn failure(source: InputKind, segment: usize, evidence: Range<usize>) -> Obs {
        Obs {
            kind: ObsKind::Failure,
            source,
            segment,
            pod: None,
            namespace: None,
            container: None,
            init: false,
            sandbox: false,
            image: None,
            image_span: None,
            reason: None,
            reason_span: None,
            state: false,
            cause: failed(),
            evidence,
            evidence_text: String::new(),
            rank: 0,
            secrets: Vec::new(),
        }
    }
}

/// A container block of `kubectl describe`: which image a container runs.
#[derive(Debug, Clone)]
pub(crate) struct ContainerInfo {
    pub segment: usize,
    pub pod: Option<String>,
    pub namespace: Option<String>,
    pub name: String,
    pub init: bool,
    pub image: String,
    pub image_span: Range<usize>,
}

#[derive(Debug, Default)]
pub(crate) struct Found {
    pub obs: Vec<Obs>,
    pub containers: Vec<ContainerInfo>,
    /// (segment, namespace, pod) of `Successfully assigned ns/pod to node` events.
    pub scheduled: Vec<(usize, Option<String>, String)>,
}

/// What an event row needs from its surroundings.
#[derive(Debug, Clone, Default)]
pub(crate) struct RowCtx {
    pub segment: usize,
    pub pod: Option<String>,
    pub namespace: Option<String>,
    /// `-n NS` of the command that printed the rows, for rows that name their pod.
    pub command_namespace: Option<String>,
    /// The table header had a NAMESPACE column (`-A`).
    pub namespace_column: bool,
}

/// A value that may continue on the next lines because the terminal wrapped it.
enum Pending {
    Message {
        text: SText,
        at: usize,
        ctx: RowCtx,
        lines: usize,
    },
    Image {
        text: SText,
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
                self.found.obs.push(o);
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
            let ctx = RowCtx {
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
                self.found.obs.extend(parsed.obs);
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
