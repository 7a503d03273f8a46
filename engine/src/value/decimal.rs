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

    /// `Decimal.from_float/1`: the digits Erlang's shortest float
    /// formatting prints (`1.5` → `1.5`, `100.0` → `100.0`, `1.0e16` → `1E+16`).
    pub fn from_f64(f: f64) -> Decimal {
        let s = super::inspect::float(f).replace(".0e", "e");
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
        // Through the scientific text: the normal one of `1e1000000000` is a gigabyte.
        let f: f64 = format!("{}e{}", self.coef, self.exp).parse().unwrap_or(0.0);
        if self.sign < 0 {
            -f
        } else {
            f
        }
    }

    /// Numeric comparison (`Decimal.compare/2`).
    pub fn cmp_value(&self, other: &Decimal) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (false, true) => return if self.sign > 0 { Ordering::Greater } else { Ordering::Less },
            (true, false) => return if other.sign > 0 { Ordering::Less } else { Ordering::Greater },
            _ => {}
        }
        if self.sign != other.sign {
            return self.sign.cmp(&other.sign);
        }
        let mag = if self.adjusted() != other.adjusted() {
            self.adjusted().cmp(&other.adjusted())
        } else {
            let exp = self.exp.min(other.exp) as i64;
            let a = Big::from_u128(self.coef).shl10((self.exp as i64 - exp) as usize);
            let b = Big::from_u128(other.coef).shl10((other.exp as i64 - exp) as usize);
            a.cmp(&b)
        };
        if self.sign > 0 {
            mag
        } else {
            mag.reverse()
        }
    }

    /// The exponent of the most significant digit.
    pub fn adjusted(&self) -> i64 {
        self.exp as i64 + digit_count(self.coef) as i64 - 1
    }

    /// Term order of the `%Decimal{}` struct (coef, exp, sign fields).
    pub fn cmp_structural(&self, other: &Decimal) -> Ordering {
        (self.coef, self.exp, self.sign).cmp(&(other.coef, other.exp, other.sign))
    }

    pub fn negate(&self) -> Decimal {
        Decimal { sign: -self.sign, ..self.clone() }
    }
}

/// Why a Decimal operation failed (raised as `Decimal.Error`).
#[derive(Clone, Debug, PartialEq)]
pub struct DecimalError(pub String);

/// The precision of Decimal's default context.
pub const PRECISION: usize = 28;

/// Rounding modes of `Decimal.round/3` and the context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    Down,
    HalfUp,
    HalfEven,
    Ceiling,
    Floor,
    HalfDown,
    Up,
}

impl Rounding {
    pub fn from_name(s: &str) -> Option<Rounding> {
        Some(match s {
            "down" => Rounding::Down,
            "half_up" => Rounding::HalfUp,
            "half_even" => Rounding::HalfEven,
            "ceiling" => Rounding::Ceiling,
            "floor" => Rounding::Floor,
            "half_down" => Rounding::HalfDown,
            "up" => Rounding::Up,
            _ => return None,
        })
    }

    fn increment(self, sign: i8, last_digit: u8, guard: u8, rest: bool) -> bool {
        match self {
            Rounding::Down => false,
            Rounding::Up => guard != 0 || rest,
            Rounding::Ceiling => sign == 1 && (guard != 0 || rest),
            Rounding::Floor => sign == -1 && (guard != 0 || rest),
            Rounding::HalfUp => guard >= 5,
            Rounding::HalfEven => guard > 5 || (guard == 5 && (rest || last_digit % 2 == 1)),
            Rounding::HalfDown => guard > 5 || (guard == 5 && rest),
        }
    }
}

fn digit_count(mut c: u128) -> usize {
    let mut n = 1;
    while c >= 10 {
        c /= 10;
        n += 1;
    }
    n
}

/// An unbounded unsigned integer as decimal digits, most significant
/// first, without leading zeros (empty is zero). Decimal intermediates
/// (products, aligned sums, quotients) can exceed `u128` before the
/// context rounds them back to 28 digits.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Big(Vec<u8>);

