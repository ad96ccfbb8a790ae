//! tantivy schemas of the four indexes and the conversion of [`AnyDoc`] into tantivy documents
//! (and of stored documents back into display fields). See the crate docs for the field table.

use chrono::{DateTime, NaiveDate, NaiveTime};
use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};

use crate::model::{AnyDoc, HitDetails, IndexKind};

/// Longest word prefix indexed in `title_prefix` / `alt_prefix`; longer prefixes fall back to a
/// prefix automaton over `title_raw` / `alt_raw`, which is fast because they are selective.
pub(crate) const MAX_EDGE_CHARS: usize = 12;

/// How many times a title (and an opening's occupation label, [`ALL_ALT_COPIES`]) is written
/// into the catch-all field: the term frequency stands in for the per-field boosts (3 : 2 : 1).
pub(crate) const ALL_TITLE_COPIES: usize = 3;
pub(crate) const ALL_ALT_COPIES: usize = 2;

/// Name of the English stemming analyzer (tantivy's built-in `en_stem`: SimpleTokenizer,
/// RemoveLongFilter(40), LowerCaser, Stemmer(English)).
pub(crate) const STEMMED: &str = "en_stem";
/// `en_stem` without stop words (`stem::english_analyzer_without_stop_words`): the openings'
/// catch-all field.
pub(crate) const STEMMED_CONTENT: &str = "en_stem_content";
/// Name of the unstemmed analyzer (tantivy's built-in `default`: SimpleTokenizer,
/// RemoveLongFilter(40), LowerCaser), used for typo and prefix matching.
pub(crate) const UNSTEMMED: &str = "default";

/// Handles of every field; kind-specific ones are `None` in other kinds' schemas.
#[derive(Debug, Clone)]
pub(crate) struct Fields {
    pub id: Field,
    pub title: Field,
    pub title_raw: Field,
    pub alt: Field,
    pub alt_raw: Field,
    pub body: Field,
    pub extra: Field,
    /// Openings only: every searchable word in one field (see [`ALL_TITLE_COPIES`]).
    pub all: Option<Field>,
    pub title_len: Field,
    pub title_prefix: Field,
    pub alt_prefix: Field,
    pub sort_date: Option<Field>,
    pub uri: Option<Field>,
    pub isco_group: Option<Field>,
    pub isco_major: Option<Field>,
    pub risk_band: Option<Field>,
    pub skill_type: Option<Field>,
    pub reuse_level: Option<Field>,
    pub provider: Option<Field>,
    pub mode: Option<Field>,
    pub place_name: Option<Field>,
    pub lat: Option<Field>,
    pub lon: Option<Field>,
    /// Openings only: the coarse cell of `lat`/`lon` (`geo`).
    pub geo_cell: Option<Field>,
    pub cost: Option<Field>,
    pub duration_weeks: Option<Field>,
    pub skill_ids: Option<Field>,
    pub organisation: Option<Field>,
    pub occupation_id: Option<Field>,
    pub occupation_label: Option<Field>,
    pub region: Option<Field>,
    pub remote: Option<Field>,
    pub salary_min: Option<Field>,
    pub salary_max: Option<Field>,
    pub status: Option<Field>,
}

fn text(tokenizer: &str, positions: bool, stored: bool) -> TextOptions {
    let record = if positions {
        IndexRecordOption::WithFreqsAndPositions
    } else {
        IndexRecordOption::WithFreqs
    };
    let options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(record),
    );
    if stored {
        options.set_stored()
    } else {
        options
    }
}

