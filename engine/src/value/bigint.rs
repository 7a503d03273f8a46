//! Arbitrary-precision integers for results that do not fit in an i64
//! (`2 ** 100`, `factorial(30)`). Values that fit are always `Value::Int`.

use std::cmp::Ordering;

/// The most digits [`BigInt::parse`] reads (a 100,000-digit integer takes
/// a moment; a million would hold the evaluator for minutes).
pub const MAX_PARSED_DIGITS: usize = 100_000;

/// Sign and magnitude; the magnitude is little-endian base 2^32 limbs with no
/// trailing zero limbs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BigInt {
    pub neg: bool,
    pub mag: Vec<u32>,
}

impl BigInt {
    pub fn zero() -> BigInt {
        BigInt { neg: false, mag: vec![] }
    }

    pub fn from_i128(v: i128) -> BigInt {
        let neg = v < 0;
        let mut m = v.unsigned_abs();
        let mut mag = vec![];
        while m > 0 {
            mag.push(m as u32);
            m >>= 32;
        }
        BigInt { neg, mag }
    }

    pub fn from_i64(v: i64) -> BigInt {
        BigInt::from_i128(v as i128)
    }

    pub fn is_zero(&self) -> bool {
        self.mag.is_empty()
    }

    fn trim(mut self) -> BigInt {
        while self.mag.last() == Some(&0) {
            self.mag.pop();
        }
        if self.mag.is_empty() {
            self.neg = false;
        }
        self
    }

    /// The value as an i64 when it fits.
    pub fn to_i64(&self) -> Option<i64> {
        if self.mag.len() > 2 {
            return None;
        }
        let m = self.mag.iter().rev().fold(0u128, |acc, l| (acc << 32) | *l as u128);
        let v = if self.neg { -(m as i128) } else { m as i128 };
        i64::try_from(v).ok()
    }

    pub fn to_f64(&self) -> f64 {
        let m = self.mag.iter().rev().fold(0f64, |acc, l| acc * 4294967296.0 + *l as f64);
        if self.neg {
            -m
        } else {
            m
        }
    }

    fn cmp_mag(a: &[u32], b: &[u32]) -> Ordering {
        a.len().cmp(&b.len()).then_with(|| a.iter().rev().cmp(b.iter().rev()))
    }

    fn add_mag(a: &[u32], b: &[u32]) -> Vec<u32> {
        let mut out = Vec::with_capacity(a.len().max(b.len()) + 1);
        let mut carry = 0u64;
        for i in 0..a.len().max(b.len()) {
            let s = *a.get(i).unwrap_or(&0) as u64 + *b.get(i).unwrap_or(&0) as u64 + carry;
            out.push(s as u32);
            carry = s >> 32;
        }
        if carry > 0 {
            out.push(carry as u32);
        }
        out
    }

    /// `a - b` for |a| >= |b|.
    fn sub_mag(a: &[u32], b: &[u32]) -> Vec<u32> {
        let mut out = Vec::with_capacity(a.len());
        let mut borrow = 0i64;
        for (i, ai) in a.iter().enumerate() {
            let mut d = *ai as i64 - *b.get(i).unwrap_or(&0) as i64 - borrow;
            borrow = if d < 0 {
                d += 1 << 32;
                1
            } else {
                0
            };
            out.push(d as u32);
        }
        out
    }

    pub fn add(&self, o: &BigInt) -> BigInt {
        if self.neg == o.neg {
            return BigInt { neg: self.neg, mag: BigInt::add_mag(&self.mag, &o.mag) }.trim();
        }
        match BigInt::cmp_mag(&self.mag, &o.mag) {
            Ordering::Less => BigInt { neg: o.neg, mag: BigInt::sub_mag(&o.mag, &self.mag) }.trim(),
            _ => BigInt { neg: self.neg, mag: BigInt::sub_mag(&self.mag, &o.mag) }.trim(),
        }
    }

    pub fn neg(&self) -> BigInt {
        BigInt { neg: !self.neg, mag: self.mag.clone() }.trim()
    }

    pub fn sub(&self, o: &BigInt) -> BigInt {
        self.add(&o.neg())
    }

    pub fn mul(&self, o: &BigInt) -> BigInt {
        let mut out = vec![0u32; self.mag.len() + o.mag.len()];
        for (i, a) in self.mag.iter().enumerate() {
            let mut carry = 0u64;
            for (j, b) in o.mag.iter().enumerate() {
                let t = *a as u64 * *b as u64 + out[i + j] as u64 + carry;
                out[i + j] = t as u32;
                carry = t >> 32;
            }
            let mut k = i + o.mag.len();
            while carry > 0 {
                let t = out[k] as u64 + carry;
                out[k] = t as u32;
                carry = t >> 32;
                k += 1;
            }
        }
        BigInt { neg: self.neg != o.neg, mag: out }.trim()
    }

