import Foundation
import NeuralNet
import Probability

extension VAECommand {
  /// Why `vae bound`, `vae density` or `vae estimators` has no value for one
  /// example (`what`), in words.
  static func latentGridFailure(_ failure: MarginalLikelihood.GridError, of what: String) -> LabError {
    switch failure {
    case .interrupted: return .interrupted
    case .tooManyDimensions(let latent): return LabError("internal error: quadrature in \(latent) dimensions")
    case .tooFine(let points):
      let count =
        points < 1e15 ? "\(Int(points))" : points.isFinite ? String(format: "%.1e", points) : "infinitely many"
      return LabError(
        "\(what): q(z|x) is so narrow that a grid resolving it would need \(count) points, more than \(MarginalLikelihood.largestGrid)"
      )
    case .notFinite:
      return LabError(
        "\(what): the model gives it no finite value (q(z|x)'s mean or log-variance, or log p(x|z), is NaN or infinite, or p(x|z) is 0 everywhere in double precision): its values or the model's weights are too large to evaluate"
      )
    }
  }

  // MARK: vae bound

  static let bound = CommandSpec(
    name: "bound",
    summary: "log p(x) = ELBO + KL(q(z|x) || p(z|x)): the ELBO, importance-weighted bounds, and log p(x) itself",
    discussion: """
      For a held-out example (or every one, averaged): the ELBO from one-sample
      estimates and, for 1- or 2-D latents, its exact expectation over q; the
      importance-weighted bounds IWAE_k = E log (1/k) sum p(x, z_i) / q(z_i|x)
      (Burda et al. 2016), which climb from the ELBO (k = 1) to log p(x); and
      log p(x) itself: for 1- or 2-D latents by quadrature of p(x|z) p(z) over the
      latent plane (the region and step are stated, the error is the change when
      the step is halved), else estimated by IWAE with k = 5000. The gap
      ELBO - log p(x) is -KL(q(z|x) || p(z|x)): how far the encoder's Gaussian
      is from the true posterior. For one example of a 2-D model, the true
      posterior p(z|x) is drawn beside q(z|x) on the quadrature's region (svg=PATH
      writes the same, finer). +- values are Monte Carlo standard errors.
      """,
    arguments: MarginalLikelihoodArguments.self,
    examples: ["vae bound 0", "vae bound 3 k=[1, 100, 5000]", "vae bound 0 svg=posterior.svg", "vae bound"],
    action: runBound)

  /// `vae bound`'s arguments: which examples' log p(x), the marginal likelihood, to bound.
  struct MarginalLikelihoodArguments: CommandArguments {
    @Positional(
      name: "i", 0...1_000_000_000, help: "a held-out example, or a row of data= (default: every one, averaged)")
    var index: Int?
    @ArgumentGroup var file: DataFileArguments
    @Named(name: "k", 1...100_000, help: "the numbers of importance samples") var ks: [Int] = [1, 10, 100, 1000]
    @Named(0...Int.max, help: "seed for the draws (default: the session's random stream)") var seed: Int?
    @Named(.path, help: "write p(z|x) beside q(z|x) as an SVG file (one example, 2-D latent)") var svg: String?
  }

  /// Pixels per side of the posterior pictures: in the terminal, and in an SVG.
  static let terminalPictureSide = 20
  static let svgPictureSide = 64

