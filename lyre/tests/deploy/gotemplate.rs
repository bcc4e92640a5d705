//! Just enough of Go's `text/template`, with the Helm functions the chart uses, to render
//! `helm/lyre` without Helm. Strict where Helm is lenient: reading a key that does not exist
//! is an error, so a template that uses an undefined value fails the test instead of
//! rendering `<no value>`.
//!
//! Supported: text with `{{- -}}` trimming, comments, `define`/`include`, `if`/`else if`/
//! `else`, `with`, `range` (with `$v :=` or `$k, $v :=`), variables (`$x := ...`, `$`),
//! fields (`.a.b`, `$x.a`), parentheses, pipes, and the functions listed in [`call`].

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

/// A set of templates sharing their `define`s.
pub struct Templates {
    files: Vec<(String, Vec<Node>)>,
    defines: HashMap<String, Vec<Node>>,
}

#[derive(Debug, Clone)]
enum Node {
    Text(String),
    Output(Pipeline),
    If(Vec<(Pipeline, Vec<Node>)>, Vec<Node>),
    With(Pipeline, Vec<Node>, Vec<Node>),
    Range(Vec<String>, Pipeline, Vec<Node>),
}

#[derive(Debug, Clone)]
struct Pipeline {
    declare: Option<String>,
    commands: Vec<Vec<Operand>>,
}

#[derive(Debug, Clone)]
enum Operand {
    Literal(Value),
    /// `.a.b`; empty for `.`.
    Field(Vec<String>),
    /// `$x.a.b`; the name is `""` for `$`.
    Var(String, Vec<String>),
    Function(String),
    Group(Pipeline),
}

impl Templates {
    /// Parses `files` (name, source); `define`s in any of them are visible to all.
    pub fn parse(files: &[(String, String)]) -> Result<Self, String> {
        let mut templates = Self {
            files: Vec::new(),
            defines: HashMap::new(),
        };
        for (name, source) in files {
            let tokens = lex(source).map_err(|e| format!("{name}: {e}"))?;
            let mut parser = Parser {
                tokens,
                at: 0,
                defines: &mut templates.defines,
            };
            let (nodes, stop) = parser.nodes().map_err(|e| format!("{name}: {e}"))?;
            if let Some(stop) = stop {
                return Err(format!("{name}: unexpected {{{{{stop}}}}}"));
            }
            templates.files.push((name.clone(), nodes));
        }
        Ok(templates)
    }

    /// Renders every file that is not a helper (`_*.tpl`), with `root` as `.`.
    pub fn render_all(&self, root: &Value) -> Result<Vec<(String, String)>, String> {
        let mut out = Vec::new();
        for (name, nodes) in &self.files {
            if name.rsplit('/').next().is_some_and(|n| n.starts_with('_')) {
                continue;
            }
            let mut text = String::new();
            let mut scope = Scope::new(root);
            self.exec(nodes, root, &mut scope, &mut text)
                .map_err(|e| format!("{name}: {e}"))?;
            out.push((name.clone(), text));
        }
        Ok(out)
    }

