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
  }

  enum Order: String, ArgumentChoice {
    case qp, pq, both
  }

  /// One direction, KL(first || second).
  struct Direction {
    var name: String
    var first: GaussianArguments
    var second: GaussianArguments
    var firstSymbol: String
    var secondSymbol: String
    var perDimension: [Double]
    var total: Double
    var monteCarlo: RunningMoments?

    /// The prior-only formula applies when the second Gaussian is N(0, 1) in every dimension.
    var isFromStandardNormal: Bool {
      second.gaussian == DiagonalGaussian.standard(dimension: second.gaussian.dimension)
    }
  }

  static func run(_ session: inout Session, _ arguments: Arguments) throws(LabError) -> Output {
    let q = try GaussianArguments(mean: arguments.$mu, sigma: arguments.$sigma, logvar: arguments.$logvar)
    let p = try GaussianArguments(mean: arguments.$mu2, sigma: arguments.$sigma2, logvar: arguments.$logvar2)
    let dimension = max(q.gaussian.dimension, p.gaussian.dimension)
    for side in [q, p] where side.isVector && side.gaussian.dimension != dimension {
      throw LabError(
        "q has \(q.gaussian.dimension) dimensions but p has \(p.gaussian.dimension); vectors must have one length")
    }
    let (qFull, pFull) = (expand(q, to: dimension), expand(p, to: dimension))
    let order = arguments.order
    var pairs: [(String, GaussianArguments, GaussianArguments, String, String)] = []
    if order != .pq { pairs.append(("KL(q || p)", qFull, pFull, "q", "p")) }
    if order != .qp { pairs.append(("KL(p || q)", pFull, qFull, "p", "q")) }

    let draws = arguments.draws
    // The work is draws times dimensions: checked before any is done, as for sample.
    if let draws, draws > SampleCommand.maximumDraws / dimension {
      throw LabError(
        "mc = \(draws) draws of \(dimension) dimensions is too much work: mc * dimensions must be at most \(SampleCommand.maximumDraws)",
        argument: "mc")
    }
    let seed = arguments.seed
    var generator = session.generator(commandSeed: seed)
    var directions: [Direction] = []
    for (name, first, second, firstSymbol, secondSymbol) in pairs {
      let perDimension = GaussianKL.perDimension(first.gaussian, from: second.gaussian)
      let total = perDimension.reduce(0, +)
      guard total.isFinite else {
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
          perDimension: perDimension, total: total, monteCarlo: monteCarlo))
    }
    if draws != nil { session.keep(generator, drawnWith: seed) }
    let isVector = q.isVector || p.isVector
    let text =
      isVector
      ? vectorText(directions, q: qFull, p: pFull, precision: session.precision)
      : scalarText(directions, precision: session.precision)
    return Output(text: text, json: json(directions, q: qFull, p: pFull, order: order))
  }

  static func expand(_ side: GaussianArguments, to dimension: Int) -> GaussianArguments {
    var expanded = side
    expanded.gaussian = DiagonalGaussian(
      mean: GaussianArguments.broadcast(side.gaussian.mean, to: dimension),
      logVariance: GaussianArguments.broadcast(side.gaussian.logVariance, to: dimension))
    return expanded
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
      lines.append("= \(number(direction.total)) nats")
      lines += monteCarloLines(direction, precision: precision)
    }
    if directions.count == 2 { lines.append(asymmetryNote(directions, precision: precision)) }
    return lines.joined(separator: "\n")
  }

  /// The point of order=both: the two directions differ, except in special cases
  /// such as equal variances, where both are (m1 - m2)^2 / (2 s^2).
  static func asymmetryNote(_ directions: [Direction], precision: Int) -> String {
    let (forward, reverse) = (
      NumberFormat.fixed(directions[0].total, precision), NumberFormat.fixed(directions[1].total, precision)
    )
    return forward == reverse
      ? "Here KL(q || p) = KL(p || q) = \(forward), but only because the variances match; change a sigma and they part."
      : "KL is not symmetric: KL(q || p) = \(forward) but KL(p || q) = \(reverse)."
  }

  static func vectorText(
    _ directions: [Direction], q: GaussianArguments, p: GaussianArguments, precision: Int
  ) -> String {
    func number(_ value: Double) -> String { NumberFormat.fixed(value, precision) }
    let againstPrior = directions.count == 1 && directions[0].name == "KL(q || p)" && directions[0].isFromStandardNormal
    var columns: [(String, TextTable.Alignment)] = [("dim", .right), ("mu", .right), ("sigma", .right)]
    if !againstPrior { columns += [("mu2", .right), ("sigma2", .right)] }
    columns += directions.map { ($0.name, .right) }
    var table = TextTable(columns)
    let (qSigma, pSigma) = (q.gaussian.standardDeviation, p.gaussian.standardDeviation)
    for d in 0..<q.gaussian.dimension {
      var row = ["\(d)", number(q.gaussian.mean[d]), number(qSigma[d])]
      if !againstPrior { row += [number(p.gaussian.mean[d]), number(pSigma[d])] }
      row += directions.map { number($0.perDimension[d]) }
      table.append(row)
    }
    table.append(
      ["total"] + Array(repeating: "", count: columns.count - 1 - directions.count)
        + directions.map { number($0.total) })
    var lines: [String] = []
    lines.append(
      againstPrior
        ? "KL(q || p) for q = N(mu, diag sigma^2), p = N(0, I); per dimension 0.5 * (sigma^2 + mu^2 - 1 - log sigma^2)"
        : "q = N(mu, diag sigma^2), p = N(mu2, diag sigma2^2); per dimension log(s2/s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2"
    )
    lines.append(table.rendered)
    lines.append("in nats, summed over \(q.gaussian.dimension) dimensions")
    for direction in directions { lines += monteCarloLines(direction, precision: precision) }
    if directions.count == 2 { lines.append(asymmetryNote(directions, precision: precision)) }
    return lines.joined(separator: "\n")
  }

  static func monteCarloLines(_ direction: Direction, precision: Int) -> [String] {
    guard let estimate = direction.monteCarlo else { return [] }
    let (a, b) = (direction.firstSymbol, direction.secondSymbol)
    let difference = estimate.mean - direction.total
    // q = p gives log-ratios of 0 up to rounding: no spread, no standard error to count in.
    let rounding = 1e-12 * max(1, abs(direction.total))
    let distance =
      estimate.standardError > rounding
      ? "\(NumberFormat.fixed(abs(difference) / estimate.standardError, 1)) standard errors from the closed form"
      : "every draw gave the same log-ratio (up to rounding), \(abs(difference) <= rounding ? "equal to" : "not") the closed form"
    return [
      "Monte Carlo: \(NumberFormat.fixed(estimate.mean, precision)) +- \(NumberFormat.fixed(estimate.standardError, precision)) (standard error), the mean of log \(a)(z) - log \(b)(z) over \(estimate.count) draws z ~ \(a); \(distance)"
    ]
  }

  // MARK: JSON

  static func json(_ directions: [Direction], q: GaussianArguments, p: GaussianArguments, order: Order) -> JSON {
    func gaussian(_ side: GaussianArguments) -> JSON {
      .object([
        ("mu", .numbers(side.gaussian.mean)), ("sigma", .numbers(side.gaussian.standardDeviation)),
        ("logvar", .numbers(side.gaussian.logVariance)),
      ])
    }
    func result(_ direction: Direction) -> [(String, JSON)] {
      var members: [(String, JSON)] = [("kl", .number(direction.total)), ("per_dim", .numbers(direction.perDimension))]
      if let estimate = direction.monteCarlo {
        members.append(
          (
            "mc",
            .object([
              ("estimate", .number(estimate.mean)), ("stderr", .number(estimate.standardError)),
              ("n", .integer(estimate.count)),
            ])
          ))
      }
      return members
    }
    var members: [(String, JSON)] = [("order", .string(order.rawValue))]
    members += result(directions[0])
    members += [("q", gaussian(q)), ("p", gaussian(p))]
    if directions.count == 2 { members.append(("reverse", .object(result(directions[1])))) }
    return .object(members)
  }
}