  static func runBound(_ session: inout Session, _ arguments: MarginalLikelihoodArguments) throws(LabError) -> Output {
    let workbench = try workbench(session)
    guard workbench.configuration.kind == .vae else {
      throw LabError("a plain autoencoder (kind=ae) has no q(z|x), so no ELBO to bound log p(x) with; use kind=vae")
    }
    let (rows, source) = try exampleRows(arguments.file, workbench: workbench, session: session)
    let d = workbench.configuration.inputs
    let available = rows.count / d
    if let index = arguments.index, index >= available {
      throw LabError("\(source) has no example \(index): its examples are 0 to \(available - 1)")
    }
    let indexes = arguments.index.map { [$0] } ?? Array(0..<available)
    if arguments.svg != nil && (indexes.count != 1 || workbench.configuration.latent != 2) {
      throw LabError(
        "svg= draws p(z|x) beside q(z|x) for one held-out example of a model with a 2-D latent space; give an example index I, or leave svg= out",
        argument: "svg")
    }
    // Replicates of each IWAE_k: about 10000 draws for one example, 200 per example for many.
    let draws = indexes.count == 1 ? 10_000 : 200
    let replicates = { (k: Int) in max(indexes.count == 1 ? 10 : 2, draws / k) }
    var generator = session.generator(commandSeed: arguments.seed)
    var examples: [BoundResult.Example] = []
    var allBounds: [MarginalLikelihood.Bounds] = []
    var figure: Figure?
    for (position, index) in indexes.enumerated() {
      if indexes.count > 1, position % 8 == 0 {
        session.progress?("vae bound: example \(position + 1) of \(indexes.count)")
      }
      let q = workbench.model.marginalLikelihood(of: Array(rows[(index * d)..<((index + 1) * d)]))
      let bounds: MarginalLikelihood.Bounds
      var fine: MarginalLikelihood.Densities?
      do throws(MarginalLikelihood.GridError) {
        bounds = try q.bounds(
          ks: arguments.ks, replicates: replicates, using: &generator, shouldStop: session.shouldStop)
        // For one example of a 2-D model: p(z|x) beside q(z|x), around both.
        if indexes.count == 1, workbench.configuration.latent == 2, case .quadrature(let grid) = bounds.logMarginal {
          let region = try q.pictureRegion(within: grid.region, shouldStop: session.shouldStop)
          let picture = try q.densities(over: region, side: terminalPictureSide, shouldStop: session.shouldStop)
          if arguments.svg != nil {
            fine = try q.densities(over: region, side: svgPictureSide, shouldStop: session.shouldStop)
          }
          figure = posteriorFigure(terminal: picture, svg: fine ?? picture, example: index)
        }
      } catch {
        throw latentGridFailure(error, of: "example \(index)")
      }
      examples.append(BoundResult.Example(index: index, bounds: bounds))
      allBounds.append(bounds)
      if let path = arguments.svg, let figure { try session.files.write(figure.svg(), to: path) }
    }
    session.keep(generator, drawnWith: arguments.seed)
    return Output(
      BoundResult(
        examples: examples,
        mean: BoundResult.Example(
          averaging: MarginalLikelihood.AveragedBounds(allBounds), method: examples.first?.method ?? ""),
        source: source, latent: workbench.configuration.latent, ks: arguments.ks, figure: figure,
        svg: arguments.svg))
  }

  /// p(z|x) beside q(z|x): in characters from the coarse grid `terminal`, as
  /// SVG from `svg` (a finer grid when svg= asked for one), drawn about 256 pixels a side.
  static func posteriorFigure(
    terminal: MarginalLikelihood.Densities, svg: MarginalLikelihood.Densities, example index: Int
  ) -> Figure {
    let title = "held-out example \(index): \(regionText(svg.region))"
    let images = [
      ("p(z|x), the true posterior", svg.posterior.map(Float.init)),
      ("q(z|x), the encoder's", svg.approximation.map(Float.init)),
    ]
    return Figure(
      title: title,
      drawing: { presentation in
        let side = terminal.side
        func image(_ values: [Double]) -> [String] {
          TerminalImage.lines(values.map(Float.init), width: side, height: side, colour: presentation.colour)
        }
        let width = presentation.colour ? side : 2 * side
        return "the true posterior beside the encoder's Gaussian, on \(regionText(terminal.region)):\n"
          + TerminalImage.row([
            ("p(z|x)", image(terminal.posterior), width), ("q(z|x)", image(terminal.approximation), width),
          ])
      },
      svg: {
        // The same size on a page from either grid: 4 pixels a point of the fine one.
        SVGImages.render(
          images, width: svg.side, height: svg.side, pixel: max(4, 4 * svgPictureSide / svg.side), columns: 2,
          title: title)
      })
  }

  /// `z0 in [-2, 0.4], z1 in [-1.6, 0.6]`, to 3 significant digits.
  static func regionText(_ region: [ClosedRange<Double>]) -> String {
    func short(_ value: Double) -> String { NumberFormat.shortest(NumberFormat.rounded(value, significantDigits: 3)) }
    return region.enumerated().map {
      "z\($0.offset) in [\(short($0.element.lowerBound)), \(short($0.element.upperBound))]"
    }
    .joined(separator: ", ")
  }

  /// What `vae bound` reports, per example and averaged.
  struct BoundResult: BlockResult {
    struct Bound: Encodable {
      var value: Double
      var stderr: Double
    }

    /// One example's bounds, or their averages (standard errors combined).
    struct Example: Encodable {
      var index: Int?
      var elbo: Bound
      @Nullable var elboExact: Double?
      var iwae: JSONMembers<Bound>
      var logPx: Double
      var logPxError: Double
      var method: String
      var gap: Double
      // For the text only:
      var logMarginal: MarginalLikelihood.LogMarginal?

