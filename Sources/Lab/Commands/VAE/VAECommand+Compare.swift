import NeuralNet
import Probability

extension VAECommand {
  // MARK: vae compare

  struct CompareArguments: CommandArguments {
    @Named(
      .path,
      help: "read the other model from this checkpoint (same data and size, the other kind) instead of training it")
    var with: String?
    @Named(0...Int.max, help: "seed of the latent samples, lines and directions the metrics use") var seed: Int = 0
    @Named(.path, help: "also write the samples and lines of both models as an SVG file") var svg: String?
  }

  static let compare = CommandSpec(
    name: "compare",
    summary: "the session's model against the other kind (VAE or plain autoencoder): completeness and continuity",
    discussion: """
      The other model has the session model's size, data, optimiser and seed,
      and is trained as many steps (or read with with=PATH). Both are measured
      the same way on their decodes:
      completeness, how plausible decodes of latent samples are (the prior
      N(0, I) for the VAE; for the autoencoder, which has none, a Gaussian
      fitted to its codes): the median distance of a decoded sample to its
      nearest training example over the same median for held-out
      reconstructions (lower is better, 1 is as good as reconstructions), and
      the share of samples no farther than 90% of reconstructions (higher);
      continuity, along straight lines between held-out encodings: the largest
      step between 16 decodes as a share of the path (lower; 1/15 is even
      change) and the path's length over its ends' distance (lower; 1 is
      straight), and the decoder's local Lipschitz constant around encodings
      in units of the codes' spread and the data's typical distance (lower).
      """,
    arguments: CompareArguments.self,
    examples: ["vae compare", "vae compare svg=compare.svg", "vae compare with=ae.safetensors"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      guard workbench.trainer.steps > 0 else {
        throw LabError(
          "the model has not been trained; train it first (vae step N), and the other will take as many steps")
      }
      let other: VAEWorkbench
      if let path = arguments.with {
        other = try comparisonPartner(path, of: workbench, session: session)
      } else {
        other = try trainedPartner(of: workbench, session: session)
      }
      let (vae, ae) = workbench.configuration.kind == .vae ? (workbench, other) : (other, workbench)
      var settings = LatentSpaceQuality.Settings()
      settings.seed = UInt64(arguments.seed)
      session.progress?("measuring both latent spaces")
      let data = workbench.data
      var measured: [LatentSpaceQuality] = []
      for model in [vae, ae] {
        do throws(Interrupted) {
          measured.append(
            try LatentSpaceQuality(
              model: model.model, training: data.training, heldOut: data.heldOut, settings: settings,
              shouldStop: session.shouldStop))
        } catch { throw .interrupted }
      }
      var figure: Figure?
      if let size = data.imageSize {
        let rows = try comparisonFigures(vae: vae, ae: ae, seed: UInt64(arguments.seed))
        let title = "VAE against plain autoencoder, \(vae.trainer.steps) steps each"
        figure = Figure(
          title: title,
          drawing: { presentation in
            rows.map { row in
              TerminalImage.grid(
                row.images, columns: row.images.count, width: size.width, height: size.height,
                colour: presentation.colour, rowLabels: [row.name], columnLabels: [],
                maxWidth: presentation.width ?? 140)
            }.joined(separator: "\n")
          },
          svg: {
            SVGImages.grid(
              rows.flatMap(\.images), columns: 8, width: size.width, height: size.height,
              rowLabels: rows.map(\.name), columnLabels: [], xLabel: "", yLabel: "", title: title, gap: 6)
          })
      }
      if let svg = arguments.svg {
        guard let figure else {
          throw LabError("svg= draws images, and \(data.name) is not images; leave svg= out", argument: "svg")
        }
        try session.files.write(figure.svg(), to: svg)
      }
      return Output(
        Comparison(
          vae: .init(measured[0], steps: vae.trainer.steps), ae: .init(measured[1], steps: ae.trainer.steps),
          figure: figure, svg: arguments.svg))
    })

