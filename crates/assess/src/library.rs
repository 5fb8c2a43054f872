//! Questionnaire libraries: YAML in the shape of CISO Assistant's framework libraries, parsed
//! into a validated tree.
//!
//! A library file has the top-level fields `urn`, `locale`, `ref_id`, `name`, `description`,
//! `version`, `provider`, `packager`, `translations` and `objects.framework`, whose
//! `requirement_nodes` are a flat list in document order: each node names its parent by
//! `parent_urn` and states its `depth`. Assessable nodes are the requirements people answer;
//! the others group them. A framework with `min_score`/`max_score` (and optionally
//! `scores_definition`) is answered with a level per requirement (DSMM maturity); one without
//! is answered with a result per requirement (compliant, partially compliant, non-compliant,
//! not applicable). Fields this crate does not use (`copyright`, `reference_controls`,
//! `implementation_groups`, other objects…) are accepted and ignored, so real CISO Assistant
//! libraries import.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Deserialize;

/// Largest library text accepted, in bytes: the biggest CISO Assistant libraries are a few
/// MiB; anything far beyond is not a questionnaire.
pub const MAX_LIBRARY_BYTES: usize = 8 * 1024 * 1024;
/// Most requirement nodes accepted in one framework.
pub const MAX_NODES: usize = 20_000;

/// A text in the library's own locale with its translations (`translations.<lang>.<field>`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Localized {
    text: String,
    translations: BTreeMap<String, String>,
}

impl Localized {
    fn new(text: Option<String>, translations: BTreeMap<String, String>) -> Self {
        Self {
            text: text.unwrap_or_default(),
            translations,
        }
    }

    /// The text in `lang` when the library translates it, else in the library's locale.
    pub fn get(&self, lang: &str) -> &str {
        self.translations
            .get(lang)
            .filter(|t| !t.is_empty())
            .unwrap_or(&self.text)
    }

    /// The text in the library's own locale.
    pub fn original(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.translations.values().all(String::is_empty)
    }
}

/// How the requirements of a framework are answered and scored.
#[derive(Debug, Clone, PartialEq)]
pub enum Scale {
    /// A result per requirement; scored as a compliance rate.
    Compliance,
    /// A capability level per requirement (a DSMM process area), `min..=max`.
    Maturity {
        min: u8,
        max: u8,
        levels: Vec<LevelDefinition>,
    },
}

/// One level of a maturity scale (`scores_definition` entry).
#[derive(Debug, Clone, PartialEq)]
pub struct LevelDefinition {
    pub level: u8,
    pub name: Localized,
    pub description: Localized,
}

/// A question attached to a requirement (`questions` map, keyed by the question's urn).
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub urn: String,
    pub kind: QuestionKind,
    pub text: Localized,
    pub choices: Vec<Choice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    UniqueChoice,
    MultipleChoice,
    Text,
    Date,
    Number,
    Boolean,
}

impl QuestionKind {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "unique_choice" => Self::UniqueChoice,
            "multiple_choice" => Self::MultipleChoice,
            "text" => Self::Text,
            "date" => Self::Date,
            "number" => Self::Number,
            "boolean" => Self::Boolean,
            _ => return None,
        })
    }

    fn needs_choices(self) -> bool {
        matches!(self, Self::UniqueChoice | Self::MultipleChoice)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub urn: String,
    pub value: Localized,
}

/// One requirement node of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub urn: String,
    pub ref_id: Option<String>,
    /// Index of the parent in [`Framework::nodes`]; `None` for a top-level node.
    pub parent: Option<usize>,
    /// 1 for top-level nodes, the parent's depth + 1 below.
    pub depth: u32,
    pub assessable: bool,
    pub name: Localized,
    pub description: Localized,
    pub questions: Vec<Question>,
    /// Indices of the children, in document order.
    pub children: Vec<usize>,
}

impl Node {
    /// `ref_id name` in `lang`, or whichever of the two exists; what lists show.
    pub fn label(&self, lang: &str) -> String {
        let name = self.name.get(lang);
        let name = if name.is_empty() {
            self.description.get(lang)
        } else {
            name
        };
        match &self.ref_id {
            Some(r) if name.is_empty() => r.clone(),
            Some(r) => format!("{r} {name}"),
            None => name.to_string(),
        }
    }
}

