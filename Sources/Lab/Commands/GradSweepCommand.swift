import Probability

/// `grad sweep`: the variance of each estimator as one setting varies, from
/// exact expectations (smooth curves), optionally with sampled variances beside.
enum GradSweepCommand {
  static let spec = CommandSpec(
    name: "sweep",
    summary: "how each estimator's variance changes as n, mu, sigma or a parameter of f varies",
    discussion: """
      Varies one setting over a range and tabulates, for one derivative (wrt), the
      exact gradient and each estimator's exact per-draw variance, drawn on a log
      axis. over=n plots the variance of the average of n draws (variance / n) on
      log-log axes. sampled=yes adds variances estimated from n draws at each
      point, as lower-case markers, to show that sampling agrees.
      The cost families of Mohamed et al. 2020 (figures 2 and 3), at mu = sigma = 1:
        grad sweep "(z-k)^2" over=k from=-3 to=3
        grad sweep "exp(-k*z^2)" over=k from=0.1 to=3
        grad sweep "cos(k*z)" over=k from=0.5 to=5
      \(GradientArguments.expressionHelp)
      """,
    arguments: Arguments.self,
    examples: [
      "grad sweep \"(z-k)^2\" 1 1 over=k from=-3 to=3", "grad sweep \"cos(k*z)\" 1 1 over=k from=0.5 to=5 wrt=sigma",
      "grad sweep z^2 over=n from=10 to=100000 count=5", "grad sweep \"(z-1)^2\" over=dim from=1 to=100",
    ],
    action: run)

  struct Arguments: CommandArguments {
    @ArgumentGroup var common: GradientArguments.Common
    @Named(.word("n, dim, mu, sigma, or the name of a parameter of f"), help: "the setting to vary") var over: String
    @Named(.finite, help: "first value") var from: Double
    @Named(.finite, help: "last value") var to: Double
    @Named(2...101, help: "number of values (log-spaced for n)") var count: Int = 13
    @Named(help: "which derivative") var wrt: GradientProblem.Parameter = .mu
    @Named(help: "also estimate the variances by sampling") var sampled: Bool = false
    @Named(name: "n", 2...10_000_000, help: "draws per point when sampled=yes") var draws: Int = 10000
    @Named(0...Int.max, help: "seed for sampled=yes (default: the session's random stream)") var seed: Int?
    @Named(.path, help: "also write the plot as an SVG file") var svg: String?

    static var rules: [String] {
      let wholeNumbers = wholeNumberRanges.sorted { $0.key > $1.key }.map { over, range in
        "over=\(over) needs \(Int(range.lowerBound)) <= from < to <= \(Int(range.upperBound))"
      }
      return [
        "over is n, dim, mu, sigma or a parameter of f; every other name=value is a parameter of f",
        "from < to; \(wholeNumbers.joined(separator: ", ")); over=mu and over=sigma keep the ranges of mu and sigma",
        "with sampled=yes, n * dim is at most \(GradCommand.maximumDraws) at every point",
      ]
    }

    func validate() throws(LabError) {
      let setup = try GradientArguments(common)
      let parameterNames = Set(setup.expression.parameters.map(\.name))
      guard ["n", "dim", "mu", "sigma"].contains(over) || parameterNames.contains(over) else {
        throw LabError(
          "over must be n, dim, mu, sigma or a parameter of f (\(parameterNames.isEmpty ? "f has none" : parameterNames.sorted().joined(separator: ", "))); got '\(over)'"
        )
      }
      try setup.checkParameters(allowing: over)
      let values = try GradSweepCommand.values(over: over, from: from, to: to, count: count)
      // The sampling's size, checked before any work: draws times dimensions at the largest point.
      if sampled {
        let largest = values.map { x in (over == "n" ? Int(x) : draws) * (over == "dim" ? Int(x) : setup.dimension) }
        if let most = largest.max(), most > GradCommand.maximumDraws {
          throw LabError(
            "n * dim must be at most \(GradCommand.maximumDraws) for sampled=yes; the sweep reaches \(most)")
        }
      }
    }
  }