  /// The other kind of model, as vae new would make it with the session
  /// model's arguments, trained as many steps.
  static func trainedPartner(of workbench: VAEWorkbench, session: Session) throws(LabError) -> VAEWorkbench {
    var c = workbench.configuration
    c.kind = c.kind == .vae ? .autoencoder : .vae
    c.beta = 1
    let optimizer = workbench.trainer.optimizer
    let partner = try freshWorkbench(
      data: workbench.data, configuration: c, optimizer: optimizer.kind, learningRate: optimizer.learningRate,
      batchSize: workbench.trainer.batchSize, seed: workbench.seed, label: workbench.label,
      shouldStop: session.shouldStop)
    let steps = workbench.trainer.steps
    let name = c.kind == .vae ? "VAE" : "autoencoder"
    let clock = ContinuousClock()
    var lastReport = clock.now
    let failure: Trainer<Float>.StepError?
    do throws(Interrupted) {
      failure = try partner.trainer.train(steps, shouldStop: session.shouldStop) { taken, _ in
        if let progress = session.progress, clock.now - lastReport > .milliseconds(100) {
          lastReport = clock.now
          progress("training the \(name) to compare: step \(taken) of \(steps)")
        }
      }
    } catch { throw .interrupted }
    if let failure, case .notFinite(let step, _) = failure {
      throw LabError("the \(name) to compare failed at step \(step): a loss or gradient that is not finite")
    }
    return partner
  }

  /// The other model from a checkpoint: the same examples and size, the other kind.
  static func comparisonPartner(_ path: String, of workbench: VAEWorkbench, session: Session) throws(LabError)
    -> VAEWorkbench
  {
    let other = try loadedWorkbench(path, session: session)
    let (a, b) = (workbench.configuration, other.configuration)
    guard other.data.name == workbench.data.name else {
      throw LabError("\(path) was trained on \(other.data.name), the model on \(workbench.data.name)", argument: "with")
    }
    // Both are measured on the session's examples: the same file read another
    // way (another label= column) gives other examples, perhaps of another width.
    guard
      other.data.dimension == workbench.data.dimension && other.data.training == workbench.data.training
        && other.data.heldOut == workbench.data.heldOut
    else {
      func reading(_ w: VAEWorkbench) -> String {
        "\(w.data.dimension) values an example, label=\(w.label ?? "none")"
      }
      throw LabError(
        "\(path) was trained on other examples of \(other.data.name) than the model (\(reading(other)) against \(reading(workbench))); compare measures both on the same examples",
        argument: "with")
    }
    guard a.kind != b.kind else {
      throw LabError(
        "\(path) holds a \(b.kind == .vae ? "VAE" : "plain autoencoder") too; compare takes one of each",
        argument: "with")
    }
    guard a.hidden == b.hidden && a.latent == b.latent && a.activation == b.activation && a.likelihood == b.likelihood
    else {
      throw LabError(
        "\(path) is not the model's size: \(architecture(b)) against \(architecture(a))", argument: "with")
    }
    return other
  }

  /// Rows of pictures for the comparison: each model's decoded latent samples
  /// and its decodes along one line between two held-out encodings.
  static func comparisonFigures(vae: VAEWorkbench, ae: VAEWorkbench, seed: UInt64) throws(LabError) -> [(
    name: String, images: [[Float]]
  )] {
    let data = vae.data
    let (d, l) = (data.dimension, vae.configuration.latent)
    guard data.heldOutCount >= 2 else { return [] }
    let ends = try heldOutRows(vae, [0, 1])
    var rows: [(String, [[Float]])] = []
    for (name, workbench) in [("VAE", vae), ("AE", ae)] {
      let model = workbench.model
      var generator = Xoshiro256StarStar(seed: seed)
      let moments = LatentSpaceQuality.codeMoments(model, training: data.training)
      let samples = model.decode(
        LatentSpaceQuality.latentSamples(8, model: model, codeMoments: moments, generator: &generator))
      let mu = model.encode(ends).mu.map(Double.init)
      let line = LatentPaths.line(from: Array(mu[0..<l]), to: Array(mu[l...]), steps: 8)
      let decodes = model.decode(line.flatMap { $0.map(Float.init) })
      rows.append(("\(name) samples", samples.rows(width: d)))
      rows.append(("\(name) line", decodes.rows(width: d)))
    }
    return rows
  }

