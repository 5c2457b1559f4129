import Probability

/// `grad`: every gradient estimator of d/dtheta E[f(z)] beside the exact value,
/// with standard errors and variances, so the variance gap is there to see.
enum GradCommand {
  static let maximumDraws = 100_000_000

  static let spec = CommandSpec(
    name: "grad",
    summary:
      "gradient estimators of d/dtheta E[f(z)] (pathwise, score function, measure-valued) against the exact value",
    discussion: """
      For z ~ N(mu, sigma^2), estimates the gradient of E[f(z)] with respect to mu,
      sigma and logvar = log sigma^2 from n draws, by each estimator of Mohamed et
      al. (JMLR 2020):
        pathwise         f'(z) dz/dtheta, with z = mu + sigma eps (reparameterisation)
        score            f(z) d log q(z)/dtheta (REINFORCE)
        score+baseline   (f(z) - b) d log q(z)/dtheta
        measure-valued   difference of f under two coupled distributions
      and prints each one's mean, standard error, per-draw variance (sampled and
      exact), relative error and variance relative to pathwise. Exact values come
      from closed forms when f is a polynomial, else from adaptive quadrature
      (bounded in panels and time; Ctrl-C stops it), and are printed only when
      their error bound is below half a unit of the last digit: otherwise a note
      says which integral diverges, where f is undefined, or what bound was reached.
      With dim=D, f is applied to each of D coordinates and summed; the gradient is
      for the first coordinate. 'grad sweep' plots the variances as one setting varies.
      \(GradientArguments.expressionHelp)
      """,
    arguments: Arguments.self,
    examples: [
      "grad f=\"(z-k)^2\" mu=1 sigma=1 k=3", "grad z^2 2 1 wrt=mu n=100000",
      "grad \"exp(-k*z^2)\" 1 1 k=1 baseline=optimal",
      "grad \"(z-1)^2\" 0 1 dim=100 wrt=mu",
    ],
    subcommands: [GradSweepCommand.spec],
    action: run)

  struct Arguments: CommandArguments {
    @ArgumentGroup var common: GradientArguments.Common
    @Named(help: "which derivative(s)") var wrt: Derivatives = .all
    @Named(name: "n", 2...maximumDraws, help: "number of draws") var count: Int = 10000
    @Named(0...Int.max, help: "seed for these draws (default: the session's random stream)") var seed: Int?

    static let rules = [
      "every other name=value is a parameter of f", "n * dim is at most \(maximumDraws)",
    ]

    func validate() throws(LabError) {
      let setup = try GradientArguments(common)
      try setup.checkParameters()
      guard count <= maximumDraws / setup.dimension else {
        throw LabError("n * dim must be at most \(maximumDraws); got n = \(count) with dim = \(setup.dimension)")
      }
    }
  }

  /// `wrt=`: one parameter's derivative, or all three.
  enum Derivatives: String, ArgumentChoice {
    case mu, sigma, logvar, all

    var parameters: [GradientProblem.Parameter] {
      GradientProblem.Parameter(rawValue: rawValue).map { [$0] } ?? GradientProblem.Parameter.allCases
    }
  }

  static func run(_ session: inout Session, _ arguments: Arguments) throws(LabError) -> Output {
    let setup = try GradientArguments(arguments.common)
    let problem = try setup.problem()
    let exact = try GradientArguments.exact(problem, source: setup.expression.source, shouldStop: session.shouldStop)
    let count = arguments.count
    let seed = arguments.seed
    var generator = session.generator(commandSeed: seed)
    let sampled: [GradientProblem.Estimator: [GradientProblem.Parameter: GradientProblem.Draws]]
    do {
      sampled = try problem.sample(
        count: count, baseline: setup.baseline, expectations: exact, using: &generator, shouldStop: session.shouldStop)
    } catch {
      throw GradientArguments.samplingError(error, source: setup.expression.source, precision: session.precision)
    }
    session.keep(generator, drawnWith: seed)
    let parameters = arguments.wrt.parameters
    let rows = results(
      sampled, exact: exact, problem: problem, baseline: setup.baseline, parameters: parameters,
      precision: session.precision)
    let gradients = parameters.map { ($0, exact.gradient($0, sigma: problem.sigma)) }
    return Output(
      Result(
        rows: rows, gradients: gradients, setup: setup, exact: exact, count: count))
  }

