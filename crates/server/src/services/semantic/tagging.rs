//! Tagging documents by meaning: a course's or opening's title, the skill names its source
//! lists, and (for courses) the first sentences of its description are embedded, and each piece
//! is compared with every skill's label and text vector. A skill's score for a document is its
//! best cosine over the pieces.
//!
//! Pieces are stored in the vector table like taxonomy texts (by model and text hash), so a
//! re-import or a replica embeds only what is new; repeated titles and boilerplate sentences
//! are embedded once.
//!
//! Openings contribute their title and listed skills only: their descriptions run to 11 million
//! tokens in the real bundle, hours of CPU at the model's ~2,800 tokens a second on two cores,
//! so their description skills still come from the label matcher (docs/INGEST.md).

use std::collections::HashMap;
use std::sync::Arc;

use reskill_embed::Embedder;
use reskill_store::{documents, embeddings};
use sea_orm::DatabaseConnection;
use unicode_segmentation::UnicodeSegmentation;

use super::{EMBED_BATCH, KindVectors, occupation_texts, skill_texts};

/// Description sentences embedded per course: the opening sentences say what a course teaches;
/// later ones repeat it or describe logistics, and each costs model time. In the calibration
/// sample, 36 of the 47 right tags by meaning came from the title and 6 from the first four
/// sentences.
pub const MAX_SENTENCES: usize = 4;
/// A piece is cut to this many characters (about 64 tokens).
pub const MAX_PIECE_CHARS: usize = 300;
/// Skills kept per piece before a document's pieces are combined.
const MATCHES_PER_PIECE: usize = 24;
/// Cosines below this are not candidates at all.
pub const CANDIDATE_FLOOR: f32 = 0.45;

/// The text of one document to tag by meaning.
#[derive(Debug, Clone, Copy)]
pub struct DocumentText<'a> {
    /// Its title.
    pub title: &'a str,
    /// Skill names its source lists.
    pub listed: &'a [String],
    /// Its description, when its sentences should be read too.
    pub body: Option<&'a str>,
}

/// One skill or occupation a document's text is close to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeaningHit {
    /// The skill's or occupation's store id.
    pub id: i64,
    /// Its best cosine over the document's pieces.
    pub cosine: f32,
}

/// What a document's text is close to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocumentMeaning {
    /// Skills, by their best cosine over the title and sentences, best first.
    pub skills: Vec<MeaningHit>,
    /// The closest skill of each listed skill name, best first.
    pub listed: Vec<MeaningHit>,
    /// Occupations, by the title's cosine with their labels, best first.
    pub occupations: Vec<MeaningHit>,
}

/// The pieces of a document that get vectors.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pieces {
    /// The title, then sentences of the body.
    pub text: Vec<String>,
    /// The skill names the source lists.
    pub listed: Vec<String>,
}

/// Returns the pieces of a document that get vectors: the title, then up to [`MAX_SENTENCES`]
/// sentences of the body of at least three words, and apart from them each listed name; each
/// with abbreviations spelled out and cut to [`MAX_PIECE_CHARS`], duplicates dropped.
pub fn pieces(doc: DocumentText<'_>) -> Pieces {
    fn clean(text: &str) -> String {
        // Spelled out as search spells out queries: "HR" is "human resources" in ESCO.
        let text = super::abbreviations::expand(text).unwrap_or_else(|| text.to_owned());
        cut(text.split_whitespace().collect::<Vec<_>>().join(" "))
    }
    fn push(out: &mut Vec<String>, text: &str) {
        let text = clean(text);
        if !text.is_empty() && !out.iter().any(|t| t.eq_ignore_ascii_case(&text)) {
            out.push(text);
        }
    }
    let mut listed = Vec::new();
    for name in doc.listed {
        push(&mut listed, name);
    }
    let mut out = Vec::new();
    push(&mut out, doc.title);
    let mut push = |text: &str| push(&mut out, text);
    if let Some(body) = doc.body {
        let mut taken = 0;
        // Line breaks and bullets end a piece as a full stop does: course pages list topics.
        'lines: for line in body.split(['\n', '•', '·', '▪', '|']) {
            for sentence in line.unicode_sentences() {
                if taken == MAX_SENTENCES {
                    break 'lines;
                }
                if sentence.split_whitespace().count() >= 3 {
                    push(sentence.trim());
                    taken += 1;
                }
            }
        }
    }
    Pieces { text: out, listed }
}

