import Foundation
import Probability
import Testing

@testable import NeuralNet

/// Rounding to significant digits against known decimals, and against an
/// independent scaling by powers of ten over many decades.
struct SignificantDigitsTests {
  /// Known roundings: carries into a new digit, halves that are below a half in
  /// binary (0.15 is 0.1499999999999999944...), halves that are exact in binary
  /// (to even), signs, and values that pass unchanged.
  @Test(arguments: [
    (0.022_029_4, 2, 0.022), (1_234_567, 3, 1_230_000), (9.996, 3, 10), (-0.018_297, 3, -0.0183), (0.15, 1, 0.1),
    (0.125, 2, 0.12), (0.375, 2, 0.38), (2.5, 1, 2), (3.5, 1, 4), (1.37e-300, 2, 1.4e-300), (123.456, 17, 123.456),
    (0, 3, 0), (.leastNonzeroMagnitude, 1, .leastNonzeroMagnitude),
    (1.797_693_134_862_315_7e308, 17, 1.797_693_134_862_315_7e308),
  ])
  func knownRoundings(value: Double, digits: Int, expected: Double) {
    #expect(SignificantDigits.rounded(value, digits) == expected)
  }

  @Test func specialValuesPassUnchanged() {
    #expect(SignificantDigits.rounded(.infinity, 3) == .infinity)
    #expect(SignificantDigits.rounded(-.infinity, 3) == -.infinity)
    #expect(SignificantDigits.rounded(.nan, 3).isNaN)
    #expect(SignificantDigits.rounded(-0.0, 3).sign == .minus)
  }

  /// The number of significant digits in Swift's shortest text for `value`.
  static func significantDigits(of value: Double) -> Int {
    let mantissa = "\(abs(value))".split(separator: "e")[0].filter { $0 != "." }
    return mantissa.drop { $0 == "0" }.reversed().drop { $0 == "0" }.count
  }

  /// Over 60 decades and 1 to 6 digits: the result has at most that many
  /// significant digits, lies within half a unit of the last digit of the value
  /// (scaled by a power of ten, an independent way to find that unit), and is
  /// no farther from it than the decimals one unit either side.
  @Test func theNearestDecimalOfThatManyDigits() {
    var generator = Xoshiro256StarStar(seed: 3)
    for _ in 0..<3000 {
      let value = (generator.nextUniform() < 0.5 ? -1.0 : 1.0) * pow(10, 60 * generator.nextUniform() - 30)
      let digits = 1 + Int(generator.next() % 6)
      let rounded = SignificantDigits.rounded(value, digits)
      #expect(Self.significantDigits(of: rounded) <= digits, "\(value) to \(digits) digits: \(rounded)")
      // The unit of the last kept digit, from the value's own decade (a carry to 10^k keeps it).
      let unit = pow(10, floor(log10(abs(value))) - Double(digits - 1))
      #expect(abs(rounded - value) <= 0.5 * unit * (1 + 1e-12), "\(value) to \(digits) digits: \(rounded)")
      for neighbour in [rounded - unit, rounded + unit] {
        #expect(abs(neighbour - value) >= abs(rounded - value) * (1 - 1e-12), "\(value): \(neighbour) is nearer")
      }
    }
  }
}