  /// One point of the sweep: exact values as computed (with their error bounds),
  /// sampled variances as measured.
  struct Point {
    var x: Double
    var gradient: Estimate
    var exact: [GradientProblem.Estimator: Estimate]
    var sampled: [GradientProblem.Estimator: Double] = [:]
    /// Sampled variances not shown because rounding in f could change their printed
    /// digits, with how far it could move them.
    var lostInRounding: [GradientProblem.Estimator: Double] = [:]
    var stop: GaussKronrod.Stop

    /// The sweep's point, its sampled variances shown where the rounding of f
    /// cannot move them by half a unit of their last printed digit.
    init(_ point: GradientSweep.Point, precision: Int) {
      (x, gradient, exact, stop) = (point.x, point.gradient, point.exactVariances, point.stop)
      for (estimator, sampled) in point.sampledVariances {
        let halfUnit = NumberFormat.halfUnit(of: sampled.variance, decimals: precision, style: .scientific)
        if sampled.roundingShift <= halfUnit {
          self.sampled[estimator] = sampled.variance
        } else {
          lostInRounding[estimator] = sampled.roundingShift
        }
      }
    }
  }

  static func run(_ session: inout Session, _ arguments: Arguments) throws(LabError) -> Output {
    let setup = try GradientArguments(arguments.common)
    let (over, from, to, count) = (arguments.over, arguments.from, arguments.to, arguments.count)
    let (parameter, sampledToo) = (arguments.wrt, arguments.sampled)
    // validate() has checked over, the parameters and the sampling's size.
    let settings: [String: GradientSweep.Setting] = ["n": .draws, "dim": .dimension, "mu": .mu, "sigma": .sigma]
    let setting = settings[over] ?? .parameter(over)
    let values = try self.values(over: over, from: from, to: to, count: count)
    let sweep = GradientSweep(
      expression: setup.expression, parameters: setup.parameters, mu: setup.mu, sigma: setup.sigma,
      dimension: setup.dimension, baseline: setup.baseline, setting: setting, parameter: parameter,
      sampledDraws: sampledToo ? arguments.draws : nil)
    let estimators = sweep.estimators
    let seed = arguments.seed
    var generator = session.generator(commandSeed: seed)
    let points: [GradientSweep.Point]
    do throws(GradientSweep.Failure) {
      points = try sweep.points(at: values, using: &generator, shouldStop: session.shouldStop)
    } catch {
      let source = setup.expression.source
      switch error {
      case .interrupted: throw .interrupted
      case .expression(let error): throw GradientArguments.describe(error, in: source)
      case .noExpectation(let x, let problem, let failure):
        throw LabError(
          "at \(over) = \(NumberFormat.shortest(x)): \(GradientArguments.noExpectation(problem, source: source, failure).message)"
        )
      case .sampling(let error):
        throw GradientArguments.samplingError(error, source: source, precision: session.precision)
      }
    }
    if sampledToo { session.keep(generator, drawnWith: seed) }
    let result = Result(
      points: points, estimators: estimators, setup: setup, over: over, parameter: parameter, sampled: sampledToo,
      svg: arguments.svg)
    if let path = arguments.svg {
      try session.files.write(result.figure(result.table(session.precision)).svg(), to: path)
    }
    return Output(result)
  }

  /// What `grad sweep` reports: at each value of the swept setting, the exact
  /// gradient and each estimator's exact (and sampled) variance, as a table
  /// and a plot.
  struct Result: BlockResult {
    /// The sweep's points as computed, certified to a precision when shown (`table`).
    var points: [GradientSweep.Point]
    var estimators: [GradientProblem.Estimator]
    var setup: GradientArguments
    var over: String
    var parameter: GradientProblem.Parameter
    var sampled: Bool
    /// The SVG file written, if any.
    var svg: String?

