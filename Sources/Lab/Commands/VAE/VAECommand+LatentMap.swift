import NeuralNet
import Probability

extension VAECommand {
  // MARK: vae latent

  enum LatentView: String, ArgumentChoice, Sendable {
    case scatter, grid
  }

  struct LatentArguments: CommandArguments {
    @Positional(
      help: "scatter: the held-out set's encodings; grid: decodes across the latent plane")
    var view: LatentView = .scatter
    @Named(0...255, help: "the two latent dimensions to plot (default [0, 1])") var dims: [Int]?
    @Named(
      .word("label, a factor of the data (shapes: shape, x, y, scale; pinwheel: arm), or none"),
      help: "scatter: mark each encoding by this (default: the data's label, else its first factor)")
    var color: String?
    @Named(2...32, help: "grid: decodes per side") var n: Int?
    @Named(
      .word("inverse-cdf, or a number R for a linear grid from -R to R"),
      help: "grid: inverse-cdf (Kingma and Welling 2014, fig. 4) or a linear range")
    var range: String?
    @Named(.path, help: "also write the figure as an SVG file") var svg: String?

    static let rules = ["n= and range= set up the grid, color= the scatter: each only with its view"]

    func validate() throws(LabError) {
      switch view {
      case .scatter:
        for (given, name) in [(n != nil, "n"), (range != nil, "range")] where given {
          throw LabError("\(name)= sets up vae latent grid; the scatter has no \(name)", argument: name)
        }
      case .grid:
        if color != nil {
          throw LabError("color= marks the scatter's encodings; a grid of decodes has none", argument: "color")
        }
      }
    }
  }

