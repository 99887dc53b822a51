//! Rewriting one license identifier inside SPDX license expressions, token by token: `MIT`
//! inside `MIT OR Apache-2.0` is rewritten, `MIT-0` never is, the exception after `WITH` is left
//! alone, spacing survives, and a rewrite that would repeat a license (`X OR X`) is simplified.

/// An expression that is not valid SPDX syntax.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{expression}` is not an SPDX license expression: {reason}")]
pub struct ExprError {
    pub expression: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token<'a> {
    Space(&'a str),
    Open,
    Close,
    Word(&'a str),
}

fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let len = match c {
            '(' => {
                tokens.push(Token::Open);
                1
            }
            ')' => {
                tokens.push(Token::Close);
                1
            }
            c if c.is_whitespace() => {
                let end = rest
                    .find(|c: char| !c.is_whitespace())
                    .unwrap_or(rest.len());
                tokens.push(Token::Space(&rest[..end]));
                end
            }
            _ => {
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == '(' || c == ')')
                    .unwrap_or(rest.len());
                tokens.push(Token::Word(&rest[..end]));
                end
            }
        };
        rest = &rest[len..];
    }
    tokens
}

fn is_operator(word: &str, name: &str) -> bool {
    word.eq_ignore_ascii_case(name)
}

/// A parsed expression, for validation and for simplifying duplicates.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Node {
    License(String),
    With(String, String),
    And(Vec<Node>),
    Or(Vec<Node>),
}

struct Parser<'t, 'a> {
    words: &'t [Token<'a>],
    at: usize,
}

impl Parser<'_, '_> {
    fn next(&mut self) -> Option<Token<'_>> {
        let token = self.words.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn peek_operator(&self, name: &str) -> bool {
        matches!(self.words.get(self.at), Some(Token::Word(w)) if is_operator(w, name))
    }

    fn expression(&mut self) -> Result<Node, String> {
        self.joined("OR", Self::and, Node::Or)
    }

    fn and(&mut self) -> Result<Node, String> {
        self.joined("AND", Self::with, Node::And)
    }

    /// `term (OPERATOR term)*`, one node when there is a single term.
    fn joined(
        &mut self,
        operator: &str,
        term: fn(&mut Self) -> Result<Node, String>,
        node: fn(Vec<Node>) -> Node,
    ) -> Result<Node, String> {
        let mut terms = vec![term(self)?];
        while self.peek_operator(operator) {
            self.at += 1;
            terms.push(term(self)?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            node(terms)
        })
    }

    fn with(&mut self) -> Result<Node, String> {
        let license = self.primary()?;
        if !self.peek_operator("WITH") {
            return Ok(license);
        }
        self.at += 1;
        let Node::License(id) = license else {
            return Err("WITH must follow a single license".into());
        };
        match self.next() {
            Some(Token::Word(exception)) if !is_keyword(exception) => {
                Ok(Node::With(id, exception.to_owned()))
            }
            _ => Err("WITH must be followed by an exception identifier".into()),
        }
    }

    fn primary(&mut self) -> Result<Node, String> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.expression()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err("unbalanced parenthesis".into()),
                }
            }
            Some(Token::Word(word)) if !is_keyword(word) && valid_id(word) => {
                Ok(Node::License(word.to_owned()))
            }
            Some(Token::Word(word)) => Err(format!("unexpected `{word}`")),
            Some(Token::Close) => Err("unexpected `)`".into()),
            Some(Token::Space(_)) | None => Err("a license identifier is missing".into()),
        }
    }
}

fn is_keyword(word: &str) -> bool {
    ["AND", "OR", "WITH"].iter().any(|k| is_operator(word, k))
}

/// SPDX identifiers: letters, digits, `-` and `.`, with an optional trailing `+`;
/// `LicenseRef-…` and `DocumentRef-…:LicenseRef-…` included.
fn valid_id(word: &str) -> bool {
    let body = word.strip_suffix('+').unwrap_or(word);
    !body.is_empty()
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == ':')
}

fn parse(text: &str) -> Result<Node, ExprError> {
    let words: Vec<Token<'_>> = tokenize(text)
        .into_iter()
        .filter(|t| !matches!(t, Token::Space(_)))
        .collect();
    let fail = |reason: String| ExprError {
        expression: text.to_owned(),
        reason,
    };
    let mut parser = Parser {
        words: &words,
        at: 0,
    };
    let node = parser.expression().map_err(fail)?;
    if parser.at < words.len() {
        return Err(fail("unexpected text after the expression".into()));
    }
    Ok(node)
}

/// Checks that `text` is a syntactically valid SPDX license expression.
pub fn validate(text: &str) -> Result<(), ExprError> {
    parse(text).map(drop)
}

/// Whether `id` appears as a whole license identifier in `text` (not as an exception).
pub fn mentions(text: &str, id: &str) -> bool {
    license_positions(&tokenize(text), id).next().is_some()
}