impl Big {
    fn from_u128(mut v: u128) -> Big {
        let mut d = Vec::new();
        while v > 0 {
            d.push((v % 10) as u8);
            v /= 10;
        }
        d.reverse();
        Big(d)
    }

    fn to_u128(&self) -> Option<u128> {
        let mut v: u128 = 0;
        for d in &self.0 {
            v = v.checked_mul(10)?.checked_add(*d as u128)?;
        }
        Some(v)
    }

    fn trim(mut self) -> Big {
        let nz = self.0.iter().position(|d| *d != 0).unwrap_or(self.0.len());
        self.0.drain(..nz);
        self
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    /// Multiplies by 10^n.
    fn shl10(mut self, n: usize) -> Big {
        if !self.is_zero() {
            self.0.extend(std::iter::repeat_n(0, n));
        }
        self
    }

    fn add(&self, o: &Big) -> Big {
        let (a, b) = (&self.0, &o.0);
        let n = a.len().max(b.len());
        let mut out = vec![0u8; n + 1];
        let mut carry = 0u8;
        for i in 0..n {
            let x = if i < a.len() { a[a.len() - 1 - i] } else { 0 };
            let y = if i < b.len() { b[b.len() - 1 - i] } else { 0 };
            let s = x + y + carry;
            out[n - i] = s % 10;
            carry = s / 10;
        }
        out[0] = carry;
        Big(out).trim()
    }

    /// self - o, requires self >= o.
    fn sub(&self, o: &Big) -> Big {
        let (a, b) = (&self.0, &o.0);
        let n = a.len();
        let mut out = vec![0u8; n];
        let mut borrow = 0i8;
        for i in 0..n {
            let x = a[n - 1 - i] as i8;
            let y = if i < b.len() { b[b.len() - 1 - i] as i8 } else { 0 };
            let mut d = x - y - borrow;
            if d < 0 {
                d += 10;
                borrow = 1;
            } else {
                borrow = 0;
            }
            out[n - 1 - i] = d as u8;
        }
        Big(out).trim()
    }

    fn mul(&self, o: &Big) -> Big {
        if self.is_zero() || o.is_zero() {
            return Big(vec![]);
        }
        let (a, b) = (&self.0, &o.0);
        let mut acc = vec![0u32; a.len() + b.len()];
        for (i, x) in a.iter().rev().enumerate() {
            for (j, y) in b.iter().rev().enumerate() {
                acc[i + j] += *x as u32 * *y as u32;
            }
        }
        let mut carry = 0u32;
        for v in acc.iter_mut() {
            let t = *v + carry;
            *v = t % 10;
            carry = t / 10;
        }
        let mut out: Vec<u8> = acc.into_iter().rev().map(|d| d as u8).collect();
        while carry > 0 {
            out.insert(0, (carry % 10) as u8);
            carry /= 10;
        }
        Big(out).trim()
    }

    /// Long division: (quotient, remainder).
    fn divmod(&self, o: &Big) -> (Big, Big) {
        let mut q = Vec::with_capacity(self.0.len());
        let mut r = Big(vec![]);
        for d in &self.0 {
            r = r.shl10(1).add(&Big(vec![*d]));
            let mut k = 0u8;
            while r.cmp(o) != Ordering::Less {
                r = r.sub(o);
                k += 1;
            }
            q.push(k);
        }
        (Big(q).trim(), r)
    }
}

impl PartialOrd for Big {
    fn partial_cmp(&self, o: &Big) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Big {
    fn cmp(&self, o: &Big) -> Ordering {
        self.0.len().cmp(&o.0.len()).then_with(|| self.0.cmp(&o.0))
    }
}

/// Rounds `coef × 10^exp` to at most `precision` digits (Decimal's
/// `context/2`), with `sticky` telling that nonzero digits were already
/// dropped below the coefficient.
fn context(sign: i8, coef: Big, exp: i64, sticky: bool, precision: usize, mode: Rounding) -> Result<Decimal, DecimalError> {
    let n = coef.len();
    let (coef, exp) = if n > precision || (sticky && n > 0) {
        let keep = precision.min(n);
        let drop = n - keep;
        let signif = Big(coef.0[..keep].to_vec()).trim();
        let guard = if drop > 0 { coef.0[keep] } else { 0 };
        let rest = sticky || coef.0.get(keep + 1..).is_some_and(|r| r.iter().any(|d| *d != 0));
        let last = signif.0.last().copied().unwrap_or(0);
        let mut signif = if mode.increment(sign, last, guard, rest) { signif.add(&Big(vec![1])) } else { signif };
        let mut exp = exp + drop as i64;
        if signif.len() > keep && keep > 0 {
            signif.0.pop();
            exp += 1;
        }
        (signif, exp)
    } else {
        (coef, exp)
    };
    let c = coef.to_u128().ok_or_else(|| DecimalError("coefficient too large".into()))?;
    let e = i32::try_from(exp).map_err(|_| DecimalError("exponent out of range".into()))?;
    Ok(Decimal { sign, coef: c, exp: e })
}

impl Decimal {
    fn big(&self) -> Big {
        Big::from_u128(self.coef)
    }

