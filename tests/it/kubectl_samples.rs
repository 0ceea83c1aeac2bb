//! Development check against the real pastes in `../shared/samples/kubectl/` (issue 4 asks
//! for every case exact there). The same scoring as `../shared/tools/score-kubectl-samples`:
//! causes as a multiset, expected images matched after stripping `docker.io/[library/]`; a
//! case whose cause is not visible in the paste also accepts `unknown`, and an expected image
//! absent from the paste is not required. Skips when `../shared` is absent.

use pullcheck::kubectl::diagnose;
use std::path::Path;

fn norm(image: &str) -> String {
    let i = image.trim().trim_matches(|c| c == '"' || c == '\'');
    for p in ["docker.io/library/", "docker.io/"] {
        if let Some(rest) = i.strip_prefix(p) {
            return rest.to_string();
        }
    }
    i.to_string()
}

struct Expected {
    causes: Vec<String>,
    image: Option<String>,
}

fn score(paste: &str, meta: &serde_json::Value) -> Result<(), String> {
    let hidden = meta["cause_visible_in_paste"] == serde_json::Value::Bool(false);
    let expected: Vec<Expected> = meta["expected_findings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let cause = e["cause"].as_str().unwrap_or("").to_string();
            let mut causes = vec![cause];
            if hidden {
                causes.push("unknown".into());
            }
            let image = e["image"]
                .as_str()
                .filter(|i| paste.contains(*i) || paste.contains(&norm(i)))
                .map(norm);
            Expected { causes, image }
        })
        .collect();
    let got: Vec<(String, Option<String>)> = diagnose(paste)
        .iter()
        .map(|d| (d.cause.cause.clone(), d.image.as_deref().map(norm)))
        .collect();
    // Greedy is enough here: expectations with a required image first.
    let mut used = vec![false; got.len()];
    let mut order: Vec<&Expected> = expected.iter().collect();
    order.sort_by_key(|e| e.image.is_none());
    let mut missing = Vec::new();
    for e in order {
        let hit = got.iter().enumerate().position(|(j, (cause, image))| {
            !used[j] && e.causes.contains(cause) && (e.image.is_none() || e.image == *image)
        });
        match hit {
            Some(j) => used[j] = true,
            None => missing.push(format!("missing {:?} {:?}", e.causes, e.image)),
        }
    }
    let extra: Vec<String> = got
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(g, _)| format!("unexpected {g:?}"))
        .collect();
    if missing.is_empty() && extra.is_empty() {
        Ok(())
    } else {
        Err(format!("{} / {}", missing.join(", "), extra.join(", ")))
    }
}

#[test]
fn shared_samples_are_diagnosed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/kubectl");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipped: {} is absent", dir.display());
        return;
    };
    let mut names: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    names.sort();
    let (mut exact, mut total) = (0, 0);
    for txt in &names {
        let Ok(meta) = std::fs::read_to_string(txt.with_extension("json")) else {
            continue;
        };
        let Ok(meta) = serde_json::from_str::<serde_json::Value>(&meta) else {
            continue;
        };
        let paste = String::from_utf8_lossy(&std::fs::read(txt).unwrap_or_default()).into_owned();
        total += 1;
        let name = txt.file_name().unwrap_or_default().to_string_lossy();
        match score(&paste, &meta) {
            Ok(()) => exact += 1,
            Err(why) => eprintln!("MISS {name}: {why}"),
        }
        for d in diagnose(&paste) {
            eprintln!(
                "  {name}: {} pod={:?} ns={:?} c={:?} image={:?} reason={:?} via {:?}: {:?}",
                d.cause.rule,
                d.pod,
                d.namespace,
                d.container,
                d.image,
                d.reason,
                d.source_kind,
                d.evidence_text
            );
        }
    }
    eprintln!("kubectl samples: {exact}/{total} exact");
    // The scorer's bar; the aim is all of them.
    assert!(exact * 10 >= total * 9, "{exact}/{total} exact");
}
