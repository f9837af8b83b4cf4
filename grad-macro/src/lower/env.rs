//! Lexical scopes: what each user name stands for at the current point of the body.

pub use crate::ir::SeqId;
use crate::ir::ValId;
use proc_macro2::Ident;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Binding {
    /// An SSA value; reassignment rebinds the name to a new value.
    Val(ValId),
    /// A float sequence.
    Seq(SeqId),
    /// Declared with `let x;` and not assigned yet.
    Uninit,
    /// Its initializer was rejected with an error already: uses report nothing more.
    Poisoned,
}

#[derive(Clone, Default)]
pub struct Env {
    scopes: Vec<Vec<(Ident, Binding)>>,
}

impl Env {
    pub fn push(&mut self) {
        self.scopes.push(Vec::new());
    }

    pub fn pop(&mut self) {
        self.scopes.pop();
    }

    /// How many scopes are open.
    pub fn depth(&self) -> usize {
        self.scopes.len()
    }

    /// Closes every scope opened after the first `depth`.
    pub fn truncate(&mut self, depth: usize) {
        self.scopes.truncate(depth);
    }

    pub fn declare(&mut self, name: Ident, b: Binding) {
        self.scopes
            .last_mut()
            .expect("a scope is open")
            .push((name, b));
    }

    pub fn lookup(&self, name: &Ident) -> Option<Binding> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|(n, _)| n == name)
            .map(|(_, b)| *b)
    }

    /// Where the innermost declaration of `name` sits: `(scope, position in it)`.
    pub fn position(&self, name: &Ident) -> Option<(usize, usize)> {
        self.scopes
            .iter()
            .enumerate()
            .rev()
            .find_map(|(k, s)| s.iter().rposition(|(n, _)| n == name).map(|p| (k, p)))
    }

    /// Rebinds the innermost variable called `name`; false when there is none.
    pub fn assign(&mut self, name: &Ident, b: Binding) -> bool {
        for scope in self.scopes.iter_mut().rev() {
            if let Some(slot) = scope.iter_mut().rev().find(|(n, _)| n == name) {
                slot.1 = b;
                return true;
            }
        }
        false
    }

    /// The bindings that either branch changed (`self` is the then branch, `other` the else
    /// branch, `base` the environment before the `if`; all of the same shape once the branches'
    /// own scopes are closed): `(scope, index, then, else)`. Both branches assigning the same
    /// value (`let y; if c { y = x; } else { y = x; }`) counts as a change.
    pub fn diff(&self, other: &Env, base: &Env) -> Vec<(usize, usize, Binding, Binding)> {
        let mut out = Vec::new();
        for (si, ((a, b), c)) in self
            .scopes
            .iter()
            .zip(&other.scopes)
            .zip(&base.scopes)
            .enumerate()
        {
            for (vi, (((_, ba), (_, bb)), (_, bc))) in a.iter().zip(b).zip(c).enumerate() {
                if ba != bb || ba != bc {
                    out.push((si, vi, *ba, *bb));
                }
            }
        }
        out
    }

    pub fn set_at(&mut self, scope: usize, index: usize, b: Binding) {
        self.scopes[scope][index].1 = b;
    }
}