    fn exec(
        &self,
        nodes: &[Node],
        dot: &Value,
        scope: &mut Scope,
        out: &mut String,
    ) -> Result<(), String> {
        for node in nodes {
            match node {
                Node::Text(text) => out.push_str(text),
                Node::Output(pipeline) => {
                    let value = self.pipeline(pipeline, dot, scope)?;
                    if pipeline.declare.is_none() {
                        out.push_str(&to_text(&value));
                    }
                }
                Node::If(branches, otherwise) => {
                    let mark = scope.vars.len();
                    let mut taken = false;
                    for (condition, body) in branches {
                        if truthy(&self.pipeline(condition, dot, scope)?) {
                            self.exec(body, dot, scope, out)?;
                            taken = true;
                            break;
                        }
                    }
                    if !taken {
                        self.exec(otherwise, dot, scope, out)?;
                    }
                    scope.vars.truncate(mark);
                }
                Node::With(pipeline, body, otherwise) => {
                    let mark = scope.vars.len();
                    let value = self.pipeline(pipeline, dot, scope)?;
                    if truthy(&value) {
                        self.exec(body, &value, scope, out)?;
                    } else {
                        self.exec(otherwise, dot, scope, out)?;
                    }
                    scope.vars.truncate(mark);
                }
                Node::Range(vars, pipeline, body) => {
                    let value = self.pipeline(pipeline, dot, scope)?;
                    let entries: Vec<(Value, Value)> = match value {
                        Value::Array(items) => items
                            .into_iter()
                            .enumerate()
                            .map(|(i, v)| (Value::from(i), v))
                            .collect(),
                        Value::Object(map) => {
                            map.into_iter().map(|(k, v)| (Value::from(k), v)).collect()
                        }
                        Value::Null => Vec::new(),
                        other => return Err(format!("range over {other}")),
                    };
                    for (key, item) in entries {
                        let mark = scope.vars.len();
                        match vars.as_slice() {
                            [] => {}
                            [v] => scope.vars.push((v.clone(), item.clone())),
                            [k, v] => {
                                scope.vars.push((k.clone(), key));
                                scope.vars.push((v.clone(), item.clone()));
                            }
                            _ => return Err("range declares at most two variables".into()),
                        }
                        self.exec(body, &item, scope, out)?;
                        scope.vars.truncate(mark);
                    }
                }
            }
        }
        Ok(())
    }

    fn pipeline(
        &self,
        pipeline: &Pipeline,
        dot: &Value,
        scope: &mut Scope,
    ) -> Result<Value, String> {
        let mut piped: Option<Value> = None;
        for command in &pipeline.commands {
            piped = Some(self.command(command, dot, scope, piped)?);
        }
        let value = piped.unwrap_or(Value::Null);
        if let Some(name) = &pipeline.declare {
            scope.vars.push((name.clone(), value.clone()));
        }
        Ok(value)
    }

    fn command(
        &self,
        command: &[Operand],
        dot: &Value,
        scope: &mut Scope,
        piped: Option<Value>,
    ) -> Result<Value, String> {
        match command {
            [Operand::Function(name), args @ ..] => {
                // `and` and `or` stop at the first argument that decides, as Go's do.
                if name == "and" || name == "or" {
                    let mut last = Value::Null;
                    for arg in args {
                        last = self.operand(arg, dot, scope)?;
                        if truthy(&last) != (name == "and") {
                            return Ok(last);
                        }
                    }
                    return Ok(piped.unwrap_or(last));
                }
                let mut values = Vec::with_capacity(args.len() + 1);
                for arg in args {
                    values.push(self.operand(arg, dot, scope)?);
                }
                values.extend(piped);
                self.call(name, values, scope)
            }
            [operand] if piped.is_none() => self.operand(operand, dot, scope),
            _ => Err(format!("cannot evaluate {command:?}")),
        }
    }

    fn operand(&self, operand: &Operand, dot: &Value, scope: &mut Scope) -> Result<Value, String> {
        match operand {
            Operand::Literal(value) => Ok(value.clone()),
            Operand::Field(path) => walk(dot, path, "."),
            Operand::Var(name, path) => {
                let value = scope.get(name)?;
                walk(&value, path, &format!("${name}"))
            }
            Operand::Function(name) => self.call(name, Vec::new(), scope),
            Operand::Group(pipeline) => {
                let mark = scope.vars.len();
                let value = self.pipeline(pipeline, dot, scope);
                scope.vars.truncate(mark);
                value
            }
        }
    }

