//! Contracts: JSON Schemas and AsyncAPI messages that say what each event
//! type (and version) must look like, and the check of an event against
//! the contract of its type and version.
//!
//! Pure: the files arrive already read ([`ContractFile`]); reading them
//! from disk is [`crate::contract_files`]. Validation is the `jsonschema`
//! crate's (drafts 4, 6, 7, 2019-09 and 2020-12), built with no network
//! or file access: a `$ref` reaches only the files that were loaded.

mod asyncapi;
mod infer;
mod schemas;
mod version;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::Value;

use crate::model::{ContractStatus, Problem, ProblemKind, Violation};
pub use infer::{ENUM_MAX, ENUM_REPEAT, InferredSchema, Inferrer, infer_schemas};
pub use version::{compare_optional_versions, compare_versions, same_version};

/// At most this many violations are kept per event; the last one says how
/// many more there were.
pub const MAX_VIOLATIONS: usize = 32;

/// One contract file as read from disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractFile {
    /// The path relative to the directory given (`PaymentCreated/v2.json`),
    /// or the file name when a file was given.
    pub relative: String,
    /// The path as the user would recognise it, for errors.
    pub display: String,
    /// The file's absolute `file://` URI, the base of its relative `$ref`s.
    pub uri: String,
    /// The file's text.
    pub text: String,
}

/// A contract that cannot be loaded: the file, the place in it, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContractError {
    /// The file is not JSON or YAML.
    #[error("{file}: not a JSON or YAML document: {reason}")]
    Parse {
        /// The file.
        file: String,
        /// What the parser said (with line and column).
        reason: String,
    },
    /// A schema the validator refuses (an unknown draft, a bad keyword, a
    /// `$ref` to something that was not loaded).
    #[error("{file}{place}: not a usable JSON Schema: {reason}")]
    Schema {
        /// The file.
        file: String,
        /// ` at /pointer` when known.
        place: String,
        /// What the validator said.
        reason: String,
    },
    /// An AsyncAPI document evscope cannot read.
    #[error("{file} at {pointer}: {reason}")]
    AsyncApi {
        /// The file.
        file: String,
        /// Where in the document.
        pointer: String,
        /// What is wrong.
        reason: String,
    },
    /// Two contracts claim the same type and version.
    #[error("two contracts for {event_type} version {version}: {first} and {second}")]
    Duplicate {
        /// The event type.
        event_type: String,
        /// The version (`none` when both have none).
        version: String,
        /// Where the first one is.
        first: String,
        /// Where the second one is.
        second: String,
    },
    /// The path holds no contract at all.
    #[error("{path}: no contract found (expected JSON Schema files or an AsyncAPI document)")]
    Empty {
        /// The path given.
        path: String,
    },
}

/// One contract: the schema of one event type at one version.
#[derive(Clone)]
pub struct Contract {
    /// The event type it is for.
    pub event_type: String,
    /// Its version, when it names one.
    pub version: Option<String>,
    /// Its name for people: the file, or the AsyncAPI message.
    pub name: String,
    /// Whether the contract marks this version deprecated.
    pub deprecated: bool,
    validator: Arc<jsonschema::Validator>,
}

impl std::fmt::Debug for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contract")
            .field("event_type", &self.event_type)
            .field("version", &self.version)
            .field("name", &self.name)
            .field("deprecated", &self.deprecated)
            .finish_non_exhaustive()
    }
}

/// A contract before its validator is built: where its schema is.
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub event_type: String,
    pub version: Option<String>,
    pub name: String,
    pub deprecated: bool,
    /// The schema to compile: the file's document, or a `$ref` into it.
    pub schema: Value,
    /// The base URI of `schema`.
    pub base: String,
    /// The draft to assume when the schema does not say (AsyncAPI payloads
    /// are draft 7 supersets).
    pub draft: Option<jsonschema::Draft>,
    /// The file, for errors.
    pub file: String,
}

/// Every loaded contract, by event type, each type's versions oldest first.
#[derive(Debug, Clone, Default)]
pub struct Contracts {
    by_type: BTreeMap<String, Vec<Contract>>,
}