/// Builds the schema of one kind's index.
pub(crate) fn build_schema(kind: IndexKind) -> Schema {
    let mut b = Schema::builder();
    b.add_i64_field("id", INDEXED | FAST | STORED);
    b.add_text_field("title", text(STEMMED, true, true));
    b.add_text_field("title_raw", text(UNSTEMMED, false, false));
    b.add_text_field("alt", text(STEMMED, true, false));
    b.add_text_field("alt_raw", text(UNSTEMMED, false, false));
    if kind == IndexKind::Openings {
        // One catch-all field instead of per-field terms: a query of common words is then an
        // intersection of plain term postings, which tantivy's block-max pruning skips through;
        // an intersection of per-word unions over four fields has to visit every posting.
        b.add_text_field("body", STORED);
        b.add_text_field("all", text(STEMMED_CONTENT, true, false));
    } else {
        b.add_text_field("body", text(STEMMED, true, true));
    }
    b.add_text_field("extra", text(STEMMED, true, false));
    b.add_u64_field("title_len", FAST);
    let edge = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(crate::edge::EDGE_WORDS)
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    b.add_text_field("title_prefix", edge.clone());
    b.add_text_field("alt_prefix", edge);
    let facet = STRING | FAST | STORED;
    match kind {
        IndexKind::Occupations => {
            b.add_text_field("uri", STRING | STORED);
            b.add_text_field("isco_group", STRING | STORED);
            b.add_text_field("isco_major", STRING | FAST);
            b.add_text_field("risk_band", facet);
        }
        IndexKind::Skills => {
            b.add_text_field("uri", STRING | STORED);
            b.add_text_field("skill_type", facet.clone());
            b.add_text_field("reuse_level", facet);
        }
        IndexKind::Courses => {
            b.add_i64_field("sort_date", FAST | STORED);
            b.add_text_field("provider", STORED);
            b.add_text_field("mode", facet.clone());
            b.add_text_field("place_name", facet);
            b.add_f64_field("lat", FAST | STORED);
            b.add_f64_field("lon", FAST | STORED);
            b.add_f64_field("cost", FAST | STORED);
            b.add_f64_field("duration_weeks", FAST | STORED);
            b.add_i64_field("skill_ids", INDEXED);
        }
        IndexKind::Openings => {
            b.add_i64_field("sort_date", FAST | STORED);
            b.add_text_field("organisation", STORED);
            b.add_i64_field("occupation_id", INDEXED);
            b.add_text_field("occupation_label", STORED);
            b.add_i64_field("skill_ids", INDEXED);
            b.add_text_field("region", facet);
            b.add_text_field("place_name", STORED);
            b.add_f64_field("lat", FAST | STORED);
            b.add_f64_field("lon", FAST | STORED);
            b.add_i64_field("geo_cell", INDEXED);
            b.add_bool_field("remote", INDEXED | FAST | STORED);
            b.add_f64_field("salary_min", FAST | STORED);
            b.add_f64_field("salary_max", FAST | STORED);
            b.add_text_field("status", STRING | FAST | STORED);
        }
    }
    b.build()
}

impl Fields {
    /// Looks up every field of `schema`.
    pub(crate) fn new(schema: &Schema) -> Self {
        let opt = |name: &str| schema.get_field(name).ok();
        let req = |name: &str| {
            schema
                .get_field(name)
                .expect("common fields exist in every schema built by build_schema")
        };
        Self {
            id: req("id"),
            title: req("title"),
            title_raw: req("title_raw"),
            alt: req("alt"),
            alt_raw: req("alt_raw"),
            body: req("body"),
            extra: req("extra"),
            all: opt("all"),
            title_len: req("title_len"),
            title_prefix: req("title_prefix"),
            alt_prefix: req("alt_prefix"),
            sort_date: opt("sort_date"),
            uri: opt("uri"),
            isco_group: opt("isco_group"),
            isco_major: opt("isco_major"),
            risk_band: opt("risk_band"),
            skill_type: opt("skill_type"),
            reuse_level: opt("reuse_level"),
            provider: opt("provider"),
            mode: opt("mode"),
            place_name: opt("place_name"),
            lat: opt("lat"),
            lon: opt("lon"),
            geo_cell: opt("geo_cell"),
            cost: opt("cost"),
            duration_weeks: opt("duration_weeks"),
            skill_ids: opt("skill_ids"),
            organisation: opt("organisation"),
            occupation_id: opt("occupation_id"),
            occupation_label: opt("occupation_label"),
            region: opt("region"),
            remote: opt("remote"),
            salary_min: opt("salary_min"),
            salary_max: opt("salary_max"),
            status: opt("status"),
        }
    }
}

