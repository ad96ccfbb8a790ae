//! The deterministic opening generator: N synthetic openings mixed from the real job postings of
//! the shared data bundle with a seeded PRNG.
//!
//! Synthetic opening `i` draws from its own random stream ([`Rng::for_item`]), so opening `i` is
//! the same whatever N is and in whatever order openings are generated:
//!
//! * **title** and organisation of a real posting *a* (any file; Reed has no organisation, so
//!   one is borrowed from another posting);
//! * **description** of a posting *b* with a description and the same normalised title, else the
//!   same head word (last word of the title: "nurse", "assistant"), else any;
//! * **place** of a third posting *c*; coordinates from *c*, or from the gazetteer of every place
//!   name the bundle gives coordinates for (NHS Jobs localities), jittered by up to about ±3 km;
//!   US places without coordinates in the bundle stay without;
//! * **posted** on one of the 365 days before the anchor date; **remote** when the real
//!   posting says so or with probability 8 %; **salary** of *a* (else, half the time, of another
//!   posting) scaled by 0.9–1.1 and rounded to 100;
//! * **occupation** and **skills** from the tags of *a* and *b*: every distinct real posting is
//!   tagged once by [`reskill_ingest::tagger::Tagger`] (see [`crate::corpus`]), and the synthetic
//!   opening reuses them (at most 20 skills; essential when the tagger's confidence is ≥ 0.5).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Days, NaiveDate};
use reskill_core::catalog::Place;
use reskill_ingest::text::normalise;
use reskill_search::OpeningDoc;

use crate::rng::Rng;

/// Most skills a synthetic opening carries.
pub const MAX_SKILLS: usize = 20;
/// Share of openings made remote on top of the real ones that say so.
const REMOTE_SHARE: f64 = 0.08;

/// A real posting with its tags resolved to database keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Posting {
    /// Job title.
    pub title: String,
    /// Employer, possibly empty.
    pub organisation: String,
    /// Description, possibly empty.
    pub description: String,
    /// Where the job is.
    pub place: Option<Place>,
    /// Whether the posting says remote.
    pub remote: bool,
    /// Yearly salary range.
    pub salary: Option<(f64, f64)>,
    /// Salary currency.
    pub currency: String,
    /// Best occupation candidate: key and preferred label.
    pub occupation: Option<(i64, Arc<str>)>,
    /// Skills: key and essential flag, best first.
    pub skills: Vec<(i64, bool)>,
}

/// The real postings, indexed for the generator's draws.
#[derive(Debug, Default)]
pub struct Corpus {
    postings: Vec<Posting>,
    with_description: Vec<u32>,
    by_title: HashMap<String, Vec<u32>>,
    by_head: HashMap<String, Vec<u32>>,
    with_place: Vec<u32>,
    with_salary: Vec<u32>,
    with_organisation: Vec<u32>,
    gazetteer: HashMap<String, (f64, f64)>,
}

/// Title words that say nothing about the job ("Nurse Band 5", "Cleaner - Part Time").
const NOT_HEAD_WORDS: &[&str] = &[
    "band",
    "level",
    "grade",
    "time",
    "part",
    "full",
    "ft",
    "pt",
    "job",
    "jobs",
    "vacancy",
    "temp",
    "permanent",
    "contract",
    "bank",
    "nights",
    "days",
    "remote",
    "i",
    "ii",
    "iii",
    "iv",
];

/// Returns the head word of a title: its last word that is not a number or a filler.
pub fn head_word(title: &str) -> Option<String> {
    normalise(title)
        .split(' ')
        .rev()
        .find(|w| {
            w.len() >= 3 && !w.chars().any(|c| c.is_ascii_digit()) && !NOT_HEAD_WORDS.contains(w)
        })
        .map(str::to_owned)
}