/// What checking one event found: the facet and the problems it adds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    /// `meta.contract`, when a contract applied.
    pub status: Option<ContractStatus>,
    /// `contract_violation`, `unknown_type`, `unknown_version`,
    /// `deprecated_version`.
    pub problems: Vec<Problem>,
}

/// Serves `$ref`s from the loaded documents only: a contract never makes
/// evscope reach the network or read a file that was not given.
#[derive(Debug, Clone, Default)]
struct Loaded(Arc<HashMap<String, Value>>);

impl jsonschema::Retrieve for Loaded {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let uri = uri.as_str();
        let without_fragment = uri.split('#').next().unwrap_or(uri);
        self.0.get(without_fragment).cloned().ok_or_else(|| {
            format!("{uri} is not among the contract files loaded (evscope never fetches a $ref)")
                .into()
        })
    }
}

impl Contracts {
    /// Load the contracts of `files` (one directory or file the user
    /// named): AsyncAPI documents and JSON Schema files.
    pub fn from_files(path: &str, files: &[ContractFile]) -> Result<Contracts, ContractError> {
        let mut documents = Vec::with_capacity(files.len());
        for file in files {
            documents.push((file, parse_document(file)?));
        }
        let loaded = Loaded(Arc::new(
            documents
                .iter()
                .map(|(f, v)| (f.uri.clone(), v.clone()))
                .collect(),
        ));
        let mut found = Vec::new();
        for (file, document) in &documents {
            if asyncapi::is_asyncapi(document) {
                found.extend(asyncapi::messages(file, document)?);
            }
        }
        found.extend(schemas::schema_contracts(&documents));
        if found.is_empty() {
            return Err(ContractError::Empty { path: path.into() });
        }
        let mut contracts = Contracts::default();
        for f in found {
            contracts.add(build(f, &loaded)?)?;
        }
        Ok(contracts)
    }

    /// Every contract of `other` added to these (a later `--contracts`).
    pub fn merge(&mut self, other: Contracts) -> Result<(), ContractError> {
        for contract in other.by_type.into_values().flatten() {
            self.add(contract)?;
        }
        Ok(())
    }

    fn add(&mut self, contract: Contract) -> Result<(), ContractError> {
        let versions = self.by_type.entry(contract.event_type.clone()).or_default();
        let same = versions
            .iter()
            .find(|c| match (&c.version, &contract.version) {
                (Some(a), Some(b)) => same_version(a, b),
                (None, None) => true,
                _ => false,
            });
        if let Some(first) = same {
            return Err(ContractError::Duplicate {
                event_type: contract.event_type.clone(),
                version: first.version.clone().unwrap_or_else(|| "none".into()),
                first: first.name.clone(),
                second: contract.name.clone(),
            });
        }
        versions.push(contract);
        versions
            .sort_by(|a, b| compare_optional_versions(a.version.as_deref(), b.version.as_deref()));
        Ok(())
    }

    /// Whether no contract is loaded.
    pub fn is_empty(&self) -> bool {
        self.by_type.is_empty()
    }

    /// Every contract, by type then version.
    pub fn iter(&self) -> impl Iterator<Item = &Contract> {
        self.by_type.values().flatten()
    }

    /// The contracts of a type (exact name first, else ignoring case),
    /// oldest version first.
    pub fn of_type(&self, event_type: &str) -> Option<&[Contract]> {
        self.by_type
            .get(event_type)
            .or_else(|| {
                self.by_type
                    .iter()
                    .find(|(t, _)| t.eq_ignore_ascii_case(event_type))
                    .map(|(_, v)| v)
            })
            .map(Vec::as_slice)
    }