    fn shl1_or(mag: &mut Vec<u32>, bit: u32) {
        let mut carry = bit;
        for l in mag.iter_mut() {
            let next = *l >> 31;
            *l = (*l << 1) | carry;
            carry = next;
        }
        if carry > 0 {
            mag.push(carry);
        }
    }

    /// Truncated division (`div/2` and `rem/2`); `None` when `o` is zero.
    pub fn divrem(&self, o: &BigInt) -> Option<(BigInt, BigInt)> {
        if o.is_zero() {
            return None;
        }
        let bits = self.mag.len() * 32;
        let mut q = vec![0u32; self.mag.len()];
        let mut r: Vec<u32> = vec![];
        for i in (0..bits).rev() {
            let bit = (self.mag[i / 32] >> (i % 32)) & 1;
            BigInt::shl1_or(&mut r, bit);
            while r.last() == Some(&0) {
                r.pop();
            }
            if BigInt::cmp_mag(&r, &o.mag) != Ordering::Less {
                r = BigInt::sub_mag(&r, &o.mag);
                while r.last() == Some(&0) {
                    r.pop();
                }
                q[i / 32] |= 1 << (i % 32);
            }
        }
        Some((BigInt { neg: self.neg != o.neg, mag: q }.trim(), BigInt { neg: self.neg, mag: r }.trim()))
    }

    pub fn pow(&self, mut e: u64) -> BigInt {
        let mut base = self.clone();
        let mut acc = BigInt::from_i64(1);
        while e > 0 {
            if e & 1 == 1 {
                acc = acc.mul(&base);
            }
            e >>= 1;
            if e > 0 {
                base = base.mul(&base);
            }
        }
        acc
    }

    /// Parses `s` (an optional sign, digits in `radix`, `_` between them);
    /// `None` for anything else, and for more than [`MAX_PARSED_DIGITS`] digits.
    pub fn parse(s: &str, radix: u32) -> Option<BigInt> {
        let (neg, digits) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        if digits.is_empty() || digits.len() > MAX_PARSED_DIGITS {
            return None;
        }
        // Eight digits at a time: one multiplication per chunk, not per digit.
        let mut acc = BigInt::zero();
        let (mut chunk, mut scale) = (0i64, 1i64);
        for c in digits.chars() {
            if c == '_' {
                continue;
            }
            chunk = chunk * radix as i64 + c.to_digit(radix)? as i64;
            scale *= radix as i64;
            if scale >= 100_000_000 {
                acc = acc.mul(&BigInt::from_i64(scale)).add(&BigInt::from_i64(chunk));
                (chunk, scale) = (0, 1);
            }
        }
        if scale > 1 {
            acc = acc.mul(&BigInt::from_i64(scale)).add(&BigInt::from_i64(chunk));
        }
        Some(if neg { acc.neg() } else { acc })
    }

    pub fn to_string_radix(&self, radix: u32) -> String {
        if self.is_zero() {
            return "0".into();
        }
        let r = BigInt::from_i64(radix as i64);
        let mut cur = BigInt { neg: false, mag: self.mag.clone() };
        let mut digits = vec![];
        while !cur.is_zero() {
            let Some((q, rem)) = cur.divrem(&r) else { break };
            let d = rem.to_i64().unwrap_or(0) as u32;
            digits.push(std::char::from_digit(d, radix).unwrap_or('0').to_ascii_uppercase());
            cur = q;
        }
        if self.neg {
            digits.push('-');
        }
        digits.iter().rev().collect()
    }
}

impl Ord for BigInt {
    fn cmp(&self, o: &BigInt) -> Ordering {
        match (self.neg, o.neg) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => BigInt::cmp_mag(&self.mag, &o.mag),
            (true, true) => BigInt::cmp_mag(&o.mag, &self.mag),
        }
    }
}

impl PartialOrd for BigInt {
    fn partial_cmp(&self, o: &BigInt) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl std::fmt::Display for BigInt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_string_radix(10))
    }
}

#[cfg(test)]
mod tests {
    use super::BigInt;

    #[test]
    fn arithmetic_and_printing() {
        let two = BigInt::from_i64(2);
        assert_eq!(two.pow(100).to_string(), "1267650600228229401496703205376");
        let f = (1..=25).fold(BigInt::from_i64(1), |acc, n| acc.mul(&BigInt::from_i64(n)));
        assert_eq!(f.to_string(), "15511210043330985984000000");
        let a = BigInt::parse("-123456789012345678901234567890", 10).expect("parse");
        assert_eq!(a.to_string(), "-123456789012345678901234567890");
        let (q, r) = a.divrem(&BigInt::from_i64(7)).expect("div");
        assert_eq!(q.to_string(), "-17636684144620811271604938270");
        assert_eq!(r.to_string(), "0");
        assert_eq!(a.add(&a.neg()).to_string(), "0");
        assert_eq!(BigInt::from_i64(i64::MAX).add(&BigInt::from_i64(1)).to_string(), "9223372036854775808");
        assert_eq!(BigInt::parse("ff", 16).and_then(|b| b.to_i64()), Some(255));
    }
}