impl Corpus {
    /// Indexes `postings`; fails when there is nothing to draw from.
    pub fn new(postings: Vec<Posting>) -> anyhow::Result<Self> {
        anyhow::ensure!(!postings.is_empty(), "no real postings to generate from");
        let mut corpus = Corpus::default();
        let mut coordinates: HashMap<String, (f64, f64, u32)> = HashMap::new();
        for (i, p) in postings.iter().enumerate() {
            let i = i as u32;
            if !p.description.trim().is_empty() {
                corpus.with_description.push(i);
                corpus
                    .by_title
                    .entry(normalise(&p.title))
                    .or_default()
                    .push(i);
                if let Some(head) = head_word(&p.title) {
                    corpus.by_head.entry(head).or_default().push(i);
                }
            }
            if let Some(place) = &p.place {
                corpus.with_place.push(i);
                if let (Some(lat), Some(lon)) = (place.lat, place.lon) {
                    let slot = coordinates.entry(normalise(&place.name)).or_default();
                    *slot = (slot.0 + lat, slot.1 + lon, slot.2 + 1);
                }
            }
            if p.salary.is_some() {
                corpus.with_salary.push(i);
            }
            if !p.organisation.trim().is_empty() {
                corpus.with_organisation.push(i);
            }
        }
        anyhow::ensure!(
            !corpus.with_description.is_empty(),
            "no real posting has a description"
        );
        corpus.gazetteer = coordinates
            .into_iter()
            .map(|(name, (lat, lon, n))| (name, (lat / f64::from(n), lon / f64::from(n))))
            .collect();
        corpus.postings = postings;
        Ok(corpus)
    }

    /// Returns the real postings.
    pub fn postings(&self) -> &[Posting] {
        &self.postings
    }

    /// Returns the coordinates the bundle gives for a place name (mean over its postings).
    pub fn coordinates(&self, place_name: &str) -> Option<(f64, f64)> {
        self.gazetteer.get(&normalise(place_name)).copied()
    }

    /// Returns the place names with coordinates, most postings first (ties by name).
    pub fn busiest_places(&self, limit: usize) -> Vec<(String, f64, f64)> {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for &i in &self.with_place {
            if let Some(place) = &self.postings[i as usize].place
                && self.gazetteer.contains_key(&normalise(&place.name))
            {
                *counts.entry(place.name.clone()).or_default() += 1;
            }
        }
        let mut names: Vec<(String, usize)> = counts.into_iter().collect();
        names.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        names
            .into_iter()
            .take(limit)
            .filter_map(|(name, _)| {
                let (lat, lon) = self.coordinates(&name)?;
                Some((name, lat, lon))
            })
            .collect()
    }

    fn posting(&self, i: u32) -> &Posting {
        &self.postings[i as usize]
    }

    fn description_source(&self, rng: &mut Rng, title: &str) -> &Posting {
        let group = self
            .by_title
            .get(&normalise(title))
            .or_else(|| head_word(title).and_then(|h| self.by_head.get(&h)))
            .map_or(self.with_description.as_slice(), Vec::as_slice);
        self.posting(*rng.pick(group))
    }
}

/// One synthetic opening.
#[derive(Debug, Clone, PartialEq)]
pub struct Synthetic {
    /// Key, 1-based.
    pub id: i64,
    /// Job title.
    pub title: String,
    /// Employer.
    pub organisation: String,
    /// Description.
    pub description: String,
    /// Occupation key and label.
    pub occupation: Option<(i64, Arc<str>)>,
    /// Skills: key and essential flag.
    pub skills: Vec<(i64, bool)>,
    /// Town or city.
    pub place_name: Option<String>,
    /// Region or county.
    pub region: Option<String>,
    /// ISO country code.
    pub country: Option<String>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// Remote allowed.
    pub remote: bool,
    /// Salary lower bound.
    pub salary_min: Option<f64>,
    /// Salary upper bound.
    pub salary_max: Option<f64>,
    /// Salary currency.
    pub currency: String,
    /// Date posted.
    pub posted_on: NaiveDate,
}

