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

use super::{EMBED_BATCH, KindVectors, skill_texts};

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

/// One skill a document's text is close to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeaningHit {
    /// The skill's store id.
    pub skill: i64,
    /// Its best cosine over the document's pieces.
    pub cosine: f32,
}

/// Returns the pieces of a document that get vectors: the title, each listed name, then up to
/// [`MAX_SENTENCES`] sentences of the body of at least three words, each cut to
/// [`MAX_PIECE_CHARS`]; duplicates dropped.
pub fn pieces(doc: DocumentText<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |text: &str| {
        let text = cut(text.split_whitespace().collect::<Vec<_>>().join(" "));
        if !text.is_empty() && !out.iter().any(|t| t.eq_ignore_ascii_case(&text)) {
            out.push(text);
        }
    };
    push(doc.title);
    for name in doc.listed {
        push(name);
    }
    if let Some(body) = doc.body {
        let mut taken = 0;
        // Line breaks and bullets end a piece as a full stop does: course pages list topics.
        for line in body.split(['\n', '•', '·', '▪', '|']) {
            for sentence in line.unicode_sentences() {
                if taken == MAX_SENTENCES {
                    return out;
                }
                if sentence.split_whitespace().count() >= 3 {
                    push(sentence.trim());
                    taken += 1;
                }
            }
        }
    }
    out
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
    /// Skill label and text vectors, row-major.
    rows: Vec<f32>,
    /// Each row's skill id.
    row_skill: Vec<i64>,
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
        let hashes: Vec<String> = skills
            .iter()
            .flat_map(|item| item.labels.iter().chain(std::iter::once(&item.text)))
            .map(|text| embeddings::text_hash(text))
            .collect();
        let mut vectors = HashMap::new();
        for (hash, bytes) in embeddings::vectors(db, embedder.model().name, &hashes).await? {
            vectors.insert(hash, reskill_embed::from_bytes(&bytes)?);
        }
        let kind = KindVectors::build(embedder.dimensions(), &skills, &vectors);
        Ok(Self::from_vectors(embedder, &kind))
    }

    fn from_vectors(embedder: Arc<Embedder>, kind: &KindVectors) -> Option<Self> {
        if kind.is_empty() {
            return None;
        }
        let mut rows = kind.labels.clone();
        rows.extend_from_slice(&kind.texts);
        let row_skill = kind
            .label_item
            .iter()
            .chain(&kind.text_item)
            .map(|&item| kind.ids[item as usize])
            .collect();
        Some(Self {
            dims: kind.dims,
            embedder,
            rows,
            row_skill,
        })
    }

    /// Returns, for each document, the skills its pieces come closest to (cosine at least
    /// [`CANDIDATE_FLOOR`]), best first. Pieces without a stored vector are embedded and
    /// stored first, in batches.
    pub async fn hits(
        &self,
        db: &DatabaseConnection,
        documents: &[Vec<String>],
    ) -> anyhow::Result<Vec<Vec<MeaningHit>>> {
        let model = self.embedder.model().name;
        let mut by_hash: HashMap<String, &str> = HashMap::new();
        let piece_hashes: Vec<Vec<String>> = documents
            .iter()
            .map(|pieces| {
                pieces
                    .iter()
                    .map(|piece| {
                        let hash = embeddings::text_hash(piece);
                        by_hash.entry(hash.clone()).or_insert(piece.as_str());
                        hash
                    })
                    .collect()
            })
            .collect();
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
        let (dims, rows) = (self.dims, self.rows.clone());
        let matches = super::super::blocking(move || {
            Ok(reskill_embed::best_matches(
                &queries,
                &rows,
                dims,
                MATCHES_PER_PIECE,
                CANDIDATE_FLOOR,
            )?)
        })
        .await?;
        Ok(piece_hashes
            .iter()
            .map(|hashes| {
                let mut best: HashMap<i64, f32> = HashMap::new();
                for row in hashes.iter().filter_map(|h| row_of.get(h)) {
                    for &(skill_row, cosine) in &matches[*row] {
                        let skill = self.row_skill[skill_row as usize];
                        let slot = best.entry(skill).or_insert(cosine);
                        *slot = slot.max(cosine);
                    }
                }
                let mut hits: Vec<MeaningHit> = best
                    .into_iter()
                    .map(|(skill, cosine)| MeaningHit { skill, cosine })
                    .collect();
                hits.sort_by(|a, b| b.cosine.total_cmp(&a.cosine).then(a.skill.cmp(&b.skill)));
                hits
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
            got,
            vec![
                "Python for Everybody",
                "Python",
                "Learn to write Python programs.",
                "Build a web scraper with requests",
                "Enrol today and learn fast!",
            ]
        );
        let none = pieces(DocumentText {
            title: "Data entry",
            listed: &[],
            body: None,
        });
        assert_eq!(none, vec!["Data entry"]);
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
        assert_eq!(got.len(), 1 + MAX_SENTENCES);
        assert_eq!(got[0].chars().count(), MAX_PIECE_CHARS);
        assert_eq!(
            got[MAX_SENTENCES],
            format!("Sentence number {} here.", MAX_SENTENCES - 1)
        );
    }
}
