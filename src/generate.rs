//! Files generated from the command-line definition: shell completion scripts (clap_complete)
//! and the manual page (clap_mangen). Both read the rule names from the catalog, so a new rule
//! completes after `--select`, `--ignore` and `explain` and is listed in the man page without a
//! list to keep by hand.

use crate::rules::CATALOG;
use clap::builder::{PossibleValue, PossibleValuesParser};
use clap_mangen::roff::{Roff, bold, roman};
use std::io::Write;

pub use clap_complete::Shell;

/// The program's name in scripts and the man page.
const BIN: &str = "pullcheck";

fn rule_names() -> PossibleValuesParser {
    PossibleValuesParser::new(
        CATALOG
            .iter()
            .map(|r| PossibleValue::new(r.name).help(r.summary)),
    )
}

/// The CLI's `clap::Command` (from `cli`, which calls this module: nothing here imports it
/// back) with the rule names as the possible values of `--select`, `--ignore` and
/// `explain RULE`. Only for generating files: the linter itself accepts any text there and
/// answers an unknown rule with its own message (with suggestions).
pub fn command(cli: clap::Command) -> clap::Command {
    cli.mut_arg("select", |a| {
        a.value_parser(rule_names()).hide_possible_values(true)
    })
    .mut_arg("ignore", |a| {
        a.value_parser(rule_names()).hide_possible_values(true)
    })
    .mut_subcommand("explain", |s| {
        s.mut_arg("rule", |a| {
            a.value_parser(rule_names()).hide_possible_values(true)
        })
    })
}

/// Writes the completion script for `shell`.
pub fn completions(cli: clap::Command, shell: Shell, out: &mut dyn Write) -> std::io::Result<()> {
    let mut cmd = command(cli);
    // clap_complete writes through `&mut dyn Write` but cannot report an error: collect first.
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, BIN, &mut buf);
    if shell == Shell::Fish {
        fish_value_completions(&cmd, &mut buf)?;
    }
    out.write_all(&buf)
}

/// clap's fish script offers an option's values only in the `--select=…` form: for
/// `--select …` its condition (`argparse` over the words so far) fails on the option still
/// waiting for its value, and positional values (`explain RULE`) are not emitted at all. These
/// lines offer every option's possible values after the option, and the rule names after
/// `explain`.
fn fish_value_completions(cmd: &clap::Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    let quote = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"));
    writeln!(
        out,
        "\n# Values after `--option VALUE` (the words so far end with the option)."
    )?;
    writeln!(out, "function __fish_{BIN}_after")?;
    writeln!(out, "    set -l words (commandline -opc)")?;
    writeln!(out, "    contains -- $words[-1] $argv")?;
    writeln!(out, "end")?;
    for arg in cmd.get_arguments() {
        let values = arg.get_possible_values();
        let Some(long) = arg.get_long().filter(|_| !values.is_empty()) else {
            continue;
        };
        let function = format!("__fish_{BIN}_values_{}", long.replace('-', "_"));
        writeln!(out, "function {function}")?;
        for value in values.iter().filter(|v| !v.is_hide_set()) {
            let help = value
                .get_help()
                .map(ToString::to_string)
                .unwrap_or_default();
            writeln!(
                out,
                "    printf '%s\\t%s\\n' {} {}",
                quote(value.get_name()),
                quote(&help)
            )?;
        }
        writeln!(out, "end")?;
        let mut options = format!("--{long}");
        if let Some(short) = arg.get_short() {
            options.push_str(&format!(" -{short}"));
        }
        if long == "select" {
            options.push_str(" explain");
        }
        writeln!(
            out,
            "complete -c {BIN} -n '__fish_{BIN}_after {options}' -f -a '({function})'"
        )?;
    }
    Ok(())
}

