//! A rough estimate of what one iteration of the split loop costs, in "operations": below a
//! number of iterations where the threads' start-up is not repaid, `NAME_grad` runs serially
//! (`grad_runtime::__private::min_len_for` turns the estimate into that number).
//!
//! Arithmetic, comparisons, indexing and cheap float methods count 1; transcendental methods
//! (`exp`, `ln`, `tanh`, ...) 8; calls of functions 10 plus their arguments; the body of a loop
//! or of a reduction nested in the iteration 16 times (its trip count is not known at compile
//! time). It errs on the side of a serial run for cheap bodies: `parallel(min_len = N)` overrides
//! it.

use syn::visit::Visit;

/// Times a nested loop's body is counted.
const NESTED_TRIPS: usize = 16;

const TRANSCENDENTAL: &[&str] = &[
    "exp", "exp2", "exp_m1", "ln", "log", "log2", "log10", "ln_1p", "powf", "sin", "cos", "tan",
    "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "cbrt",
    "hypot", "sin_cos",
];

const REDUCTIONS: &[&str] = &["sum", "product", "fold", "max_by", "min_by", "for_each"];

/// The estimated operations of one run of `b`, at least 1.
pub fn of_block(b: &syn::Block) -> usize {
    let mut c = Count(0);
    c.visit_block(b);
    c.0.max(1)
}

struct Count(usize);

impl Count {
    fn nested(&mut self, f: impl FnOnce(&mut Count)) {
        let mut inner = Count(0);
        f(&mut inner);
        self.0 = self.0.saturating_add(inner.0.saturating_mul(NESTED_TRIPS));
    }
}

impl<'ast> Visit<'ast> for Count {
    fn visit_expr_binary(&mut self, b: &'ast syn::ExprBinary) {
        self.0 += 1;
        syn::visit::visit_expr_binary(self, b);
    }
    fn visit_expr_unary(&mut self, u: &'ast syn::ExprUnary) {
        self.0 += 1;
        syn::visit::visit_expr_unary(self, u);
    }
    fn visit_expr_index(&mut self, i: &'ast syn::ExprIndex) {
        self.0 += 1;
        syn::visit::visit_expr_index(self, i);
    }
    fn visit_expr_assign(&mut self, a: &'ast syn::ExprAssign) {
        self.0 += 1;
        syn::visit::visit_expr_assign(self, a);
    }
    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        self.0 += 10;
        syn::visit::visit_expr_call(self, c);
    }
    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let name = m.method.to_string();
        if REDUCTIONS.contains(&name.as_str()) {
            // `x.iter().map(|v| ..).sum()`: the chain's closures run per element.
            self.nested(|inner| syn::visit::visit_expr_method_call(inner, m));
            return;
        }
        self.0 += if TRANSCENDENTAL.contains(&name.as_str()) {
            8
        } else {
            1
        };
        syn::visit::visit_expr_method_call(self, m);
    }
    fn visit_expr_for_loop(&mut self, f: &'ast syn::ExprForLoop) {
        self.visit_expr(&f.expr);
        self.nested(|inner| inner.visit_block(&f.body));
    }
    fn visit_expr_while(&mut self, w: &'ast syn::ExprWhile) {
        self.nested(|inner| syn::visit::visit_expr_while(inner, w));
    }
    fn visit_expr_loop(&mut self, l: &'ast syn::ExprLoop) {
        self.nested(|inner| syn::visit::visit_expr_loop(inner, l));
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

#[cfg(test)]
mod tests {
    fn cost(body: &str) -> usize {
        super::of_block(&syn::parse_str(body).unwrap())
    }

    #[test]
    fn nested_loops_and_calls_weigh_more() {
        let flat = cost("{ loss += x[i] * x[i]; }");
        let nested = cost("{ let mut p = 0.0; for j in 0..d { p += x[i * d + j] * w[j]; } loss += (y[i] - p).powi(2); }");
        let call = cost("{ loss += sigmoid(x[i]); }");
        let exp = cost("{ loss += x[i].exp(); }");
        assert!(
            flat < exp && exp < call && call < nested,
            "{flat} {exp} {call} {nested}"
        );
        assert_eq!(cost("{}"), 1);
    }
}