    /// The values as shown at `precision`: each certified to its printed digits, or left out with a note.
    func table(_ precision: Int) -> Table {
      Table(
        points.map { Point($0, precision: precision) }, estimators: estimators, over: over, sampled: sampled,
        precision: precision)
    }

    /// The plot of `table`: what svg= writes, and a page shows.
    func figure(_ table: Table) -> Figure {
      let plot = GradSweepCommand.plot(table, estimators: estimators, over: over, sampled: sampled)
      let title = "variance of d/d\(parameter.rawValue) estimators, f(z) = \(setup.expression.source)"
      return Figure(plot, title: title, width: 60, height: 15)
    }

    struct PointValues: Encodable {
      var x: Double
      var gradient: ExactValues.ExactNumber
      var exactVariance: JSONMembers<ExactValues.ExactNumber>
      var sampledVariance: JSONMembers<Double>

      enum CodingKeys: String, CodingKey {
        case x, gradient, exactVariance = "exact_variance", sampledVariance = "sampled_variance"
      }
    }

    enum CodingKeys: String, CodingKey { case f, over, wrt, baseline, points, notes }

    /// Every value certified to the presentation's precision, as the text shows it.
    func encode(to encoder: any Encoder) throws {
      let table = table(encoder.presentation.precision)
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(setup.expression.source, forKey: .f)
      try container.encode(over, forKey: .over)
      try container.encode(parameter, forKey: .wrt)
      try container.encode(setup.baseline, forKey: .baseline)
      let points = table.points.indices.map { index in
        let point = table.points[index]
        return PointValues(
          x: point.x, gradient: table.gradientValues[index],
          exactVariance: JSONMembers(estimators.map { ($0.rawValue, table.varianceValues[index][$0] ?? .unavailable) }),
          sampledVariance: JSONMembers(estimators.compactMap { e in point.sampled[e].map { (e.rawValue, $0) } }))
      }
      try container.encode(points, forKey: .points)
      try container.encode(table.notes, forKey: .notes)
    }

    func blocks(for presentation: Presentation) -> [ResultBlock] {
      let table = table(presentation.precision)
      return GradSweepCommand.blocks(
        table, estimators: estimators, setup: setup, over: over, parameter: parameter, sampled: sampled,
        figure: figure(table), svg: svg, precision: presentation.precision)
    }
  }

  /// The sweep's exact values as shown: each certified to its printed digits,
  /// `infinite`, or left out with a note, the same in the table, the plot and JSON.
  struct Table {
    var points: [Point]
    var gradients: [String]
    var variances: [[GradientProblem.Estimator: String]]
    /// Exact values that can be plotted (certified and finite), per point.
    var drawable: [[GradientProblem.Estimator: Double]]
    var notes: [String]
    var gradientValues: [ExactValues.ExactNumber]
    var varianceValues: [[GradientProblem.Estimator: ExactValues.ExactNumber]]