    /// Applies the default context (28 digits, half up).
    pub fn apply_context(&self) -> Decimal {
        context(self.sign, self.big(), self.exp as i64, false, PRECISION, Rounding::HalfUp).unwrap_or_else(|_| self.clone())
    }

    /// `Decimal.add/2` with the default context.
    pub fn add(&self, other: &Decimal) -> Option<Decimal> {
        self.add_ctx(other).ok()
    }

    pub fn add_ctx(&self, other: &Decimal) -> Result<Decimal, DecimalError> {
        let (s1, s2) = (self.sign, other.sign);
        let add_sign = |sum_neg: Option<bool>| -> i8 {
            match sum_neg {
                Some(true) => -1,
                Some(false) => 1,
                None if s1 == -1 && s2 == -1 => -1,
                None => 1,
            }
        };
        if self.is_zero() && other.is_zero() {
            return context(add_sign(None), Big(vec![]), self.exp.min(other.exp) as i64, false, PRECISION, Rounding::HalfUp);
        }
        if self.is_zero() || other.is_zero() {
            let (zero, num) = if self.is_zero() { (self, other) } else { (other, self) };
            if zero.exp >= num.exp {
                return context(num.sign, num.big(), num.exp as i64, false, PRECISION, Rounding::HalfUp);
            }
            let gap = (num.exp - zero.exp) as usize;
            if gap > PRECISION + 2 {
                let base = (num.exp as i64).min(num.adjusted() - (PRECISION as i64 + 2) + 1);
                return context(num.sign, num.big().shl10((num.exp as i64 - base) as usize), base, false, PRECISION, Rounding::HalfUp);
            }
            return context(num.sign, num.big().shl10(gap), zero.exp as i64, false, PRECISION, Rounding::HalfUp);
        }
        // Align at the smaller exponent, bounded so that a huge exponent gap
        // does not materialise huge coefficients: digits far below the
        // larger operand only matter as a sticky bit.
        let (hi, lo) = if self.adjusted() >= other.adjusted() { (self, other) } else { (other, self) };
        let mut base = (self.exp.min(other.exp)) as i64;
        let mut sticky = false;
        let floor = hi.adjusted() - (PRECISION as i64 + 2) + 1;
        if (self.adjusted() - other.adjusted()).abs() > PRECISION as i64 + 2 {
            base = (hi.exp as i64).min(floor);
        }
        let scale = |d: &Decimal, sticky: &mut bool| -> Big {
            let e = d.exp as i64;
            if e >= base {
                d.big().shl10((e - base) as usize)
            } else {
                let drop = (base - e) as usize;
                let b = d.big();
                if drop >= b.len() {
                    *sticky |= !b.is_zero();
                    Big(vec![])
                } else {
                    *sticky |= b.0[b.len() - drop..].iter().any(|x| *x != 0);
                    Big(b.0[..b.len() - drop].to_vec()).trim()
                }
            }
        };
        let a = scale(hi, &mut sticky);
        let b = scale(lo, &mut sticky);
        let (sum, neg) = if hi.sign == lo.sign {
            (a.add(&b), hi.sign < 0)
        } else {
            match a.cmp(&b) {
                Ordering::Less => (b.sub(&a), lo.sign < 0),
                Ordering::Greater => (a.sub(&b), hi.sign < 0),
                Ordering::Equal => (Big(vec![]), false),
            }
        };
        let sign = if sum.is_zero() && !sticky { add_sign(None) } else { add_sign(Some(neg)) };
        context(sign, sum, base, sticky, PRECISION, Rounding::HalfUp)
    }

