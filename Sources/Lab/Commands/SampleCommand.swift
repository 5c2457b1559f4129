import Probability

import func Foundation.log10

/// `sample`: reparameterised draws z = mu + sigma * eps, their moments against
/// (mu, sigma), and a histogram of z with the N(mu, sigma^2) density over it.
enum SampleCommand {
  /// Largest n times dimensions: about five seconds of sampling, in constant memory.
  static let maximumDraws = 1_000_000_000

  static let spec = CommandSpec(
    name: "sample",
    summary: "reparameterised samples z = mu + sigma * eps, their moments and histogram",
    discussion: """
      Draws eps ~ N(0, 1) from vaelab's own seeded generator (the same numbers on
      every machine) and sets z = mu + sigma * eps (Kingma & Welling 2014, section
      2.4). The randomness is all in eps, so z is a differentiable function of
      mu and sigma, and z ~ N(mu, sigma^2): compare the sample mean and standard
      deviation with mu and sigma, and the histogram with the density (•, the
      expected count of each bin). Vectors draw from a diagonal Gaussian.
      The histogram covers mu +- 4 sigma; svg=PATH writes the same figure.
      """,
    arguments: Arguments.self,
    examples: [
      "sample 2 1", "sample 0 0.5 n=100000 seed=1 show=3", "sample [0, 3] [1, 0.5] n=5000", "sample 2 1 svg=z.svg",
    ],
    action: run)

  struct Arguments: CommandArguments {
    @Positional(GaussianArguments.meanDomain, help: "mean") var mu: ScalarOrVector = 0
    @Positional(GaussianArguments.standardDeviationDomain, help: "standard deviation") var sigma: ScalarOrVector = 1
    @Named(GaussianArguments.logVarianceDomain, help: "log variance, instead of sigma") var logvar: ScalarOrVector?
    @Named(name: "n", 1...maximumDraws, help: "number of draws") var count: Int = 1000
    @Named(0...Int.max, help: "seed for these draws (default: the session's random stream)") var seed: Int?
    @Named(0...1000, help: "how many (eps, z) pairs to print") var show: Int = 5
    @Named(1...200, help: "histogram bins over mu +- 4 sigma") var bins: Int = 16
    @Named(.path, help: "also write the histogram as an SVG file") var svg: String?

    static let rules = [
      "give sigma or logvar, not both",
      "vectors have one length; a plain number stands for every dimension",
      "n * dimensions is at most \(maximumDraws)",
      "sigma >= 1e-12 * |mu| in each dimension, for a histogram in double precision",
    ]

    func validate() throws(LabError) {
      let q = try GaussianArguments(mean: $mu, sigma: $sigma, logvar: $logvar)
      let dimension = q.gaussian.dimension
      guard count <= maximumDraws / dimension else {
        throw LabError(
          "n = \(count) draws of \(dimension) dimensions is too much work: n * dimensions must be at most \(maximumDraws)"
        )
      }
      // The histogram spans mu +- 4 sigma in `bins` bins; below this ratio its edges
      // would round to the same few doubles.
      let (mean, standardDeviation) = (q.gaussian.mean, q.gaussian.standardDeviation)
      for d in 0..<dimension where standardDeviation[d] < 1e-12 * abs(mean[d]) {
        throw LabError(
          "sigma\(q.isVector ? "[\(d)]" : "") is too small next to mu\(q.isVector ? "[\(d)]" : ""): sample needs sigma >= 1e-12 * |mu| to draw a histogram in double precision"
        )
      }
    }
  }

  static func run(_ session: inout Session, _ arguments: Arguments) throws(LabError) -> Output {
    let q = try GaussianArguments(mean: arguments.$mu, sigma: arguments.$sigma, logvar: arguments.$logvar)
    let count = arguments.count
    let dimension = q.gaussian.dimension
    let (shown, bins, seed) = (arguments.show, arguments.bins, arguments.seed)
    let mean = q.gaussian.mean
    let standardDeviation = q.gaussian.standardDeviation
    var generator = session.generator(commandSeed: seed)
    let summary = try LabError.stoppingOnInterrupt { () throws(Interrupted) in
      try Reparameterisation.sample(
        mean: mean, standardDeviation: standardDeviation, count: count, keep: shown, binCount: bins,
        using: &generator, shouldStop: session.shouldStop)
    }
    let densities = (0..<dimension).map {
      NormalDistribution(mean: mean[$0], standardDeviation: standardDeviation[$0])
    }
    let result = Result(summary: summary, q: q, densities: densities, count: count, svg: arguments.svg)
    if let path = arguments.svg { try session.files.write(result.histograms(session.precision).svg(), to: path) }
    session.keep(generator, drawnWith: seed)
    return Output(result)
  }