    init(
      _ points: [Point], estimators: [GradientProblem.Estimator], over: String, sampled: Bool, precision: Int
    ) {
      self.points = points
      (gradients, variances, drawable, notes, gradientValues, varianceValues) = ([], [], [], [], [], [])
      // One note per quantity is enough for a sweep: the first point where it is missing.
      var noted: Set<String> = []
      func cell(_ estimate: Estimate, _ quantity: String, at point: Point, style: NumberFormat.Style, isVariance: Bool)
        -> (text: String, json: ExactValues.ExactNumber)
      {
        var values = ExactValues(stop: point.stop, precision: precision)
        let label = "\(quantity) at \(over) = \(NumberFormat.shortest(point.x))"
        let text = values.cell(estimate, label: label, style: style, isVariance: isVariance)
        if !values.notes.isEmpty && noted.insert(quantity).inserted { notes += values.notes }
        return (text, values.json(estimate, style: style, isVariance: isVariance))
      }
      for point in points {
        let gradient = cell(point.gradient, "the gradient", at: point, style: .compact, isVariance: false)
        gradients.append(gradient.text)
        gradientValues.append(gradient.json)
        var (row, values, json) = (
          [GradientProblem.Estimator: String](), [GradientProblem.Estimator: Double](),
          [GradientProblem.Estimator: ExactValues.ExactNumber]()
        )
        for estimator in estimators {
          guard let estimate = point.exact[estimator] else { continue }
          let shown = cell(estimate, "var \(estimator.rawValue)", at: point, style: .scientific, isVariance: true)
          (row[estimator], json[estimator]) = shown
          if case .value(let value) = shown.json { values[estimator] = value }
        }
        variances.append(row)
        drawable.append(values)
        varianceValues.append(json)
        for estimator in estimators {
          guard let shift = point.lostInRounding[estimator], noted.insert("rounding \(estimator)").inserted else {
            continue
          }
          notes.append(
            "sampled var \(estimator.rawValue) at \(over) = \(NumberFormat.shortest(point.x)) not shown: rounding in f's values could move it by up to \(NumberFormat.scientific(shift, precision)); f's values may be too large for the changes in z to show in them"
          )
        }
      }
    }
  }

  /// The swept values: evenly spaced, or log-spaced whole numbers for n and dim.
  static func values(over: String, from: Double, to: Double, count: Int) throws(LabError) -> [Double] {
    guard from < to else {
      throw LabError(
        "from must be less than to; got from=\(NumberFormat.shortest(from)) to=\(NumberFormat.shortest(to))")
    }
    if let limits = wholeNumberRanges[over] {
      guard limits.contains(from), limits.contains(to) else {
        throw LabError("over=\(over) needs \(Int(limits.lowerBound)) <= from < to <= \(Int(limits.upperBound))")
      }
      return GradientSweep.logSpacedWholeNumbers(from: from, to: to, count: count)
    }
    // mu and sigma keep the ranges grad gives them.
    for (name, domain) in [("mu", GradientArguments.muDomain), ("sigma", GradientArguments.sigmaDomain)]
    where over == name {
      for (end, value) in [("from", from), ("to", to)] where !domain.contains(value) {
        throw LabError(
          "over=\(name) needs \(end) \(domain), like \(name) itself; got \(end)=\(NumberFormat.shortest(value))",
          argument: end)
      }
    }
    return GradientSweep.evenlySpaced(from: from, to: to, count: count)
  }

  /// Settings swept over whole numbers on a log scale, and their ranges.
  static let wholeNumberRanges: [String: ClosedRange<Double>] = ["n": 2...10_000_000, "dim": 1...1000]

  static func plot(
    _ table: Table, estimators: [GradientProblem.Estimator], over: String, sampled: Bool
  ) -> LinePlot {
    let points = table.points
    var series = estimators.map { estimator in
      LinePlot.Series(
        name: estimator.rawValue, marker: marker(estimator),
        points: points.indices.map { i in (points[i].x, table.drawable[i][estimator] ?? .nan) },
        isCurve: true)
    }
    if sampled {
      series += estimators.map { estimator in
        LinePlot.Series(
          name: "\(estimator.rawValue) (sampled)", marker: Character(marker(estimator).lowercased()),
          points: points.compactMap { point in point.sampled[estimator].map { (point.x, $0) } }, isCurve: false)
      }
    }
    return LinePlot(
      series: series, xLabel: over, yLabel: over == "n" ? "variance of the mean of n draws" : "variance per draw",
      logX: wholeNumberRanges[over] != nil, logY: true)
  }

  static func marker(_ estimator: GradientProblem.Estimator) -> Character {
    switch estimator {
    case .pathwise: "P"
    case .score: "S"
    case .scoreWithBaseline: "B"
    case .measureValued: "M"
    }
  }