    pub fn sub(&self, other: &Decimal) -> Option<Decimal> {
        self.add(&other.negate_raw())
    }

    pub fn sub_ctx(&self, other: &Decimal) -> Result<Decimal, DecimalError> {
        self.add_ctx(&other.negate_raw())
    }

    fn negate_raw(&self) -> Decimal {
        Decimal { sign: -self.sign, ..self.clone() }
    }

    /// `Decimal.mult/2` with the default context.
    pub fn mult(&self, other: &Decimal) -> Option<Decimal> {
        self.mult_ctx(other).ok()
    }

    pub fn mult_ctx(&self, other: &Decimal) -> Result<Decimal, DecimalError> {
        let sign = if self.sign == other.sign { 1 } else { -1 };
        context(sign, self.big().mul(&other.big()), self.exp as i64 + other.exp as i64, false, PRECISION, Rounding::HalfUp)
    }

    /// `Decimal.div/2` with the default context.
    pub fn div(&self, other: &Decimal) -> Result<Decimal, DecimalError> {
        let sign = if self.sign == other.sign { 1 } else { -1 };
        if other.is_zero() {
            return Err(DecimalError(if self.is_zero() { "0 / 0".into() } else { "division by zero".into() }));
        }
        if self.is_zero() {
            return context(sign, Big(vec![]), self.exp as i64 - other.exp as i64, false, PRECISION, Rounding::HalfUp);
        }
        let (mut c1, mut c2) = (self.big(), other.big());
        let shift = c2.len() as i64 - c1.len() as i64;
        if shift >= 0 {
            c1 = c1.shl10(shift as usize);
        } else {
            c2 = c2.shl10((-shift) as usize);
        }
        let mut adjust = shift;
        if c1 < c2 {
            c1 = c1.shl10(1);
            adjust += 1;
        }
        let scaled = c1.shl10(PRECISION);
        let (q, r) = scaled.divmod(&c2);
        let exp_base = self.exp as i64 - other.exp as i64;
        if !r.is_zero() || adjust + (PRECISION as i64) < 0 {
            return context(sign, q, exp_base - (adjust + PRECISION as i64), !r.is_zero(), PRECISION, Rounding::HalfUp);
        }
        // Exact: strip the trailing zeros the scaling introduced, but keep a
        // non-negative adjust.
        let zeros = q.0.iter().rev().take_while(|d| **d == 0).count() as i64;
        let strip = zeros.min(adjust + PRECISION as i64).max(0);
        let mut q = q;
        q.0.truncate(q.0.len() - strip as usize);
        context(sign, q, exp_base - (adjust + PRECISION as i64 - strip), false, PRECISION, Rounding::HalfUp)
    }

