import Probability

/// `kl`: the closed-form KL divergence between diagonal Gaussians, with the
/// formula and the numbers put in, and an optional Monte Carlo check.
enum KLCommand {
  static let spec = CommandSpec(
    name: "kl",
    summary: "KL divergence of a Gaussian q from the prior N(0, 1), or from another Gaussian p",
    discussion: """
      Against the prior, per dimension (Kingma & Welling 2014, Appendix B):
        KL(N(mu, sigma^2) || N(0, 1)) = 0.5 * (sigma^2 + mu^2 - 1 - log sigma^2)
      Between two Gaussians q = N(m1, s1^2) and p = N(m2, s2^2):
        KL(q || p) = log(s2/s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2
      Vectors give diagonal Gaussians; the KL is summed over dimensions, and a
      plain number stands for every dimension. Give sigma or logvar (the
      encoder's log sigma^2), not both. KL is not symmetric: order=both shows
      KL(q || p) and KL(p || q) side by side. mc=N adds a Monte Carlo estimate,
      the mean of log q(z) - log p(z) over N draws z ~ q, with its standard error.
      """,
    arguments: Arguments.self,
    examples: [
      "kl 2 1", "kl mu=0 logvar=-1.386", "kl [0, 2] [1, 0.5]", "kl 0 1 mu2=1 sigma2=2 order=both",
      "kl 1 2 mc=10000 seed=1",
    ],
    action: run)

  struct Arguments: CommandArguments {
    @Positional(GaussianArguments.meanDomain, help: "mean of q") var mu: ScalarOrVector = 0
    @Positional(GaussianArguments.standardDeviationDomain, help: "standard deviation of q")
    var sigma: ScalarOrVector = 1
    @Named(GaussianArguments.logVarianceDomain, help: "log variance of q, instead of sigma") var logvar: ScalarOrVector?
    @Named(GaussianArguments.meanDomain, help: "mean of p") var mu2: ScalarOrVector = 0
    @Named(GaussianArguments.standardDeviationDomain, help: "standard deviation of p") var sigma2: ScalarOrVector = 1
    @Named(GaussianArguments.logVarianceDomain, help: "log variance of p, instead of sigma2")
    var logvar2: ScalarOrVector?
    @Named(help: "KL(q || p), KL(p || q), or both") var order: Order = .qp
    @Named(
      name: "mc", 2...100_000_000,
      help: "add a Monte Carlo estimate from this many draws (at least 2: a standard error needs two)")
    var draws: Int?
    @Named(0...Int.max, help: "seed for mc (default: the session's random stream)") var seed: Int?

    static let rules = [
      "give sigma or logvar, not both, and sigma2 or logvar2, not both",
      "vectors have one length, in q and p alike; a plain number stands for every dimension",
      "mc * dimensions is at most \(SampleCommand.maximumDraws)",
    ]

    func validate() throws(LabError) {
      let q = try GaussianArguments(mean: $mu, sigma: $sigma, logvar: $logvar)
      let p = try GaussianArguments(mean: $mu2, sigma: $sigma2, logvar: $logvar2)
      let dimension = max(q.gaussian.dimension, p.gaussian.dimension)
      for side in [q, p] where side.isVector && side.gaussian.dimension != dimension {
        throw LabError(
          "q has \(q.gaussian.dimension) dimensions but p has \(p.gaussian.dimension); vectors must have one length")
      }
      // The work is draws times dimensions: checked before any is done, as for sample.
      if let draws, draws > SampleCommand.maximumDraws / dimension {
        throw LabError(
          "mc = \(draws) draws of \(dimension) dimensions is too much work: mc * dimensions must be at most \(SampleCommand.maximumDraws)",
          argument: "mc")
      }
    }
  }

  enum Order: String, ArgumentChoice, Encodable {
    case qp, pq, both
  }

  /// What `kl` prints: the directions asked for, between q and p as used.
  struct Result: BlockResult {
    var order: Order
    /// KL(q || p) first, unless only KL(p || q) was asked for.
    var directions: [Direction]
    var q: GaussianArguments
    var p: GaussianArguments
    var isVector: Bool

    /// JSON: the first direction's keys beside `order`, the second's under `reverse`.
    enum CodingKeys: String, CodingKey { case order, q, p, reverse }
    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(order, forKey: .order)
      try directions[0].encode(to: encoder)
      try container.encode(q, forKey: .q)
      try container.encode(p, forKey: .p)
      try container.encodeIfPresent(directions.dropFirst().first, forKey: .reverse)
    }