  /// What `grad` reports: each estimator's moments beside the exact gradient
  /// and variances, with notes on the exact values not shown.
  struct Result: BlockResult {
    var rows: [Row]
    var gradients: [(GradientProblem.Parameter, Estimate)]
    var setup: GradientArguments
    var exact: GradientExpectations
    var count: Int

    /// One estimator for one parameter, in JSON.
    struct Estimator: Encodable {
      var name: GradientProblem.Estimator
      var param: GradientProblem.Parameter
      /// Null, with stderr and variance, where rounding in f could change their printed digits.
      @Nullable var mean: Double?
      @Nullable var stderr: Double?
      @Nullable var variance: Double?
      /// How far the rounding of f's values and slopes could have moved the mean.
      var roundingBound: Double
      var exactVariance: ExactValues.ExactNumber
      /// Null where the exact gradient is not known to the printed digits, or is zero.
      @Nullable var relativeError: Double?
      /// Null where the pathwise variance is no more than rounding.
      @Nullable var varianceRatio: Double?

      enum CodingKeys: String, CodingKey {
        case name, param, mean, stderr, variance, roundingBound = "rounding_bound", exactVariance = "exact_variance"
        case relativeError = "relative_error", varianceRatio = "variance_ratio"
      }
    }

    enum CodingKeys: String, CodingKey {
      case f, mu, sigma, dim, n, baseline, exactMethod = "exact_method", exact, estimators, notes
    }

    /// Every value certified to the presentation's precision, as the text shows it.
    func encode(to encoder: any Encoder) throws {
      let precision = encoder.presentation.precision
      // The exact values as shown: the notes collect why any is not.
      var exactValues = ExactValues(stop: exact.stop, precision: precision)
      exactValues.withheld = contradiction(rows, exact: exact, precision: precision)
      for (parameter, gradient) in gradients {
        _ = exactValues.cell(gradient, label: "d/d\(parameter.rawValue)", style: .compact)
      }
      for row in rows {
        _ = exactValues.cell(row.exactVariance, label: varianceLabel(row), style: .compact, isVariance: true)
      }
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(setup.expression.source, forKey: .f)
      try container.encode(setup.mu, forKey: .mu)
      try container.encode(setup.sigma, forKey: .sigma)
      try container.encode(setup.dimension, forKey: .dim)
      try container.encode(count, forKey: .n)
      try container.encode(setup.baseline, forKey: .baseline)
      try container.encode(exact.method.rawValue, forKey: .exactMethod)
      try container.encode(
        JSONMembers(gradients.map { ($0.0.rawValue, exactValues.json($0.1, style: .compact)) }), forKey: .exact)
      try container.encode(
        rows.map { row in
          let shown = row.isCertified(precision: precision)
          return Estimator(
            name: row.estimator, param: row.parameter, mean: shown ? row.moments.mean : nil,
            stderr: shown ? row.moments.standardError : nil, variance: shown ? row.moments.variance : nil,
            roundingBound: row.rounding.meanShift,
            exactVariance: exactValues.json(row.exactVariance, style: .compact, isVariance: true),
            relativeError: exactValues.withheld == nil && shown ? row.relativeError(precision: precision) : nil,
            varianceRatio: row.varianceRatio.isFinite ? row.varianceRatio : nil)
        }, forKey: .estimators)
      try container.encode(exactValues.notes + roundingNotes(rows, precision: precision), forKey: .notes)
    }

    func blocks(for presentation: Presentation) -> [ResultBlock] {
      GradCommand.blocks(
        rows, gradients: gradients, setup: setup, exact: exact, count: count, precision: presentation.precision)
    }
  }

  /// One estimator for one parameter: sampled moments beside exact values.
  struct Row {
    var estimator: GradientProblem.Estimator
    var parameter: GradientProblem.Parameter
    var moments: RunningMoments
    var rounding: RoundingBound
    var exactGradient: Estimate
    var exactVariance: Estimate
    /// Sampled variance over the pathwise estimator's, for the same parameter.
    var varianceRatio: Double

