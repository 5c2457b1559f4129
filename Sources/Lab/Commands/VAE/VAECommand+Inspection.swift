import NeuralNet
import Probability

extension VAECommand {
  // MARK: vae show

  static let show = CommandSpec(
    name: "show",
    summary: "configuration, losses on training and held-out data, KL per latent dimension, active units, loss curve",
    discussion: """
      Losses are per example in nats, averaged over up to 2048 examples with one
      reparameterised sample each from a fixed seed. -ELBO = reconstruction + KL;
      with beta != 1 training minimises reconstruction + beta KL instead, shown
      beside it as the objective. A plain autoencoder (kind=ae) has a code, not a
      distribution: only its reconstruction loss is shown.
      Active units follow Burda et al. 2016: latent dimensions whose encoder mean
      varies across held-out examples with variance above 0.01.
      """,
    arguments: NoArguments.self,
    examples: ["vae show"],
    action: { session, _ throws(LabError) in
      let workbench = try workbench(session)
      let (model, data) = (workbench.model, workbench.data)
      let (train, heldOut) = try LabError.stoppingOnInterrupt { () throws(Interrupted) in
        (
          try Evaluation(model, rows: data.training, count: data.trainingCount, shouldStop: session.shouldStop),
          try Evaluation(model, rows: data.heldOut, count: data.heldOutCount, shouldStop: session.shouldStop)
        )
      }
      return Output(
        ShowResult(
          model: ModelSummary(workbench), heldOut: heldOut, training: train,
          lossCurve: workbench.history.map(\.objective)))
    })

  /// What `vae show` reports: the model, its losses on held-out and training
  /// examples, the KL per latent dimension, active units, the loss curve.
  struct ShowResult: BlockResult {
    var model: ModelSummary
    var heldOut: Evaluation
    var training: Evaluation
    var lossCurve: [Double]

    var configuration: VAEConfiguration { model.configuration }

    /// The losses as JSON: every term for a VAE, the reconstruction alone for a plain autoencoder.
    struct Losses: Encodable {
      var objective: Double?
      var negativeELBO: Double?
      var elbo: Double?
      var recon: Double
      var kl: Double?

      enum CodingKeys: String, CodingKey { case objective, negativeELBO = "neg_elbo", elbo, recon, kl }

      init(_ e: Evaluation, kind: VAEConfiguration.Kind) {
        recon = e.reconstruction
        if kind == .vae { (objective, negativeELBO, elbo, kl) = (e.objective, e.negativeELBO, -e.negativeELBO, e.kl) }
      }
    }

    /// JSON: the step and the held-out losses at the top, then the rest.
    enum CodingKeys: String, CodingKey {
      case step, klPerDimension = "kl_per_dim", activeUnits = "active_units", train, config
      case lossCurveOf = "loss_curve_of", lossCurve = "loss_curve"
    }
    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encode(model.step, forKey: .step)
      try Losses(heldOut, kind: configuration.kind).encode(to: encoder)
      if configuration.kind == .vae { try container.encode(heldOut.klPerDimension, forKey: .klPerDimension) }
      try container.encode(heldOut.activeUnits, forKey: .activeUnits)
      try container.encode(Losses(training, kind: configuration.kind), forKey: .train)
      try container.encode(model, forKey: .config)
      try container.encode(objectiveName(configuration), forKey: .lossCurveOf)
      try container.encode(lossCurve, forKey: .lossCurve)
    }