    func blocks(for presentation: Presentation) -> [ResultBlock] {
      let precision = presentation.precision
      return isVector
        ? vectorBlocks(directions, q: q, p: p, precision: precision)
        : [.text(scalarText(directions, precision: precision))]
    }
  }

  /// One direction, KL(first || second).
  struct Direction: Encodable {
    var name: String
    var first: GaussianArguments
    var second: GaussianArguments
    var firstSymbol: String
    var secondSymbol: String
    var kl: Double
    var perDimension: [Double]
    var mc: MonteCarloEstimate?

    enum CodingKeys: String, CodingKey {
      case kl, perDimension = "per_dim", mc
    }

    /// The prior-only formula applies when the second Gaussian is N(0, 1) in every dimension.
    var isFromStandardNormal: Bool {
      second.gaussian == DiagonalGaussian.standard(dimension: second.gaussian.dimension)
    }
  }

  static func run(_ session: inout Session, _ arguments: Arguments) throws(LabError) -> Output {
    let q = try GaussianArguments(mean: arguments.$mu, sigma: arguments.$sigma, logvar: arguments.$logvar)
    let p = try GaussianArguments(mean: arguments.$mu2, sigma: arguments.$sigma2, logvar: arguments.$logvar2)
    let dimension = max(q.gaussian.dimension, p.gaussian.dimension)
    let (qFull, pFull) = (q.expanded(to: dimension), p.expanded(to: dimension))
    let order = arguments.order
    var pairs: [(String, GaussianArguments, GaussianArguments, String, String)] = []
    if order != .pq { pairs.append(("KL(q || p)", qFull, pFull, "q", "p")) }
    if order != .qp { pairs.append(("KL(p || q)", pFull, qFull, "p", "q")) }

    let draws = arguments.draws
    let seed = arguments.seed
    var generator = session.generator(commandSeed: seed)
    var directions: [Direction] = []
    for (name, first, second, firstSymbol, secondSymbol) in pairs {
      let perDimension = GaussianKL.perDimension(first.gaussian, from: second.gaussian)
      let kl = perDimension.reduce(0, +)
      guard kl.isFinite else {
        throw LabError("\(name) overflows a double: the variances are too far apart for a finite divergence")
      }
      var monteCarlo: RunningMoments? = nil
      if let draws {
        monteCarlo = try LabError.stoppingOnInterrupt { () throws(Interrupted) in
          try GaussianKL.monteCarlo(
            first.gaussian, from: second.gaussian, count: draws, using: &generator, shouldStop: session.shouldStop)
        }
        guard let estimate = monteCarlo, estimate.mean.isFinite, estimate.standardError.isFinite else {
          throw LabError("the Monte Carlo estimate of \(name) is not finite: the variances are too far apart")
        }
      }
      directions.append(
        Direction(
          name: name, first: first, second: second, firstSymbol: firstSymbol, secondSymbol: secondSymbol,
          kl: kl, perDimension: perDimension, mc: monteCarlo.map(MonteCarloEstimate.init)))
    }
    if draws != nil { session.keep(generator, drawnWith: seed) }
    return Output(
      Result(
        order: order, directions: directions, q: qFull, p: pFull, isVector: q.isVector || p.isVector))
  }

  // MARK: Text

  static func scalarText(_ directions: [Direction], precision: Int) -> String {
    func number(_ value: Double) -> String { NumberFormat.fixed(value, precision) }
    /// "- 1.386" or "+ 1.386" for subtracting `value`, as one would write it by hand.
    func minus(_ value: Double) -> String {
      let printed = number(value)
      return printed.hasPrefix("-") ? "+ \(printed.dropFirst())" : "- \(printed)"
    }
    var lines: [String] = []
    for direction in directions {
      let (m1, lv1) = (direction.first.gaussian.mean[0], direction.first.gaussian.logVariance[0])
      let (m2, lv2) = (direction.second.gaussian.mean[0], direction.second.gaussian.logVariance[0])
      lines.append(
        "\(direction.name) for \(direction.firstSymbol) = \(direction.first.label), \(direction.secondSymbol) = \(direction.second.label):"
      )
      if direction.isFromStandardNormal {
        let usesLogVariance = direction.first.usesLogVariance
        lines.append(
          usesLogVariance
            ? "  0.5 * (exp(logvar) + mu^2 - 1 - logvar)" : "  0.5 * (sigma^2 + mu^2 - 1 - log sigma^2)")
        lines.append("= 0.5 * (\(number(Double.exp(lv1))) + \(number(m1 * m1)) - 1 \(minus(lv1)))")
      } else {
        lines.append("  log(s2/s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2")
        let logRatio = 0.5 * (lv2 - lv1)
        lines.append(
          "= \(number(logRatio)) + (\(number(Double.exp(lv1))) + \(number((m1 - m2) * (m1 - m2)))) / \(number(2 * Double.exp(lv2))) - 0.5"
        )
      }
      lines.append("= \(number(direction.kl)) nats")
      lines += monteCarloLines(direction, precision: precision)
    }
    if directions.count == 2 { lines.append(asymmetryNote(directions, precision: precision)) }
    return lines.joined(separator: "\n")
  }

  /// The point of order=both: the two directions differ, except in special cases
  /// such as equal variances, where both are (m1 - m2)^2 / (2 s^2).
  static func asymmetryNote(_ directions: [Direction], precision: Int) -> String {
    let (forward, reverse) = (
      NumberFormat.fixed(directions[0].kl, precision), NumberFormat.fixed(directions[1].kl, precision)
    )
    return forward == reverse
      ? "Here KL(q || p) = KL(p || q) = \(forward), but only because the variances match; change a sigma and they part."
      : "KL is not symmetric: KL(q || p) = \(forward) but KL(p || q) = \(reverse)."
  }

  static func vectorBlocks(
    _ directions: [Direction], q: GaussianArguments, p: GaussianArguments, precision: Int
  ) -> [ResultBlock] {
    func number(_ value: Double) -> String { NumberFormat.fixed(value, precision) }
    let againstPrior = directions.count == 1 && directions[0].name == "KL(q || p)" && directions[0].isFromStandardNormal
    var columns: [(String, TextTable.Alignment)] = [("dim", .right), ("mu", .right), ("sigma", .right)]
    if !againstPrior { columns += [("mu2", .right), ("sigma2", .right)] }
    columns += directions.map { ($0.name, .right) }
    var table = TextTable(columns)
    let (qSigma, pSigma) = (q.gaussian.standardDeviation, p.gaussian.standardDeviation)
    table.append(count: q.gaussian.dimension) { d in
      var row = ["\(d)", number(q.gaussian.mean[d]), number(qSigma[d])]
      if !againstPrior { row += [number(p.gaussian.mean[d]), number(pSigma[d])] }
      return row + directions.map { number($0.perDimension[d]) }
    }
    table.footer.append(
      ["total"] + Array(repeating: "", count: columns.count - 1 - directions.count)
        + directions.map { number($0.kl) })
    var lines = ResultBlocks()
    lines.append(
      againstPrior
        ? "KL(q || p) for q = N(mu, diag sigma^2), p = N(0, I); per dimension 0.5 * (sigma^2 + mu^2 - 1 - log sigma^2)"
        : "q = N(mu, diag sigma^2), p = N(mu2, diag sigma2^2); per dimension log(s2/s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2"
    )
    lines.append(table)
    lines.append("in nats, summed over \(q.gaussian.dimension) dimensions")
    for direction in directions { lines.append(contentsOf: monteCarloLines(direction, precision: precision)) }
    if directions.count == 2 { lines.append(asymmetryNote(directions, precision: precision)) }
    return lines.all
  }

  static func monteCarloLines(_ direction: Direction, precision: Int) -> [String] {
    guard let estimate = direction.mc else { return [] }
    let (a, b) = (direction.firstSymbol, direction.secondSymbol)
    let difference = estimate.estimate - direction.kl
    // q = p gives log-ratios of 0 up to rounding: no spread, no standard error to count in.
    let rounding = 1e-12 * max(1, abs(direction.kl))
    let distance =
      estimate.stderr > rounding
      ? "\(NumberFormat.fixed(abs(difference) / estimate.stderr, 1)) standard errors from the closed form"
      : "every draw gave the same log-ratio (up to rounding), \(abs(difference) <= rounding ? "equal to" : "not") the closed form"
    return [
      "Monte Carlo: \(NumberFormat.fixed(estimate.estimate, precision)) +- \(NumberFormat.fixed(estimate.stderr, precision)) (standard error), the mean of log \(a)(z) - log \(b)(z) over \(estimate.n) draws z ~ \(a); \(distance)"
    ]
  }
}
