//! `--jq EXPR`: filters output with jaq, a maintained jq implementation in
//! Rust (no shell-out, no jq binary needed).

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Ctx, Vars, data, unwrap_valr};
use jaq_json::Val;

use crate::error::{CliError, Result};

type Filter = jaq_core::compile::Filter<jaq_core::Native<data::JustLut<Val>>>;

/// A compiled filter, run once per output document.
pub struct Jq {
    filter: Filter,
}

impl Jq {
    /// Compiles `code`; a syntax error or an unknown function is a usage error.
    pub fn compile(code: &str) -> Result<Self> {
        let defs = jaq_core::defs().chain(jaq_std::defs()).chain(jaq_json::defs());
        let funs = jaq_core::funs().chain(jaq_std::funs()).chain(jaq_json::funs());
        let loader = Loader::new(defs);
        let arena = Arena::default();
        let invalid = || CliError::usage(format!("`--jq {code}` is not a valid jq filter"));
        let modules = loader.load(&arena, File { code, path: () }).map_err(|errors| {
            let detail: Vec<String> = errors.iter().map(|(_, e)| format!("{e:?}")).collect();
            invalid().hint(format!("parse error: {}", detail.join("; ")))
        })?;
        let filter = jaq_core::Compiler::default().with_funs(funs).compile(modules).map_err(|errors| {
            let names: Vec<String> =
                errors.iter().flat_map(|(_, errs)| errs.iter().map(|(name, _)| (*name).to_owned())).collect();
            invalid().hint(format!("unknown names: {}", names.join(", ")))
        })?;
        Ok(Self { filter })
    }

    /// Runs the filter over one document; each result is one output value.
    pub fn run(&self, input: &serde_json::Value) -> Result<Vec<serde_json::Value>> {
        let bytes = serde_json::to_vec(input).map_err(|e| CliError::failure(e.to_string()))?;
        let input = jaq_json::read::parse_single(&bytes).map_err(|e| CliError::failure(format!("jq input: {e}")))?;
        let ctx = Ctx::<data::JustLut<Val>>::new(&self.filter.lut, Vars::new([]));
        let mut out = Vec::new();
        for value in self.filter.id.run((ctx, input)).map(unwrap_valr) {
            let value = value.map_err(|e| CliError::usage(format!("--jq failed: {e}")))?;
            let text = value.to_string();
            out.push(serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::Jq;
    use serde_json::json;

    #[test]
    fn filters_select_and_map() {
        let jq = Jq::compile(".[] | select(.n > 1) | .id").unwrap();
        let out = jq.run(&json!([{"id": "a", "n": 1}, {"id": "b", "n": 2}, {"id": "c", "n": 3}])).unwrap();
        assert_eq!(out, vec![json!("b"), json!("c")]);
    }

    #[test]
    fn keeps_large_integers_exact() {
        let jq = Jq::compile(".fingerprint").unwrap();
        let out = jq.run(&json!({"fingerprint": 170000000000123456u64})).unwrap();
        assert_eq!(out, vec![json!(170000000000123456u64)]);
    }

    #[test]
    fn refuses_bad_syntax_and_unknown_functions() {
        assert!(Jq::compile(".[ | ").is_err());
        assert!(Jq::compile("no_such_function").is_err());
    }
}