  /// What `sample` reports: the draws' first values, moments and histograms
  /// against q = N(mu, sigma^2).
  struct Result: BlockResult {
    var summary: Reparameterisation.Summary
    var q: GaussianArguments
    var densities: [NormalDistribution]
    var count: Int
    /// The SVG file written, if any.
    var svg: String?

    /// How numbers are printed at `precision` (see `digits`).
    func number(_ precision: Int) -> @Sendable (Double) -> String {
      digits(
        summary: summary, mean: densities.map(\.mean), standardDeviation: densities.map(\.standardDeviation),
        precision: precision)
    }

    /// Each dimension's histogram against the density of q: in characters
    /// (many dimensions cut short as a long table is), and as SVG panels.
    func histograms(_ precision: Int) -> Figure {
      let (summary, q, densities, count, number) = (summary, q, densities, count, number(precision))
      return Figure(
        title: "z = mu + sigma * eps, n = \(count): histograms and densities",
        drawing: { presentation in
          SampleCommand.histogramText(summary, q: q, densities: densities, number: number, width: presentation.width)
        },
        svg: {
          SVGHistogram.render(
            (0..<q.gaussian.dimension).map { d in
              SVGHistogram.Panel(
                histogram: summary.histograms[d], density: densities[d],
                title:
                  "z\(q.gaussian.dimension > 1 ? "[\(d)]" : "") = mu + sigma * eps, n = \(count): histogram and \(label(densities[d], number)) density"
              )
            })
        })
    }

    struct Draw: Encodable {
      var eps: [Double]
      var z: [Double]
    }

    struct Histogram: Encodable {
      var lower: Double
      var upper: Double
      var counts: [Int]
      var below: Int
      var above: Int
    }

    /// JSON: n, q's mu and sigma, the sample mean and std (null from one draw),
    /// the first draws and each dimension's histogram.
    enum CodingKeys: String, CodingKey { case n, mu, sigma, mean, std, samples, histograms }
    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(count, forKey: .n)
      try container.encode(q.gaussian.mean, forKey: .mu)
      try container.encode(q.gaussian.standardDeviation, forKey: .sigma)
      try container.encode(summary.moments.map(\.mean), forKey: .mean)
      try container.encode(
        Nullable(wrappedValue: count > 1 ? summary.moments.map(\.standardDeviation) : nil), forKey: .std)
      try container.encode(summary.firstDraws.map { Draw(eps: $0.epsilon, z: $0.z) }, forKey: .samples)
      try container.encode(
        summary.histograms.map {
          Histogram(lower: $0.lower, upper: $0.upper, counts: $0.counts, below: $0.below, above: $0.above)
        }, forKey: .histograms)
    }