/// Indexes of the word tokens that are the license `id` (ASCII case ignored), skipping the
/// exception that follows `WITH`.
fn license_positions<'t>(tokens: &'t [Token<'_>], id: &'t str) -> impl Iterator<Item = usize> + 't {
    let mut after_with = false;
    tokens.iter().enumerate().filter_map(move |(i, token)| {
        let Token::Word(word) = token else {
            return None;
        };
        let exception = after_with;
        after_with = is_operator(word, "WITH");
        (!exception && word.eq_ignore_ascii_case(id)).then_some(i)
    })
}

/// Rewrites every whole-token `old` license in the expression `text` to `new`. Returns `None`
/// when `old` does not occur. The result is valid SPDX syntax whenever `text` is, and names no
/// license twice where the rewrite would have made it (`MIT OR Apache-2.0`, MIT → Apache-2.0,
/// gives `Apache-2.0`).
pub fn rewrite(text: &str, old: &str, new: &str) -> Result<Option<String>, ExprError> {
    let original = parse(text)?;
    let mut tokens = tokenize(text);
    let positions: Vec<usize> = license_positions(&tokens, old).collect();
    if positions.is_empty() {
        return Ok(None);
    }
    for i in positions {
        tokens[i] = Token::Word(new);
    }
    let rewritten: String = tokens
        .iter()
        .map(|token| match token {
            Token::Space(s) | Token::Word(s) => *s,
            Token::Open => "(",
            Token::Close => ")",
        })
        .collect();
    let node = parse(&rewritten)?;
    // Re-rendered only when the rewrite made a repetition the user had not written; their own
    // layout (and any repetition of their own) is otherwise left as it was.
    if has_duplicates(&node) && !has_duplicates(&original) {
        return Ok(Some(render(&simplify(node), false)));
    }
    Ok(Some(rewritten))
}

/// Whether one `AND` or `OR` (nesting of the same operator flattened) names a term twice.
fn has_duplicates(node: &Node) -> bool {
    let flat = simplify(node.clone());
    count_terms(&flat) != count_terms(&flatten_only(node.clone()))
}

fn count_terms(node: &Node) -> usize {
    match node {
        Node::And(terms) | Node::Or(terms) => terms.iter().map(count_terms).sum(),
        _ => 1,
    }
}

/// Flattens nesting of the same operator without removing anything.
fn flatten_only(node: Node) -> Node {
    match node {
        Node::And(terms) => Node::And(flatten_terms(terms, true)),
        Node::Or(terms) => Node::Or(flatten_terms(terms, false)),
        leaf => leaf,
    }
}

fn flatten_terms(terms: Vec<Node>, and: bool) -> Vec<Node> {
    let mut out = Vec::new();
    for term in terms.into_iter().map(flatten_only) {
        match (term, and) {
            (Node::And(inner), true) | (Node::Or(inner), false) => out.extend(inner),
            (other, _) => out.push(other),
        }
    }
    out
}

/// Removes repeated terms of one `AND` or `OR` (identifiers compared ignoring ASCII case), and
/// flattens nesting of the same operator.
fn simplify(node: Node) -> Node {
    match node {
        Node::And(terms) => rebuild(terms, true),
        Node::Or(terms) => rebuild(terms, false),
        leaf => leaf,
    }
}

fn rebuild(terms: Vec<Node>, and: bool) -> Node {
    let mut kept: Vec<Node> = Vec::new();
    for term in terms.into_iter().map(simplify) {
        let flat = match (term, and) {
            (Node::And(inner), true) | (Node::Or(inner), false) => inner,
            (other, _) => vec![other],
        };
        for term in flat {
            if !kept.iter().any(|k| same(k, &term)) {
                kept.push(term);
            }
        }
    }
    if kept.len() == 1 {
        kept.remove(0)
    } else if and {
        Node::And(kept)
    } else {
        Node::Or(kept)
    }
}