/// Returns the sort date of an opening: midnight UTC of `posted_on`, in seconds.
pub(crate) fn date_seconds(date: NaiveDate) -> i64 {
    date.and_time(NaiveTime::MIN).and_utc().timestamp()
}

struct Builder<'a> {
    doc: TantivyDocument,
    f: &'a Fields,
}

impl Builder<'_> {
    /// Adds searchable text that has no field of its own (organisation, place, region).
    fn extra(&mut self, value: Option<&str>) {
        let field = self.f.all.unwrap_or(self.f.extra);
        self.text(Some(field), value.unwrap_or_default());
    }
    fn text(&mut self, field: Option<Field>, value: &str) {
        if let Some(field) = field
            && !value.trim().is_empty()
        {
            self.doc.add_text(field, value);
        }
    }
    fn opt_text(&mut self, field: Option<Field>, value: Option<&str>) {
        if let Some(value) = value {
            self.text(field, value);
        }
    }
    fn f64(&mut self, field: Option<Field>, value: Option<f64>) {
        if let (Some(field), Some(value)) = (field, value.filter(|v| v.is_finite())) {
            self.doc.add_f64(field, value);
        }
    }
    fn i64(&mut self, field: Option<Field>, value: Option<i64>) {
        if let (Some(field), Some(value)) = (field, value) {
            self.doc.add_i64(field, value);
        }
    }
    fn common(&mut self, id: i64, title: &str, alt: &[String], body: &str) {
        let f = self.f;
        self.doc.add_i64(f.id, id);
        self.doc.add_text(f.title, title);
        self.doc.add_text(f.title_raw, title);
        self.doc.add_u64(f.title_len, title.chars().count() as u64);
        for label in alt {
            self.doc.add_text(f.alt, label);
            self.doc.add_text(f.alt_raw, label);
        }
        self.doc.add_text(f.body, body);
        if let Some(all) = f.all {
            for _ in 0..ALL_TITLE_COPIES {
                self.doc.add_text(all, title);
            }
            for label in alt {
                for _ in 0..ALL_ALT_COPIES {
                    self.doc.add_text(all, label);
                }
            }
            self.doc.add_text(all, body);
        }
        self.doc.add_text(f.title_prefix, title);
        for label in alt {
            self.doc.add_text(f.alt_prefix, label);
        }
    }
}

/// Converts a document into its tantivy form.
pub(crate) fn to_tantivy(f: &Fields, doc: &AnyDoc) -> TantivyDocument {
    let mut b = Builder {
        doc: TantivyDocument::new(),
        f,
    };
    match doc {
        AnyDoc::Occupation(d) => {
            b.common(d.id, &d.title, &d.synonyms, &d.description);
            b.text(f.uri, &d.uri);
            b.text(f.isco_group, d.isco_group.trim());
            let major = d
                .isco_group
                .trim()
                .chars()
                .next()
                .filter(char::is_ascii_digit);
            b.opt_text(f.isco_major, major.map(String::from).as_deref());
            b.opt_text(f.risk_band, d.risk_band.as_deref().map(str::trim));
        }
        AnyDoc::Skill(d) => {
            b.common(d.id, &d.title, &d.synonyms, &d.description);
            b.text(f.uri, &d.uri);
            b.opt_text(f.skill_type, d.skill_type.as_deref().map(str::trim));
            b.opt_text(f.reuse_level, d.reuse_level.as_deref().map(str::trim));
        }
        AnyDoc::Course(d) => {
            b.common(d.id, &d.title, &d.skills, &d.description);
            b.extra(Some(&d.provider));
            b.extra(d.place_name.as_deref());
            b.i64(f.sort_date, Some(d.updated_at.timestamp()));
            b.text(f.provider, &d.provider);
            b.text(f.mode, d.mode.trim());
            b.opt_text(f.place_name, d.place_name.as_deref().map(str::trim));
            b.f64(f.lat, d.lat);
            b.f64(f.lon, d.lon);
            b.f64(f.cost, Some(d.cost));
            b.f64(f.duration_weeks, Some(d.duration_weeks));
            for skill in &d.skill_ids {
                b.i64(f.skill_ids, Some(*skill));
            }
        }
        AnyDoc::Opening(d) => {
            let alt: Vec<String> = d.occupation_label.iter().cloned().collect();
            b.common(d.id, &d.title, &alt, &d.description);
            b.extra(Some(&d.organisation));
            b.extra(d.place_name.as_deref());
            b.extra(d.region.as_deref());
            b.i64(f.sort_date, Some(date_seconds(d.posted_on)));
            b.text(f.organisation, &d.organisation);
            b.i64(f.occupation_id, d.occupation_id);
            b.opt_text(f.occupation_label, d.occupation_label.as_deref());
            for skill in &d.skill_ids {
                b.i64(f.skill_ids, Some(*skill));
            }
            b.opt_text(f.region, d.region.as_deref().map(str::trim));
            b.opt_text(f.place_name, d.place_name.as_deref());
            b.f64(f.lat, d.lat);
            b.f64(f.lon, d.lon);
            if let (Some(lat), Some(lon)) = (d.lat, d.lon) {
                b.i64(f.geo_cell, crate::geo::cell_of(lat, lon));
            }
            if let Some(remote) = f.remote {
                b.doc.add_bool(remote, d.remote);
            }
            b.f64(f.salary_min, d.salary_min);
            b.f64(f.salary_max, d.salary_max);
            b.text(f.status, &d.status.trim().to_ascii_lowercase());
        }
    }
    b.doc
}

