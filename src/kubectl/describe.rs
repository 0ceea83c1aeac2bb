//! `kubectl describe pod` (kubectl pkg/describe/describe.go): the pod header, the container
//! blocks (`Image:`, `State: Waiting`, `Reason:`) and where the Events table begins. Keys are
//! matched by name, not indentation, because pastes often lose it.

use super::mapped_text::{Line, MappedText};
use super::observation::{ContainerInfo, Found, Observation, is_pull_reason};
use super::{InputKind, classify};
use regex::Regex;
use std::sync::LazyLock;

static KEY_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?P<key>[A-Za-z][A-Za-z ()-]*?):(?:\s+(?P<val>.*?))?\s*$")
        .unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
});

/// `  <name>:` alone on a line opens a container block (`describeContainerBasicInfo`).
static CONTAINER_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?P<name>[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?):\s*$")
        .unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
});

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Section {
    #[default]
    Header,
    Containers {
        init: bool,
    },
    Volumes,
    Events,
    Other,
}

#[derive(Debug, Default)]
struct Container {
    /// Empty for an excerpt pasted without its `<name>:` line (see `anonymous`).
    name: String,
    init: bool,
    image: Option<(String, std::ops::Range<usize>)>,
    /// `State:  Waiting` (not `Last State:`) is the block being read.
    waiting: bool,
    in_state: bool,
    /// A pull-failure `Reason:` was recorded for it.
    failing: bool,
}

/// State of the describe output being read.
#[derive(Debug, Default)]
pub(crate) struct Describe {
    pod: Option<String>,
    namespace: Option<String>,
    section: Section,
    container: Option<Container>,
}

/// What a describe line asks the scanner to do.
pub(crate) struct Step {
    /// A `Name:` line started a new pod.
    pub new_pod: bool,
    /// An `Image:` value that may continue on the next line.
    pub image: Option<MappedText>,
}

/// Whether line `i` is `<name>:` followed by `Container ID:` or `Image:`.
pub(crate) fn is_container_name(lines: &[Line], i: usize) -> bool {
    let Some(line) = lines.get(i) else {
        return false;
    };
    CONTAINER_NAME.is_match(line.str())
        && next_non_blank(lines, i).is_some_and(|n| {
            let t = n.str().trim_start();
            t.starts_with("Container ID:") || t.starts_with("Image:")
        })
}

fn next_non_blank(lines: &[Line], i: usize) -> Option<&Line> {
    lines.iter().skip(i + 1).find(|l| !l.is_blank())
}

impl Describe {
    pub fn pod(&self) -> Option<String> {
        self.pod.clone()
    }

    pub fn namespace(&self) -> Option<String> {
        self.namespace.clone()
    }

    pub fn events_started(&mut self) {
        self.section = Section::Events;
        self.container = None;
    }

