import Foundation
import Testing

@testable import Lab

/// No "nan" or "inf" is ever shown: a value that is not a number is said in
/// words, and what cannot be computed is refused (found by a hunt with data
/// files of large values and a learning rate that diverges).
struct NonFiniteOutputTests {
  /// "nan", "inf" or "-inf" as a word of the output.
  static func nonFiniteWord(in text: String) -> String? {
    text.split(whereSeparator: { !$0.isLetter && $0 != "-" }).map { $0.trimmingCharacters(in: ["-"]) }.first {
      $0 == "nan" || $0 == "inf"
    }
  }

  @Test func numbersThatAreNotNumbersAreSaidInWords() {
    for (value, words) in [(Double.nan, "undefined"), (.infinity, "overflow"), (-.infinity, "-overflow")] {
      #expect(NumberFormat.fixed(value, 3) == words)
      #expect(NumberFormat.scientific(value, 3) == words)
      #expect(NumberFormat.significant(value) == words)
      #expect(NumberFormat.shortest(value) == words)
      #expect(NumberFormat.format(value, 3, .compact) == words)
    }
  }

  /// A learning rate of 10 stops training at step 2 on a non-finite loss, and
  /// leaves weights that overflow: what is shown of the model has no nan or inf.
  @Test func aDivergedModelShowsNoNanOrInf() {
    var engine = Engine()
    _ = engine.execute("vae new pinwheel latent=2 hidden=8 lr=10 seed=1")
    #expect(engine.execute("vae step 50").output.contains("not finite"))
    for line in ["vae show", "vae encode 0", "vae compress", "vae sample 2", "vae decode [0, 0]", "vae curves 5"] {
      let reply = engine.execute(line)
      let word = Self.nonFiniteWord(in: reply.output + (reply.error ?? ""))
      #expect(word == nil, "\(line) printed '\(word ?? "")': \(reply.output)")
    }
  }

  /// Values of 1e18 put q(z|x) far outside the prior's box, where p(x|z) is 0
  /// in double precision: `vae density` trapped clamping its region. Refused.
  @Test func dataOfLargeValuesAreRefusedByDensityAndBound() throws {
    let directory = try TemporaryDirectory()
    let csv = directory.path + "/e18.csv"
    let rows = (0..<50).map { row in (0..<4).map { column in "\(Double((row * 7 + column * 13) % 19 - 9) * 1e17)" } }
    try rows.map { $0.joined(separator: ",") }.joined(separator: "\n").write(
      toFile: csv, atomically: true, encoding: .utf8)
    var engine = Engine()
    #expect(engine.execute("vae new \(csv) latent=2 hidden=8 seed=1").error == nil)
    for line in ["vae density n=5", "vae bound 0"] {
      let reply = engine.execute(line)
      #expect(reply.error?.contains("no finite value") == true, "\(line): \(reply.output) \(reply.error ?? "")")
    }
  }

  /// A sweep from -1e308 to 1e308 (to - from overflows) and a rounding bound
  /// that overflows: said in numbers that exist, or in words.
  @Test func sweepsAndRoundingBoundsThatOverflowAreSaidInWords() {
    var engine = Engine()
    let sweep = engine.execute("grad sweep \"(z-k)^2\" over=k from=-1e308 to=1e308 count=3")
    #expect(sweep.error == nil && sweep.output.contains("as k goes from -1e+308 to 1e+308"), "\(sweep.output)")
    let grad = engine.execute("grad \"sigmoid(1e308*z)\" 0 1 n=100 seed=1")
    for reply in [sweep, grad] {
      let word = Self.nonFiniteWord(in: reply.output + (reply.error ?? ""))
      #expect(word == nil, "\(reply.output)")
    }
    #expect(grad.output.contains("an amount too large to bound in a double"), "\(grad.output)")
  }

  /// Two rows of data leave one training example: the Gaussian baseline of
  /// `vae density` has no density, said in words (it printed -inf and a gain
  /// of inf); `vae new` says why its default variance is 1. A default variance
  /// held to its bounds says so (it claimed (0.1 s)^2 = 1e6 for s = 19500).
  @Test func undefinedBaselinesAndHeldVariancesAreSaid() throws {
    let directory = try TemporaryDirectory()
    try "1,2,3\n4,5,6\n".write(toFile: directory.path + "/two.csv", atomically: true, encoding: .utf8)
    let wide = (0..<40).map { "\(Double($0) * 1500),\(Double($0 % 7) * 2000)" }.joined(separator: "\n")
    try wide.write(toFile: directory.path + "/wide.csv", atomically: true, encoding: .utf8)
    var engine = Engine()
    let created = engine.execute("vae new \(directory.path)/two.csv latent=2 hidden=8 seed=1").output
    #expect(created.contains("variance 1: one training example has no spread"), "\(created)")
    #expect(
      engine.execute("vae density").error
        == "the baseline, an independent gaussian per value, has no density: \(directory.path)/two.csv's training values do not vary (1 training example)"
    )
    let held = engine.execute("vae new \(directory.path)/wide.csv latent=2 hidden=8 seed=1").output
    #expect(held.contains("variance 1000000: (0.1 s)^2 = "), "\(held)")
    #expect(held.contains(" is held to [1e-06, 1e+06], where s = "), "\(held)")
  }

  /// A sweep whose models stop on a non-finite loss says so, with the steps
  /// each took (it claimed "3 steps each" after one).
  @Test func aSweepSaysWhichModelsStopped() {
    var engine = Engine()
    _ = engine.execute("vae new pinwheel latent=2 hidden=8 lr=10 seed=1")
    let output = engine.execute("vae sweep beta=[0, 1] steps=3").output
    #expect(
      output.contains("beta 1 stopped after 1 of 3 steps: the next step's loss or gradient was not finite"), "\(output)"
    )
    #expect(Self.nonFiniteWord(in: output) == nil, "\(output)")
  }
}