fn cut(mut text: String) -> String {
    if let Some((at, _)) = text.char_indices().nth(MAX_PIECE_CHARS) {
        text.truncate(at);
    }
    text
}

/// The skills' vectors and the model, ready to tag documents by meaning.
pub struct MeaningTagger {
    embedder: Arc<Embedder>,
    dims: usize,
    /// Skill label and text vectors, row-major; shared with the blocking task of each batch.
    rows: Arc<[f32]>,
    /// Each row's skill id.
    row_skill: Vec<i64>,
    /// Occupation label vectors, row-major, and each row's occupation id.
    occupation_rows: Arc<[f32]>,
    row_occupation: Vec<i64>,
}

impl std::fmt::Debug for MeaningTagger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeaningTagger")
            .field("model", &self.embedder.model().name)
            .field("rows", &self.row_skill.len())
            .finish_non_exhaustive()
    }
}

impl MeaningTagger {
    /// Loads every skill's stored vectors under the embedder's model; `None` when the skills
    /// have none yet (the taxonomy was not embedded).
    pub async fn load(
        db: &DatabaseConnection,
        embedder: Arc<Embedder>,
    ) -> anyhow::Result<Option<Self>> {
        let skills = skill_texts(documents::skills(db, None).await?);
        let occupations = occupation_texts(documents::occupations(db, None).await?);
        let hashes: Vec<String> = skills
            .iter()
            .chain(&occupations)
            .flat_map(|item| item.labels.iter().chain(std::iter::once(&item.text)))
            .map(|text| embeddings::text_hash(text))
            .collect();
        let mut vectors = HashMap::new();
        for (hash, bytes) in embeddings::vectors(db, embedder.model().name, &hashes).await? {
            vectors.insert(hash, reskill_embed::from_bytes(&bytes)?);
        }
        let dims = embedder.dimensions();
        let skills = KindVectors::build(dims, &skills, &vectors);
        let occupations = KindVectors::build(dims, &occupations, &vectors);
        Ok(Self::from_vectors(embedder, &skills, &occupations))
    }

    fn from_vectors(
        embedder: Arc<Embedder>,
        skills: &KindVectors,
        occupations: &KindVectors,
    ) -> Option<Self> {
        if skills.is_empty() {
            return None;
        }
        let mut rows = skills.labels.clone();
        rows.extend_from_slice(&skills.texts);
        let row_skill = skills
            .label_item
            .iter()
            .chain(&skills.text_item)
            .map(|&item| skills.ids[item as usize])
            .collect();
        let row_occupation = occupations
            .label_item
            .iter()
            .map(|&item| occupations.ids[item as usize])
            .collect();
        Some(Self {
            dims: skills.dims,
            embedder,
            rows: rows.into(),
            row_skill,
            occupation_rows: occupations.labels.as_slice().into(),
            row_occupation,
        })
    }

