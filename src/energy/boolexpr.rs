//! Liberty boolean `function` expressions and their truth tables.
//!
//! Syntax (Liberty User Guide, precedence as in OpenSTA's expression grammar, tightest first):
//! postfix `'` and prefix `!` (not), `^` (xor), `&`, `*` or juxtaposition (and), `|`, `+` (or);
//! parentheses; constants `0` and `1`; identifiers such as `A`, `A_N`, `IQ`, `D[0]`.
//!
//! A truth table over `n ≤ 6` variables is a `u64`: bit `i` is the value for the assignment in
//! which variable `j` equals bit `j` of `i`.

/// Largest number of variables a truth table holds.
pub const MAX_VARS: usize = 6;

/// Longest `function` string accepted (real ones are a few dozen characters); it bounds the
/// depth of the expression tree and so the stack its recursive walks use.
pub const MAX_EXPR_LEN: usize = 1000;

/// A parsed boolean expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// `0` or `1`.
    Const(bool),
    /// A pin or state variable.
    Var(String),
    /// `!e`, `e'`.
    Not(Box<Expr>),
    /// `a & b`, `a * b`, `a b`.
    And(Box<Expr>, Box<Expr>),
    /// `a | b`, `a + b`.
    Or(Box<Expr>, Box<Expr>),
    /// `a ^ b`.
    Xor(Box<Expr>, Box<Expr>),
}

/// All-ones mask of a table over `n` variables.
pub fn ones(n: usize) -> u64 {
    debug_assert!(n <= MAX_VARS);
    if n == MAX_VARS {
        !0
    } else {
        (1u64 << (1 << n)) - 1
    }
}

/// Table of variable `j` among `n`.
pub fn var_table(j: usize, n: usize) -> u64 {
    (0..1usize << n)
        .filter(|i| (i >> j) & 1 == 1)
        .fold(0, |t, i| t | 1 << i)
}

impl Expr {
    /// Parse a Liberty function string (quotes already removed).
    pub fn parse(s: &str) -> Result<Expr, String> {
        if s.len() > MAX_EXPR_LEN {
            return Err(format!(
                "expression of {} bytes is longer than the {MAX_EXPR_LEN} accepted",
                s.len()
            ));
        }
        let mut p = Parser {
            s: s.as_bytes(),
            i: 0,
        };
        let e = p.or()?;
        p.ws();
        if p.i < p.s.len() {
            return Err(format!(
                "unexpected {:?} at offset {} in {s:?}",
                p.s[p.i] as char, p.i
            ));
        }
        Ok(e)
    }

    /// Variables in first-appearance order.
    pub fn vars(&self) -> Vec<String> {
        let mut v = Vec::new();
        self.collect(&mut v);
        v
    }

    fn collect(&self, v: &mut Vec<String>) {
        match self {
            Expr::Const(_) => {}
            Expr::Var(n) => {
                if !v.contains(n) {
                    v.push(n.clone());
                }
            }
            Expr::Not(e) => e.collect(v),
            Expr::And(a, b) | Expr::Or(a, b) | Expr::Xor(a, b) => {
                a.collect(v);
                b.collect(v);
            }
        }
    }

    /// Evaluate bitwise with `var` giving each variable's table; `all` is the all-ones mask.
    /// `Err(name)` for a variable `var` does not know.
    pub fn eval(&self, var: &dyn Fn(&str) -> Option<u64>, all: u64) -> Result<u64, String> {
        Ok(match self {
            Expr::Const(b) => {
                if *b {
                    all
                } else {
                    0
                }
            }
            Expr::Var(n) => var(n).ok_or_else(|| n.clone())?,
            Expr::Not(e) => !e.eval(var, all)? & all,
            Expr::And(a, b) => a.eval(var, all)? & b.eval(var, all)?,
            Expr::Or(a, b) => a.eval(var, all)? | b.eval(var, all)?,
            Expr::Xor(a, b) => a.eval(var, all)? ^ b.eval(var, all)?,
        })
    }

