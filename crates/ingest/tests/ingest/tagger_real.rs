//! The tagger built from the real ESCO v1.1.1 labels, on real NHS Jobs postings: sensible tags,
//! no junk on tricky text, the evidence behind the stop list, speed, and title → occupation
//! accuracy on held-out alternative labels.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;
use std::time::Instant;

use reskill_core::taxonomy::EscoBundle;
use reskill_ingest::esco::{DanglingPolicy, read_esco_dir_with};
use reskill_ingest::openings::{ReadOpening, read_openings_file};
use reskill_ingest::tagger::{LabelKind, TagTarget, Tagger, TaggerConfig, bundle_labels};
use reskill_ingest::text::content_hash;

use crate::support::shared_data;

fn bundle(data: &Path) -> &'static EscoBundle {
    static BUNDLE: OnceLock<EscoBundle> = OnceLock::new();
    BUNDLE.get_or_init(|| {
        read_esco_dir_with(&data.join("esco"), DanglingPolicy::Skip)
            .unwrap()
            .bundle
    })
}

fn tagger(data: &Path) -> &'static Tagger {
    static TAGGER: OnceLock<Tagger> = OnceLock::new();
    TAGGER.get_or_init(|| {
        let started = Instant::now();
        let tagger = Tagger::from_bundle(bundle(data));
        eprintln!("built {tagger:?} in {:?}", started.elapsed());
        tagger
    })
}

fn nhs(data: &Path) -> &'static [ReadOpening] {
    static NHS: OnceLock<Vec<ReadOpening>> = OnceLock::new();
    NHS.get_or_init(|| {
        read_openings_file(&data.join("openings/nhs_jobs_2020_stochastictalk.csv"))
            .unwrap()
            .outcome
            .records
    })
}

fn labels_by_uri(bundle: &EscoBundle) -> HashMap<&str, &str> {
    bundle
        .skills
        .iter()
        .map(|s| (s.uri.as_str(), s.preferred_label.as_str()))
        .chain(
            bundle
                .occupations
                .iter()
                .map(|o| (o.uri.as_str(), o.preferred_label.as_str())),
        )
        .collect()
}

fn skill_labels(tagger: &Tagger, bundle: &EscoBundle, title: &str, text: &str) -> Vec<String> {
    let labels = labels_by_uri(bundle);
    tagger
        .tag(title, text)
        .skills
        .iter()
        .map(|(t, _)| labels[t.uri()].to_owned())
        .collect()
}

#[test]
fn nursing_postings_get_clinical_skills() {
    let Some(data) = shared_data() else { return };
    let (tagger, bundle) = (tagger(&data), bundle(&data));
    let labels = labels_by_uri(bundle);
    let nurses: Vec<&ReadOpening> = nhs(&data)
        .iter()
        .filter(|o| o.opening.title.to_lowercase().contains("staff nurse"))
        .take(50)
        .collect();
    assert_eq!(nurses.len(), 50);
    let mut with_nursing_skill = 0;
    let mut with_nurse_occupation = 0;
    for posting in &nurses {
        let tags = tagger.tag(&posting.opening.title, &posting.opening.description);
        let skills: Vec<&str> = tags.skills.iter().map(|(t, _)| labels[t.uri()]).collect();
        if std::env::var_os("TAGGER_DEBUG").is_some() {
            eprintln!(
                "{} -> {skills:?} / {:?}",
                posting.opening.title,
                tags.occupation_candidates
                    .iter()
                    .map(|(t, c)| (labels[t.uri()], *c))
                    .collect::<Vec<_>>()
            );
        }
        const CLINICAL: [&str; 8] = [
            "nurs", "care", "patient", "medic", "clinical", "health", "surgery", "wound",
        ];
        if skills
            .iter()
            .any(|s| CLINICAL.iter().any(|c| s.contains(c)))
        {
            with_nursing_skill += 1;
        }
        let occupations: Vec<&str> = tags
            .occupation_candidates
            .iter()
            .map(|(t, _)| labels[t.uri()])
            .collect();
        if occupations.iter().any(|o| o.contains("nurse")) {
            with_nurse_occupation += 1;
        }
    }
    eprintln!(
        "of 50 staff nurse postings: {with_nursing_skill} with a clinical skill, {with_nurse_occupation} with a nurse occupation among the candidates"
    );
    // Titles like "Staff Nurse" match no ESCO
    // label ("nurse" is in no label on its own), so the occupation needs the title search.
    assert!(with_nursing_skill >= 15, "{with_nursing_skill}");
    assert!(with_nurse_occupation >= 10, "{with_nurse_occupation}");
}

#[test]
fn tricky_text_gets_no_junk_tags() {
    let Some(data) = shared_data() else { return };
    let (tagger, bundle) = (tagger(&data), bundle(&data));
    let skills = skill_labels(
        tagger,
        bundle,
        "",
        "We are an equal opportunities employer. Please apply online by 30 November. \
         The post holder will work as part of a team, in English, with support from management. \
         Art, law, tax and IT are words in this sentence. Free parking on site.",
    );
    assert!(skills.is_empty(), "{skills:?}");
    let skills = skill_labels(
        tagger,
        bundle,
        "Porter",
        "You will move patients and report to the nurse in charge.",
    );
    assert!(!skills.iter().any(|s| s.contains("nurs")), "{skills:?}");
}