/// The framework of a library: its scale and its requirement tree.
#[derive(Debug, Clone)]
pub struct Framework {
    pub urn: String,
    pub ref_id: String,
    pub name: Localized,
    pub description: Localized,
    pub scale: Scale,
    /// Every node in document order; a parent always comes before its children.
    pub nodes: Vec<Node>,
    by_urn: HashMap<String, usize>,
}

impl Framework {
    /// The index of the node with this urn.
    pub fn node_index(&self, urn: &str) -> Option<usize> {
        self.by_urn.get(urn).copied()
    }

    /// Indices of the assessable nodes (the requirements answered), in document order.
    pub fn assessable(&self) -> impl Iterator<Item = usize> + '_ {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.assessable)
            .map(|(i, _)| i)
    }

    /// The top-level ancestor of a node (itself when it is top-level).
    pub fn top_level_of(&self, mut index: usize) -> usize {
        while let Some(parent) = self.nodes[index].parent {
            index = parent;
        }
        index
    }
}

/// A parsed, validated questionnaire library.
#[derive(Debug, Clone)]
pub struct Library {
    pub urn: String,
    pub locale: String,
    pub ref_id: String,
    pub name: Localized,
    pub description: Localized,
    pub version: u32,
    pub provider: String,
    pub packager: String,
    pub framework: Framework,
}

/// Why a library was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LibraryError {
    #[error("the library is {0} bytes; at most {MAX_LIBRARY_BYTES} are accepted")]
    TooLarge(usize),
    #[error("not a library file: {0}")]
    Syntax(String),
    #[error("the library is not valid:\n{}", list(.0))]
    Invalid(Vec<ValidationError>),
}

fn list(errors: &[ValidationError]) -> String {
    errors
        .iter()
        .map(|e| format!("- {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One problem, with the node (or field) it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The node's urn, or `requirement_nodes[i]` when it has none, or the top-level field.
    pub at: String,
    pub problem: Problem,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.problem)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("is empty")]
    Empty,
    #[error("the library has no objects.framework")]
    NoFramework,
    #[error("has no assessable requirement")]
    NothingAssessable,
    #[error("has more than {MAX_NODES} requirement nodes")]
    TooManyNodes,
    #[error("has no urn")]
    MissingUrn,
    #[error("the urn is used by an earlier node too")]
    DuplicateUrn,
    #[error("parent_urn {0} is not an earlier node of this framework")]
    UnknownParent(String),
    #[error("depth is {found}, but its place in the tree gives {expected}")]
    WrongDepth { expected: u32, found: u32 },
    #[error("is assessable but has neither a name nor a description")]
    NoText,
    #[error("question {0} has the unknown type {1:?}")]
    UnknownQuestionType(String, String),
    #[error("question {0} is a choice question without choices")]
    NoChoices(String),
    #[error("min_score {min} and max_score {max} must satisfy 0 <= min <= max <= 100")]
    BadScale { min: i64, max: i64 },
    #[error("scores_definition gives score {0}, outside min_score..max_score")]
    LevelOutsideScale(i64),
}

// --- the file as written -------------------------------------------------------------------

#[derive(Deserialize)]
struct RawLibrary {
    urn: String,
    locale: String,
    ref_id: String,
    name: String,
    #[serde(default)]
    description: Option<String>,
    version: u32,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    packager: Option<String>,
    #[serde(default)]
    translations: BTreeMap<String, RawTranslation>,
    objects: RawObjects,
}

#[derive(Deserialize, Default)]
struct RawTranslation {
    name: Option<String>,
    description: Option<String>,
    text: Option<String>,
    value: Option<String>,
}

#[derive(Deserialize)]
struct RawObjects {
    framework: Option<RawFramework>,
}

#[derive(Deserialize)]
struct RawFramework {
    urn: String,
    ref_id: String,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    translations: BTreeMap<String, RawTranslation>,
    min_score: Option<i64>,
    max_score: Option<i64>,
    #[serde(default)]
    scores_definition: Vec<RawScoreDefinition>,
    #[serde(default)]
    requirement_nodes: Vec<RawNode>,
}

#[derive(Deserialize)]
struct RawScoreDefinition {
    score: i64,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    translations: BTreeMap<String, RawTranslation>,
}

