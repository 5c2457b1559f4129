import Foundation
import NeuralNet

/// Fixed-decimal formatting, the only way numbers reach the text output.
public enum NumberFormat {
  /// Magnitudes from here on print in scientific notation: as fixed decimals they
  /// would be walls of digits, most of them noise.
  static let scientificThreshold = 1e15

  /// `value` with exactly `decimals` decimals, correctly rounded (C's `%.*f`), or
  /// as `1.000e+20` (`%.*e`) from `scientificThreshold` on. A result that rounds to
  /// zero prints without a minus sign: "-0.000" would suggest a negative quantity
  /// that is not there. A value that is not a number is said in words:
  /// "undefined" for NaN, "overflow" (or "-overflow") for an infinity, which a
  /// double reaches past about 1.8e308. Commands refuse such values where they
  /// can tell; this is the last line, so that no "nan" or "inf" is ever shown.
  public static func fixed(_ value: Double, _ decimals: Int) -> String {
    if value.isNaN { return "undefined" }
    if value.isInfinite { return value < 0 ? "-overflow" : "overflow" }
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

  /// How a number is printed: `fixed` decimals, `scientific` (`4.000e-04`), or
  /// `compact`, fixed below 1e6 and scientific from there, so that a table
  /// column of a large variance stays narrow and prints no digits that are noise.
  public enum Style: Sendable {
    case fixed, scientific, compact

    static let compactThreshold = 1e6

    func isScientific(_ value: Double) -> Bool {
      switch self {
      case .fixed: abs(value) >= NumberFormat.scientificThreshold
      case .scientific: true
      case .compact: abs(value) >= Self.compactThreshold
      }
    }
  }

  /// `value` in `style` with `decimals` decimals.
  public static func format(_ value: Double, _ decimals: Int, _ style: Style) -> String {
    style.isScientific(value) ? scientific(value, decimals) : fixed(value, decimals)
  }

  /// Half a unit in the last digit that `format(value, decimals, style)`
  /// prints: an error below it leaves the printed digits right to within one in
  /// the last place. Zero for `0.000e+00`, which would claim an exact zero.
  public static func halfUnit(of value: Double, decimals: Int, style: Style) -> Double {
    guard style.isScientific(value) else { return 0.5 * pow(10, Double(-decimals)) }
    let magnitude = abs(value)
    guard magnitude > 0, magnitude.isFinite else { return 0 }
    return 0.5 * pow(10, floor(log10(magnitude)) - Double(decimals))
  }

  /// The decimals that tell apart values `step` apart: at least `minimum`, and
  /// enough that `step` shows two significant digits (17 at most, a double's
  /// worth).
  public static func decimals(resolving step: Double, minimum: Int) -> Int {
    guard step > 0, step.isFinite else { return minimum }
    return min(17, max(minimum, Int((-log10(step)).rounded(.up)) + 1))
  }

  /// Six significant digits at most: `1.37096e-06` for exp(-13.5), `0.5` for 0.5.
  public static func significant(_ value: Double) -> String {
    value.isFinite ? String(format: "%.6g", value) : fixed(value, 0)
  }

  /// `value` rounded to `digits` significant digits, e.g. 0.022 for 0.0220294
  /// (`SignificantDigits.rounded`, where it is tested).
  public static func rounded(_ value: Double, significantDigits digits: Int) -> Double {
    SignificantDigits.rounded(value, digits)
  }

  /// The shortest text that reads back as `value` ("0.5", "700", "1e+09").
  public static func shortest(_ value: Double) -> String {
    guard value.isFinite else { return fixed(value, 0) }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
    return "\(value)"
  }

  /// A vector as `[a, b, c]` at `decimals` decimals.
  public static func vector(_ values: [Double], _ decimals: Int) -> String {
    "[" + values.map { fixed($0, decimals) }.joined(separator: ", ") + "]"
  }
}