    /// Returns, for each document, the skills its pieces come closest to and the occupations
    /// its title (the first piece) comes closest to (cosine at least [`CANDIDATE_FLOOR`]), best
    /// first. Pieces without a stored vector are embedded and stored first, in batches.
    pub async fn hits(
        &self,
        db: &DatabaseConnection,
        documents: &[Pieces],
    ) -> anyhow::Result<Vec<DocumentMeaning>> {
        let model = self.embedder.model().name;
        let mut by_hash: HashMap<String, &str> = HashMap::new();
        let mut piece_hashes: Vec<(Vec<String>, Vec<String>)> = Vec::with_capacity(documents.len());
        for pieces in documents {
            let hash_all = |texts: &[String]| -> Vec<String> {
                texts.iter().map(|t| embeddings::text_hash(t)).collect()
            };
            let hashes = (hash_all(&pieces.text), hash_all(&pieces.listed));
            for (hash, text) in hashes
                .0
                .iter()
                .zip(&pieces.text)
                .chain(hashes.1.iter().zip(&pieces.listed))
            {
                by_hash.entry(hash.clone()).or_insert(text.as_str());
            }
            piece_hashes.push(hashes);
        }
        let hashes: Vec<String> = by_hash.keys().cloned().collect();
        let mut missing = embeddings::missing(db, model, &hashes).await?;
        missing.sort_by_key(|hash| by_hash[hash].len());
        for chunk in missing.chunks(EMBED_BATCH) {
            let texts: Vec<String> = chunk.iter().map(|h| by_hash[h].to_owned()).collect();
            let embedder = self.embedder.clone();
            let vectors = super::super::blocking(move || {
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                Ok(embedder.embed(&refs)?)
            })
            .await?;
            let rows = chunk
                .iter()
                .cloned()
                .zip(vectors.iter().map(|v| reskill_embed::to_bytes(v)))
                .collect();
            embeddings::insert(db, model, rows).await?;
        }
        let mut row_of: HashMap<String, usize> = HashMap::with_capacity(hashes.len());
        let mut queries = Vec::with_capacity(hashes.len() * self.dims);
        for (hash, bytes) in embeddings::vectors(db, model, &hashes).await? {
            let vector = reskill_embed::from_bytes(&bytes)?;
            if vector.len() == self.dims {
                row_of.insert(hash, queries.len() / self.dims);
                queries.extend_from_slice(&vector);
            }
        }
        let (dims, rows, occupation_rows) =
            (self.dims, self.rows.clone(), self.occupation_rows.clone());
        let (matches, occupation_matches) = super::super::blocking(move || {
            let skills = reskill_embed::best_matches(
                &queries,
                &rows,
                dims,
                MATCHES_PER_PIECE,
                CANDIDATE_FLOOR,
            )?;
            let occupations = reskill_embed::best_matches(
                &queries,
                &occupation_rows,
                dims,
                MATCHES_PER_PIECE,
                CANDIDATE_FLOOR,
            )?;
            Ok((skills, occupations))
        })
        .await?;
        let best_of = |rows: &mut dyn Iterator<Item = usize>,
                       matches: &[Vec<(u32, f32)>],
                       ids: &[i64],
                       per_row: usize| {
            let mut best: HashMap<i64, f32> = HashMap::new();
            for row in rows {
                for &(matched, cosine) in matches[row].iter().take(per_row) {
                    let slot = best.entry(ids[matched as usize]).or_insert(cosine);
                    *slot = slot.max(cosine);
                }
            }
            let mut hits: Vec<MeaningHit> = best
                .into_iter()
                .map(|(id, cosine)| MeaningHit { id, cosine })
                .collect();
            hits.sort_by(|a, b| b.cosine.total_cmp(&a.cosine).then(a.id.cmp(&b.id)));
            hits
        };
        Ok(piece_hashes
            .iter()
            .map(|(text, listed)| DocumentMeaning {
                skills: best_of(
                    &mut text.iter().filter_map(|h| row_of.get(h).copied()),
                    &matches,
                    &self.row_skill,
                    MATCHES_PER_PIECE,
                ),
                listed: best_of(
                    &mut listed.iter().filter_map(|h| row_of.get(h).copied()),
                    &matches,
                    &self.row_skill,
                    1,
                ),
                occupations: best_of(
                    &mut text.iter().take(1).filter_map(|h| row_of.get(h).copied()),
                    &occupation_matches,
                    &self.row_occupation,
                    MATCHES_PER_PIECE,
                ),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_title_listed_names_then_sentences() {
        let listed = vec!["Python".to_owned(), "python".to_owned()];
        let body = "Learn to write Python programs. Short.\n• Build a web scraper with requests\nEnrol today and learn fast! ";
        let got = pieces(DocumentText {
            title: "Python  for Everybody",
            listed: &listed,
            body: Some(body),
        });
        assert_eq!(
            got.text,
            vec![
                "Python for Everybody",
                "Learn to write Python programs.",
                "Build a web scraper with requests",
                "Enrol today and learn fast!",
            ]
        );
        assert_eq!(got.listed, vec!["Python"]);
        let none = pieces(DocumentText {
            title: "HR data entry",
            listed: &[],
            body: None,
        });
        assert_eq!(none.text, vec!["human resources data entry"]);
        assert!(none.listed.is_empty());
    }

    #[test]
    fn pieces_are_capped_in_number_and_length() {
        let body: String = (0..20)
            .map(|i| format!("Sentence number {i} here. "))
            .collect();
        let got = pieces(DocumentText {
            title: &"x".repeat(1000),
            listed: &[],
            body: Some(&body),
        });
        let got = got.text;
        assert_eq!(got.len(), 1 + MAX_SENTENCES);
        assert_eq!(got[0].chars().count(), MAX_PIECE_CHARS);
        assert_eq!(
            got[MAX_SENTENCES],
            format!("Sentence number {} here.", MAX_SENTENCES - 1)
        );
    }
}
