import Foundation
import Testing

@testable import Lab

struct GradCommandTests {
  @Test func printsEveryEstimatorBesideTheExactValue() {
    var engine = Engine()
    let output = engine.execute(#"grad f="(z-k)^2" mu=1 sigma=1 k=3 n=20000 seed=1"#).output
    #expect(output.contains("exact (closed form): d/dmu = -4.000, d/dsigma = 2.000, d/dlogvar = 1.000"))
    for parameter in ["mu", "sigma", "logvar"] {
      for estimator in ["pathwise", "score", "score+baseline", "measure-valued"] {
        #expect(output.contains("\n\(parameter.padding(to: 8))\(estimator)"), "\(parameter) \(estimator)")
      }
    }
    // Exact variances for (z - 3)^2 at mu = sigma = 1: pathwise 4, score 87, measure-valued 128/(2 pi) - 16.
    #expect(output.contains("4.000  "))
    #expect(output.contains("87.000"))
    #expect(output.contains("4.372"))
  }

  @Test func jsonListsEstimatorsWithStableKeys() throws {
    var engine = Engine()
    let output = engine.execute("grad z^2 2 1 wrt=mu n=1000 seed=3 baseline=optimal format=json").output
    #expect(
      output.hasPrefix(
        #"{"f":"z^2","mu":2.0,"sigma":1.0,"dim":1,"n":1000,"baseline":"optimal","exact_method":"closed form","exact":{"mu":4.0},"estimators":[{"name":"pathwise","param":"mu","mean":"#
      ))
    for key in [
      #""stderr":"#, #""variance":"#, #""exact_variance":4.0"#, #""exact_variance":87.0"#, #""name":"measure-valued""#,
    ] {
      #expect(output.contains(key), "\(key)")
    }
  }