  /// One metric's value and which way is better.
  struct Metric: Encodable {
    var value: Double
    var better: String
  }

  /// A model's completeness and continuity figures.
  struct Quality: Encodable {
    struct Completeness: Encodable {
      var sampling: String
      var sampleDistanceRatio: Metric
      var plausibleShare: Metric
      enum CodingKeys: String, CodingKey {
        case sampling, sampleDistanceRatio = "sample_distance_ratio", plausibleShare = "plausible_share"
      }
    }
    struct Continuity: Encodable {
      var largestStepShare: Metric
      var pathStretch: Metric
      var localLipschitz: Metric
      enum CodingKeys: String, CodingKey {
        case largestStepShare = "largest_step_share", pathStretch = "path_stretch", localLipschitz = "local_lipschitz"
      }
    }
    var steps: Int
    var completeness: Completeness
    var continuity: Continuity

    init(_ q: LatentSpaceQuality, steps: Int) {
      self.steps = steps
      completeness = Completeness(
        sampling: q.sampling.rawValue, sampleDistanceRatio: Metric(value: q.sampleDistanceRatio, better: "lower"),
        plausibleShare: Metric(value: q.plausibleShare, better: "higher"))
      continuity = Continuity(
        largestStepShare: Metric(value: q.largestStepShare, better: "lower"),
        pathStretch: Metric(value: q.pathStretch, better: "lower"),
        localLipschitz: Metric(value: q.localLipschitz, better: "lower"))
    }
  }

  struct Comparison: BlockResult {
    var vae: Quality
    var ae: Quality
    /// Reconstructions and samples of each model, for data that are images.
    var figure: Figure?
    /// The SVG file written, if any.
    var svg: String?

    enum CodingKeys: String, CodingKey { case vae, ae }

    func blocks(for presentation: Presentation) -> [ResultBlock] {
      func row(_ name: String, _ a: Metric, _ b: Metric, _ meaning: String) -> [String] {
        let (shownA, shownB) = (
          NumberFormat.fixed(a.value, presentation.precision), NumberFormat.fixed(b.value, presentation.precision)
        )
        let better = a.better == "lower" ? (a.value < b.value ? "VAE" : "AE") : (a.value > b.value ? "VAE" : "AE")
        // A verdict the printed digits cannot show is not given.
        return [name, shownA, shownB, "\(a.better) is better: \(shownA == shownB ? "even" : better)", meaning]
      }
      var table = TextTable([("", .left), ("VAE", .right), ("AE", .right), ("", .left), ("", .left)])
      table.append(["completeness", "", "", "", ""])
      table.append(
        row(
          "  sample distance ratio", vae.completeness.sampleDistanceRatio, ae.completeness.sampleDistanceRatio,
          "median nearest-data distance of decoded samples / of reconstructions"))
      table.append(
        row(
          "  plausible share", vae.completeness.plausibleShare, ae.completeness.plausibleShare,
          "samples as near data as 90% of reconstructions"))
      table.append(["continuity", "", "", "", ""])
      table.append(
        row(
          "  largest step share", vae.continuity.largestStepShare, ae.continuity.largestStepShare,
          "largest of 15 steps along a line / its length (1/15 = even)"))
      table.append(
        row(
          "  path stretch", vae.continuity.pathStretch, ae.continuity.pathStretch,
          "decoded path length / distance of its ends (1 = straight)"))
      table.append(
        row(
          "  local Lipschitz", vae.continuity.localLipschitz, ae.continuity.localLipschitz,
          "decode change per code spread / typical data distance"))
      return [
        .text(
          "VAE against plain autoencoder, \(vae.steps) steps each; samples from the prior N(0, I) for the VAE, from a Gaussian fitted to the codes for the autoencoder"
        ),
        .table(table),
      ] + (figure.map { [.figure($0)] } ?? []) + (svg.map { [.text("wrote \($0)")] } ?? [])
    }
  }
}