fn same(a: &Node, b: &Node) -> bool {
    match (a, b) {
        (Node::License(x), Node::License(y)) => x.eq_ignore_ascii_case(y),
        (Node::With(x, e), Node::With(y, f)) => {
            x.eq_ignore_ascii_case(y) && e.eq_ignore_ascii_case(f)
        }
        (Node::And(x), Node::And(y)) | (Node::Or(x), Node::Or(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        _ => false,
    }
}

fn render(node: &Node, inside_and: bool) -> String {
    match node {
        Node::License(id) => id.clone(),
        Node::With(id, exception) => format!("{id} WITH {exception}"),
        Node::And(terms) => terms
            .iter()
            .map(|t| render(t, true))
            .collect::<Vec<_>>()
            .join(" AND "),
        Node::Or(terms) => {
            let joined = terms
                .iter()
                .map(|t| render(t, false))
                .collect::<Vec<_>>()
                .join(" OR ");
            if inside_and {
                format!("({joined})")
            } else {
                joined
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rw(text: &str, old: &str, new: &str) -> Option<String> {
        rewrite(text, old, new).expect("valid")
    }

    #[test]
    fn whole_tokens_only() {
        assert_eq!(
            rw("MIT", "MIT", "Apache-2.0").as_deref(),
            Some("Apache-2.0")
        );
        assert_eq!(rw("MIT-0", "MIT", "Apache-2.0"), None);
        assert_eq!(rw("AGPL-3.0-only", "AGPL-3.0", "AGPL-3.0-or-later"), None);
        assert_eq!(
            rw("AGPL-3.0 OR MIT", "AGPL-3.0", "AGPL-3.0-only").as_deref(),
            Some("AGPL-3.0-only OR MIT")
        );
    }

    #[test]
    fn operators_parentheses_and_spacing_survive() {
        assert_eq!(
            rw("(MIT  AND BSD-3-Clause) or Zlib", "MIT", "ISC").as_deref(),
            Some("(ISC  AND BSD-3-Clause) or Zlib")
        );
        assert_eq!(
            rw(
                "GPL-2.0-or-later WITH Classpath-exception-2.0",
                "GPL-2.0-or-later",
                "GPL-3.0-or-later"
            )
            .as_deref(),
            Some("GPL-3.0-or-later WITH Classpath-exception-2.0")
        );
    }

    #[test]
    fn exceptions_are_not_licenses() {
        assert_eq!(
            rw("Apache-2.0 WITH LLVM-exception", "LLVM-exception", "MIT"),
            None
        );
    }

    #[test]
    fn duplicates_made_by_the_rewrite_are_removed() {
        assert_eq!(
            rw("MIT OR Apache-2.0", "MIT", "Apache-2.0").as_deref(),
            Some("Apache-2.0")
        );
        assert_eq!(
            rw("(MIT OR Apache-2.0) AND Zlib", "MIT", "Apache-2.0").as_deref(),
            Some("Apache-2.0 AND Zlib")
        );
    }

    #[test]
    fn nesting_and_the_users_own_repetitions_are_kept() {
        assert_eq!(
            rw("((MIT OR ISC) OR Zlib)", "MIT", "BSD-3-Clause").as_deref(),
            Some("((BSD-3-Clause OR ISC) OR Zlib)")
        );
        assert_eq!(
            rw("MIT OR MIT OR ISC", "ISC", "Zlib").as_deref(),
            Some("MIT OR MIT OR Zlib")
        );
    }

    #[test]
    fn invalid_expressions_are_refused() {
        for bad in [
            "",
            "MIT OR",
            "(MIT",
            "MIT) OR X",
            "WITH X",
            "MIT WITH",
            "A B",
        ] {
            assert!(validate(bad).is_err(), "{bad}");
            assert!(rewrite(bad, "MIT", "ISC").is_err(), "{bad}");
        }
    }

    const IDS: &[&str] = &[
        "MIT",
        "MIT-0",
        "Apache-2.0",
        "BSD-3-Clause",
        "ISC",
        "Zlib",
        "GPL-2.0-only",
        "GPL-3.0-or-later",
        "AGPL-3.0",
        "AGPL-3.0-only",
        "LGPL-2.1-or-later",
        "MPL-2.0",
    ];

    fn expression() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            4 => proptest::sample::select(IDS).prop_map(str::to_owned),
            1 => proptest::sample::select(IDS)
                .prop_map(|id| format!("{id} WITH Classpath-exception-2.0")),
        ];
        leaf.prop_recursive(3, 12, 3, |inner| {
            (
                inner.clone(),
                proptest::sample::select(&["AND", "OR"][..]),
                inner,
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})"))
        })
    }

    proptest! {
        #[test]
        fn rewriting_never_produces_an_invalid_expression(
            text in expression(),
            old in proptest::sample::select(IDS),
            new in proptest::sample::select(IDS),
        ) {
            if let Some(out) = rewrite(&text, old, new).expect("generated expressions are valid") {
                prop_assert!(validate(&out).is_ok(), "{out}");
                prop_assert!(
                    spdx::Expression::parse_mode(&out, spdx::ParseMode::LAX).is_ok(),
                    "the spdx crate refuses {out}"
                );
                prop_assert!(!mentions(&out, old) || old.eq_ignore_ascii_case(new), "{out}");
            }
        }

        #[test]
        fn rewriting_back_restores_the_original(
            text in expression(),
            old in proptest::sample::select(IDS),
            new in proptest::sample::select(IDS),
        ) {
            let parsed = parse(&text).expect("generated expressions are valid");
            prop_assume!(!has_duplicates(&parsed));
            let distinct = !mentions(&text, new) && !old.eq_ignore_ascii_case(new);
            if let (true, Some(out)) = (distinct, rewrite(&text, old, new).expect("valid")) {
                let back = rewrite(&out, new, old).expect("valid").expect("new is there");
                prop_assert_eq!(back, text);
            }
        }
    }
}
