import Foundation
import Testing

@testable import Lab

/// A standard error is sigma / sqrt(n) where sigma is known (lesson 02), and
/// needs two draws where it is estimated.
struct StandardErrorTests {
  /// `sample` counts mean - mu in units of sigma / sqrt(n), for any n.
  @Test(arguments: [1, 2, 3, 50])
  func sampleCountsInSigmaOverRootN(n: Int) throws {
    var engine = Engine()
    let json = engine.execute("sample 0 2 n=\(n) seed=9 format=json").output
    let start = try #require(json.range(of: #""mean":["#)).upperBound
    let mean = try #require(Double(json[start...].prefix { $0 != "]" }))
    let expected = NumberFormat.fixed(mean / (2 / Double(n).squareRoot()), 1)
    let text = engine.execute("sample 0 2 n=\(n) seed=9").output
    #expect(text.contains("  \(expected) s.e."), "\(text)")
    #expect(text.contains("s.e. = sigma / sqrt(n)"))
    // One draw has no sample standard deviation: said, not printed as 0.
    #expect(text.contains("(one draw has no sample standard deviation: that needs n >= 2)") == (n == 1))
    #expect(json.contains(#""std":null"#) == (n == 1))
  }

  /// Work is sized before it starts (issue 9, defect 6): kl mc= times dimensions,
  /// and a sampled sweep's largest point.
  @Test func workIsSizedBeforeItStarts() {
    var engine = Engine()
    let twelve = "[" + (0..<12).map(String.init).joined(separator: ", ") + "]"
    #expect(
      engine.execute("kl \(twelve) 1 mc=1e8").error
        == "mc = 100000000 draws of 12 dimensions is too much work: mc * dimensions must be at most 1000000000")
    #expect(
      engine.execute(#"grad sweep "(z-1)^2" over=dim from=1 to=1000 sampled=yes n=1e7"#).error
        == "n * dim must be at most 100000000 for sampled=yes; the sweep reaches 10000000000")
  }

  @Test func monteCarloNeedsTwoDraws() {
    var engine = Engine()
    #expect(engine.execute("kl 1 2 mc=1").error == "mc must be an integer from 2 to 100000000, got 1")
    #expect(engine.execute("kl 1 2 mc=2 seed=1").output.contains(" standard errors from the closed form"))
  }

  /// q = p: every log-ratio is zero up to rounding; no ratio of rounding noise is printed.
  @Test func noSpreadIsSaidNotDividedBy() {
    var engine = Engine()
    #expect(
      engine.execute("kl 1 1 mu2=1 mc=10 seed=1").output.hasSuffix(
        "every draw gave the same log-ratio (up to rounding), equal to the closed form"))
  }
}
