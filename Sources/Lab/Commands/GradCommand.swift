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
      from closed forms when f is a polynomial, else from adaptive quadrature.
      With dim=D, f is applied to each of D coordinates and summed; the gradient is
      for the first coordinate. 'grad sweep' plots the variances as one setting varies.
      \(GradientArguments.expressionHelp)
      """,
    arguments: GradientArguments.common + [
      ArgumentSpec("wrt", .choice(["mu", "sigma", "logvar", "all"]), default: "all", help: "which derivative(s)"),
      ArgumentSpec("n", .integer(2...maximumDraws), default: "10000", help: "number of draws"),
      ArgumentSpec("seed", .integer(0...Int.max), help: "seed for these draws (default: the session's random stream)"),
    ],
    examples: [
      "grad f=\"(z-k)^2\" mu=1 sigma=1 k=3", "grad z^2 2 1 wrt=mu n=100000",
      "grad \"exp(-k*z^2)\" 1 1 k=1 baseline=optimal",
      "grad \"(z-1)^2\" 0 1 dim=100 wrt=mu",
    ],
    subcommands: [GradSweepCommand.spec],
    takesExpressionParameters: true,
    action: run)

  static func parameters(_ wrt: String) -> [GradientProblem.Parameter] {
    GradientProblem.Parameter(rawValue: wrt).map { [$0] } ?? GradientProblem.Parameter.allCases
  }

  static func run(_ session: inout Session, _ arguments: Arguments) throws(LabError) -> Output {
    let setup = try GradientArguments.read(arguments)
    try setup.checkParameters()
    let problem = try setup.problem(mu: setup.mu, sigma: setup.sigma, parameters: setup.parameters)
    let exact = try GradientArguments.exact(problem, source: setup.expression.source)
    let count = try arguments.required("n", arguments.integer)
    guard count <= maximumDraws / setup.dimension else {
      throw LabError("n * dim must be at most \(maximumDraws); got n = \(count) with dim = \(setup.dimension)")
    }
    let seed = arguments.integer("seed")
    var generator = session.generator(commandSeed: seed)
    let sampled: [GradientProblem.Estimator: [GradientProblem.Parameter: RunningMoments]]
    do {
      sampled = try problem.sample(
        count: count, baseline: setup.baseline, expectations: exact, using: &generator, shouldStop: session.shouldStop)
    } catch {
      throw GradientArguments.samplingError(error, source: setup.expression.source, precision: session.precision)
    }
    session.keep(generator, drawnWith: seed)
    let rows = results(
      sampled, exact: exact, problem: problem, baseline: setup.baseline,
      parameters: parameters(try arguments.required("wrt", arguments.text)))
    return Output(
      text: text(rows, setup: setup, exact: exact, count: count, precision: session.precision),
      json: json(rows, setup: setup, exact: exact, count: count))
  }

  /// One estimator for one parameter: sampled moments beside exact values.
  struct Row {
    var estimator: GradientProblem.Estimator
    var parameter: GradientProblem.Parameter
    var moments: RunningMoments
    var exactGradient: Double
    var exactVariance: Double
    /// Sampled variance over the pathwise estimator's, for the same parameter.
    var varianceRatio: Double

    var relativeError: Double? {
      abs(exactGradient) > 1e-12 ? (moments.mean - exactGradient) / abs(exactGradient) : nil
    }
  }

  static func results(
    _ sampled: [GradientProblem.Estimator: [GradientProblem.Parameter: RunningMoments]],
    exact: GradientExpectations, problem: GradientProblem, baseline: GradientProblem.Baseline,
    parameters: [GradientProblem.Parameter]
  ) -> [Row] {
    func moments(_ estimator: GradientProblem.Estimator, _ parameter: GradientProblem.Parameter) -> RunningMoments? {
      sampled[estimator]?[parameter]
    }
    var rows: [Row] = []
    for parameter in parameters {
      let pathwise = moments(.pathwise, parameter)?.variance ?? .nan
      for estimator in GradientProblem.Estimator.allCases {
        guard let moments = moments(estimator, parameter) else { continue }
        rows.append(
          Row(
            estimator: estimator, parameter: parameter, moments: moments,
            exactGradient: exact.gradient(parameter, sigma: problem.sigma),
            exactVariance: exact.variance(estimator, parameter, baseline: baseline, problem: problem),
            varianceRatio: moments.variance / pathwise))
      }
    }
    return rows
  }

  static func exactLabel(_ exact: GradientExpectations) -> String {
    exact.method == .closedForm
      ? "closed form" : "quadrature, estimated error \(NumberFormat.scientific(exact.error))"
  }

  static func text(
    _ rows: [Row], setup: GradientArguments, exact: GradientExpectations, count: Int, precision: Int
  ) -> String {
    func number(_ value: Double) -> String { NumberFormat.fixed(value, precision) }
    var lines = [
      "d/dtheta E[f(z)] for f(z) = \(setup.expression.source), z ~ N(\(NumberFormat.shortest(setup.mu)), \(NumberFormat.shortest(setup.sigma))^2)"
        + (setup.dimension > 1 ? " in \(setup.dimension) dimensions (f summed; first coordinate)" : "")
        + "; \(count) draws, baseline = \(setup.baseline.rawValue)"
    ]
    var seen: [GradientProblem.Parameter] = []
    for row in rows where !seen.contains(row.parameter) { seen.append(row.parameter) }
    lines.append(
      "exact (\(exactLabel(exact))): "
        + seen.map { "d/d\($0.rawValue) = \(number(exact.gradient($0, sigma: setup.sigma)))" }.joined(separator: ", "))
    var table = TextTable([
      ("param", .left), ("estimator", .left), ("mean", .right), ("std.err", .right), ("variance", .right),
      ("exact var", .right), ("rel.err", .right), ("var/pathwise", .right),
    ])
    for row in rows {
      table.append([
        row.parameter.rawValue, row.estimator.rawValue, number(row.moments.mean), number(row.moments.standardError),
        number(row.moments.variance), number(row.exactVariance),
        row.relativeError.map { NumberFormat.fixed(100 * $0, 1) + "%" } ?? "-",
        row.varianceRatio.isFinite ? NumberFormat.fixed(row.varianceRatio, 2) : "-",
      ])
    }
    lines.append(table.rendered)
    return lines.joined(separator: "\n")
  }

  static func json(_ rows: [Row], setup: GradientArguments, exact: GradientExpectations, count: Int) -> JSON {
    var seen: [GradientProblem.Parameter] = []
    for row in rows where !seen.contains(row.parameter) { seen.append(row.parameter) }
    return .object([
      ("f", .string(setup.expression.source)), ("mu", .number(setup.mu)), ("sigma", .number(setup.sigma)),
      ("dim", .integer(setup.dimension)), ("n", .integer(count)), ("baseline", .string(setup.baseline.rawValue)),
      ("exact_method", .string(exact.method.rawValue)),
      ("exact", .object(seen.map { ($0.rawValue, .number(exact.gradient($0, sigma: setup.sigma))) })),
      (
        "estimators",
        .array(
          rows.map { row in
            .object([
              ("name", .string(row.estimator.rawValue)), ("param", .string(row.parameter.rawValue)),
              ("mean", .number(row.moments.mean)), ("stderr", .number(row.moments.standardError)),
              ("variance", .number(row.moments.variance)), ("exact_variance", .number(row.exactVariance)),
              ("relative_error", row.relativeError.map(JSON.number) ?? .null),
              ("variance_ratio", .number(row.varianceRatio)),
            ])
          })
      ),
    ])
  }
}