impl Synthetic {
    /// Returns the search document of this opening.
    pub fn to_doc(&self) -> OpeningDoc {
        OpeningDoc {
            id: self.id,
            title: self.title.clone(),
            organisation: self.organisation.clone(),
            description: self.description.clone(),
            occupation_id: self.occupation.as_ref().map(|o| o.0),
            occupation_label: self.occupation.as_ref().map(|o| o.1.to_string()),
            skill_ids: self.skills.iter().map(|s| s.0).collect(),
            region: self.region.clone(),
            place_name: self.place_name.clone(),
            lat: self.lat,
            lon: self.lon,
            remote: self.remote,
            salary_min: self.salary_min,
            salary_max: self.salary_max,
            status: "open".to_owned(),
            posted_on: self.posted_on,
        }
    }

    /// Returns the text search peers index besides title and body: organisation, place, region
    /// (Reskill's `extra` field).
    pub fn extra(&self) -> String {
        [
            Some(self.organisation.as_str()),
            self.place_name.as_deref(),
            self.region.as_deref(),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
    }
}

/// Generates synthetic openings from a corpus.
#[derive(Debug, Clone, Copy)]
pub struct Generator<'a> {
    corpus: &'a Corpus,
    seed: u64,
    anchor: NaiveDate,
}

impl<'a> Generator<'a> {
    /// Returns a generator; openings are posted in the 365 days before `anchor`.
    pub fn new(corpus: &'a Corpus, seed: u64, anchor: NaiveDate) -> Self {
        Self {
            corpus,
            seed,
            anchor,
        }
    }

    /// Returns opening number `index` (0-based; its id is `index + 1`).
    pub fn opening(&self, index: u64) -> Synthetic {
        let corpus = self.corpus;
        let mut rng = Rng::for_item(self.seed, index);
        let a = corpus.posting(rng.below(corpus.postings.len()) as u32);
        let b = corpus.description_source(&mut rng, &a.title);
        let c = corpus.posting(*rng.pick(&corpus.with_place));
        let organisation = if a.organisation.trim().is_empty() {
            corpus
                .with_organisation
                .get(rng.below(corpus.with_organisation.len().max(1)))
                .map_or_else(String::new, |&i| corpus.posting(i).organisation.clone())
        } else {
            a.organisation.clone()
        };
        let place = c.place.as_ref();
        let (lat, lon) =
            match place.and_then(|p| p.lat.zip(p.lon).or_else(|| corpus.coordinates(&p.name))) {
                Some((lat, lon)) => (
                    Some(lat + (rng.unit() - 0.5) * 0.05),
                    Some(lon + (rng.unit() - 0.5) * 0.08),
                ),
                None => (None, None),
            };
        let remote = a.remote || rng.chance(REMOTE_SHARE);
        let posted_on = self
            .anchor
            .checked_sub_days(Days::new(rng.below(365) as u64))
            .unwrap_or(self.anchor);
        let salary_source = if a.salary.is_some() {
            Some(a)
        } else if rng.chance(0.5) && !corpus.with_salary.is_empty() {
            Some(corpus.posting(*rng.pick(&corpus.with_salary)))
        } else {
            None
        };
        let scale = 0.9 + 0.2 * rng.unit();
        let round = |v: f64| (v * scale / 100.0).round() * 100.0;
        let (salary_min, salary_max, currency) =
            match salary_source.and_then(|p| Some((p.salary?, &p.currency))) {
                Some(((lo, hi), currency)) => (Some(round(lo)), Some(round(hi)), currency.clone()),
                None => (None, None, a.currency.clone()),
            };
        let mut skills: Vec<(i64, bool)> = Vec::with_capacity(MAX_SKILLS);
        for &(skill, essential) in a.skills.iter().chain(&b.skills) {
            if skills.len() == MAX_SKILLS {
                break;
            }
            if !skills.iter().any(|s| s.0 == skill) {
                skills.push((skill, essential));
            }
        }
        Synthetic {
            id: index as i64 + 1,
            title: a.title.clone(),
            organisation,
            description: b.description.clone(),
            occupation: a.occupation.clone().or_else(|| b.occupation.clone()),
            skills,
            place_name: place.map(|p| p.name.clone()),
            region: place.and_then(|p| p.region.clone()),
            country: place.and_then(|p| p.country.clone()),
            lat,
            lon,
            remote,
            salary_min,
            salary_max,
            currency,
            posted_on,
        }
    }