#[derive(Deserialize)]
struct RawNode {
    #[serde(default)]
    urn: String,
    ref_id: Option<String>,
    parent_urn: Option<String>,
    depth: Option<u32>,
    #[serde(default)]
    assessable: bool,
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    translations: BTreeMap<String, RawTranslation>,
    /// A map keyed by question urn; kept as a mapping so the file's order survives.
    #[serde(default)]
    questions: serde_yaml::Mapping,
}

#[derive(Deserialize)]
struct RawQuestion {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    translations: BTreeMap<String, RawTranslation>,
    #[serde(default)]
    choices: Vec<RawChoice>,
}

#[derive(Deserialize)]
struct RawChoice {
    urn: String,
    value: String,
    #[serde(default)]
    translations: BTreeMap<String, RawTranslation>,
}

/// Picks one field out of every translation: `translations.en.name` → `{en: …}`.
fn translated(
    translations: &BTreeMap<String, RawTranslation>,
    field: impl Fn(&RawTranslation) -> &Option<String>,
) -> BTreeMap<String, String> {
    translations
        .iter()
        .filter_map(|(lang, t)| field(t).clone().map(|text| (lang.clone(), text)))
        .collect()
}

impl Library {
    /// Parses and validates a library. Every problem found is reported, each naming its node.
    pub fn parse(yaml: &str) -> Result<Library, LibraryError> {
        if yaml.len() > MAX_LIBRARY_BYTES {
            return Err(LibraryError::TooLarge(yaml.len()));
        }
        let raw: RawLibrary =
            serde_yaml::from_str(yaml).map_err(|e| LibraryError::Syntax(e.to_string()))?;
        let mut errors = Vec::new();
        for (field, value) in [
            ("urn", &raw.urn),
            ("ref_id", &raw.ref_id),
            ("name", &raw.name),
        ] {
            if value.trim().is_empty() {
                errors.push(ValidationError {
                    at: field.into(),
                    problem: Problem::Empty,
                });
            }
        }
        let Some(raw_framework) = raw.objects.framework else {
            errors.push(ValidationError {
                at: "objects".into(),
                problem: Problem::NoFramework,
            });
            return Err(LibraryError::Invalid(errors));
        };
        let framework = build_framework(raw_framework, &mut errors);
        if !errors.is_empty() {
            return Err(LibraryError::Invalid(errors));
        }
        Ok(Library {
            name: Localized::new(Some(raw.name), translated(&raw.translations, |t| &t.name)),
            description: Localized::new(
                raw.description,
                translated(&raw.translations, |t| &t.description),
            ),
            urn: raw.urn,
            locale: raw.locale,
            ref_id: raw.ref_id,
            version: raw.version,
            provider: raw.provider.unwrap_or_default(),
            packager: raw.packager.unwrap_or_default(),
            framework,
        })
    }
}

fn build_scale(raw: &RawFramework, errors: &mut Vec<ValidationError>) -> Scale {
    let (min, max) = match (raw.min_score, raw.max_score) {
        (None, None) if raw.scores_definition.is_empty() => return Scale::Compliance,
        (min, max) => (min.unwrap_or(0), max.unwrap_or(100)),
    };
    if !(0 <= min && min <= max && max <= 100) {
        errors.push(ValidationError {
            at: raw.urn.clone(),
            problem: Problem::BadScale { min, max },
        });
        return Scale::Compliance;
    }
    let mut levels = Vec::new();
    for definition in &raw.scores_definition {
        if !(min..=max).contains(&definition.score) {
            errors.push(ValidationError {
                at: raw.urn.clone(),
                problem: Problem::LevelOutsideScale(definition.score),
            });
            continue;
        }
        levels.push(LevelDefinition {
            level: definition.score as u8,
            name: Localized::new(
                Some(definition.name.clone()),
                translated(&definition.translations, |t| &t.name),
            ),
            description: Localized::new(
                definition.description.clone(),
                translated(&definition.translations, |t| &t.description),
            ),
        });
    }
    Scale::Maturity {
        min: min as u8,
        max: max as u8,
        levels,
    }
}