    func blocks(for presentation: Presentation) -> [ResultBlock] {
      SampleCommand.blocks(
        summary, q: q, densities: densities, count: count, svg: svg, number: number(presentation.precision),
        histograms: histograms(presentation.precision))
    }
  }

  /// How sample prints its numbers: enough digits to tell the bins' edges apart
  /// and to show sigma. Fixed decimals where twelve or fewer do (sample 1e6 1e-6
  /// needs eight, where three would print every edge as 1000000.000), else
  /// scientific notation with enough significant digits (sample 0 1e-100).
  static func digits(
    summary: Reparameterisation.Summary, mean: [Double], standardDeviation: [Double], precision: Int
  ) -> @Sendable (Double) -> String {
    let finest = zip(summary.histograms, standardDeviation).map { min($0.binWidth, $1 / 10) }.min() ?? 1
    let decimals = NumberFormat.decimals(resolving: finest, minimum: precision)
    guard decimals > 12 else { return { NumberFormat.fixed($0, decimals) } }
    let largest = zip(mean, standardDeviation).map { abs($0) + 4 * $1 }.max() ?? 1
    let significant = min(16, max(precision, Int(log10(largest / finest).rounded(.up)) + 1))
    return { NumberFormat.scientific($0, significant) }
  }

  static func blocks(
    _ summary: Reparameterisation.Summary, q: GaussianArguments, densities: [NormalDistribution], count: Int,
    svg: String?, number: (Double) -> String, histograms: Figure
  ) -> [ResultBlock] {
    func numbers(_ values: [Double]) -> String {
      // A long vector is cut short as a long table is: its first and last entries.
      q.isVector ? "[" + TextTable.list(values.count) { number(values[$0]) } + "]" : number(values[0])
    }
    let dimension = q.gaussian.dimension
    var blocks: [ResultBlock] = []
    var lines: [String] = []
    lines.append(
      q.isVector
        ? "z = mu + sigma * eps, eps ~ N(0, I), for q = N(mu, diag sigma^2) in \(dimension) dimensions; n = \(count)"
        : "z = mu + sigma * eps, eps ~ N(0, 1), for q = \(q.label); n = \(count)")
    if !summary.firstDraws.isEmpty {
      lines.append("first \(summary.firstDraws.count) draw\(summary.firstDraws.count == 1 ? "" : "s"):")
      var draws = TextTable([("i", .right), ("eps", .right), ("z", .right)])
      for (index, draw) in summary.firstDraws.enumerated() {
        draws.append(["\(index + 1)", numbers(draw.epsilon), numbers(draw.z)])
      }
      blocks += [.text(lines.joined(separator: "\n")), .table(draws)]
      lines = []
    }
    var columns: [(String, TextTable.Alignment)] = [
      ("mu", .right), ("mean", .right), ("sigma", .right), ("std", .right), ("mean - mu", .right),
    ]
    if q.isVector { columns.insert(("dim", .right), at: 0) }
    var moments = TextTable(columns)
    moments.append(count: dimension) { d in
      let sample = summary.moments[d]
      let inErrors = densities[d].standardErrors(ofSampleMean: sample.mean, draws: count)
      return (q.isVector ? ["\(d)"] : []) + [
        number(densities[d].mean), number(sample.mean), number(densities[d].standardDeviation),
        count > 1 ? number(sample.standardDeviation) : "-", "\(NumberFormat.fixed(inErrors, 1)) s.e.",
      ]
    }
    lines.append("sample mean and standard deviation against mu and sigma; s.e. = sigma / sqrt(n):")
    blocks += [.text(lines.joined(separator: "\n")), .table(moments)]
    if count == 1 { blocks.append(.text("(one draw has no sample standard deviation: that needs n >= 2)")) }
    blocks.append(.figure(histograms))
    if let svg { blocks.append(.text("wrote \(svg)")) }
    return blocks
  }

  /// Each dimension's histogram with the expected counts under its density;
  /// many dimensions are cut short as a long table's rows are.
  static func histogramText(
    _ summary: Reparameterisation.Summary, q: GaussianArguments, densities: [NormalDistribution],
    number: (Double) -> String, width: Int?
  ) -> String {
    let dimension = q.gaussian.dimension
    var lines: [String] = []
    let (first, last) = TextTable.shownIndices(dimension)
    for d in Array(first) + Array(last) {
      if d == last.first {
        lines.append(TextTable.leftOutLine(dimension - first.count - last.count, of: dimension, "histograms"))
      }
      let histogram = summary.histograms[d]
      let expected = histogram.expectedCounts(under: densities[d])
      let name = q.isVector ? "z[\(d)]" : "z"
      lines.append(
        "histogram of \(name); • = expected count under \(label(densities[d], number)):"
      )
      lines.append(TerminalHistogram.render(histogram, expected: expected, edge: number, width: width))
      if histogram.below + histogram.above > 0 {
        lines.append("outside the range: \(histogram.below) below, \(histogram.above) above")
      }
    }
    return lines.joined(separator: "\n")
  }

  /// `N(2.000, 0.500^2)`.
  static func label(_ density: NormalDistribution, _ number: (Double) -> String) -> String {
    "N(\(number(density.mean)), \(number(density.standardDeviation))^2)"
  }
}