  @Test func nonPolynomialsUseQuadrature() {
    var engine = Engine()
    let output = engine.execute(#"grad "cos(k*z)" 1 1 k=1 wrt=mu n=1000 seed=1"#).output
    // d/dmu E[cos(k z)] = -k exp(-k^2 sigma^2 / 2) sin(k mu) = -0.510 at k = mu = sigma = 1.
    #expect(output.contains("exact (quadrature, error bound "))
    #expect(output.contains("d/dmu = -0.510"))
  }

  @Test func dimensionGrowsTheScoreVarianceOnly() {
    var engine = Engine()
    let output = engine.execute(#"grad sweep "(z-1)^2" over=dim from=1 to=100 count=3"#).output
    // (z - 1)^2 at mu = 0, sigma = 1: pathwise 4 in every dimension; score 30, 552 (D = 10), 41412 (D = 100).
    #expect(output.contains("  1    -2.000   4.000e+00  3.000e+01"))
    #expect(output.contains("100    -2.000   4.000e+00  4.141e+04"))
  }

  @Test(arguments: [
    (#"grad "(z-3""#, "f: expected ')' to close the '(' at column 1\n  (z-3\n      ^"),
    ("grad 2z", "f: write '*' for a product, as in 2 * z\n  2z\n   ^"),
    (#"grad "(z-k)^2""#, "f: 'k' has no value: give it as k=NUMBER\n  (z-k)^2\n     ^"),
    (#"grad "(z-k)^2" k=1 kk=2"#, "f = (z-k)^2 does not use kk (its parameters: k)"),
    (
      #"grad "foo(z)""#,
      "f: unknown function 'foo'; the functions are exp, log, sqrt, sin, cos, tanh, abs, sigmoid, softplus\n  foo(z)\n  ^"
    ),
    (
      #"grad "log(z)" 0.5 1"#,
      "f = log(z) has no expectation under z ~ N(0.5, 1^2), so there is no gradient to estimate: E[f(z)] does not exist: f is undefined at z = -0.000236, where z has positive density"
    ),
    (
      #"grad "1/z" 0 1 wrt=mu n=100"#,
      "f = 1/z has no expectation under z ~ N(0, 1^2), so there is no gradient to estimate: E[f(z)] diverges near z = 0"
    ),
    (
      #"grad "z^(-0.5)" 1 1 n=200"#,
      "f = z^(-0.5) has no expectation under z ~ N(1, 1^2), so there is no gradient to estimate: E[f(z)] does not exist: f is undefined at z = -0.002136, where z has positive density"
    ),
    ("grad z^2 0 0", "sigma must be > 0 (from 1e-6 to 1e6), got 0"),
    ("grad z^2 sigma=1 logvar=0", "give sigma or logvar, not both (logvar = log sigma^2)"),
    ("grad z^2 n=1", "n must be an integer from 2 to 100000000, got 1"),
    ("grad z^2 dim=10 n=100000000", "n * dim must be at most 100000000; got n = 100000000 with dim = 10"),
    ("grad z^2 wrt=nu", "wrt must be one of mu, sigma, logvar, all, got 'nu'; did you mean 'mu'?"),
    ("grad sweep z^2 over=q from=0 to=1", "over must be n, dim, mu, sigma or a parameter of f (f has none); got 'q'"),
    ("grad sweep z^2 over=mu from=1 to=0", "from must be less than to; got from=1 to=0"),
    (
      "grad sweep z^2 over=sigma from=0 to=1",
      "over=sigma needs from > 0 (from 1e-6 to 1e6), like sigma itself; got from=0"
    ),
    (
      "grad sweep z^2 over=sigma from=1e-300 to=1",
      "over=sigma needs from > 0 (from 1e-6 to 1e6), like sigma itself; got from=1e-300"
    ),
    (
      "grad sweep z^2 over=mu from=0 to=1e9",
      "over=mu needs to from -1000000 to 1000000, like mu itself; got to=1000000000"
    ),
    ("grad sweep z^2 over=n from=1 to=10", "over=n needs 2 <= from < to <= 10000000"),
    (
      "grad sweep z^2 from=0 to=1",
      "grad sweep needs over: the setting to vary (usage: sweep F [MU] [SIGMA] [logvar=X] [baseline=none|mean|optimal] [dim=N] over=NAME from=X to=X [count=N] [wrt=mu|sigma|logvar] [sampled=no|yes] [n=N] [seed=N] [svg=PATH])"
    ),
  ])
  func badInputGetsASpecificError(line: String, message: String) {
    var engine = Engine()
    #expect(engine.execute(line).error == message)
  }

  /// sqrt|z| has a gradient, but f'^2 ~ 1/(4|z|) is not integrable: the pathwise
  /// variance for mu is infinite, said in the table and why below it; no "exact"
  /// value is printed that is not one, and no nan.
  @Test func anInfiniteVarianceIsSaidAndExplained() {
    var engine = Engine()
    let output = engine.execute(#"grad "sqrt(abs(z))" 0 1 n=1000 seed=1"#).output
    #expect(output.contains("\nmu      pathwise "))
    #expect(output.contains(" infinite "))
    #expect(output.hasSuffix("\ninfinite because E[f'(z)^2] diverges near z = 0: var pathwise (mu)"))
    #expect(!output.contains("nan"))
    let json = engine.execute(#"grad "sqrt(abs(z))" 0 1 n=1000 seed=1 wrt=mu format=json"#).output
    #expect(json.contains(#""exact_variance":"infinite""#))
    #expect(json.contains(#""notes":["infinite because E[f'(z)^2] diverges near z = 0: var pathwise (mu)"]"#))
  }

  /// sin(z) with sigma = 1e6 oscillates faster than the quadrature can follow:
  /// within its budget it stops, and values it cannot certify are not shown.
  /// The gradient itself comes from the score identity, E[f eps] / sigma, and
  /// is right: cos(mu) exp(-sigma^2 / 2) = 0.
  @Test func unresolvedValuesAreRefusedWithTheirErrorBound() {
    var engine = Engine()
    let reply = engine.execute(#"grad "sin(z)" 0 1e6 n=200 wrt=mu seed=1"#)
    #expect(reply.error == nil)
    #expect(reply.output.contains("d/dmu = 0.000"))
    // Its panel limit, or on a loaded machine its time limit, whichever comes first.
    #expect(
      reply.output.contains(
        "not shown because the error bound exceeds half a unit of the last printed digit (the quadrature stopped at its "
      ))
    #expect(reply.output.contains("): var pathwise (mu) (error bound "))
  }

  /// f = z + 1 at mu = 1e6: E[f^2] is 1e12, yet the variances keep their digits.
  @Test func largeMeansKeepTheirDigits() {
    var engine = Engine()
    let output = engine.execute(#"grad "z+exp(0)" 1e6 1 wrt=mu n=1000 seed=1"#).output
    #expect(output.contains("exact (quadrature, error bound "))
    #expect(output.contains("d/dmu = 1.000"))
    // Exact variances: pathwise 0, score (mu + 1)^2 + 2, score+baseline 2.
    #expect(output.contains("  0.000  "))
    #expect(output.contains("  1.000e+12  "))
    #expect(output.contains("  2.000  "))
    #expect(!output.contains("not shown"))
  }

  /// A spike narrower than the quadrature's nodes reads as zero there; the draws
  /// contradict it, and the exact values are withheld with the reason.
  @Test func theDrawsCanWithholdAQuadratureThatMissedSomething() {
    var engine = Engine()
    let output = engine.execute(#"grad "1000*exp(-1000000*(z-0.123)^2)" 0 1 n=200000 wrt=mu seed=1"#).output
    #expect(output.contains("d/dmu = not available"))
    #expect(output.contains("not shown because the draws disagree with the quadrature: "))
  }

  /// f = z - 7^20 is one double for every z within reach, so the quadrature
  /// finds d/dmu = 0; pathwise, which differentiates f, gives 1 in every draw.
  /// Zero spread is no reason to skip the check: the exact values are withheld.
  /// f = z - 7^20 is the same double for every z the quadrature or the draws reach
  /// (near 8e16 a double's spacing is 16): the quadrature of f's values alone found
  /// d/dmu = 0.000. With f's rounding in its error bounds it takes d/dmu from E[f'],
  /// which is exact, and withholds the variances that f's values cannot give.
  @Test func theQuadratureCountsTheRoundingOfF() {
    var engine = Engine()
    let output = engine.execute(#"grad "z - 7^20" 0 1 n=1000 seed=1"#).output
    #expect(output.contains("): d/dmu = 1.000, d/dsigma = 0.000, d/dlogvar = 0.000"), "\(output)")
    #expect(
      output.contains(
        "not shown because the error bound exceeds half a unit of the last printed digit (the quadrature stopped at its limit of 60000 panels): var score+baseline (mu)"
      ), "\(output)")
  }

  /// f = sin(z) + 1e17 is the same double for every z: score+baseline's draws are all 0
  /// and measure-valued's too, which is rounding, not the estimators' mean (about 0.607).
  /// Those rows are withheld with what rounding could do; pathwise (which differentiates
  /// sin exactly) and score (whose spread is 1e17 times larger than the rounding) stay.
  @Test func rowsThatRoundingEmptiedAreWithheld() throws {
    var engine = Engine()
    let output = engine.execute(#"grad "sin(z) + 1e17" 0 1 wrt=mu n=2000 seed=1"#).output
    let rows = output.split(separator: "\n").filter { $0.hasPrefix("mu ") }
    #expect(rows.count == 4)
    for row in rows {
      let cells = row.split(separator: " ")
      let withheld = cells[1] == "score+baseline" || cells[1] == "measure-valued"
      #expect((cells[2] == "-") == withheld, "\(row)")
    }
    #expect(
      output.contains(
        "not shown because rounding in f's values could change their printed digits: it could move the mean of score+baseline (mu) by up to "
      ))
    #expect(!output.contains(" 0.000      0.000      0.000"))
    // JSON: null moments, and the bound that withheld them.
    let text = engine.execute(#"grad "sin(z) + 1e17" 0 1 wrt=mu n=2000 seed=1 format=json"#).output
    let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    let estimators = try #require(json["estimators"] as? [[String: Any]])
    let baseline = try #require(estimators.first { $0["name"] as? String == "score+baseline" })
    #expect(baseline["mean"] is NSNull && baseline["stderr"] is NSNull && baseline["variance"] is NSNull)
    #expect((baseline["rounding_bound"] as? Double ?? 0) > 0.5)
    let pathwise = try #require(estimators.first { $0["name"] as? String == "pathwise" })
    #expect(abs((pathwise["mean"] as? Double ?? 0) - 0.607) < 0.05)
    // An ordinary f has every row.
    #expect(!engine.execute(#"grad "sin(z) + 1" 0 1 n=2000 seed=1"#).output.contains("rounding"))
  }

  /// grad sweep's sampled variances are withheld the same way, with a note at the first point.
  @Test func sweepWithholdsSampledVariancesThatRoundingEmptied() {
    var engine = Engine()
    let output = engine.execute(#"grad sweep "sin(z) + k" over=k from=1 to=1e17 count=2 sampled=yes n=2000 seed=1"#)
      .output
    #expect(
      output.contains(
        "sampled var score+baseline at k = 1e+17 not shown: rounding in f's values could move it by up to "),
      "\(output)")
    #expect(!output.contains("sampled var pathwise at"))
  }

  /// No relative error against an exact gradient printed as 0.000.
  @Test func noRelativeErrorAgainstZero() {
    var engine = Engine()
    let output = engine.execute(#"grad "sin(1000*z)" 0 1 wrt=mu n=1000 seed=1"#).output
    #expect(!output.contains("%"), "\(output)")
  }

  @Test func ctrlCStopsTheQuadrature() {
    var engine = Engine(session: Session(shouldStop: { true }))
    #expect(engine.execute(#"grad "cos(z)" 1 1"#).error == "interrupted (Ctrl-C); nothing was changed")
  }

  @Test func theSamplingOverlayAgreesWithTheExactCurve() {
    var engine = Engine()
    let output = engine.execute("grad sweep z^2 over=mu from=0 to=2 count=3 sampled=yes n=200000 seed=4 format=json")
      .output
    #expect(output.contains(#""exact_variance":{"pathwise":4.0,"score":15.0"#))
    #expect(output.contains(#""sampled_variance":{"pathwise":"#))
  }

  /// grad runs itself and has a subcommand: help shows both usages.
  @Test func helpShowsTheUsageOfGradItself() {
    var engine = Engine()
    let help = engine.execute("help grad").output
    #expect(help.contains("\nusage: grad F [MU] [SIGMA] "))
    #expect(help.contains("\nsubcommands:\n  grad sweep F "))
  }

  /// Built-in data sets complete by name, files by path.
  @Test func completesDataNamesAndPaths() throws {
    #expect(Completion.candidates(for: "vae new sh", commands: CommandRegistry.standard) == ["shapes"])
    #expect(Completion.candidates(for: "vae new data=pin", commands: CommandRegistry.standard) == ["data=pinwheel"])
    let directory = try TemporaryDirectory()
    try "1,2\n".write(toFile: directory.path + "/points.csv", atomically: true, encoding: .utf8)
    #expect(
      Completion.candidates(for: "vae new \(directory.path)/po", commands: CommandRegistry.standard) == [
        "\(directory.path)/points.csv"
      ])
  }

  @Test func completesSubcommandsAndArguments() {
    #expect(Completion.candidates(for: "grad s", commands: CommandRegistry.standard).prefix(2) == ["sweep", "sigma="])
    #expect(Completion.candidates(for: "grad sweep z^2 ov", commands: CommandRegistry.standard) == ["over="])
    #expect(
      Completion.candidates(for: "grad z^2 baseline=o", commands: CommandRegistry.standard) == ["baseline=optimal"])
  }
}