fn build_framework(raw: RawFramework, errors: &mut Vec<ValidationError>) -> Framework {
    let scale = build_scale(&raw, errors);
    if raw.requirement_nodes.len() > MAX_NODES {
        errors.push(ValidationError {
            at: raw.urn.clone(),
            problem: Problem::TooManyNodes,
        });
    }
    let mut nodes: Vec<Node> = Vec::with_capacity(raw.requirement_nodes.len());
    let mut by_urn = HashMap::with_capacity(raw.requirement_nodes.len());
    for (position, raw_node) in raw
        .requirement_nodes
        .into_iter()
        .take(MAX_NODES)
        .enumerate()
    {
        let at = if raw_node.urn.trim().is_empty() {
            let at = format!("requirement_nodes[{position}]");
            errors.push(ValidationError {
                at: at.clone(),
                problem: Problem::MissingUrn,
            });
            at
        } else {
            raw_node.urn.clone()
        };
        let mut problem = |problem| {
            errors.push(ValidationError {
                at: at.clone(),
                problem,
            })
        };

        let parent = match &raw_node.parent_urn {
            None => None,
            Some(parent_urn) => match by_urn.get(parent_urn.as_str()) {
                Some(&index) => Some(index),
                None => {
                    problem(Problem::UnknownParent(parent_urn.clone()));
                    None
                }
            },
        };
        let expected_depth = parent.map_or(1, |p: usize| nodes[p].depth + 1);
        if let Some(found) = raw_node.depth
            && found != expected_depth
            && !(parent.is_none() && raw_node.parent_urn.is_some())
        {
            problem(Problem::WrongDepth {
                expected: expected_depth,
                found,
            });
        }
        let name = Localized::new(
            raw_node.name,
            translated(&raw_node.translations, |t| &t.name),
        );
        let description = Localized::new(
            raw_node.description,
            translated(&raw_node.translations, |t| &t.description),
        );
        if raw_node.assessable && name.is_empty() && description.is_empty() {
            problem(Problem::NoText);
        }
        let questions = build_questions(raw_node.questions, &mut problem);

        let index = nodes.len();
        if !raw_node.urn.trim().is_empty() && by_urn.insert(raw_node.urn.clone(), index).is_some() {
            problem(Problem::DuplicateUrn);
        }
        if let Some(p) = parent {
            nodes[p].children.push(index);
        }
        nodes.push(Node {
            urn: raw_node.urn,
            ref_id: raw_node.ref_id,
            parent,
            depth: expected_depth,
            assessable: raw_node.assessable,
            name,
            description,
            questions,
            children: Vec::new(),
        });
    }
    if !nodes.iter().any(|n| n.assessable) {
        errors.push(ValidationError {
            at: raw.urn.clone(),
            problem: Problem::NothingAssessable,
        });
    }
    Framework {
        name: Localized::new(Some(raw.name), translated(&raw.translations, |t| &t.name)),
        description: Localized::new(
            raw.description,
            translated(&raw.translations, |t| &t.description),
        ),
        urn: raw.urn,
        ref_id: raw.ref_id,
        scale,
        nodes,
        by_urn,
    }
}

fn build_questions(raw: serde_yaml::Mapping, problem: &mut impl FnMut(Problem)) -> Vec<Question> {
    let mut questions = Vec::with_capacity(raw.len());
    for (key, value) in raw {
        let urn = key
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{key:?}"));
        let raw_question: RawQuestion = match serde_yaml::from_value(value) {
            Ok(q) => q,
            Err(e) => {
                problem(Problem::UnknownQuestionType(urn, e.to_string()));
                continue;
            }
        };
        let Some(kind) = QuestionKind::parse(&raw_question.kind) else {
            problem(Problem::UnknownQuestionType(urn, raw_question.kind));
            continue;
        };
        if kind.needs_choices() && raw_question.choices.is_empty() {
            problem(Problem::NoChoices(urn.clone()));
        }
        questions.push(Question {
            text: Localized::new(
                raw_question.text,
                translated(&raw_question.translations, |t| &t.text),
            ),
            choices: raw_question
                .choices
                .into_iter()
                .map(|c| Choice {
                    value: Localized::new(Some(c.value), translated(&c.translations, |t| &t.value)),
                    urn: c.urn,
                })
                .collect(),
            urn,
            kind,
        });
    }
    questions
}