#[test]
fn tags_are_capped_and_ordered() {
    let Some(data) = shared_data() else { return };
    let tagger = tagger(&data);
    for posting in nhs(&data).iter().take(500) {
        let tags = tagger.tag(&posting.opening.title, &posting.opening.description);
        assert!(tags.skills.len() <= 20);
        assert!(tags.occupation_candidates.len() <= 5);
        assert!(tags.skills.windows(2).all(|w| w[0].1 >= w[1].1));
        assert!(
            tags.skills
                .iter()
                .all(|(t, c)| matches!(t, TagTarget::Skill(_)) && (0.3..1.0).contains(c))
        );
    }
}

/// Prints the labels matched in the most of 3,000 NHS descriptions with the stop list off: the
/// evidence behind `STOP_LABELS`. Run with `--ignored --nocapture`.
#[test]
#[ignore = "prints evidence; slow in debug builds"]
fn stop_label_evidence() {
    let Some(data) = shared_data() else { return };
    let config = TaggerConfig {
        apply_stop_labels: false,
        ..TaggerConfig::default()
    };
    let tagger = Tagger::build_with(bundle_labels(bundle(&data)), config);
    let mut df: HashMap<String, usize> = HashMap::new();
    let sample: Vec<&ReadOpening> = nhs(&data).iter().step_by(5).take(3000).collect();
    for posting in &sample {
        let seen: HashSet<String> = tagger
            .matched_patterns(&posting.opening.description)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        for p in seen {
            *df.entry(p).or_default() += 1;
        }
    }
    let mut top: Vec<_> = df.into_iter().collect();
    top.sort_by_key(|entry| std::cmp::Reverse(entry.1));
    for (pattern, n) in top.iter().take(80) {
        eprintln!("{:5.1}% {pattern}", 100.0 * *n as f64 / sample.len() as f64);
    }
}

/// Tags every NHS posting (title and full description) on two threads and prints the rate.
/// Run with `cargo test --release -p reskill-ingest --test ingest tagging_speed -- --ignored --nocapture`.
#[test]
#[ignore = "benchmark; run in release"]
fn tagging_speed_on_nhs_postings() {
    let Some(data) = shared_data() else { return };
    let tagger = tagger(&data);
    let postings = nhs(&data);
    let started = Instant::now();
    let tagged: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = postings
            .chunks(postings.len().div_ceil(2))
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|p| {
                            tagger
                                .tag(&p.opening.title, &p.opening.description)
                                .skills
                                .len()
                        })
                        .sum::<usize>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    let elapsed = started.elapsed();
    let rate = postings.len() as f64 / elapsed.as_secs_f64();
    eprintln!(
        "tagged {} NHS postings ({tagged} skill tags) on 2 threads in {elapsed:?}: {rate:.0} postings/s",
        postings.len()
    );
    let with_three = postings
        .iter()
        .filter(|p| {
            let t = tagger.tag(&p.opening.title, &p.opening.description);
            t.skills.len() >= 3 && !t.occupation_candidates.is_empty()
        })
        .count();
    eprintln!(
        "coverage: {with_three} of {} ({:.1} %) with an occupation and at least 3 skills",
        postings.len(),
        100.0 * with_three as f64 / postings.len() as f64
    );
    assert!(rate >= 2_000.0, "{rate:.0} postings/s");
}

/// Title → occupation accuracy: one in ten occupation alternative labels (chosen by hash) is
/// held out of the tagger, then each held-out label is tagged as a title and the top candidate
/// compared with its occupation.
#[test]
fn title_to_occupation_accuracy_on_held_out_alt_labels() {
    let Some(data) = shared_data() else { return };
    let bundle = bundle(&data);
    let held_out = |target: &TagTarget, label: &str, kind: LabelKind| {
        matches!(target, TagTarget::Occupation(_))
            && kind == LabelKind::Alternative
            && content_hash(&[label]).ends_with('0')
    };
    let (mut kept, mut test) = (Vec::new(), Vec::new());
    for (target, label, kind) in bundle_labels(bundle) {
        if held_out(&target, &label, kind) {
            test.push((target, label));
        } else {
            kept.push((target, label, kind));
        }
    }
    let tagger = Tagger::build(kept);
    let (mut top1, mut top3, mut none) = (0, 0, 0);
    for (target, label) in &test {
        let candidates = tagger.tag(label, "").occupation_candidates;
        if candidates.is_empty() {
            none += 1;
        }
        if candidates.first().is_some_and(|(t, _)| t == target) {
            top1 += 1;
        }
        if candidates.iter().take(3).any(|(t, _)| t == target) {
            top3 += 1;
        }
    }
    let n = test.len() as f64;
    eprintln!(
        "held-out occupation alt labels: {}; top-1 {:.1} %, top-3 {:.1} %, no candidate {:.1} %",
        test.len(),
        100.0 * f64::from(top1) / n,
        100.0 * f64::from(top3) / n,
        100.0 * f64::from(none) / n
    );
    assert!(test.len() > 1_000);
    assert!(f64::from(top1) / n > 0.2);
}