    /// Whether rounding in f leaves the printed mean, standard error and variance right.
    func isCertified(precision: Int) -> Bool { Self.isCertified(moments, rounding: rounding, precision: precision) }

    /// Whether what rounding in f could do to the draws (`rounding`) stays below
    /// half a unit of every printed digit: of the mean, of the standard error
    /// (the standard deviation's shift over sqrt n) and of the variance.
    static func isCertified(_ moments: RunningMoments, rounding: RoundingBound, precision: Int) -> Bool {
      let halfUnit = { (value: Double) in NumberFormat.halfUnit(of: value, decimals: precision, style: .compact) }
      return rounding.meanShift <= halfUnit(moments.mean)
        && rounding.standardDeviationShift / Double(moments.count).squareRoot() <= halfUnit(moments.standardError)
        && rounding.varianceShift(standardDeviation: moments.standardDeviation) <= halfUnit(moments.variance)
    }

    /// (mean - exact) / |exact|, when the exact gradient is known to the printed
    /// digits and known not to be zero: well clear of its error bound, and not
    /// printed as 0.000.
    func relativeError(precision: Int) -> Double? {
      guard
        case .value(let g) = ExactValues.judge(
          exactGradient, style: .compact, precision: precision, isVariance: false),
        abs(g) > max(100 * exactGradient.error, NumberFormat.halfUnit(of: g, decimals: precision, style: .compact))
      else { return nil }
      return (moments.mean - g) / abs(g)
    }
  }

  static func results(
    _ sampled: [GradientProblem.Estimator: [GradientProblem.Parameter: GradientProblem.Draws]],
    exact: GradientExpectations, problem: GradientProblem, baseline: GradientProblem.Baseline,
    parameters: [GradientProblem.Parameter], precision: Int
  ) -> [Row] {
    var rows: [Row] = []
    for parameter in parameters {
      // The ratio only where the pathwise variance is more than rounding (f = log|z| makes it
      // exactly zero for sigma, and its draws differ only in their last bits), and certified.
      let pathwise = sampled[.pathwise]?[parameter].flatMap { draws in
        let moments = draws.moments
        return moments.standardDeviation > 1e-10 * abs(moments.mean)
          && Row.isCertified(moments, rounding: draws.rounding, precision: precision) ? moments.variance : nil
      }
      for estimator in GradientProblem.Estimator.allCases {
        guard let draws = sampled[estimator]?[parameter] else { continue }
        let (moments, rounding) = (draws.moments, draws.rounding)
        let isCertified = Row.isCertified(moments, rounding: rounding, precision: precision)
        rows.append(
          Row(
            estimator: estimator, parameter: parameter, moments: moments, rounding: rounding,
            exactGradient: exact.gradient(parameter, sigma: problem.sigma),
            exactVariance: exact.variance(estimator, parameter, baseline: baseline, problem: problem),
            varianceRatio: isCertified ? pathwise.map { moments.variance / $0 } ?? .nan : .nan))
      }
    }
    return rows
  }

  /// A quadrature can miss what it never samples: a spike narrower than its
  /// first panels' nodes reads as zero, with a zero error estimate. The draws
  /// are an independent check: when an estimator whose exact variance is finite
  /// puts its mean more than 6 standard errors from the exact gradient, the
  /// quadrature's values are withheld, and the note says why. (An f whose
  /// values are too large for z to show in them needs no such check: the
  /// quadrature's error bounds hold f's rounding.)
  static func contradiction(_ rows: [Row], exact: GradientExpectations, precision: Int) -> String? {
    guard exact.method == .quadrature else { return nil }
    let n = { (value: Double) in NumberFormat.format(value, precision, .compact) }
    for row in rows where row.isCertified(precision: precision) {
      guard
        case .value(let g) = ExactValues.judge(
          row.exactGradient, style: .compact, precision: precision, isVariance: false),
        case .value = ExactValues.judge(row.exactVariance, style: .compact, precision: precision, isVariance: true)
      else { continue }
      guard row.moments.standardError > 0 else { continue }
      let distance = abs(row.moments.mean - g) / row.moments.standardError
      if distance > 6 {
        return
          "not shown because the draws disagree with the quadrature: \(row.estimator.rawValue) puts d/d\(row.parameter.rawValue) at \(n(row.moments.mean)) +- \(n(row.moments.standardError)), \(NumberFormat.fixed(distance, 0)) standard errors from its \(n(g)); f may vary on a finer scale than the quadrature's nodes"
      }
    }
    return nil
  }