    /// The integer quotient (`Decimal.div_int/2`), truncated toward zero.
    pub fn div_int(&self, other: &Decimal) -> Result<Decimal, DecimalError> {
        let sign = if self.sign == other.sign { 1 } else { -1 };
        if other.is_zero() {
            return Err(DecimalError(if self.is_zero() { "0 / 0".into() } else { "division by zero".into() }));
        }
        if self.abs_raw().cmp_value(&other.abs_raw()) == Ordering::Less {
            return Ok(Decimal { sign, coef: 0, exp: self.exp - other.exp });
        }
        // The quotient's digits, from the operands' magnitudes: beyond the
        // precision it is refused before any scaling (exponents far apart
        // would make numbers of millions of digits).
        let magnitude = |d: &Decimal| d.coef.to_string().len() as i64 + d.exp as i64;
        if magnitude(self) - magnitude(other) > PRECISION as i64 + 1 {
            return Err(DecimalError("integer division impossible, quotient too large".into()));
        }
        let exp = self.exp.min(other.exp) as i64;
        let a = self.big().shl10((self.exp as i64 - exp) as usize);
        let b = other.big().shl10((other.exp as i64 - exp) as usize);
        let (q, _) = a.divmod(&b);
        if q.len() > PRECISION {
            return Err(DecimalError("integer division impossible, quotient too large".into()));
        }
        context(sign, q, 0, false, PRECISION, Rounding::HalfUp)
    }

    /// `Decimal.rem/2`: the remainder with the sign of the dividend.
    pub fn rem(&self, other: &Decimal) -> Result<Decimal, DecimalError> {
        if other.is_zero() {
            return Err(DecimalError(if self.is_zero() { "0 / 0".into() } else { "division by zero".into() }));
        }
        if self.abs_raw().cmp_value(&other.abs_raw()) == Ordering::Less {
            return Ok(self.apply_context());
        }
        let q = self.div_int(other)?;
        self.sub_ctx(&other.mult_ctx(&q)?)
    }

    fn abs_raw(&self) -> Decimal {
        Decimal { sign: 1, ..self.clone() }
    }

    pub fn abs(&self) -> Decimal {
        self.abs_raw().apply_context()
    }

    /// `Decimal.normalize/1`: strips trailing zeros.
    pub fn normalize(&self) -> Decimal {
        if self.coef == 0 {
            return Decimal { sign: self.sign, coef: 0, exp: 0 };
        }
        let (mut c, mut e) = (self.coef, self.exp);
        while c % 10 == 0 {
            c /= 10;
            e += 1;
        }
        Decimal { sign: self.sign, coef: c, exp: e }.apply_context()
    }

    /// `Decimal.round/3`.
    pub fn round(&self, places: i64, mode: Rounding) -> Result<Decimal, DecimalError> {
        let n = self.normalize();
        let target = -places;
        let exp = n.exp as i64;
        let r = if exp == target {
            n
        } else if exp > target {
            let c = n.big().shl10((exp - target) as usize);
            context(n.sign, c, target, false, usize::MAX, mode)?
        } else {
            let drop = (target - exp) as usize;
            let b = n.big();
            let (signif, guard, rest) = if drop > b.len() {
                (Big(vec![]), 0, !b.is_zero())
            } else {
                let keep = b.len() - drop;
                let signif = Big(b.0[..keep].to_vec()).trim();
                let guard = b.0[keep];
                let rest = b.0[keep + 1..].iter().any(|d| *d != 0);
                (signif, guard, rest)
            };
            let last = signif.0.last().copied().unwrap_or(0);
            let signif = if mode.increment(n.sign, last, guard, rest) { signif.add(&Big(vec![1])) } else { signif };
            context(n.sign, signif, target, false, usize::MAX, mode)?
        };
        Ok(r.apply_context())
    }

    /// `Decimal.to_integer/1`, when the value is integral and fits in i64.
    pub fn to_integer(&self) -> Option<i64> {
        let (mut c, mut e) = (self.coef, self.exp);
        while e < 0 && c % 10 == 0 && c != 0 {
            c /= 10;
            e += 1;
        }
        if c == 0 {
            return Some(0);
        }
        if e < 0 {
            return None;
        }
        let v = c.checked_mul(10u128.checked_pow(e as u32)?)?;
        let v = i64::try_from(v).ok()?;
        Some(v * self.sign as i64)
    }

    /// `Decimal.to_string(d, :raw)`.
    pub fn to_raw(&self) -> String {
        let mut s = String::new();
        if self.sign < 0 {
            s.push('-');
        }
        s.push_str(&self.coef.to_string());
        if self.exp != 0 {
            s.push_str(&format!("E{}", self.exp));
        }
        s
    }