    /// Reads line `i` if it belongs to a describe block; `None` when it does not.
    pub fn line(
        &mut self,
        lines: &[Line],
        i: usize,
        segment: &mut usize,
        found: &mut Found,
    ) -> Option<Step> {
        let line = lines.get(i)?;
        let mut step = Step {
            new_pod: false,
            image: None,
        };
        if is_container_name(lines, i) {
            let name = CONTAINER_NAME
                .captures(line.str())
                .and_then(|c| c.name("name"))
                .map(|m| m.as_str().to_string())
                .unwrap_or_default();
            let init = matches!(self.section, Section::Containers { init: true });
            if !matches!(self.section, Section::Containers { .. }) {
                self.section = Section::Containers { init: false };
            }
            self.container = Some(Container {
                name,
                init,
                ..Container::default()
            });
            return Some(step);
        }
        if !super::detect::is_describe_key(line.str()) {
            return None;
        }
        let caps = KEY_VALUE.captures(line.str())?;
        let key = caps.name("key").map_or("", |m| m.as_str());
        let val = caps.name("val");
        let value = val.map_or("", |m| m.as_str());
        match key {
            "Name" => {
                let starts_pod = (line.indent() == 0 && self.section != Section::Volumes)
                    || next_non_blank(lines, i)
                        .is_some_and(|n| n.str().trim_start().starts_with("Namespace:"));
                if starts_pod && !value.is_empty() {
                    *self = Describe {
                        pod: Some(value.to_string()),
                        ..Describe::default()
                    };
                    *segment += 1;
                    step.new_pod = true;
                }
            }
            "Namespace" if self.pod.is_some() && self.namespace.is_none() => {
                self.namespace = Some(value.to_string());
            }
            "Init Containers" => self.start_section(Section::Containers { init: true }),
            "Containers" | "Ephemeral Containers" => {
                self.start_section(Section::Containers { init: false })
            }
            "Volumes" => self.start_section(Section::Volumes),
            "Events" => self.start_section(if value == "<none>" {
                Section::Other
            } else {
                Section::Events
            }),
            "Conditions" | "QoS Class" | "Node-Selectors" | "Tolerations" => {
                self.start_section(Section::Other)
            }
            "Image" => {
                self.excerpt_container();
                if self.container.is_some() {
                    // A value the wrap moved whole to the next line starts empty.
                    let end = line.str().trim_end().len();
                    let range = val.map_or(end..end, |v| v.range());
                    step.image = Some(line.text.slice(range));
                }
            }
            "State" => {
                self.excerpt_container();
                if let Some(c) = self.container.as_mut() {
                    c.in_state = true;
                    c.waiting = value.starts_with("Waiting");
                }
            }
            "Last State" | "Ready" | "Restart Count" => {
                if let Some(c) = self.container.as_mut() {
                    c.in_state = false;
                }
            }
            "Reason" | "Message" => {
                if let Some(v) = val {
                    self.waiting_detail(key, line, v.range(), *segment, found);
                }
            }
            _ => {}
        }
        Some(step)
    }

    /// A container block pasted without its pod header or `<name>:` line (`State: Waiting` /
    /// `Reason: ImagePullBackOff`, as people paste it and as the Kubernetes docs print it):
    /// an unnamed container, so its state still counts.
    fn excerpt_container(&mut self) {
        if self.container.is_none() && self.section == Section::Header {
            self.container = Some(Container::default());
        }
    }

    fn start_section(&mut self, section: Section) {
        self.section = section;
        self.container = None;
    }

    /// The container's `Image:` value, once its wrapped parts are joined.
    pub fn image(&mut self, value: &MappedText, segment: usize, found: &mut Found) {
        let Some(c) = self.container.as_mut() else {
            return;
        };
        let image = super::events::clean_image(&value.text);
        if image.is_empty() {
            return;
        }
        let span = value.full_span();
        c.image = Some((image.clone(), span.clone()));
        if c.name.is_empty() {
            return;
        }
        found.containers.push(ContainerInfo {
            segment,
            pod: self.pod.clone(),
            namespace: self.namespace.clone(),
            name: c.name.clone(),
            init: c.init,
            image,
            image_span: span,
        });
    }

    /// `Reason:` / `Message:` under `State: Waiting`: the container's current pull failure.
    fn waiting_detail(
        &mut self,
        key: &str,
        line: &Line,
        value: std::ops::Range<usize>,
        segment: usize,
        found: &mut Found,
    ) {
        let Some(c) = self.container.as_mut() else {
            return;
        };
        if !(c.waiting && c.in_state) {
            return;
        }
        let text = line.str().get(value.clone()).unwrap_or("").to_string();
        let span = line.text.span(value);
        let mut o = Observation::failure(InputKind::Describe, segment, span.clone());
        o.pod = self.pod.clone();
        o.namespace = self.namespace.clone();
        o.container = Some(c.name.clone()).filter(|n| !n.is_empty());
        o.init = c.init;
        if let Some((image, image_span)) = &c.image {
            o.image = Some(image.clone());
            o.image_span = Some(image_span.clone());
        }
        if key == "Reason" {
            if !is_pull_reason(&text) {
                return;
            }
            c.failing = true;
            o.cause = classify(&text);
            o.reason = Some(text.clone());
            o.reason_span = Some(span);
            o.state = true;
            o.rank = 2;
        } else {
            // Waiting.Message: describe only prints it in kubectl builds that carry
            // kubernetes PR #138860; it is the runtime error itself.
            if !c.failing {
                return;
            }
            o.cause = classify(&text);
            o.rank = 3;
        }
        o.evidence_text = text;
        found.observations.push(o);
    }
}