  static let latent = CommandSpec(
    name: "latent",
    summary: "the latent space: the held-out encodings as a scatter plot, or a grid of decodes across it",
    discussion: """
      scatter: the encoder mean mu(x) of each held-out example, on two latent
      dimensions, marked by a label or a generating factor: where the encoder
      puts what. The prior is N(0, I), so a VAE's encodings gather within a few
      units of 0; a plain autoencoder's go wherever reconstruction takes them.
      grid: the decoder's mean output at n x n points of a latent plane, the
      other dimensions at 0; with range=inverse-cdf (the default) the points are
      Phi^-1((k + 1/2) / n) on each axis, so each cell holds an equal share of
      the prior's mass, and every decode is of a point the prior samples.
      """,
    arguments: LatentArguments.self,
    examples: [
      "vae latent", "vae latent color=scale svg=latent.svg", "vae latent dims=[2, 5] color=none",
      "vae latent grid", "vae latent grid n=12 range=3 svg=grid.svg",
    ],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let dimensions = try latentPlane(arguments.dims, workbench: workbench, needsTwo: arguments.view == .grid)
      switch arguments.view {
      case .scatter:
        return try latentScatter(
          workbench, dimensions: dimensions, color: arguments.color, svg: arguments.svg, session: &session)
      case .grid:
        return try latentGrid(
          workbench, dimensions: dimensions, n: arguments.n ?? 8, range: arguments.range ?? "inverse-cdf",
          svg: arguments.svg, session: &session)
      }
    })

  /// The latent dimensions to plot: `dims=` checked against the model, else 0
  /// and 1 (or 0 alone for a 1-D latent, where the grid is refused).
  static func latentPlane(_ dims: [Int]?, workbench: VAEWorkbench, needsTwo: Bool) throws(LabError) -> [Int] {
    let l = workbench.configuration.latent
    guard let dims else {
      if l >= 2 { return [0, 1] }
      if needsTwo { throw LabError("a grid spans a latent plane, and this model's latent space has 1 dimension") }
      return [0]
    }
    guard dims.count == 2, dims[0] != dims[1] else {
      throw LabError("dims takes two different latent dimensions, such as dims=[0, 1]", argument: "dims")
    }
    for dimension in dims where dimension >= l {
      throw LabError("the model has latent dimensions 0 to \(l - 1), not \(dimension)", argument: "dims")
    }
    return dims
  }

  // MARK: The scatter

  /// The most encodings drawn, the first of the held-out set.
  static let largestScatter = 2000

  static func latentScatter(
    _ workbench: VAEWorkbench, dimensions: [Int], color: String?, svg: String?, session: inout Session
  ) throws(LabError) -> Output {
    let data = workbench.data
    let factor = try scatterFactor(color, data: data)
    let count = min(data.heldOutCount, largestScatter)
    let l = workbench.configuration.latent
    let means = workbench.model.encoderMeans(Array(data.heldOut[0..<(count * data.dimension)]))
    let points = (0..<count).map { row in dimensions.map { Double(means[row * l + $0]) } }
    let groups = scatterGroups(factor, count: count)
    let name = { (d: Int) in "z\(d) (encoder mean)" }
    // A 1-D latent: z0 across, and up the factor's value (or class) when there is one.
    func position(_ row: Int) -> (x: Double, y: Double) {
      if points[row].count == 2 { return (points[row][0], points[row][1]) }
      return (points[row][0], factor.map { $0.heldOut[row] } ?? 0)
    }
    let plot = LinePlot(
      series: groups.map { group in
        LinePlot.Series(name: group.name, marker: group.marker, points: group.rows.map(position), isCurve: false)
      },
      xLabel: name(dimensions[0]),
      yLabel: dimensions.count == 2 ? name(dimensions[1]) : (factor.map { $0.name } ?? ""), logX: false, logY: false)
    let title =
      "held-out encodings\(factor.map { " by \($0.name)" } ?? ""), \(workbench.configuration.kind == .vae ? "VAE" : "autoencoder") at step \(workbench.trainer.steps)"
    let figure = Figure(
      title: title, drawing: { plot.terminal(width: min(72, max(40, ($0.width ?? 80) - 12)), height: 20) },
      svg: { plot.svg(title: title) })
    if let svg { try session.files.write(figure.svg(), to: svg) }
    let spread = dimensions.map { d in RunningMoments((0..<count).map { Double(means[$0 * l + d]) }) }
    return Output(
      LatentScatter(
        dims: dimensions, color: factor?.name, examples: count, heldOutExamples: data.heldOutCount,
        mean: spread.map(\.mean), variance: spread.map(\.variance), z: points,
        classes: factor.flatMap { f in f.classes.map { names in (0..<count).map { names[Int(f.heldOut[$0])] } } },
        values: factor.flatMap { $0.isCategorical ? nil : Array($0.heldOut[0..<count]) },
        figure: figure, svg: svg))
  }

  /// The factor `color=` names (`none` for none), or by default the data's
  /// label, else its first factor.
  static func scatterFactor(_ color: String?, data: Dataset) throws(LabError) -> ExampleFactor? {
    guard let color else { return data.factor(named: "label") ?? data.factors.first }
    if color == "none" { return nil }
    guard let factor = data.factor(named: color) else {
      let known = data.factors.map(\.name) + ["none"]
      let why =
        color == "label"
        ? "\(data.name) has no label column (vae new FILE.csv label=COLUMN keeps one)" : "no factor '\(color)'"
      throw LabError("\(why); color= takes \(known.joined(separator: ", "))", argument: "color")
    }
    return factor
  }

  /// The scatter's series: one per class of a categorical factor (marked by
  /// the classes' initials when they differ, else by number), four quartile
  /// bands of a continuous one (a to d, low to high), or one of all.
  static func scatterGroups(_ factor: ExampleFactor?, count: Int) -> [(name: String, marker: Character, rows: [Int])] {
    guard let factor else { return [("held-out encodings", "o", Array(0..<count))] }
    let values = Array(factor.heldOut[0..<count])
    if let classes = factor.classes {
      let initials = classes.compactMap { $0.lowercased().first }
      let markers: [Character] =
        Set(initials).count == classes.count && initials.count == classes.count
        ? initials : classes.indices.map { Character(String($0 % 36, radix: 36)) }
      return classes.indices.compactMap { k in
        let rows = values.indices.filter { Int(values[$0]) == k }
        return rows.isEmpty ? nil : (classes[k], markers[k], rows)
      }
    }
    let sorted = values.sorted()
    guard let low = sorted.first, let high = sorted.last else { return [] }
    // Quartile edges; a band is [edge k, edge k + 1), the last one closed.
    let edges = [low] + (1..<4).map { sorted[$0 * sorted.count / 4] } + [high]
    return (0..<4).compactMap { band in
      let rows = values.indices.filter {
        values[$0] >= edges[band] && (band == 3 ? values[$0] <= edges[4] : values[$0] < edges[band + 1])
      }
      let range =
        "\(NumberFormat.shortest(NumberFormat.rounded(edges[band], significantDigits: 3))) to \(NumberFormat.shortest(NumberFormat.rounded(edges[band + 1], significantDigits: 3)))"
      return rows.isEmpty ? nil : ("\(factor.name) \(range)", Character(UnicodeScalar(UInt8(97 + band))), rows)
    }
  }

  /// The held-out encodings on two latent dimensions, with what marks them.
  struct LatentScatter: BlockResult {
    var dims: [Int]
    /// The factor marking the points; null for none.
    @Nullable var color: String?
    /// Encodings plotted (the first of the held-out set).
    var examples: Int
    var heldOutExamples: Int
    /// Each plotted dimension's mean and variance of mu across the examples
    /// (a variance above 0.01 makes it an active unit).
    var mean: [Double]
    var variance: [Double]
    /// The encoder means on the plotted dimensions, one pair per example.
    var z: [[Double]]
    /// Each example's class, for a categorical factor.
    var classes: [String]?
    /// Each example's value, for a continuous factor.
    var values: [Double]?
    /// The scatter, drawn to the presentation's width.
    var figure: Figure
    /// The SVG file written, if any.
    var svg: String?

    enum CodingKeys: String, CodingKey {
      case dims, color, examples, heldOutExamples = "held_out_examples", mean, variance, z, classes, values
    }

    func blocks(for presentation: Presentation) -> [ResultBlock] {
      let shown =
        examples < heldOutExamples
        ? "the first \(examples) of \(heldOutExamples) held-out encodings" : "\(examples) held-out encodings"
      let heading = "\(shown) (encoder means)\(color.map { ", marked by \($0)" } ?? "")"
      var table = TextTable([("", .left), ("mean", .right), ("variance", .right), ("", .left)])
      for (k, d) in dims.enumerated() {
        table.append([
          "z\(d)", NumberFormat.fixed(mean[k], presentation.precision),
          NumberFormat.fixed(variance[k], presentation.precision),
          variance[k] > 0.01 ? "active (variance above 0.01)" : "inactive (variance at most 0.01)",
        ])
      }
      return [.text(heading), .figure(figure), .table(table)] + (svg.map { [.text("wrote \($0)")] } ?? [])
    }
  }

  // MARK: The grid

  static func latentGrid(
    _ workbench: VAEWorkbench, dimensions: [Int], n: Int, range: String, svg: String?, session: inout Session
  ) throws(LabError) -> Output {
    let axis: [Double]
    if range == "inverse-cdf" {
      axis = LatentPaths.inverseCDFAxis(count: n)
    } else if let r = Double(range), r.isFinite, r > 0, r <= 1e6 {
      axis = LatentPaths.evenlySpaced(from: -r, to: r, steps: n)
    } else {
      throw LabError(
        "range is inverse-cdf or a number R from above 0 to 1e6 (a linear grid from -R to R), not '\(range)'",
        argument: "range")
    }
    let c = workbench.configuration
    let points = LatentPaths.grid(axis: axis, latent: c.latent, dimensions: (dimensions[0], dimensions[1]))
    let others = c.latent > 2 ? ", the other \(c.latent - 2) dimensions at 0" : ""
    let label = { (value: Double) in NumberFormat.shortest(NumberFormat.rounded(value, significantDigits: 3)) }
    let title =
      "decodes across z\(dimensions[0]) and z\(dimensions[1])\(others) (\(range == "inverse-cdf" ? "inverse-CDF grid" : "linear grid")), step \(workbench.trainer.steps)"
    guard let size = workbench.data.imageSize else {
      // Data that are not images: each decode is a point, drawn over the data.
      return try decoded(
        points, labels: points.map(latentLabel), workbench: workbench, session: &session, svg: svg, title: title,
        series: "decoded grid")
    }
    let outputs = workbench.model.decode(points.flatMap { $0.map(Float.init) })
    let d = c.inputs
    let images = outputs.rows(width: d)
    let (xName, yName) = ("z\(dimensions[0])", "z\(dimensions[1])")
    // The terminal's labels have two significant digits, the SVG's three.
    let short = axis.map { NumberFormat.shortest(NumberFormat.rounded($0, significantDigits: 2)) }
    let long = axis.map(label)
    let figure = Figure(
      title: title,
      drawing: { presentation in
        TerminalImage.grid(
          images, columns: n, width: size.width, height: size.height, colour: presentation.colour,
          rowLabels: short.reversed(), columnLabels: short, maxWidth: presentation.width ?? 140)
      },
      svg: {
        SVGImages.grid(
          images, columns: n, width: size.width, height: size.height, rowLabels: long.reversed(), columnLabels: long,
          xLabel: xName, yLabel: yName, title: title)
      })
    if let svg { try session.files.write(figure.svg(), to: svg) }
    return Output(
      LatentGrid(dims: dimensions, n: n, range: range, axis: axis, images: images, figure: figure, svg: svg))
  }

  /// Decodes at n x n points of a latent plane, row by row from the top.
  struct LatentGrid: BlockResult {
    var dims: [Int]
    var n: Int
    var range: String
    /// The coordinates on each axis, low to high.
    var axis: [Double]
    /// The decoder's mean output at each point, row-major from the top left.
    var images: [[Float]]
    /// The decodes in a grid, labelled by their coordinates.
    var figure: Figure
    /// The SVG file written, if any.
    var svg: String?

    enum CodingKeys: String, CodingKey { case dims, n, range, axis, images }

    func blocks(for presentation: Presentation) -> [ResultBlock] {
      let label = { (value: Double) in NumberFormat.shortest(NumberFormat.rounded(value, significantDigits: 2)) }
      let axes =
        "columns: z\(dims[0]) from \(label(axis[0])) to \(label(axis[n - 1])); rows: z\(dims[1]) from \(label(axis[n - 1])) (top) to \(label(axis[0]))"
      return [.text(figure.title), .figure(figure), .text(axes)] + (svg.map { [.text("wrote \($0)")] } ?? [])
    }
  }
}