    /// `Decimal.to_string(d, :xsd)`: normal form, at least one fractional
    /// digit, no trailing zeros beyond it.
    pub fn to_xsd(&self) -> String {
        let n = if self.coef == 0 { Decimal { sign: 1, coef: 0, exp: 0 } } else { self.normalize() };
        let n = if n.exp > 0 { Decimal { coef: n.coef * 10u128.saturating_pow(n.exp as u32), exp: 0, ..n } } else { n };
        let mut s = n.to_normal();
        if !s.contains('.') {
            s.push_str(".0");
        }
        s
    }

    /// Parses the longest Decimal prefix (`Decimal.parse/1`): returns the
    /// value and the number of bytes used.
    pub fn parse_prefix(s: &str) -> Option<(Decimal, usize)> {
        let b = s.as_bytes();
        let mut i = 0;
        let sign = match b.first() {
            Some(b'-') => {
                i = 1;
                -1
            }
            Some(b'+') => {
                i = 1;
                1
            }
            _ => 1,
        };
        let int_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let int_digits = &s[int_start..i];
        let mut frac_digits = "";
        if i < b.len() && b[i] == b'.' {
            let fs = i + 1;
            let mut j = fs;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j > fs || !int_digits.is_empty() {
                frac_digits = &s[fs..j];
                i = j;
            }
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return None;
        }
        let mut exp = -(frac_digits.len() as i64);
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            let mut j = i + 1;
            let neg = match b.get(j) {
                Some(b'-') => {
                    j += 1;
                    true
                }
                Some(b'+') => {
                    j += 1;
                    false
                }
                _ => false,
            };
            let es = j;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j > es {
                let e: i64 = s[es..j].parse().ok()?;
                exp += if neg { -e } else { e };
                i = j;
            }
        }
        let digits = format!("{int_digits}{frac_digits}");
        let digits = digits.trim_start_matches('0');
        let coef: u128 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
        Some((Decimal { sign, coef, exp: i32::try_from(exp).ok()? }, i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).expect("valid decimal")
    }

    #[test]
    fn arithmetic_follows_the_decimal_library() {
        assert_eq!(d("0.1").add(&d("0.2")).map(|x| x.to_scientific()), Some("0.3".into()));
        assert_eq!(d("19.99").mult(&Decimal::from_i64(3)).map(|x| x.to_scientific()), Some("59.97".into()));
        assert_eq!(d("1").div(&d("3")).map(|x| x.to_scientific()), Ok("0.3333333333333333333333333333".into()));
        assert_eq!(d("10").div(&d("4")).map(|x| x.to_scientific()), Ok("2.5".into()));
        assert_eq!(d("100").div(&d("10")).map(|x| x.to_scientific()), Ok("10".into()));
        assert_eq!(d("2.345").round(2, Rounding::HalfUp).map(|x| x.to_scientific()), Ok("2.35".into()));
        assert_eq!(d("2.5").round(0, Rounding::HalfEven).map(|x| x.to_scientific()), Ok("2".into()));
        assert_eq!(d("1.20").round(2, Rounding::HalfUp).map(|x| x.to_scientific()), Ok("1.20".into()));
        assert_eq!(d("1E+3").to_normal(), "1000");
        assert_eq!(d("1.0").cmp_value(&d("1")), Ordering::Equal);
        assert_eq!(d("7").rem(&d("3")).map(|x| x.to_scientific()), Ok("1".into()));
        assert_eq!(d("7.5").div_int(&d("2")).map(|x| x.to_scientific()), Ok("3".into()));
        assert_eq!(d("1e20").add(&d("1e-20")).map(|x| x.to_scientific()), Some("100000000000000000000.0000000".into()));
        assert_eq!(Decimal::from_f64(3.14).to_scientific(), "3.14");
        assert_eq!(Decimal::from_f64(100.0).to_scientific(), "100.0");
    }
}