    /// The functions: Go's `and or not eq ne lt le gt ge len index printf`, and Helm's
    /// `include required fail quote default trunc trim trimSuffix hasPrefix nindent indent toYaml
    /// sha256sum dict list join`.
    fn call(&self, name: &str, args: Vec<Value>, _scope: &mut Scope) -> Result<Value, String> {
        let arity = |n: usize| -> Result<(), String> {
            if args.len() == n {
                Ok(())
            } else {
                Err(format!("{name} takes {n} arguments, got {}", args.len()))
            }
        };
        let text = |v: &Value| to_text(v);
        Ok(match name {
            "include" => {
                arity(2)?;
                let template = args[0].as_str().ok_or("include takes a template name")?;
                let body = self
                    .defines
                    .get(template)
                    .ok_or_else(|| format!("no template {template:?}"))?;
                let mut out = String::new();
                let mut scope = Scope::new(&args[1]);
                self.exec(body, &args[1], &mut scope, &mut out)
                    .map_err(|e| format!("in {template:?}: {e}"))?;
                Value::String(out)
            }
            "required" => {
                arity(2)?;
                if args[1].is_null() || args[1] == "" {
                    return Err(format!("required: {}", text(&args[0])));
                }
                args[1].clone()
            }
            "fail" => {
                arity(1)?;
                return Err(format!("fail: {}", text(&args[0])));
            }
            "not" => {
                arity(1)?;
                Value::Bool(!truthy(&args[0]))
            }
            "eq" => {
                if args.len() < 2 {
                    return Err("eq takes at least 2 arguments".into());
                }
                Value::Bool(args[1..].iter().any(|v| same(&args[0], v)))
            }
            "ne" => {
                arity(2)?;
                Value::Bool(!same(&args[0], &args[1]))
            }
            "lt" | "le" | "gt" | "ge" => {
                arity(2)?;
                let (a, b) = (number(&args[0])?, number(&args[1])?);
                Value::Bool(match name {
                    "lt" => a < b,
                    "le" => a <= b,
                    "gt" => a > b,
                    _ => a >= b,
                })
            }
            "len" => {
                arity(1)?;
                Value::from(match &args[0] {
                    Value::String(s) => s.chars().count(),
                    Value::Array(a) => a.len(),
                    Value::Object(o) => o.len(),
                    other => return Err(format!("len of {other}")),
                })
            }
            "index" => {
                let (first, keys) = args.split_first().ok_or("index takes a collection")?;
                let mut value = first.clone();
                for key in keys {
                    value = match (&value, key) {
                        (Value::Object(map), Value::String(k)) => map
                            .get(k)
                            .cloned()
                            .ok_or_else(|| format!("index: no key {k:?}"))?,
                        (Value::Array(items), Value::Number(n)) => n
                            .as_u64()
                            .and_then(|i| items.get(i as usize))
                            .cloned()
                            .ok_or_else(|| format!("index: {n} out of range"))?,
                        _ => return Err(format!("index of {value} by {key}")),
                    };
                }
                value
            }
            "printf" => {
                let (format, rest) = args.split_first().ok_or("printf takes a format")?;
                Value::String(printf(
                    format.as_str().ok_or("printf takes a format")?,
                    rest,
                )?)
            }
            "quote" => Value::String(
                args.iter()
                    .filter(|v| !v.is_null())
                    .map(|v| Value::String(text(v)).to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
            "default" => {
                if args.is_empty() || args.len() > 2 {
                    return Err("default takes 1 or 2 arguments".into());
                }
                match args.get(1) {
                    Some(given) if truthy(given) => given.clone(),
                    _ => args[0].clone(),
                }
            }
            "trunc" => {
                arity(2)?;
                let n = number(&args[0])?;
                let s = text(&args[1]);
                Value::String(if n < 0.0 {
                    s
                } else {
                    s.chars().take(n as usize).collect()
                })
            }
            "trimSuffix" => {
                arity(2)?;
                let (suffix, s) = (text(&args[0]), text(&args[1]));
                Value::String(s.strip_suffix(suffix.as_str()).unwrap_or(&s).to_owned())
            }
            "trim" => {
                arity(1)?;
                Value::String(text(&args[0]).trim().to_owned())
            }
            "hasPrefix" => {
                arity(2)?;
                Value::Bool(text(&args[1]).starts_with(text(&args[0]).as_str()))
            }
            "indent" | "nindent" => {
                arity(2)?;
                let pad = " ".repeat(number(&args[0])? as usize);
                let body = format!("{pad}{}", text(&args[1]).replace('\n', &format!("\n{pad}")));
                Value::String(if name == "nindent" {
                    format!("\n{body}")
                } else {
                    body
                })
            }
            "toYaml" => {
                arity(1)?;
                let yaml = match &args[0] {
                    Value::Object(map) if map.is_empty() => "{}".to_owned(),
                    Value::Array(items) if items.is_empty() => "[]".to_owned(),
                    Value::Null => "null".to_owned(),
                    other => serde_saphyr::to_string(other).map_err(|e| format!("toYaml: {e}"))?,
                };
                Value::String(yaml.trim_end_matches('\n').to_owned())
            }
            "sha256sum" => {
                arity(1)?;
                Value::String(
                    Sha256::digest(text(&args[0]).as_bytes())
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect(),
                )
            }
            "dict" => {
                if !args.len().is_multiple_of(2) {
                    return Err("dict takes key/value pairs".into());
                }
                let mut map = Map::new();
                for pair in args.chunks(2) {
                    map.insert(text(&pair[0]), pair[1].clone());
                }
                Value::Object(map)
            }
            "list" => Value::Array(args),
            "join" => {
                arity(2)?;
                let items = args[1].as_array().ok_or("join takes a list")?;
                Value::String(
                    items
                        .iter()
                        .map(text)
                        .collect::<Vec<_>>()
                        .join(&text(&args[0])),
                )
            }
            other => return Err(format!("function {other:?} not defined")),
        })
    }
}

/// Variables in scope, innermost last; `$` is the template's own `.`.
struct Scope {
    vars: Vec<(String, Value)>,
}

impl Scope {
    fn new(root: &Value) -> Self {
        Self {
            vars: vec![(String::new(), root.clone())],
        }
    }

    fn get(&self, name: &str) -> Result<Value, String> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| format!("undefined variable ${name}"))
    }
}