  /// What the plot does not draw, said rather than dropped: zero variances,
  /// which a log axis cannot show, and sampled values far outside the curves' range.
  static func undrawnNotes(_ plot: LinePlot, over: String, precision: Int) -> [String] {
    let zeros: [String] = plot.series.compactMap { series in
      let zeros = series.points.filter { $0.y == 0 }.map { NumberFormat.shortest($0.x) }
      guard !zeros.isEmpty else { return nil }
      let name = "\(series.marker) \(series.name)"
      return zeros.count == series.points.count
        ? "\(name) is zero at every point, which a log axis cannot show"
        : "\(name) is zero at \(over) = \(zeros.joined(separator: ", ")), which a log axis cannot show"
    }
    let outside = plot.pointsOutsideRange().map { series, points in
      "\(series.marker) \(series.name) is not drawn at "
        + points.map { "\(over) = \(NumberFormat.shortest($0.x)) (\(NumberFormat.scientific($0.y, precision)))" }
        .joined(separator: ", ") + ", far outside the range of the exact curves"
    }
    return zeros + outside
  }

  static func blocks(
    _ table: Table, estimators: [GradientProblem.Estimator], setup: GradientArguments, over: String,
    parameter: GradientProblem.Parameter, sampled: Bool, figure: Figure, svg: String?, precision: Int
  ) -> [ResultBlock] {
    let points = table.points
    let fixed =
      ["mu": "mu = \(NumberFormat.shortest(setup.mu))", "sigma": "sigma = \(NumberFormat.shortest(setup.sigma))"]
      .filter { $0.key != over }.sorted { $0.key > $1.key }.map(\.value)
      + setup.parameters.filter { $0.key != over }.sorted { $0.key < $1.key }.map {
        "\($0.key) = \(NumberFormat.shortest($0.value))"
      }
    let lines = [
      "variance of the d/d\(parameter.rawValue) estimators of E[f(z)], f(z) = \(setup.expression.source), as \(over) goes from \(NumberFormat.shortest(points.first?.x ?? 0)) to \(NumberFormat.shortest(points.last?.x ?? 0))"
        + (fixed.isEmpty ? "" : " (\(fixed.joined(separator: ", ")))")
        + (setup.dimension > 1 && over != "dim" ? "; dim = \(setup.dimension)" : "")
        + "; baseline = \(setup.baseline.rawValue)",
      over == "n"
        ? "exact variance of the average of n draws (variance per draw / n); columns P S B M as in the plot"
        : "exact variance per draw; columns P S B M as in the plot",
    ]
    var columns: [(String, TextTable.Alignment)] = [(over, .right), ("gradient", .right)]
    columns += estimators.map { ("\(marker($0)) \($0.rawValue)", .right) }
    if sampled { columns += estimators.map { ("\(Character(marker($0).lowercased())) sampled", .right) } }
    var rendered = TextTable(columns, keyColumns: 1)
    for (index, point) in points.enumerated() {
      let x = wholeNumberRanges[over] != nil ? NumberFormat.shortest(point.x) : NumberFormat.fixed(point.x, precision)
      var row = [x, table.gradients[index]]
      row += estimators.map { table.variances[index][$0] ?? "-" }
      // Variances span decades: scientific notation keeps their digits at every size.
      if sampled { row += estimators.map { point.sampled[$0].map { NumberFormat.scientific($0, precision) } ?? "-" } }
      rendered.append(row)
    }
    let plot = self.plot(table, estimators: estimators, over: over, sampled: sampled)
    let after = undrawnNotes(plot, over: over, precision: precision) + table.notes + (svg.map { ["wrote \($0)"] } ?? [])
    return [.text(lines.joined(separator: "\n")), .table(rendered), .figure(figure)]
      + (after.isEmpty ? [] : [.text(after.joined(separator: "\n"))])
  }
}