      enum CodingKeys: String, CodingKey {
        case index, elbo, elboExact = "elbo_exact", iwae, logPx = "log_px", logPxError = "log_px_error", method, gap
      }

      init(index: Int, bounds: MarginalLikelihood.Bounds) {
        self.index = index
        elbo = Bound(value: bounds.elbo.mean, stderr: bounds.elbo.standardError)
        elboExact = bounds.expectedELBO?.value
        iwae = JSONMembers(
          bounds.importanceWeighted.map {
            (String($0.k), Bound(value: $0.moments.mean, stderr: $0.moments.standardError))
          })
        (logPx, logPxError, gap) = (bounds.logMarginal.value, bounds.logMarginal.error, bounds.gap)
        switch bounds.logMarginal {
        case .quadrature: method = "quadrature"
        case .importanceWeighted(let k, _): method = "iwae estimate, k=\(k)"
        }
        logMarginal = bounds.logMarginal
      }

      /// The average of several examples (`MarginalLikelihood.AveragedBounds`),
      /// whose log p(x) was found by `method`.
      init(averaging average: MarginalLikelihood.AveragedBounds, method: String) {
        elbo = Bound(value: average.elbo.value, stderr: average.elbo.standardError)
        elboExact = average.expectedELBO
        iwae = JSONMembers(
          average.importanceWeighted.map {
            (String($0.k), Bound(value: $0.estimate.value, stderr: $0.estimate.standardError))
          })
        (logPx, logPxError, gap) = (average.logMarginal, average.logMarginalError, average.gap)
        self.method = method
      }
    }

    var examples: [Example]
    /// Their average: JSON's `mean`, and what the text shows for several.
    var mean: Example
    /// `the held-out set`, or the data file's path.
    var source: String
    var latent: Int
    var ks: [Int]
    /// p(z|x) beside q(z|x) for one example of a 2-D model.
    var figure: Figure?
    /// The SVG file written, if any.
    var svg: String?

    enum CodingKeys: String, CodingKey { case source, examples, mean }

    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(source, forKey: .source)
      try container.encode(examples, forKey: .examples)
      try container.encode(mean, forKey: .mean)
    }

    func blocks(for presentation: Presentation) -> [ResultBlock] {
      func n(_ value: Double) -> String { NumberFormat.fixed(value, presentation.precision) }
      let single = examples.count == 1
      let shown = single ? examples[0] : mean
      var table = TextTable([("bound", .left), ("nats", .right), ("+-", .right), ("", .left)])
      table.append(["ELBO, one sample", n(shown.elbo.value), n(shown.elbo.stderr), "mean of one-sample estimates"])
      if let exact = shown.elboExact {
        table.append(["ELBO", n(exact), "", "exact expectation over q (grid of q's mean +- 8 sigma)"])
      }
      for member in shown.iwae.members {
        table.append(["IWAE k=\(member.key)", n(member.value.value), n(member.value.stderr), ""])
      }
      let how: String
      switch shown.logMarginal {
      case .quadrature(let grid)?:
        how =
          "quadrature, error \(NumberFormat.scientific(grid.error, 1)): \(regionText(grid.region)), step \(NumberFormat.scientific(grid.step, 2)), \(grid.points) points"
      case .importanceWeighted(let k, _)?:
        how = "estimated by IWAE with k = \(k), a lower bound"
      case nil:
        how =
          latent <= 2
          ? "quadrature, mean error \(NumberFormat.scientific(shown.logPxError, 1))"
          : "estimated by IWAE with k = \(MarginalLikelihood.estimateK), a lower bound"
      }
      table.append(["log p(x)", n(shown.logPx), "", how])
      let which = source == "the held-out set" ? "held-out example" : "example of \(source)"
      let heading =
        single
        ? "log p(x) = ELBO + KL(q(z|x) || p(z|x)) for \(which) \(examples[0].index ?? 0) (\(latent)-D latent)"
        : "log p(x) = ELBO + KL(q(z|x) || p(z|x)), averaged over the \(examples.count) examples of \(source) (\(latent)-D latent)"
      let gap =
        "gap: ELBO - log p(x) = -KL(q(z|x) || p(z|x)) = \(n(shown.gap)) nats"
        + (shown.elboExact == nil ? " (from the one-sample ELBO)" : "")
      return [.text(heading), .table(table), .text(gap)] + (figure.map { [.figure($0)] } ?? [])
        + (svg.map { [.text("wrote \($0)")] } ?? [])
    }
  }
}