/// `value.a.b`; a missing key is an error naming the whole path.
fn walk(value: &Value, path: &[String], start: &str) -> Result<Value, String> {
    let mut value = value;
    for (i, key) in path.iter().enumerate() {
        value = value
            .as_object()
            .and_then(|map| map.get(key))
            .ok_or_else(|| {
                let shown = path[..=i].join(".");
                let sep = if start == "." { "" } else { "." };
                format!("{start}{sep}{shown} is not defined")
            })?;
    }
    Ok(value.clone())
}

fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn number(value: &Value) -> Result<f64, String> {
    value
        .as_f64()
        .ok_or_else(|| format!("{value} is not a number"))
}

/// How Go prints a value with `{{ }}` or `%v`.
fn to_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(to_text).collect::<Vec<_>>().join(" ")
        ),
        Value::Object(map) => format!(
            "map[{}]",
            map.iter()
                .map(|(k, v)| format!("{k}:{}", to_text(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

fn printf(format: &str, args: &[Value]) -> Result<String, String> {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s' | 'v' | 'd') => {
                let arg = args.next().ok_or("printf: too few arguments")?;
                write!(out, "{}", to_text(arg)).unwrap();
            }
            other => {
                return Err(format!(
                    "printf: verb %{} not supported",
                    other.unwrap_or(' ')
                ));
            }
        }
    }
    if args.next().is_some() {
        return Err("printf: too many arguments".into());
    }
    Ok(out)
}

// ---- Lexing: text and actions ----

#[derive(Debug)]
enum Token {
    Text(String),
    Action(String),
}

fn lex(source: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut rest = source;
    let mut trim_next = false;
    while !rest.is_empty() {
        let Some(open) = rest.find("{{") else {
            push_text(&mut tokens, rest, trim_next);
            break;
        };
        let mut text = &rest[..open];
        let mut inner = &rest[open + 2..];
        if let Some(after) = inner.strip_prefix("- ") {
            text = text.trim_end();
            inner = after;
        } else if inner.starts_with("-\n") || inner.starts_with("-\t") {
            text = text.trim_end();
            inner = &inner[1..];
        }
        push_text(&mut tokens, text, trim_next);
        let close = find_close(inner).ok_or("unclosed action")?;
        let mut action = &inner[..close];
        rest = &inner[close + 2..];
        trim_next = false;
        if let Some(before) = action.strip_suffix(" -") {
            action = before;
            trim_next = true;
        } else if action.ends_with("\n-") || action.ends_with("\t-") {
            action = &action[..action.len() - 1];
            trim_next = true;
        }
        let action = action.trim();
        if action.starts_with("/*") {
            if !action.ends_with("*/") {
                return Err(format!("unclosed comment {action:?}"));
            }
            continue;
        }
        tokens.push(Token::Action(action.to_owned()));
    }
    Ok(tokens)
}

fn push_text(tokens: &mut Vec<Token>, text: &str, trim_start: bool) {
    let text = if trim_start { text.trim_start() } else { text };
    if !text.is_empty() {
        tokens.push(Token::Text(text.to_owned()));
    }
}

/// Where `}}` closes an action, skipping quoted strings and comments.
fn find_close(inner: &str) -> Option<usize> {
    if inner.trim_start().starts_with("/*") {
        let end = inner.find("*/")?;
        return inner[end..].find("}}").map(|i| end + i);
    }
    let bytes = inner.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        match (quote, bytes[i]) {
            (Some(b'"'), b'\\') => i += 1,
            (Some(q), c) if c == q => quote = None,
            (None, b'"' | b'`') => quote = Some(bytes[i]),
            (None, b'}') if bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

// ---- Parsing ----

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    defines: &'a mut HashMap<String, Vec<Node>>,
}

impl Parser<'_> {
    /// Nodes up to the end of input or to an `end`/`else...` action, which is returned.
    fn nodes(&mut self) -> Result<(Vec<Node>, Option<String>), String> {
        let mut nodes = Vec::new();
        while self.at < self.tokens.len() {
            let token = &self.tokens[self.at];
            self.at += 1;
            let action = match token {
                Token::Text(text) => {
                    nodes.push(Node::Text(text.clone()));
                    continue;
                }
                Token::Action(action) => action.clone(),
            };
            let (word, rest) = split_word(&action);
            match word {
                "end" | "else" => return Ok((nodes, Some(action))),
                "define" => {
                    let name = match words(rest)?.as_slice() {
                        [Word::Str(name)] => name.clone(),
                        _ => return Err(format!("bad define {rest:?}")),
                    };
                    let (body, stop) = self.nodes()?;
                    if stop.as_deref() != Some("end") {
                        return Err(format!("define {name:?} not closed by end"));
                    }
                    self.defines.insert(name, body);
                }
                "if" => nodes.push(self.if_chain(rest)?),
                "with" => {
                    let pipeline = pipeline(rest)?;
                    let (body, stop) = self.nodes()?;
                    let otherwise = match stop.as_deref() {
                        Some("end") => Vec::new(),
                        Some("else") => self.until_end()?,
                        other => return Err(format!("with closed by {other:?}")),
                    };
                    nodes.push(Node::With(pipeline, body, otherwise));
                }
                "range" => {
                    let (vars, rest) = match rest.split_once(":=") {
                        Some((vars, rest)) => (
                            vars.split(',')
                                .map(|v| {
                                    v.trim()
                                        .strip_prefix('$')
                                        .map(str::to_owned)
                                        .ok_or_else(|| format!("bad range variable {v:?}"))
                                })
                                .collect::<Result<Vec<_>, _>>()?,
                            rest,
                        ),
                        None => (Vec::new(), rest),
                    };
                    let pipeline = pipeline(rest)?;
                    let body = self.until_end()?;
                    nodes.push(Node::Range(vars, pipeline, body));
                }
                "template" | "block" => {
                    return Err(format!("{word} is not supported; use include"));
                }
                _ => nodes.push(Node::Output(pipeline(&action)?)),
            }
        }
        Ok((nodes, None))
    }

    fn until_end(&mut self) -> Result<Vec<Node>, String> {
        match self.nodes()? {
            (body, Some(stop)) if stop == "end" => Ok(body),
            (_, stop) => Err(format!("expected end, found {stop:?}")),
        }
    }

    fn if_chain(&mut self, condition: &str) -> Result<Node, String> {
        let mut branches = Vec::new();
        let mut condition = pipeline(condition)?;
        loop {
            let (body, stop) = self.nodes()?;
            branches.push((condition, body));
            let stop = stop.ok_or("if not closed by end")?;
            if stop == "end" {
                return Ok(Node::If(branches, Vec::new()));
            }
            let (_, after_else) = split_word(&stop);
            let (word, rest) = split_word(after_else);
            if word == "if" {
                condition = pipeline(rest)?;
                continue;
            }
            if !after_else.is_empty() {
                return Err(format!("bad else {stop:?}"));
            }
            return Ok(Node::If(branches, self.until_end()?));
        }
    }
}

fn split_word(action: &str) -> (&str, &str) {
    let action = action.trim();
    match action.find(char::is_whitespace) {
        Some(i) => (&action[..i], action[i..].trim_start()),
        None => (action, ""),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Word {
    Str(String),
    Number(f64),
    Dot(Vec<String>),
    Var(String, Vec<String>),
    Ident(String),
    Pipe,
    Open,
    Close,
    Declare,
}

fn words(text: &str) -> Result<Vec<Word>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let path = |chars: &[char], i: &mut usize| -> Vec<String> {
        let mut parts = Vec::new();
        while *i < chars.len() && chars[*i] == '.' {
            *i += 1;
            let start = *i;
            while *i < chars.len() && (chars[*i].is_alphanumeric() || chars[*i] == '_') {
                *i += 1;
            }
            if *i > start {
                parts.push(chars[start..*i].iter().collect());
            }
        }
        parts
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '|' => {
                out.push(Word::Pipe);
                i += 1;
            }
            '(' => {
                out.push(Word::Open);
                i += 1;
            }
            ')' => {
                out.push(Word::Close);
                i += 1;
            }
            ':' if chars.get(i + 1) == Some(&'=') => {
                out.push(Word::Declare);
                i += 2;
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unclosed string".into()),
                        Some('"') => break,
                        Some('\\') => {
                            i += 1;
                            match chars.get(i) {
                                Some('n') => s.push('\n'),
                                Some('t') => s.push('\t'),
                                Some(&c) => s.push(c),
                                None => return Err("unclosed string".into()),
                            }
                        }
                        Some(&c) => s.push(c),
                    }
                    i += 1;
                }
                i += 1;
                out.push(Word::Str(s));
            }
            '`' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '`')
                    .ok_or("unclosed raw string")?;
                out.push(Word::Str(chars[i + 1..i + 1 + end].iter().collect()));
                i += end + 2;
            }
            '.' => out.push(Word::Dot(path(&chars, &mut i))),
            '$' => {
                i += 1;
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let name = chars[start..i].iter().collect();
                out.push(Word::Var(name, path(&chars, &mut i)));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let s: String = chars[start..i].iter().collect();
                out.push(Word::Number(
                    s.parse().map_err(|_| format!("bad number {s:?}"))?,
                ));
            }
            c if c.is_alphabetic() => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                out.push(Word::Ident(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected {other:?} in {text:?}")),
        }
    }
    Ok(out)
}