    /// Check an event of `event_type` at `version` whose body is `body`
    /// (`None`: not JSON) against the contract of its type and version; an
    /// event that names no version is checked against the type's contract
    /// without a version, else the latest. Events without a type are not checked.
    pub fn check(
        &self,
        event_type: Option<&str>,
        version: Option<&str>,
        body: Option<&Value>,
    ) -> Checked {
        let mut checked = Checked::default();
        let Some(event_type) = event_type.filter(|_| !self.is_empty()) else {
            return checked;
        };
        let Some(versions) = self.of_type(event_type) else {
            checked.problems.push(Problem::new(
                ProblemKind::UnknownType,
                format!("no contract names the type {event_type:?}"),
            ));
            return checked;
        };
        let latest = versions.last().expect("a type has at least one contract");
        let contract = match version {
            // An event without a version: the contract without one, if any.
            None => versions
                .iter()
                .find(|c| c.version.is_none())
                .unwrap_or(latest),
            Some(v) => match versions
                .iter()
                .find(|c| c.version.as_deref().is_some_and(|cv| same_version(cv, v)))
            {
                Some(c) => c,
                None => {
                    checked.problems.push(Problem::new(
                        ProblemKind::UnknownVersion,
                        match &latest.version {
                            Some(l) => format!(
                                "no contract of {event_type} has version {v:?}; checked against the latest, {l}"
                            ),
                            None => format!(
                                "no contract of {event_type} has version {v:?}; checked against its only contract"
                            ),
                        },
                    ));
                    latest
                }
            },
        };
        if contract.deprecated {
            checked.problems.push(Problem::new(
                ProblemKind::DeprecatedVersion,
                format!(
                    "{event_type} version {} is deprecated by its contract ({})",
                    contract.version.as_deref().unwrap_or("(none)"),
                    contract.name
                ),
            ));
        }
        let violations = match body {
            None => vec![Violation {
                pointer: String::new(),
                message: "the body is not JSON".into(),
            }],
            Some(body) => violations(&contract.validator, body),
        };
        if let Some(first) = violations.first() {
            let more = match violations.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            checked.problems.push(Problem::new(
                ProblemKind::ContractViolation,
                format!(
                    "breaks {}: {}: {}{more}",
                    contract.name,
                    if first.pointer.is_empty() {
                        "the body"
                    } else {
                        &first.pointer
                    },
                    first.message
                ),
            ));
        }
        checked.status = Some(ContractStatus {
            schema: contract.name.clone(),
            version: contract.version.clone(),
            valid: violations.is_empty(),
            violations,
        });
        checked
    }
}

/// Every way `body` breaks the schema (none when it is valid), values masked.
fn violations(validator: &jsonschema::Validator, body: &Value) -> Vec<Violation> {
    if validator.is_valid(body) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut more = 0usize;
    for error in validator.iter_errors(body) {
        if out.len() == MAX_VIOLATIONS - 1 {
            more += 1;
            continue;
        }
        // `masked` quotes no value of the event: a violation may sit on a
        // secret (a password that is too short).
        let message = error.masked().to_string();
        out.push(Violation {
            pointer: error.instance_path().to_string(),
            message: one_line(&message),
        });
    }
    if more > 0 {
        out.push(Violation {
            pointer: String::new(),
            message: format!("{more} more violations"),
        });
    }
    out
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Parse a file as JSON, else YAML (a superset), into a JSON value.
fn parse_document(file: &ContractFile) -> Result<Value, ContractError> {
    match serde_json::from_str::<Value>(&file.text) {
        Ok(v) => Ok(v),
        Err(json) if file.relative.ends_with(".json") => Err(ContractError::Parse {
            file: file.display.clone(),
            reason: json.to_string(),
        }),
        Err(_) => serde_norway::from_str::<Value>(&file.text).map_err(|e| ContractError::Parse {
            file: file.display.clone(),
            reason: e.to_string(),
        }),
    }
}

/// Compile one contract's validator.
fn build(found: Found, loaded: &Loaded) -> Result<Contract, ContractError> {
    let mut options = jsonschema::options()
        .with_retriever(loaded.clone())
        .with_base_uri(found.base.clone());
    if let Some(draft) = found.draft {
        options = options.with_draft(draft);
    }
    let validator = options
        .build(&found.schema)
        .map_err(|e| ContractError::Schema {
            file: found.file.clone(),
            place: match e.instance_path().to_string() {
                p if p.is_empty() => String::new(),
                p => format!(" at {p}"),
            },
            reason: one_line(&e.to_string()),
        })?;
    Ok(Contract {
        event_type: found.event_type,
        version: found.version,
        name: found.name,
        deprecated: found.deprecated,
        validator: Arc::new(validator),
    })
}

#[cfg(test)]
mod tests;
