// TEMPORARY local stand-in until the filter branch merges; never committed.
#[derive(Debug, Clone)]
pub struct Filter(String);
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct FilterError {
    pub message: String,
    pub position: Option<usize>,
}
impl FilterError {
    pub fn caret_line(&self) -> String {
        format!("{}^", " ".repeat(self.position.unwrap_or(0)))
    }
}
impl Filter {
    pub fn parse(e: &str) -> Result<Filter, FilterError> {
        // Stand-in validation: unbalanced brackets are an error.
        let mut depth = 0i32;
        for (i, c) in e.chars().enumerate() {
            match c {
                '[' | '(' => depth += 1,
                ']' | ')' => depth -= 1,
                _ => {}
            }
            if depth < 0 {
                return Err(FilterError {
                    message: "unexpected closing bracket".into(),
                    position: Some(i),
                });
            }
        }
        if depth > 0 {
            return Err(FilterError {
                message: "unclosed bracket".into(),
                position: Some(e.chars().count()),
            });
        }
        Ok(Filter(e.into()))
    }
    pub fn expression(&self) -> &str {
        &self.0
    }
    pub fn matches(&self, _d: &serde_json::Value) -> bool {
        true
    }
    pub fn might_match(&self, _l: &[u8]) -> bool {
        true
    }
    pub fn is_match_all(&self) -> bool {
        self.0.trim().is_empty()
    }
}