fn pipeline(text: &str) -> Result<Pipeline, String> {
    let words = words(text)?;
    let mut at = 0;
    let pipeline = parse_pipeline(&words, &mut at)?;
    if at != words.len() {
        return Err(format!("unexpected {:?} in {text:?}", words[at]));
    }
    Ok(pipeline)
}

fn parse_pipeline(words: &[Word], at: &mut usize) -> Result<Pipeline, String> {
    let mut declare = None;
    if let (Some(Word::Var(name, path)), Some(Word::Declare)) = (words.get(*at), words.get(*at + 1))
    {
        if !path.is_empty() {
            return Err(format!("cannot declare ${name}.{}", path.join(".")));
        }
        declare = Some(name.clone());
        *at += 2;
    }
    let mut commands = vec![Vec::new()];
    while let Some(word) = words.get(*at) {
        *at += 1;
        let operand = match word {
            Word::Close => {
                *at -= 1;
                break;
            }
            Word::Pipe => {
                commands.push(Vec::new());
                continue;
            }
            Word::Open => {
                let inner = parse_pipeline(words, at)?;
                if words.get(*at) != Some(&Word::Close) {
                    return Err("unclosed (".into());
                }
                *at += 1;
                Operand::Group(inner)
            }
            Word::Declare => return Err("unexpected :=".into()),
            Word::Str(s) => Operand::Literal(Value::from(s.clone())),
            Word::Number(n) => Operand::Literal(if n.fract() == 0.0 {
                Value::from(*n as i64)
            } else {
                Value::from(*n)
            }),
            Word::Dot(path) => Operand::Field(path.clone()),
            Word::Var(name, path) => Operand::Var(name.clone(), path.clone()),
            Word::Ident(name) => match name.as_str() {
                "true" => Operand::Literal(Value::Bool(true)),
                "false" => Operand::Literal(Value::Bool(false)),
                "nil" => Operand::Literal(Value::Null),
                _ => Operand::Function(name.clone()),
            },
        };
        commands.last_mut().unwrap().push(operand);
    }
    if commands.iter().any(Vec::is_empty) {
        return Err("empty command in pipeline".into());
    }
    Ok(Pipeline { declare, commands })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(source: &str, root: &Value) -> Result<String, String> {
        let templates = Templates::parse(&[("t.yaml".into(), source.into())])?;
        Ok(templates.render_all(root)?.remove(0).1)
    }

    #[test]
    fn renders_what_the_chart_uses() {
        let root =
            serde_json::json!({"Values": {"a": {"b": "x"}, "n": 3, "l": ["p", "q"], "e": ""}});
        assert_eq!(
            render("k: {{ .Values.a.b | quote }}", &root).unwrap(),
            "k: \"x\""
        );
        assert_eq!(
            render(
                "a\n  {{- if .Values.e }}no{{ else if .Values.n }}yes{{ end -}}\n b",
                &root
            )
            .unwrap(),
            "ayesb"
        );
        assert_eq!(
            render(
                "{{ range $i, $v := .Values.l }}{{ $i }}={{ $v }};{{ end }}",
                &root
            )
            .unwrap(),
            "0=p;1=q;"
        );
        assert_eq!(render("{{ define \"x\" }}[{{ .k }}]{{ end }}{{ include \"x\" (dict \"k\" .Values.n) | nindent 2 }}", &root).unwrap(), "\n  [3]");
        assert_eq!(
            render(
                "{{ $x := printf \"%s-%v\" .Values.a.b .Values.n }}{{ $x | upper }}",
                &root
            )
            .unwrap_err(),
            "t.yaml: function \"upper\" not defined"
        );
        assert_eq!(
            render(
                "{{ .Values.e | default \"d\" }}/{{ join \",\" .Values.l }}",
                &root
            )
            .unwrap(),
            "d/p,q"
        );
        assert_eq!(
            render("{{ and false .Values.missing }}", &root).unwrap(),
            "false"
        );
        assert!(
            render("{{ .Values.a.c }}", &root)
                .unwrap_err()
                .contains(".Values.a.c is not defined")
        );
        assert!(
            render("{{ required \"give e\" .Values.e }}", &root)
                .unwrap_err()
                .contains("give e")
        );
    }
}