    /// Truth table over `vars` (variable `j` = `vars[j]`); `Err(name)` for a variable not in
    /// `vars`.
    pub fn table(&self, vars: &[String]) -> Result<u64, String> {
        let n = vars.len();
        assert!(
            n <= MAX_VARS,
            "truth tables hold at most {MAX_VARS} variables"
        );
        let var = |name: &str| vars.iter().position(|v| v == name).map(|j| var_table(j, n));
        self.eval(&var, ones(n))
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && (self.s[self.i] as char).is_whitespace() {
            self.i += 1;
        }
    }
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }
    fn or(&mut self) -> Result<Expr, String> {
        let mut e = self.and()?;
        while let Some(b'|' | b'+') = self.peek() {
            self.i += 1;
            e = Expr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }
    fn and(&mut self) -> Result<Expr, String> {
        let mut e = self.xor()?;
        loop {
            match self.peek() {
                Some(b'&' | b'*') => self.i += 1,
                // Juxtaposition: another operand follows directly.
                Some(c) if c == b'!' || c == b'(' || is_ident(c) => {}
                _ => return Ok(e),
            }
            e = Expr::And(Box::new(e), Box::new(self.xor()?));
        }
    }
    fn xor(&mut self) -> Result<Expr, String> {
        let mut e = self.unary()?;
        while let Some(b'^') = self.peek() {
            self.i += 1;
            e = Expr::Xor(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }
    fn unary(&mut self) -> Result<Expr, String> {
        let mut e = match self.peek() {
            Some(b'!') => {
                self.i += 1;
                Expr::Not(Box::new(self.unary()?))
            }
            Some(b'(') => {
                self.i += 1;
                let e = self.or()?;
                if self.peek() != Some(b')') {
                    return Err(format!("missing ')' at offset {}", self.i));
                }
                self.i += 1;
                e
            }
            Some(c) if is_ident(c) => {
                let start = self.i;
                while self.i < self.s.len() && is_ident(self.s[self.i]) {
                    self.i += 1;
                }
                match &self.s[start..self.i] {
                    b"0" => Expr::Const(false),
                    b"1" => Expr::Const(true),
                    w => Expr::Var(String::from_utf8_lossy(w).into_owned()),
                }
            }
            Some(c) => return Err(format!("unexpected {:?} at offset {}", c as char, self.i)),
            None => return Err("unexpected end of expression".into()),
        };
        while self.peek() == Some(b'\'') {
            self.i += 1;
            e = Expr::Not(Box::new(e));
        }
        Ok(e)
    }
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'[' | b']' | b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str, vars: &[&str]) -> u64 {
        let v: Vec<String> = vars.iter().map(|s| s.to_string()).collect();
        Expr::parse(s).unwrap().table(&v).unwrap()
    }

    #[test]
    fn every_liberty_spelling_of_and_or_not_gives_the_same_table() {
        let and_not = t("A & !B", &["A", "B"]);
        assert_eq!(and_not, 0b0010);
        for s in ["A*!B", "A B'", "(A)&(!B)", "A !B", "!(!A | B)", "A&B' "] {
            assert_eq!(t(s, &["A", "B"]), and_not, "{s}");
        }
        assert_eq!(t("(!A) + (!B)", &["A", "B"]), 0b0111);
        assert_eq!(t("A ^ B", &["A", "B"]), 0b0110);
        assert_eq!(t("1", &["A"]), 0b11);
        assert_eq!(t("0 | A", &["A"]), 0b10);
    }

    #[test]
    fn xor_binds_tighter_than_and_which_binds_tighter_than_or() {
        // A | B & C ^ D = A | (B & (C ^ D))
        let v = ["A", "B", "C", "D"];
        assert_eq!(t("A | B & C ^ D", &v), t("A | (B & (C ^ D))", &v));
        assert_eq!(t("A + B C", &v), t("A | (B & C)", &v));
    }

    #[test]
    fn malformed_expressions_and_unknown_variables_are_errors() {
        for s in ["A &", "(A", "A # B", ""] {
            assert!(Expr::parse(s).is_err(), "{s}");
        }
        let e = Expr::parse("A & Z").unwrap();
        assert_eq!(e.table(&["A".into()]), Err("Z".into()));
        assert_eq!(e.vars(), vec!["A".to_string(), "Z".to_string()]);
    }

    #[test]
    fn expressions_past_the_length_limit_are_errors_and_within_it_parse_on_a_small_stack() {
        let deep = format!("{}A{}", "(".repeat(499), ")".repeat(499));
        let long_chain = vec!["A"; MAX_EXPR_LEN / 2].join("&");
        let nots = format!("{}A", "!".repeat(MAX_EXPR_LEN - 1));
        // A thread with a quarter of the default stack still walks the deepest accepted trees.
        std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(move || {
                for s in [deep, long_chain, nots] {
                    let e = Expr::parse(&s).unwrap();
                    e.table(&["A".into()]).unwrap();
                }
            })
            .unwrap()
            .join()
            .unwrap();
        let e = Expr::parse(&"!".repeat(100_000)).unwrap_err();
        assert!(e.contains("longer than"), "{e}");
    }
}
