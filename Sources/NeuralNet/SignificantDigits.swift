import Foundation

/// Rounding to a number of significant decimal digits, for values that are
/// printed as they are used (a default variance of 0.0183, not 0.018297...).
public enum SignificantDigits {
  /// `value` rounded to `digits` significant decimal digits: 0.022 for
  /// 0.0220294 at 2, 1.23e+06 for 1234567 at 3, 10 for 9.996 at 3.
  ///
  /// The decimal nearest the double's exact binary value, ties to even, as C's
  /// `%.*e` writes it, read back as the nearest double: rounding the shortest
  /// text that reads back instead ("0.15") would round twice, and 0.15, which
  /// is 0.1499999999999999944... in binary, would come out 0.2 at one digit
  /// where the nearest is 0.1.
  ///
  /// Edge cases: 0 and -0 are kept; NaN and the infinities come back unchanged.
  /// `digits` is taken from 1 to 17 (17 digits tell every double apart).
  public static func rounded(_ value: Double, _ digits: Int) -> Double {
    guard value.isFinite else { return value }
    let text = String(format: "%.*e", min(max(digits, 1), 17) - 1, value)
    return Double(text) ?? value
  }
}
