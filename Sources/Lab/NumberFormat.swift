import Foundation

/// Fixed-decimal formatting, the only way numbers reach the text output.
public enum NumberFormat {
  /// Magnitudes from here on print in scientific notation: as fixed decimals they
  /// would be walls of digits, most of them noise.
  static let scientificThreshold = 1e15

  /// `value` with exactly `decimals` decimals, correctly rounded (C's `%.*f`), or
  /// as `1.000e+20` (`%.*e`) from `scientificThreshold` on. A result that rounds to
  /// zero prints without a minus sign: "-0.000" would suggest a negative quantity
  /// that is not there.
  public static func fixed(_ value: Double, _ decimals: Int) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    if abs(value) >= scientificThreshold { return String(format: "%.*e", decimals, value) }
    let text = String(format: "%.*f", decimals, value)
    if text.hasPrefix("-") && text.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) {
      return String(text.dropFirst())
    }
    return text
  }

  /// `1.2e-13`: two significant digits, for error estimates.
  public static func scientific(_ value: Double) -> String { scientific(value, 1) }

  /// `4.000e-04` with `decimals` decimals, for quantities that span decades.
  public static func scientific(_ value: Double, _ decimals: Int) -> String {
    value.isFinite ? String(format: "%.*e", decimals, value) : fixed(value, decimals)
  }

  /// The shortest text that reads back as `value` ("0.5", "700", "1e+09").
  public static func shortest(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
    return "\(value)"
  }

  /// A vector as `[a, b, c]` at `decimals` decimals.
  public static func vector(_ values: [Double], _ decimals: Int) -> String {
    "[" + values.map { fixed($0, decimals) }.joined(separator: ", ") + "]"
  }
}
