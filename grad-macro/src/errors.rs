//! Errors are data: every problem found in a function is collected with its span and reported
//! together, so one build shows all of them (serde's `Ctxt`, with `syn::Error::combine`).

use proc_macro2::Span;
use std::cell::RefCell;

/// Collects errors while the input is checked and lowered.
#[derive(Default)]
pub struct Errors {
    errors: RefCell<Vec<syn::Error>>,
}

/// The message with the names the expansion made shown as the user wrote them.
fn for_user(message: impl std::fmt::Display) -> String {
    crate::naming::for_user(&message.to_string())
}

impl Errors {
    pub fn push(&self, span: Span, message: impl std::fmt::Display) {
        self.errors
            .borrow_mut()
            .push(syn::Error::new(span, for_user(message)));
    }

    pub fn push_spanned(&self, tokens: impl quote::ToTokens, message: impl std::fmt::Display) {
        self.errors
            .borrow_mut()
            .push(syn::Error::new_spanned(tokens, for_user(message)));
    }

    pub fn push_error(&self, error: syn::Error) {
        self.errors.borrow_mut().push(error);
    }

    pub fn len(&self) -> usize {
        self.errors.borrow().len()
    }

    /// Forgets the errors after the first `n` (a lowering attempt that is redone).
    pub fn truncate(&self, n: usize) {
        self.errors.borrow_mut().truncate(n);
    }

    pub fn is_empty(&self) -> bool {
        self.errors.borrow().is_empty()
    }

    /// All collected errors as one, or `None` when there were none.
    pub fn combined(self) -> Option<syn::Error> {
        let mut all = self.errors.into_inner().into_iter();
        let mut first = all.next()?;
        for e in all {
            first.combine(e);
        }
        Some(first)
    }
}