/// Writes `pullcheck(1)` in roff: clap's sections, then the rules, exit status, environment,
/// files and examples that `--help` keeps short.
pub fn man(cli: clap::Command, out: &mut dyn Write) -> std::io::Result<()> {
    let cmd = command(cli);
    let date = env!("PULLCHECK_COMMIT_DATE");
    let man = clap_mangen::Man::new(cmd.clone())
        .date(date)
        .source(format!("pullcheck {}", env!("CARGO_PKG_VERSION")))
        .manual("User Commands");
    // Each section renders with roff's apostrophe preamble: keep only the first.
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    man.render_subcommands_section(&mut page)?;
    extra_sections().to_writer(&mut page)?;
    man.render_version_section(&mut page)?;
    let page = String::from_utf8_lossy(&page);
    for (i, line) in page.lines().enumerate() {
        if i >= PREAMBLE.len() && PREAMBLE.contains(&line) {
            continue;
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// What `roff::Roff::to_writer` writes first, every time (the page starts with it).
const PREAMBLE: [&str; 2] = [".ie \\n(.g .ds Aq \\(aq", ".el .ds Aq '"];

fn extra_sections() -> Roff {
    let mut roff = Roff::default();
    roff.control("SH", ["RULES"]);
    roff.text([roman(
        "Each finding names its rule. Select rules with --select, skip them with --ignore, \
         change their severity in .pullcheck.yaml, and read one rule's documentation with ",
    )]);
    roff.text([bold("pullcheck explain "), roman("RULE.")]);
    for rule in CATALOG {
        roff.control("TP", []);
        roff.text([
            bold(rule.name),
            roman(format!(" ({})", rule.severity.as_str())),
        ]);
        roff.text([roman(rule.summary)]);
    }

    definitions(
        &mut roff,
        "EXIT STATUS",
        &[
            ("0", "No finding at or above --fail-on."),
            ("1", "At least one finding at or above --fail-on."),
            (
                "2",
                "A usage error (bad option, unknown rule, invalid configuration), or a path that \
             could not be opened; everything readable was still linted and reported. A file \
             refused for its content (too large, binary, not UTF-8) is an unreadable-input \
             finding and follows --fail-on.",
            ),
        ],
    );

    definitions(
        &mut roff,
        "ENVIRONMENT",
        &[
            (
                "NO_COLOR",
                "When set and not empty, --color auto does not colour the report.",
            ),
            (
                "COLUMNS",
                "The width the human report wraps at (default 100, at least 40).",
            ),
            (
                "GITHUB_STEP_SUMMARY",
                "With --format github, a Markdown summary of the findings is appended to this file.",
            ),
        ],
    );

    definitions(
        &mut roff,
        "FILES",
        &[(
            ".pullcheck.yaml",
            "The configuration: rule severities, excluded paths, allowed registries, pre-pulled \
             images, the default namespace. The nearest one from the current directory up is \
             read unless --config names another.",
        )],
    );

    definitions(
        &mut roff,
        "EXAMPLES",
        &[
            ("pullcheck deploy/", "Lint every manifest under deploy/."),
            (
                "helm template ./chart | pullcheck -",
                "Lint rendered Helm output.",
            ),
            (
                "kubectl describe pod web-7d9c | pullcheck -",
                "Name the cause of a pod's failed pulls from kubectl's output.",
            ),
            (
                "pullcheck --format sarif --output results.sarif deploy/",
                "Write SARIF for code scanning, and the human report to the terminal.",
            ),
            (
                "pullcheck completions bash > ~/.local/share/bash-completion/completions/pullcheck",
                "Install bash completions.",
            ),
        ],
    );

    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman(format!(
        "kubectl(1), helm(1). The rule documentation: pullcheck explain RULE. The project: {}",
        env!("CARGO_PKG_REPOSITORY")
    ))]);
    roff
}

/// A section of `term` / indented meaning pairs (roff `.TP`).
fn definitions(roff: &mut Roff, heading: &str, items: &[(&str, &str)]) {
    roff.control("SH", [heading]);
    for (term, meaning) in items {
        roff.control("TP", []);
        roff.text([bold(*term)]);
        roff.text([roman(*meaning)]);
    }
}