    /// Returns openings `0..n` in order.
    pub fn openings(&self, n: u64) -> impl Iterator<Item = Synthetic> + '_ {
        (0..n).map(move |i| self.opening(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posting(
        title: &str,
        description: &str,
        place: Option<(&str, Option<(f64, f64)>)>,
    ) -> Posting {
        Posting {
            title: title.to_owned(),
            organisation: if description.is_empty() {
                String::new()
            } else {
                "NHS Trust".to_owned()
            },
            description: description.to_owned(),
            place: place.map(|(name, coords)| Place {
                name: name.to_owned(),
                region: Some("Yorkshire".to_owned()),
                country: Some("GB".to_owned()),
                lat: coords.map(|c| c.0),
                lon: coords.map(|c| c.1),
            }),
            remote: false,
            salary: description.is_empty().then_some((20_000.0, 25_000.0)),
            currency: "GBP".to_owned(),
            occupation: Some((7, Arc::from("nurse"))),
            skills: vec![(1, true), (2, false)],
        }
    }

    fn corpus() -> Corpus {
        Corpus::new(vec![
            posting(
                "Staff Nurse - Band 5",
                "Care for patients on the ward.",
                Some(("Leeds", Some((53.8, -1.55)))),
            ),
            posting("Staff Nurse", "", Some(("Leeds", None))),
            posting("Porter", "Move patients and equipment.", None),
            posting(
                "Healthcare Assistant",
                "",
                Some(("York", Some((53.96, -1.08)))),
            ),
        ])
        .unwrap()
    }

    #[test]
    fn the_same_seed_gives_the_same_openings_whatever_the_count() {
        let corpus = corpus();
        let anchor = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let generator = Generator::new(&corpus, 42, anchor);
        let first: Vec<Synthetic> = generator.openings(500).collect();
        let again: Vec<Synthetic> = Generator::new(&corpus, 42, anchor)
            .openings(1_000)
            .collect();
        assert_eq!(first, again[..500]);
        assert_eq!(generator.opening(321), first[321]);
        let other: Vec<Synthetic> = Generator::new(&corpus, 43, anchor).openings(500).collect();
        assert_ne!(first, other);
    }

    #[test]
    fn openings_mix_real_fields() {
        let corpus = corpus();
        let anchor = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let openings: Vec<Synthetic> = Generator::new(&corpus, 1, anchor).openings(2_000).collect();
        for o in &openings {
            assert!(
                !o.description.is_empty(),
                "every opening gets a description"
            );
            assert!(!o.organisation.is_empty());
            assert!(o.posted_on <= anchor && o.posted_on > anchor - Days::new(366));
            if o.place_name.as_deref() == Some("Leeds") {
                // Both Leeds postings get coordinates: one has them, the other takes the
                // gazetteer's, jittered.
                assert!((o.lat.unwrap() - 53.8).abs() < 0.03, "{o:?}");
            }
            if o.title == "Staff Nurse" {
                assert_eq!(o.description, "Care for patients on the ward.");
            }
        }
        assert!(openings.iter().any(|o| o.remote));
        assert!(openings.iter().any(|o| o.salary_min.is_some()));
        assert_eq!(head_word("Staff Nurse - Band 5").as_deref(), Some("nurse"));
    }
}
