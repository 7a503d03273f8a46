//! Arbitrary-precision-enough decimals with the semantics of Elixir's
//! `Decimal` library: a sign, an integer coefficient and a base-10 exponent,
//! kept unnormalised (`Decimal.new("1.50")` keeps its trailing zero).

use std::cmp::Ordering;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// 1 or -1
    pub sign: i8,
    pub coef: u128,
    pub exp: i32,
}

impl Decimal {
    pub fn from_i64(i: i64) -> Decimal {
        Decimal { sign: if i < 0 { -1 } else { 1 }, coef: i.unsigned_abs() as u128, exp: 0 }
    }

    /// Parses Decimal's string syntax: `-12.50`, `1e3`, `.5`, `+3`.
    pub fn parse(s: &str) -> Option<Decimal> {
        let s = s.trim();
        let (sign, rest) = match s.as_bytes().first()? {
            b'-' => (-1, &s[1..]),
            b'+' => (1, &s[1..]),
            _ => (1, s),
        };
        let (mant, exp_part) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (int, frac) = match mant.find('.') {
            Some(i) => (&mant[..i], &mant[i + 1..]),
            None => (mant, ""),
        };
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().chain(frac.bytes()).all(|c| c.is_ascii_digit()) {
            return None;
        }
        let digits = format!("{int}{frac}");
        let coef: u128 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
        let mut exp = -(frac.len() as i32);
        if let Some(e) = exp_part {
            let e: i32 = e.parse().ok()?;
            exp += e;
        }
        Some(Decimal { sign, coef, exp })
    }

    /// `Decimal.from_float/1`: the shortest decimal that round-trips.
    pub fn from_f64(f: f64) -> Decimal {
        let s = format!("{f:e}");
        Decimal::parse(&s).unwrap_or(Decimal::from_i64(0))
    }

    pub fn is_zero(&self) -> bool {
        self.coef == 0
    }

    /// `Decimal.to_string(d, :scientific)` (the default).
    pub fn to_scientific(&self) -> String {
        let coef = self.coef.to_string();
        let mut out = String::new();
        if self.sign < 0 {
            out.push('-');
        }
        let adjusted = self.exp as i64 + coef.len() as i64 - 1;
        if self.exp <= 0 && adjusted >= -6 {
            if self.exp == 0 {
                out.push_str(&coef);
            } else {
                let e = (-self.exp) as usize;
                if coef.len() > e {
                    out.push_str(&coef[..coef.len() - e]);
                    out.push('.');
                    out.push_str(&coef[coef.len() - e..]);
                } else {
                    out.push_str("0.");
                    out.push_str(&"0".repeat(e - coef.len()));
                    out.push_str(&coef);
                }
            }
        } else {
            out.push_str(&coef[..1]);
            if coef.len() > 1 {
                out.push('.');
                out.push_str(&coef[1..]);
            }
            out.push('E');
            if adjusted >= 0 {
                out.push('+');
            }
            out.push_str(&adjusted.to_string());
        }
        out
    }

    /// `Decimal.to_string(d, :normal)`.
    pub fn to_normal(&self) -> String {
        let coef = self.coef.to_string();
        let mut out = String::new();
        if self.sign < 0 {
            out.push('-');
        }
        if self.exp >= 0 {
            out.push_str(&coef);
            out.push_str(&"0".repeat(self.exp as usize));
        } else {
            let e = (-self.exp) as usize;
            if coef.len() > e {
                out.push_str(&coef[..coef.len() - e]);
                out.push('.');
                out.push_str(&coef[coef.len() - e..]);
            } else {
                out.push_str("0.");
                out.push_str(&"0".repeat(e - coef.len()));
                out.push_str(&coef);
            }
        }
        out
    }

    pub fn to_f64(&self) -> f64 {
        self.to_normal().parse().unwrap_or(0.0)
    }

    /// Both coefficients scaled to the smaller exponent.
    fn aligned(&self, other: &Decimal) -> Option<(i128, i128, i32)> {
        let exp = self.exp.min(other.exp);
        let a = scale(self.coef, (self.exp - exp) as u32)? as i128 * self.sign as i128;
        let b = scale(other.coef, (other.exp - exp) as u32)? as i128 * other.sign as i128;
        Some((a, b, exp))
    }

    /// Numeric comparison (`Decimal.compare/2`).
    pub fn cmp_value(&self, other: &Decimal) -> Ordering {
        match self.aligned(other) {
            Some((a, b, _)) => a.cmp(&b),
            None => self.to_f64().partial_cmp(&other.to_f64()).unwrap_or(Ordering::Equal),
        }
    }

    /// Term order of the `%Decimal{}` struct (coef, exp, sign fields).
    pub fn cmp_structural(&self, other: &Decimal) -> Ordering {
        (self.coef, self.exp, self.sign).cmp(&(other.coef, other.exp, other.sign))
    }

    fn from_i128(v: i128, exp: i32) -> Decimal {
        Decimal { sign: if v < 0 { -1 } else { 1 }, coef: v.unsigned_abs(), exp }
    }

    pub fn add(&self, other: &Decimal) -> Option<Decimal> {
        let (a, b, exp) = self.aligned(other)?;
        Some(Decimal::from_i128(a.checked_add(b)?, exp))
    }

    pub fn sub(&self, other: &Decimal) -> Option<Decimal> {
        let (a, b, exp) = self.aligned(other)?;
        Some(Decimal::from_i128(a.checked_sub(b)?, exp))
    }

    pub fn mult(&self, other: &Decimal) -> Option<Decimal> {
        Some(Decimal { sign: self.sign * other.sign, coef: self.coef.checked_mul(other.coef)?, exp: self.exp + other.exp })
    }

    pub fn negate(&self) -> Decimal {
        Decimal { sign: -self.sign, ..self.clone() }
    }
}

fn scale(coef: u128, by: u32) -> Option<u128> {
    coef.checked_mul(10u128.checked_pow(by)?)
}