    func blocks(for presentation: Presentation) -> [ResultBlock] {
      let c = configuration
      func n(_ value: Double) -> String { NumberFormat.fixed(value, presentation.precision) }
      var lines = [model.text(for: presentation), "step \(model.step)"]
      // The columns: the objective when it is not -ELBO, then -ELBO and its two terms.
      var columns: [(String, TextTable.Alignment)] = [("", .left)]
      var values: [(Evaluation) -> Double] = []
      switch (c.kind, trainsNegativeELBO(c)) {
      case (.autoencoder, _):
        (columns, values) = (columns + [("reconstruction", .right)], [\.reconstruction])
      case (.vae, true):
        columns += [("-ELBO", .right), ("reconstruction", .right), ("KL", .right)]
        values = [\.negativeELBO, \.reconstruction, \.kl]
      case (.vae, false):
        columns += [(objectiveName(c), .right), ("-ELBO", .right), ("reconstruction", .right), ("KL", .right)]
        values = [\.objective, \.negativeELBO, \.reconstruction, \.kl]
      }
      var table = TextTable(columns)
      table.append(["training"] + values.map { n($0(training)) })
      table.append(["held-out"] + values.map { n($0(heldOut)) })
      let blocks: [ResultBlock] = [.text(lines.joined(separator: "\n")), .table(table)]
      lines = []
      if c.kind == .vae {
        lines.append("KL per latent dimension (held-out): " + heldOut.klPerDimension.map(n).joined(separator: " "))
      }
      lines.append(
        "active units: \(heldOut.activeUnits) of \(c.latent) (variance of the \(c.kind == .vae ? "encoder mean" : "code") across held-out examples above 0.01)"
      )
      let curveName =
        c.kind == .vae
        ? (trainsNegativeELBO(c)
          ? "training -ELBO per example" : "training objective per example (\(objectiveName(c)))")
        : "training reconstruction loss per example"
      if lossCurve.count >= 2 {
        let buckets = min(60, lossCurve.count)
        let points = (0..<buckets).map { bucket -> (x: Double, y: Double) in
          let range = (bucket * lossCurve.count / buckets)..<((bucket + 1) * lossCurve.count / buckets)
          let mean = lossCurve[range].reduce(0, +) / Double(range.count)
          return (Double(range.upperBound), mean)
        }
        let plot = LinePlot(
          series: [LinePlot.Series(name: curveName, marker: "L", points: points, isCurve: true)],
          xLabel: "step", yLabel: "nats", logX: false, logY: false)
        return blocks + [
          .text(lines.joined(separator: "\n")), .figure(Figure(plot, title: curveName, width: 60, height: 10)),
        ]
      }
      return blocks + [.text(lines.joined(separator: "\n"))]
    }
  }

  // MARK: vae encode, recon, sample

  static let encode = CommandSpec(
    name: "encode",
    summary: "the encoder's mu and sigma for one held-out example (the code, for a plain autoencoder)",
    arguments: EncodeArguments.self,
    examples: ["vae encode 3"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let index = arguments.index
      let row = try heldOutRows(workbench, [index])
      let (mu, logvar) = workbench.model.encode(row)
      let means = mu.map(Double.init)
      guard workbench.configuration.kind == .vae else {
        return Output(Encoding(z: means, index: index))
      }
      let kls = zip(means, logvar).map { GaussianKL.divergence(mean: $0, logVariance: Double($1)) }
      return Output(
        Encoding(
          mu: means, sigma: logvar.map { Double.exp(Double($0) / 2) }, klPerDimension: kls, index: index))
    })

  /// What `vae encode` reports: q(z|x) = N(mu, diag sigma^2) with its KL per
  /// dimension, or a plain autoencoder's code z.
  struct Encoding: BlockResult {
    var z: [Double]?
    var mu: [Double]?
    var sigma: [Double]?
    var klPerDimension: [Double]?
    // For the text only:
    var index: Int

    enum CodingKeys: String, CodingKey { case z, mu, sigma, klPerDimension = "kl_per_dim" }

    func blocks(for presentation: Presentation) -> [ResultBlock] {
      let p = presentation.precision
      if let z {
        var table = TextTable([("dim", .right), ("z", .right)])
        for d in z.indices { table.append(["\(d)", NumberFormat.fixed(z[d], p)]) }
        return [
          .text("code z for held-out example \(index) (a plain autoencoder: one point, no distribution):"),
          .table(table),
        ]
      }
      let (mu, sigma, kls) = (mu ?? [], sigma ?? [], klPerDimension ?? [])
      var table = TextTable([("dim", .right), ("mu", .right), ("sigma", .right), ("KL", .right)])
      for d in mu.indices {
        table.append([
          "\(d)", NumberFormat.fixed(mu[d], p), NumberFormat.fixed(sigma[d], p), NumberFormat.fixed(kls[d], p),
        ])
      }
      table.append(["total", "", "", NumberFormat.fixed(kls.reduce(0, +), p)])
      return [
        .text("q(z|x) for held-out example \(index):"), .table(table),
        .text("KL = 0.5 * (sigma^2 + mu^2 - 1 - log sigma^2) per dimension, from mu and sigma before rounding"),
      ]
    }
  }

  struct EncodeArguments: CommandArguments {
    @Positional(name: "i", 0...Int.max, help: "held-out example index") var index: Int = 0
  }

  struct ReconArguments: CommandArguments {
    @Positional(name: "i", 0...1_000_000_000, help: "held-out example indexes (at most 64)")
    var indexes: [Int] = [0, 1, 2, 3]
    @Named(.path, help: "also write the images as an SVG file") var svg: String?
  }

  struct SampleArguments: CommandArguments {
    @Positional(name: "k", 1...64, help: "how many") var count: Int = 6
    @Named(0...Int.max, help: "seed for z (default: the session's random stream)") var seed: Int?
    @Named(.path, help: "also write the images as an SVG file") var svg: String?
  }

  /// The most examples `vae recon` shows at once (as many as `vae sample` draws).
  static let largestPictureCount = 64

  static let recon = CommandSpec(
    name: "recon",
    summary: "held-out inputs beside their reconstructions (decoder mean at z = mu)",
    arguments: ReconArguments.self,
    examples: ["vae recon", "vae recon [5, 9]", "vae recon 0 svg=recon.svg"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let indexes = arguments.indexes
      guard indexes.count <= largestPictureCount else {
        throw LabError(
          "i lists \(indexes.count) examples; vae recon shows at most \(largestPictureCount) at a time", argument: "i")
      }
      let rows = try heldOutRows(workbench, indexes)
      let (mu, _) = workbench.model.encode(rows)
      let reconstructions = workbench.model.decode(mu)
      let d = workbench.data.dimension
      var pairs: [(String, [Float])] = []
      for (k, index) in indexes.enumerated() {
        pairs.append(("#\(index) input", Array(rows[(k * d)..<((k + 1) * d)])))
        pairs.append(("#\(index) recon", Array(reconstructions[(k * d)..<((k + 1) * d)])))
      }
      return try pictures(
        pairs, workbench: workbench, session: &session, svg: arguments.svg,
        title: "held-out inputs and their reconstructions (decoder mean at z = mu), step \(workbench.trainer.steps)",
        series: { $0 % 2 == 0 ? "held-out input" : "reconstruction" })
    })

  static let sample = CommandSpec(
    name: "sample",
    summary: "decode K draws z ~ N(0, I): what the model generates",
    arguments: SampleArguments.self,
    examples: ["vae sample", "vae sample 12 seed=3"],
    action: { session, arguments throws(LabError) in
      let workbench = try workbench(session)
      let (count, seed) = (arguments.count, arguments.seed)
      var generator = session.generator(commandSeed: seed)
      let z = (0..<(count * workbench.configuration.latent)).map { _ in Float(NormalSampler.next(using: &generator)) }
      let decoded = workbench.model.decode(z)
      let d = workbench.data.dimension
      let output = try pictures(
        decoded.rows(width: d).enumerated().map { ("z\($0.offset + 1)", $0.element) }, workbench: workbench,
        session: &session, svg: arguments.svg,
        title: "decoded draws z ~ N(0, I), step \(workbench.trainer.steps)", series: { _ in "decoded z ~ N(0, I)" })
      session.keep(generator, drawnWith: seed)
      return output
    })
}