  static func blocks(
    _ rows: [Row], gradients: [(GradientProblem.Parameter, Estimate)], setup: GradientArguments,
    exact: GradientExpectations, count: Int, precision: Int
  ) -> [ResultBlock] {
    func number(_ value: Double) -> String { NumberFormat.format(value, precision, .compact) }
    var exactValues = ExactValues(stop: exact.stop, precision: precision)
    exactValues.withheld = contradiction(rows, exact: exact, precision: precision)
    let shown = gradients.map { parameter, gradient in
      let cell = exactValues.cell(gradient, label: "d/d\(parameter.rawValue)", style: .compact)
      return "d/d\(parameter.rawValue) = \(cell == "-" ? "not available" : cell)"
    }
    var table = TextTable(
      [
        ("param", .left), ("estimator", .left), ("mean", .right), ("std.err", .right), ("variance", .right),
        ("exact var", .right), ("rel.err", .right), ("var/pathwise", .right),
      ], keyColumns: 2)
    for row in rows {
      let shown = row.isCertified(precision: precision)
      table.append([
        row.parameter.rawValue, row.estimator.rawValue, shown ? number(row.moments.mean) : "-",
        shown ? number(row.moments.standardError) : "-", shown ? number(row.moments.variance) : "-",
        exactValues.cell(row.exactVariance, label: varianceLabel(row), style: .compact, isVariance: true),
        exactValues.withheld == nil && shown ? row.relativeError(precision: precision).map { percent($0) } ?? "-" : "-",
        row.varianceRatio.isFinite ? NumberFormat.format(row.varianceRatio, 2, .compact) : "-",
      ])
    }
    // The method, and the largest error bound of the exact values shown.
    let method =
      exact.method == .closedForm
      ? "closed form"
      : exactValues.largestShownError > 0
        ? "quadrature, error bound \(NumberFormat.scientific(exactValues.largestShownError))" : "quadrature"
    let lines = [
      "d/dtheta E[f(z)] for f(z) = \(setup.expression.source), z ~ N(\(NumberFormat.shortest(setup.mu)), \(NumberFormat.significant(setup.sigma))^2)"
        + (setup.dimension > 1 ? " in \(setup.dimension) dimensions (f summed; first coordinate)" : "")
        + "; \(count) draws, baseline = \(setup.baseline.rawValue)",
      "exact (\(method)): " + shown.joined(separator: ", "),
    ]
    let notes = exactValues.notes + roundingNotes(rows, precision: precision)
    return [.text(lines.joined(separator: "\n")), .table(table)]
      + (notes.isEmpty ? [] : [.text(notes.joined(separator: "\n"))])
  }

  /// Why rows are not shown: what rounding in f could do to each one's mean.
  static func roundingNotes(_ rows: [Row], precision: Int) -> [String] {
    let lost = rows.filter { !$0.isCertified(precision: precision) }
    guard !lost.isEmpty else { return [] }
    let bounds = lost.map { row in
      let shift = row.rounding.meanShift
      let amount =
        shift.isFinite
        ? "up to \(NumberFormat.format(shift, precision, .compact))" : "an amount too large to bound in a double"
      return "\(row.estimator.rawValue) (\(row.parameter.rawValue)) by \(amount)"
    }
    return [
      "not shown because rounding in f's values could change their printed digits: it could move the mean of "
        + bounds.joined(separator: ", ")
        + "; f's values may be too large for the changes in z to show in them (a double holds about 16 digits)"
    ]
  }

  /// A relative error in percent: `-0.3%`, or `-3e+05%` when it is beyond 1000%.
  static func percent(_ value: Double) -> String {
    abs(100 * value) < 1000 ? NumberFormat.fixed(100 * value, 1) + "%" : NumberFormat.scientific(100 * value, 0) + "%"
  }

  static func varianceLabel(_ row: Row) -> String { "var \(row.estimator.rawValue) (\(row.parameter.rawValue))" }
}