/// Reads stored values back out of a tantivy document.
pub(crate) struct Stored<'a> {
    pub doc: &'a TantivyDocument,
}

impl Stored<'_> {
    pub(crate) fn str(&self, field: Option<Field>) -> Option<String> {
        field
            .and_then(|f| self.doc.get_first(f))
            .and_then(|v| v.as_str().map(str::to_owned))
    }
    fn string(&self, field: Option<Field>) -> String {
        self.str(field).unwrap_or_default()
    }
    fn f64(&self, field: Option<Field>) -> Option<f64> {
        field
            .and_then(|f| self.doc.get_first(f))
            .and_then(|v| v.as_f64())
    }
    pub(crate) fn i64(&self, field: Option<Field>) -> Option<i64> {
        field
            .and_then(|f| self.doc.get_first(f))
            .and_then(|v| v.as_i64())
    }
    fn bool(&self, field: Option<Field>) -> Option<bool> {
        field
            .and_then(|f| self.doc.get_first(f))
            .and_then(|v| v.as_bool())
    }

    /// Returns the kind-specific display fields.
    pub(crate) fn details(
        &self,
        kind: IndexKind,
        f: &Fields,
        distance_km: Option<f64>,
    ) -> HitDetails {
        let sort_date = self.i64(f.sort_date);
        match kind {
            IndexKind::Occupations => HitDetails::Occupation {
                uri: self.string(f.uri),
                isco_group: self.string(f.isco_group),
                risk_band: self.str(f.risk_band),
            },
            IndexKind::Skills => HitDetails::Skill {
                uri: self.string(f.uri),
                skill_type: self.str(f.skill_type),
                reuse_level: self.str(f.reuse_level),
            },
            IndexKind::Courses => HitDetails::Course {
                provider: self.string(f.provider),
                mode: self.string(f.mode),
                place_name: self.str(f.place_name),
                cost: self.f64(f.cost).unwrap_or(0.0),
                duration_weeks: self.f64(f.duration_weeks).unwrap_or(0.0),
                updated_at: sort_date.and_then(|s| DateTime::from_timestamp(s, 0)),
            },
            IndexKind::Openings => HitDetails::Opening {
                organisation: self.string(f.organisation),
                occupation_label: self.str(f.occupation_label),
                place_name: self.str(f.place_name),
                region: self.str(f.region),
                remote: self.bool(f.remote).unwrap_or(false),
                salary_min: self.f64(f.salary_min),
                salary_max: self.f64(f.salary_max),
                status: self.string(f.status),
                posted_on: sort_date
                    .and_then(|s| DateTime::from_timestamp(s, 0))
                    .map(|d| d.date_naive()),
                distance_km,
            },
        }
    }
}
